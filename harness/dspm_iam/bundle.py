"""Locate and read the OPA bundle: its manifest, Rego modules and JSON data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dspm_iam.errors import BundleError
from dspm_iam.locations import shipped

MANIFEST = ".manifest"


def default_bundle_dir() -> Path:
    """The bundle shipped with this package (see locations.shipped)."""
    return shipped("policy")


@dataclass(frozen=True)
class Bundle:
    """An OPA bundle directory and its manifest."""

    root: Path
    revision: str
    roots: tuple[str, ...]

    def modules(self, *, include_tests: bool = False) -> Iterator[tuple[str, str]]:
        """Yield (relative path, source) for each Rego module, tests optional."""
        for path in sorted(self.root.rglob("*.rego")):
            if path.name.endswith("_test.rego") and not include_tests:
                continue
            yield path.relative_to(self.root).as_posix(), path.read_text("utf-8")

    def data_files(self) -> Iterator[tuple[str, Any]]:
        """Yield (dotted data path, value) for each data.json in the bundle."""
        for data_path, path in self.data_paths():
            yield data_path, read_json(path)

    def data_paths(self) -> Iterator[tuple[str, Path]]:
        """Yield (dotted data path, file) for each data.json in the bundle."""
        for path in sorted(self.root.rglob("data.json")):
            parts = path.parent.relative_to(self.root).parts
            yield ".".join(parts), path


def load_bundle(root: Path | None = None) -> Bundle:
    """Read the bundle at root (default: the shipped one) and check its manifest."""
    root = root or default_bundle_dir()
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        raise BundleError(f"{root}: expected an OPA bundle with a {MANIFEST} file")

    manifest = read_json(manifest_path)
    revision = manifest.get("revision")
    roots = manifest.get("roots")
    if not isinstance(revision, str) or not isinstance(roots, list):
        raise BundleError(
            f"{manifest_path}: expected an object with a string 'revision' "
            "and a list 'roots'"
        )
    return Bundle(root=root, revision=revision, roots=tuple(roots))


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise BundleError(f"{path}: expected readable JSON ({error})") from None

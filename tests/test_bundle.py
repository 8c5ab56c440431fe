"""The bundle: a valid OPA bundle directory, and its reproducible archive."""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path

import pytest

from dspm_iam.bundle import load_bundle
from dspm_iam.bundle_build import build_archive, main
from dspm_iam.engine import EmbeddedEngine
from dspm_iam.errors import BundleError
from tests.expected import CHECKS

BUNDLE = load_bundle()


def test_manifest_names_revision_and_roots() -> None:
    manifest = json.loads((BUNDLE.root / ".manifest").read_text("utf-8"))

    assert manifest["roots"] == ["dspm"]
    assert manifest["revision"]
    assert manifest["rego_version"] == 1


@pytest.mark.parametrize(
    "module", [path for path, _ in BUNDLE.modules(include_tests=True)]
)
def test_module_package_follows_its_folder(module: str) -> None:
    source = (BUNDLE.root / module).read_text("utf-8")
    package = re.search(r"^package ([\w.]+)", source, re.MULTILINE)
    folder = ".".join(Path(module).parent.parts)

    assert package is not None
    assert package.group(1).removesuffix("_test") == folder


def test_every_check_has_metadata() -> None:
    engine = EmbeddedEngine(BUNDLE)
    checks = engine.document("dspm.report.checks")

    assert set(checks) == CHECKS
    for meta in checks.values():
        assert meta["title"] and meta["description"]
        assert set(meta["custom"]) == {"check", "id", "severity", "remediation"}


def test_archive_is_reproducible_and_loads(tmp_path: Path) -> None:
    first, second = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    build_archive(BUNDLE.root, first)
    build_archive(BUNDLE.root, second)

    assert first.read_bytes() == second.read_bytes()

    with tarfile.open(first) as archive:
        names = archive.getnames()
        archive.extractall(tmp_path / "x", filter="data")

    assert "/.manifest" in names
    assert not [name for name in names if name.endswith("_test.rego")]
    extracted = EmbeddedEngine(load_bundle(tmp_path / "x"))
    assert extracted.document("dspm.catalog.version") == BUNDLE_CATALOG_VERSION


BUNDLE_CATALOG_VERSION = json.loads(
    (BUNDLE.root / "dspm" / "catalog" / "data.json").read_text("utf-8")
)["version"]


def test_missing_manifest_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="expected an OPA bundle"):
        load_bundle(tmp_path)


def test_command_line_reports_bad_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main([str(tmp_path), str(tmp_path / "out.tar.gz")])

    assert status == 2
    assert capsys.readouterr().err.count("\n") == 1

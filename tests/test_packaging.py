"""The wheel carries the bundle and the schemas, and an installed copy uses them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from click.testing import CliRunner

from dspm_iam.cli import cli
from dspm_iam.locations import PACKAGE, shipped

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "examples" / "demo"
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")
FOLDERS = ("harness", "policy", "schemas")
CHECK = ["check", "--format", "json", "--params", str(DEMO / "params.yaml")]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package built as a wheel from a copy of the sources, installed apart."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    for name in SOURCES:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, source / name)
    for name in FOLDERS:
        shutil.copytree(
            REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    build = ["wheel", "--no-deps", "--no-build-isolation", "-w", root / "dist"]
    subprocess.run([*pip, *build, source], check=True)
    (wheel,) = (root / "dist").glob("dspm_iam-*.whl")
    target = root / "site"
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-index", "--target", target, wheel],
        check=True,
    )
    return target


def _run_installed(
    target: Path, code: str, *args: str
) -> subprocess.CompletedProcess[str]:
    """Python without the checkout on its path: the installed copy, then the
    environment's other packages (no .pth files, so no editable install)."""
    prelude = (
        "import sys; "
        f"sys.path[:0] = [{str(target)!r}, {sysconfig.get_path('purelib')!r}]; "
    )
    return subprocess.run(
        [sys.executable, "-S", "-c", prelude + code, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=target,
    )


def test_the_wheel_holds_every_file_of_the_bundle_and_the_schemas(
    installed: Path,
) -> None:
    package = installed / "dspm_iam" / "shipped"
    for name in ("policy", "schemas"):
        expected = sorted(
            path.relative_to(REPO / name).as_posix()
            for path in (REPO / name).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        )
        found = sorted(
            path.relative_to(package / name).as_posix()
            for path in (package / name).rglob("*")
            if path.is_file()
        )
        assert found == expected
    assert (package / "policy" / ".manifest").is_file()


def test_an_installed_copy_reads_its_own_bundle_and_schemas(installed: Path) -> None:
    shown = _run_installed(
        installed,
        "import dspm_iam.bundle as b, dspm_iam.schemas as s; "
        "print(b.default_bundle_dir()); print(s.schema_dir())",
    )

    assert shown.returncode == 0, shown.stderr
    bundle, schemas = shown.stdout.splitlines()
    assert Path(bundle) == installed / "dspm_iam" / "shipped" / "policy"
    assert Path(schemas) == installed / "dspm_iam" / "shipped" / "schemas"


def test_an_installed_copy_checks_as_the_checkout_does(installed: Path) -> None:
    checkout = CliRunner().invoke(cli, [*CHECK, str(DEMO / "accounts")])

    copy = _run_installed(
        installed,
        "from dspm_iam.cli import main; main()",
        *CHECK,
        str(DEMO / "accounts"),
    )

    assert copy.returncode == checkout.exit_code == 1, copy.stderr
    assert json.loads(copy.stdout) == json.loads(checkout.stdout)


@pytest.mark.skipif(
    not PACKAGE.is_relative_to(REPO / "harness"),
    reason="dspm_iam is imported from an installed copy (tox), not the checkout",
)
def test_a_checkout_reads_its_folders_in_place() -> None:
    assert shipped("policy") == REPO / "policy"
    assert shipped("schemas") == REPO / "schemas"

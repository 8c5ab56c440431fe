"""The bundle's Rego unit tests, one pytest case per test_* rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from dspm_iam.bundle import load_bundle
from dspm_iam.engine import EmbeddedEngine
from dspm_iam.errors import EngineError
from dspm_iam.regotest import Coverage, RegoTest, discover, run, run_package
from tests.conftest import REGO_COVERAGE

BUNDLE = load_bundle()
TESTS = list(discover(BUNDLE))


@pytest.fixture(scope="module")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine(BUNDLE, include_tests=True)


@pytest.fixture(scope="module")
def coverage(pytestconfig: pytest.Config) -> Coverage:
    """Line coverage of the policy, shown at the end of the pytest run."""
    merged = Coverage()
    pytestconfig.stash[REGO_COVERAGE] = merged
    return merged


@pytest.fixture(scope="module")
def outcomes(
    engine: EmbeddedEngine, coverage: Coverage
) -> dict[str, dict[str, bool] | None]:
    """Each test package evaluated once; None where the package raised."""
    results: dict[str, dict[str, bool] | None] = {}
    for package in sorted({test.package for test in TESTS}):
        try:
            results[package] = run_package(engine, package, coverage)
        except EngineError:
            results[package] = None
    return results


def test_policy_coverage(
    outcomes: dict[str, dict[str, bool] | None], coverage: Coverage
) -> None:
    checks = [path for path in coverage.seen if path.startswith("dspm/checks/")]

    assert len(checks) == len(
        {test.module for test in TESTS if "/checks/" in test.module}
    )
    assert coverage.percent() > 80


def test_every_check_has_tests() -> None:
    checks = {path.parent.name for path in BUNDLE.root.glob("dspm/checks/*/*.rego")}
    tested = {
        test.module.split("/")[2]
        for test in TESTS
        if test.module.startswith("dspm/checks/")
    }

    assert checks
    assert checks == tested


@pytest.mark.parametrize("test", TESTS, ids=[test.path for test in TESTS])
def test_rego(
    engine: EmbeddedEngine,
    outcomes: dict[str, dict[str, bool] | None],
    test: RegoTest,
) -> None:
    package = outcomes[test.package]
    # Where the package raised as a whole, the test runs alone to show its error.
    held = run(engine, test) if package is None else package.get(test.name, False)

    assert held, f"{test.path} in {test.module} does not hold"


def test_runner_reports_failing_and_undefined_rules(tmp_path: Path) -> None:
    (tmp_path / ".manifest").write_text('{"revision": "t", "roots": ["t"]}')
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "t_test.rego").write_text(
        "package t_test\n\n"
        "test_holds if 1 == 1\n\n"
        "test_fails if 1 == 2\n\n"
        "test_false := false\n"
    )
    bundle = load_bundle(tmp_path)
    engine = EmbeddedEngine(bundle, include_tests=True)
    found = {test.name: test for test in discover(bundle)}

    assert set(found) == {"test_holds", "test_fails"}
    assert run_package(engine, "t_test") == {"test_holds": True, "test_false": False}
    assert run(engine, found["test_holds"])
    assert not run(engine, found["test_fails"])

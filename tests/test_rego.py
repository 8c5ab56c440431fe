"""The bundle's Rego unit tests, one pytest case per test_* rule."""

from __future__ import annotations

import pytest

from dspm_iam.bundle import load_bundle
from dspm_iam.engine import EmbeddedEngine
from dspm_iam.regotest import RegoTest, discover, run

BUNDLE = load_bundle()
TESTS = list(discover(BUNDLE))


@pytest.fixture(scope="module")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine(BUNDLE, include_tests=True)


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
def test_rego(engine: EmbeddedEngine, test: RegoTest) -> None:
    assert run(engine, test), f"{test.path} in {test.module} does not hold"

"""Hand-written DSPM roles, compliant and broken, give the expected verdicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from dspm_iam.bundle import load_bundle
from dspm_iam.engine import EmbeddedEngine
from dspm_iam.loaders import load_inputs
from dspm_iam.params import ROLE_TYPES, load_params
from dspm_iam.waivers import load_waivers
from tests.expected import CHECKS

DATA = Path(__file__).resolve().parents[1] / "data"
GOOD = DATA / "roles" / "good"
BAD = DATA / "policies" / "bad"
DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"
CASES = yaml.safe_load((BAD / "expected.yaml").read_text("utf-8"))["cases"]


@pytest.fixture(scope="module")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine(load_bundle())


def evaluate(
    engine: EmbeddedEngine,
    paths: list[Path],
    params: Path,
    role_type: str | None = None,
    waivers: Path | None = None,
) -> dict[str, Any]:
    inputs = load_inputs([str(path) for path in paths], role_type)
    document: dict[str, Any] = {
        "params": load_params(params),
        "options": {"fail_on": "high", "today": "2026-12-03"},
        "sources": inputs.sources,
        "roles": inputs.roles,
    }
    if waivers is not None:
        document["waivers"] = load_waivers(waivers)
    return engine.evaluate(document)


def pairs(result: dict[str, Any]) -> set[tuple[str, str | None]]:
    return {(finding["check"], finding["action"]) for finding in result["findings"]}


@pytest.mark.parametrize("role_type", ROLE_TYPES)
def test_success_compliant_policy(engine: EmbeddedEngine, role_type: str) -> None:
    path = GOOD / f"{role_type}.policy.json"
    result = evaluate(engine, [path], DATA / "params" / "all-features.yaml", role_type)

    assert result["findings"] == []
    assert result["summary"]["roles_checked"] == 1


@pytest.mark.parametrize("role_type", ROLE_TYPES)
def test_success_compliant_role_classified_by_name(
    engine: EmbeddedEngine, role_type: str
) -> None:
    path = GOOD / f"{role_type}.role.json"
    result = evaluate(engine, [path], DATA / "params" / "all-features.yaml")

    assert [role["role_type"] for role in result["roles"]] == [role_type]
    assert result["findings"] == []


@pytest.mark.parametrize(
    "case", [pytest.param(case, id=name) for name, case in CASES.items()]
)
def test_trap(engine: EmbeddedEngine, case: dict[str, Any]) -> None:
    params = DATA / "params" / case["params"]
    result = evaluate(engine, [BAD / case["file"]], params, case["role_type"])
    expected = {(item["check"], item["action"]) for item in case["findings"]}

    assert pairs(result) == expected


def test_demo_raises_every_check(engine: EmbeddedEngine) -> None:
    result = evaluate(
        engine, [DEMO / "accounts"], DEMO / "params.yaml", waivers=DEMO / "waivers.yaml"
    )
    by_account: dict[str | None, set[str]] = {}
    for finding in result["findings"]:
        by_account.setdefault(finding["account"], set()).add(finding["check"])

    assert {check for checks in by_account.values() for check in checks} == CHECKS
    assert "222222222222" not in by_account
    assert result["summary"]["roles_unclassified"] > 0
    assert result["summary"]["failed"] is True
    waived = {f["suppression"]["id"] for f in result["findings"] if "suppression" in f}
    assert waived == {"scanner-session-manager"}

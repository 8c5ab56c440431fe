"""Tests for `dspm-iam scan` against an Organization of 50 accounts in moto.

moto runs in server mode on 127.0.0.1 (see aws_org.py); the scan reaches it
through --endpoint-url with fake credentials. Faults (a denied AssumeRole,
throttling, a slow account) are injected at the HTTP layer by botocore
`before-send` handlers, so the scan meets them as it would meet AWS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_org import (
    ACCESS_KEY,
    PARAMS,
    UNSET,
    Faults,
    Organization,
    aws_environment,
    build_organization,
    inject,
    member_credentials,
    moto_server,
)
from click.testing import CliRunner, Result

from dspm_iam.cli import cli
from dspm_iam.schemas import validator
from dspm_iam.shards import shard_of

MEMBERS = 50
ACCOUNTS = MEMBERS + 1  # and the management account
SLOW_DELAY = 8.5
ACCOUNT_TIMEOUT = "8"
KILL_AFTER_SNAPSHOTS = 4


@dataclass
class Scan:
    """One finished scan: its command result, output folder and JSON report."""

    result: Result
    out: Path
    faults: Faults

    @property
    def report(self) -> dict[str, Any]:
        """The combined JSON report printed on standard output."""
        report: dict[str, Any] = json.loads(self.result.stdout)
        return report


@pytest.fixture(scope="module")
def organization() -> Iterator[Organization]:
    """moto on 127.0.0.1 with an Organization, fake credentials in the environment."""
    with moto_server() as endpoint, pytest.MonkeyPatch.context() as patch:
        for name in UNSET:
            patch.delenv(name, raising=False)
        for name, value in aws_environment().items():
            patch.setenv(name, value)
        yield build_organization(endpoint, MEMBERS)


@pytest.fixture(scope="module")
def clean_scan(
    organization: Organization, tmp_path_factory: pytest.TempPathFactory
) -> Scan:
    """An uninterrupted scan of the whole Organization without faults."""
    return _scan_with(
        organization,
        Faults(),
        tmp_path_factory.mktemp("clean") / "scan",
        "--organization",
    )


@pytest.fixture(scope="module")
def faulted_scan(
    organization: Organization, tmp_path_factory: pytest.TempPathFactory
) -> Scan:
    """A scan at -vv where one account is denied, one throttled, one too slow.

    The first three other IAM reads are throttled once and must succeed on
    their retry.
    """
    spare = organization.of_kind("without-dspm")
    faults = Faults(
        deny=frozenset({spare[0]}),
        throttle_first=3,
        throttle_always=frozenset({spare[1]}),
        slow=frozenset({spare[2]}),
        delay=SLOW_DELAY,
    )
    return _scan_with(
        organization,
        faults,
        tmp_path_factory.mktemp("faulted") / "scan",
        "--organization",
        "--max-attempts",
        "2",
        "--account-timeout",
        ACCOUNT_TIMEOUT,
        verbosity="-vv",
    )


def test_unreachable_accounts_are_reported_and_exit_3(
    organization: Organization, faulted_scan: Scan
) -> None:
    spare = organization.of_kind("without-dspm")
    collection = faulted_scan.report["collection"]
    failed = {item["account"]: item["reason"] for item in collection["failed"]}

    assert faulted_scan.result.exit_code == 3, faulted_scan.result.output
    assert collection["complete"] is False
    assert sorted(failed) == sorted(spare[:3])
    assert "AccessDenied" in failed[spare[0]]
    assert "sts:AssumeRole" in failed[spare[0]]
    assert "Throttling" in failed[spare[1]]
    assert "reached max retries: 1" in failed[spare[1]]
    assert (
        failed[spare[2]] == f"timed out after {ACCOUNT_TIMEOUT} s (--account-timeout)"
    )
    assert collection["accounts"] == {
        "selected": ACCOUNTS,
        "collected": ACCOUNTS - 3,
        "failed": 3,
        "skipped": 0,
    }


def test_incomplete_takes_precedence_over_findings(faulted_scan: Scan) -> None:
    assert faulted_scan.report["summary"]["failed"] is True
    assert faulted_scan.result.exit_code == 3


def test_throttled_reads_are_retried(faulted_scan: Scan) -> None:
    reads = faulted_scan.faults.sent.count("GetAccountAuthorizationDetails")

    assert faulted_scan.faults.throttled == 3
    # one read per collected account, plus a retry for each throttled read and
    # the attempts of the always-throttled and the slow account
    assert reads == (ACCOUNTS - 3) + 3 + 2 + 1


def test_failed_accounts_leave_no_snapshot(
    organization: Organization, faulted_scan: Scan
) -> None:
    spare = organization.of_kind("without-dspm")
    written = {path.stem for path in (faulted_scan.out / "accounts").glob("*.json")}
    manifest = json.loads((faulted_scan.out / "run.json").read_text("utf-8"))
    statuses = {entry["account"]: entry["status"] for entry in manifest["accounts"]}

    assert len(written) == ACCOUNTS - 3
    assert not written & set(spare[:3])
    assert {statuses[account] for account in spare[:3]} == {"failed"}
    assert manifest["complete"] is False
    assert manifest["finished"] is not None


def test_no_credential_reaches_logs_or_files(faulted_scan: Scan) -> None:
    texts = [faulted_scan.result.stdout, faulted_scan.result.stderr]
    texts += [
        path.read_text("utf-8")
        for path in faulted_scan.out.rglob("*")
        if path.is_file()
    ]
    leaked = [
        secret
        for secret in faulted_scan.faults.secrets
        if any(secret in t for t in texts)
    ]

    assert "DEBUG dspm_iam" in faulted_scan.result.stderr
    # the three values of each role assumed (all but the denied one), and ours
    assert len(faulted_scan.faults.secrets) == 3 * MEMBERS
    assert leaked == []


def test_report_follows_the_schema(faulted_scan: Scan, clean_scan: Scan) -> None:
    for scan in (faulted_scan, clean_scan):
        assert list(validator("report").iter_errors(scan.report)) == []


def test_clean_scan_fails_on_findings_only(
    organization: Organization, clean_scan: Scan
) -> None:
    report = clean_scan.report
    accounts_with_findings = {finding["account"] for finding in report["findings"]}

    assert clean_scan.result.exit_code == 1, clean_scan.result.output
    assert report["collection"]["complete"] is True
    assert accounts_with_findings == set(organization.of_kind("non-compliant"))
    # the DSPM roles of the members, and the management account's
    assert report["summary"]["roles_checked"] == 1 + len(
        organization.of_kind("compliant") + organization.of_kind("non-compliant")
    )


@pytest.mark.parametrize(
    "which",
    [
        pytest.param("non-compliant-in-unit", id="member-with-scps"),
        pytest.param("management", id="management-without-scps"),
    ],
)
def test_snapshots_check_offline_to_the_same_report(
    organization: Organization,
    clean_scan: Scan,
    monkeypatch: pytest.MonkeyPatch,
    which: str,
) -> None:
    account = _pick(organization, which)
    scps = json.loads((clean_scan.out / "scps" / f"{account}.json").read_text("utf-8"))
    scp_option = ["--scp", f"scps/{account}.json"] if scps else []
    monkeypatch.chdir(clean_scan.out)

    offline = CliRunner().invoke(
        cli,
        [
            "check",
            "--params",
            str(PARAMS),
            "--format",
            "json",
            *scp_option,
            f"accounts/{account}.json",
        ],
    )
    scanned = json.loads((clean_scan.out / "reports" / f"{account}.json").read_text())

    assert offline.exit_code in (0, 1), offline.output
    assert json.loads(offline.stdout) == scanned
    assert bool(scps) == (which != "management")


def test_each_account_has_its_report(clean_scan: Scan) -> None:
    reports = sorted((clean_scan.out / "reports").glob("*.json"))
    findings = [
        f for path in reports for f in json.loads(path.read_text("utf-8"))["findings"]
    ]

    assert len(reports) == ACCOUNTS
    assert findings == clean_scan.report["findings"]


def test_scps_of_each_account_are_collected(
    organization: Organization, clean_scan: Scan
) -> None:
    inside = _pick(organization, "non-compliant-in-unit")
    outside = sorted(set(organization.kinds) - organization.in_unit)[0]

    assert _scp_targets(clean_scan.out, inside) == {
        "FullAWSAccess": ["ACCOUNT", "ORGANIZATIONAL_UNIT", "ROOT"],
        "DenyLeaveOrganization": ["ORGANIZATIONAL_UNIT"],
    }
    assert _scp_targets(clean_scan.out, outside) == {
        "FullAWSAccess": ["ACCOUNT", "ROOT"]
    }
    # SCPs do not apply to the management account
    assert _scp_targets(clean_scan.out, organization.management) == {}
    assert clean_scan.report["collection"]["scps_unreadable"] == []


def test_management_account_alone_exit_0(
    organization: Organization, tmp_path: Path
) -> None:
    scan = _scan_with(organization, Faults(), tmp_path / "scan")
    collection = scan.report["collection"]

    assert scan.result.exit_code == 0, scan.result.output
    assert [role["account"] for role in scan.report["roles"] if role["checked"]] == [
        organization.management
    ]
    assert collection["complete"] is True
    assert collection["scps_unreadable"] == []


@pytest.mark.parametrize(
    ("kind", "checks"),
    [
        pytest.param("compliant", {"unresolved"}, id="compliant"),
        pytest.param(
            "non-compliant",
            {"unresolved", "excess-permission", "resource-scope"},
            id="non-compliant",
        ),
    ],
)
def test_member_alone_cannot_read_scps_and_says_so(
    organization: Organization,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    checks: set[str],
) -> None:
    account = organization.of_kind(kind)[0]
    credentials = member_credentials(organization.endpoint, account)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", credentials["SessionToken"])

    scan = _scan_with(organization, Faults(), tmp_path / "scan")
    collection = scan.report["collection"]
    rules = {
        f["rule_id"] for f in scan.report["findings"] if f["check"] == "unresolved"
    }

    # the bundle fails closed on SCPs it was not given: exit 1, not 0
    assert scan.result.exit_code == 1, scan.result.output
    assert {finding["check"] for finding in scan.report["findings"]} == checks
    assert rules == {"DSPM-UNRESOLVED-007"}
    assert [item["account"] for item in collection["scps_unreadable"]] == [account]
    assert collection["complete"] is True


def test_killed_run_resumes_to_the_same_report(
    organization: Organization, clean_scan: Scan, tmp_path: Path
) -> None:
    out = tmp_path / "scan"
    command = [
        sys.executable,
        "-c",
        "from dspm_iam.cli import main; main()",
        *_scan_args(organization, out, "--organization", "--concurrency", "1"),
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ),
    )
    try:
        _wait_for_snapshots(out, process)
    finally:
        process.kill()
        process.wait()
    before = {path.stem for path in (out / "accounts").glob("*.json")}
    for path in out.rglob("*.json"):
        json.loads(path.read_text("utf-8"))  # every file written is whole

    faults = Faults()
    resumed = _scan_with(organization, faults, out, "--organization", "--resume")

    assert KILL_AFTER_SNAPSHOTS <= len(before) < ACCOUNTS
    assert resumed.result.exit_code == 1, resumed.result.output
    assert resumed.report == clean_scan.report
    assert faults.sent.count("GetAccountAuthorizationDetails") == ACCOUNTS - len(before)


@pytest.mark.parametrize("count", [pytest.param(2, id="two-shards")])
def test_shards_partition_the_organization(
    organization: Organization, clean_scan: Scan, tmp_path: Path, count: int
) -> None:
    shards = [
        _scan_with(
            organization,
            Faults(),
            tmp_path / f"shard-{index}",
            "--organization",
            "--shard",
            f"{index}/{count}",
        )
        for index in range(1, count + 1)
    ]
    accounts = [
        {path.stem for path in (s.out / "accounts").glob("*.json")} for s in shards
    ]

    paths = [str(s.out / "combined.json") for s in shards]
    for scan, path in zip(shards, paths, strict=True):
        Path(path).write_text(scan.result.stdout, "utf-8")
    merged = CliRunner().invoke(cli, ["merge", "--format", "json", *paths])

    assert sum(len(part) for part in accounts) == ACCOUNTS
    assert set().union(*accounts) == set(organization.kinds) | {organization.management}
    for index, part in enumerate(accounts):
        assert {shard_of(account, count) for account in part} <= {index}
    assert [s.report["shard"] for s in shards] == [
        {"index": index, "count": count} for index in range(1, count + 1)
    ]
    assert merged.exit_code == 1, merged.output
    assert json.loads(merged.stdout) == clean_scan.report


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["--shard", "1/2"], "--shard: expected --organization", id="shard-alone"
        ),
        pytest.param(
            ["--external-id", "x"],
            "--external-id: expected --organization",
            id="external-id",
        ),
        pytest.param(
            ["--organization", "--shard", "3/2"], "expected I/N", id="shard-range"
        ),
        pytest.param(["--concurrency", "0"], "--concurrency", id="concurrency"),
    ],
)
def test_usage_errors_exit_2(
    organization: Organization, tmp_path: Path, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(cli, _scan_args(organization, tmp_path / "scan", *args))

    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_a_used_output_folder_needs_resume(
    organization: Organization, tmp_path: Path
) -> None:
    (tmp_path / "run.json").write_text("{}", "utf-8")

    result = CliRunner().invoke(cli, _scan_args(organization, tmp_path))

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"dspm-iam: error: {tmp_path}: expected a new or empty output folder (use "
        "--resume to continue the run it holds)"
    ]


def test_missing_credentials_exit_2(
    organization: Organization, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)

    result = CliRunner().invoke(cli, _scan_args(organization, tmp_path / "scan"))

    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        "dspm-iam: error: sts:GetCallerIdentity: expected AWS"
    )
    assert ACCESS_KEY not in result.output
    assert "Traceback" not in result.output


def _scan_args(organization: Organization, out: Path, *args: str) -> list[str]:
    return [
        "scan",
        "--endpoint-url",
        organization.endpoint,
        "--output-dir",
        str(out),
        "--params",
        str(PARAMS),
        "--format",
        "json",
        *args,
    ]


def _scan_with(
    organization: Organization,
    faults: Faults,
    out: Path,
    *args: str,
    verbosity: str = "-v",
) -> Scan:
    with pytest.MonkeyPatch.context() as patch:
        inject(patch, faults)
        result = CliRunner().invoke(
            cli, [verbosity, *_scan_args(organization, out, *args)]
        )
    return Scan(result=result, out=out, faults=faults)


def _wait_for_snapshots(out: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if len(list((out / "accounts").glob("*.json"))) >= KILL_AFTER_SNAPSHOTS:
            return
        time.sleep(0.02)
    pytest.fail(f"the scan wrote fewer than {KILL_AFTER_SNAPSHOTS} snapshots")


def _pick(organization: Organization, which: str) -> str:
    if which == "management":
        return organization.management
    return sorted(set(organization.of_kind("non-compliant")) & organization.in_unit)[0]


def _scp_targets(out: Path, account: str) -> dict[str, list[str]]:
    entries = json.loads((out / "scps" / f"{account}.json").read_text("utf-8"))
    targets: dict[str, list[str]] = {}
    for entry in entries:
        targets.setdefault(entry["name"], []).append(entry["target_type"])
        assert entry["document"]["Statement"]
    return targets

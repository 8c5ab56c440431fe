"""Tests for dspm_iam.scan with a stand-in collector and the real engine.

The stand-in hands out synthetic snapshots, so these tests look at the
pipeline itself: memory that does not grow with the number of accounts,
skipped and failed accounts, progress on a terminal.
"""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dspm_iam import scan as scan_module
from dspm_iam.bundle import load_bundle
from dspm_iam.collect import Account, AccountError, ScpRecord, Snapshot
from dspm_iam.engines import Engine, create_engine
from dspm_iam.errors import DspmIamError
from dspm_iam.params import load_params
from dspm_iam.scan import ScanResult, ScanSettings, run_scan
from dspm_iam.scan_output import collection_section
from dspm_iam.snapshots import OutputFolder

PARAMS = Path(__file__).resolve().parents[1] / "data" / "params" / "all-features.yaml"
POLICIES_PER_DUMP = 40
GROWTH_LIMIT = 500_000


class StandIn:
    """Synthetic accounts: a large dump each, some inactive, some failing."""

    mode = "organization"

    def __init__(
        self,
        count: int,
        *,
        suspended: frozenset[int] = frozenset(),
        unreachable: frozenset[int] = frozenset(),
        malformed: frozenset[int] = frozenset(),
    ) -> None:
        self.count = count
        self.suspended = suspended
        self.unreachable = unreachable
        self.malformed = malformed

    def accounts(self) -> list[Account]:
        """count accounts, numbered from 1."""
        return [
            Account(
                _id(n),
                f"stand-in-{n}",
                "SUSPENDED" if n in self.suspended else "ACTIVE",
            )
            for n in range(1, self.count + 1)
        ]

    def collect(self, account: Account, timeout: float) -> Snapshot:
        """A dump of one unclassified role and many managed policies."""
        number = int(account.id)
        if number in self.unreachable:
            raise AccountError("sts:AssumeRole: AccessDenied")
        role = _role(account.id, malformed=number in self.malformed)
        dump = {
            "RoleDetailList": [role],
            "Policies": [_policy(account.id, n) for n in range(POLICIES_PER_DUMP)],
            "IsTruncated": False,
        }
        return Snapshot(account=account, dump=dump, scps=ScpRecord([]))


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    """One embedded engine for the module: its queries are prepared once."""
    created = create_engine("embedded", load_bundle(None))
    yield created
    created.close()


@pytest.fixture(scope="module")
def settings() -> ScanSettings:
    """All-features parameters, two collection threads."""
    return ScanSettings(params=load_params(PARAMS), concurrency=2)


def test_memory_does_not_grow_with_accounts(
    engine: Engine, settings: ScanSettings, tmp_path: Path
) -> None:
    _scan(StandIn(3), engine, settings, tmp_path / "warm-up")
    few = _peak(StandIn(5), engine, settings, tmp_path / "few")
    many = _peak(StandIn(35), engine, settings, tmp_path / "many")
    dump_size = (tmp_path / "many" / "accounts" / f"{_id(1)}.json").stat().st_size

    # 30 more dumps held in memory would outgrow the limit several times over
    assert dump_size * 30 > 3 * GROWTH_LIMIT
    assert many - few < GROWTH_LIMIT


def test_inactive_accounts_are_listed_as_skipped(
    engine: Engine, settings: ScanSettings, tmp_path: Path
) -> None:
    result = _scan(StandIn(4, suspended=frozenset({2})), engine, settings, tmp_path)
    section = collection_section(result)

    assert result.complete is True
    assert section["skipped"] == [
        {"account": _id(2), "name": "stand-in-2", "reason": "account status SUSPENDED"}
    ]
    assert not (tmp_path / "accounts" / f"{_id(2)}.json").exists()


@pytest.mark.parametrize(
    ("stand_in", "reason"),
    [
        pytest.param(
            StandIn(3, unreachable=frozenset({2})),
            "sts:AssumeRole: AccessDenied",
            id="collection-error",
        ),
        pytest.param(
            StandIn(3, malformed=frozenset({2})),
            "evaluation failed: ",
            id="evaluation-error",
        ),
    ],
)
def test_a_failing_account_makes_the_run_incomplete(
    engine: Engine,
    settings: ScanSettings,
    tmp_path: Path,
    stand_in: StandIn,
    reason: str,
) -> None:
    result = _scan(stand_in, engine, settings, tmp_path)
    manifest = json.loads((tmp_path / "run.json").read_text("utf-8"))

    assert result.complete is False
    assert result.collected == [_id(1), _id(3)]
    assert result.entries[_id(2)]["reason"].startswith(reason)
    assert [entry["status"] for entry in manifest["accounts"]] == [
        "collected",
        "failed",
        "collected",
    ]


def test_progress_bar_on_a_terminal(
    engine: Engine,
    settings: ScanSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(scan_module.sys, "stderr", terminal)

    _scan(StandIn(3, unreachable=frozenset({3})), engine, settings, tmp_path)

    assert "accounts: 2 done, 1 failed, 0 remaining" in terminal.getvalue()


def test_output_folder_needs_resume_once_it_holds_a_file(tmp_path: Path) -> None:
    OutputFolder(tmp_path, resume=False)
    OutputFolder(tmp_path, resume=False)  # empty subfolders do not count
    partial = tmp_path / "accounts" / ".111111111111.json.x1.partial"
    partial.write_text("{", "utf-8")

    with pytest.raises(DspmIamError, match="expected a new or empty output folder"):
        OutputFolder(tmp_path, resume=False)
    OutputFolder(tmp_path, resume=True)
    assert not partial.exists()


class _Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _scan(
    stand_in: StandIn, engine: Engine, settings: ScanSettings, out: Path
) -> ScanResult:
    return run_scan(stand_in, OutputFolder(out, resume=False), engine, settings)


def _peak(stand_in: StandIn, engine: Engine, settings: ScanSettings, out: Path) -> int:
    tracemalloc.start()
    try:
        _scan(stand_in, engine, settings, out)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _id(number: int) -> str:
    return f"{number:012d}"


def _role(account: str, *, malformed: bool) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "*",
    }
    if malformed:
        statement = {"Action": "s3:GetObject"}
    return {
        "RoleName": "Unrelated",
        "Arn": f"arn:aws:iam::{account}:role/Unrelated",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
        "RolePolicyList": [
            {"PolicyName": "inline", "PolicyDocument": {"Statement": [statement]}}
        ],
        "AttachedManagedPolicies": [],
    }


def _policy(account: str, number: int) -> dict[str, Any]:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": f"s3:GetObject{n}",
                "Resource": f"arn:aws:s3:::b{n}/*",
            }
            for n in range(8)
        ],
    }
    return {
        "PolicyName": f"unattached-{number}",
        "Arn": f"arn:aws:iam::{account}:policy/unattached-{number}",
        "DefaultVersionId": "v1",
        "PolicyVersionList": [
            {"VersionId": "v1", "IsDefaultVersion": True, "Document": document}
        ],
    }

"""Scan accounts: collect each one in a thread pool, evaluate it as it arrives.

Collection runs in up to --concurrency threads and writes each snapshot to the
output folder. The calling thread evaluates every snapshot as soon as it is
written, writes the account's report, and keeps only running totals: the
documents and findings of an account live on disk, not in memory.
"""

from __future__ import annotations

import copy
import datetime
import logging
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import click

from dspm_iam import __version__
from dspm_iam.collect import (
    Account,
    AccountError,
    ScpRecord,
    Snapshot,
    scp_status,
)
from dspm_iam.engines import Engine
from dspm_iam.errors import DspmIamError
from dspm_iam.evaluation import evaluate_report
from dspm_iam.loaders import load_inputs, load_scps
from dspm_iam.report import TOOL_NAME, report_metadata
from dspm_iam.shards import Shard
from dspm_iam.snapshots import OutputFolder

logger = logging.getLogger(__name__)

ACTIVE = "ACTIVE"
COLLECTED = "collected"
FAILED = "failed"
PENDING = "pending"
SKIPPED = "skipped"
MANIFEST_INTERVAL = 2.0
_COUNTS = ("roles_total", "roles_checked", "roles_unclassified", "findings")
_TALLIES = ("by_severity", "by_check")


class Collector(Protocol):
    """Where accounts come from: the AWS collector, or a stand-in in tests."""

    mode: str

    def accounts(self) -> list[Account]:
        """Every account the caller can see, active or not."""
        ...

    def collect(self, account: Account, timeout: float) -> Snapshot:
        """One account's snapshot, within timeout seconds."""
        ...


@dataclass(frozen=True)
class ScanSettings:
    """What the scan evaluates against and how hard it pushes."""

    params: dict[str, Any]
    fail_on: str = "high"
    concurrency: int = 4
    account_timeout: float = 300.0
    shard: Shard | None = None


@dataclass(frozen=True)
class Outcome:
    """How collecting one account ended."""

    account: Account
    reason: str | None
    started: str
    finished: str
    scps_readable: bool | None = None
    scps_reason: str | None = None

    @classmethod
    def collected(
        cls, account: Account, started: str, finished: str, scps: ScpRecord
    ) -> Outcome:
        """An account collected, with whether its SCPs could be read."""
        return cls(account, None, started, finished, scps.readable, scps.reason)


@dataclass
class ScanResult:
    """What the final report needs: combined summary, accounts and their fates."""

    metadata: dict[str, Any]
    summary: dict[str, Any]
    collected: list[str]
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    shard: Shard | None = None

    @property
    def complete(self) -> bool:
        """Whether every selected active account was collected and evaluated."""
        return is_complete(self.entries)


def run_scan(
    collector: Collector,
    folder: OutputFolder,
    engine: Engine,
    settings: ScanSettings,
) -> ScanResult:
    """Collect and evaluate every selected account; write snapshots and reports."""
    selected = select_accounts(collector.accounts(), settings.shard)
    manifest = Manifest(folder, collector.mode, settings.shard, selected)
    metadata = report_metadata(engine)
    totals = Totals(engine.evaluate(_document(settings, [], []))["summary"])
    scan = _Scan(
        collector=collector,
        folder=folder,
        engine=engine,
        settings=settings,
        totals=totals,
        manifest=manifest,
    )

    active = [account for account in selected if account.status == ACTIVE]
    with _progress(len(active)) as progress:
        scan.progress = progress
        scan.run(active)
    manifest.finish()

    collected = sorted(
        key for key, entry in manifest.entries.items() if entry["status"] == COLLECTED
    )
    return ScanResult(
        metadata, totals.summary, collected, manifest.entries, settings.shard
    )


def select_accounts(accounts: list[Account], shard: Shard | None) -> list[Account]:
    """The accounts of this shard (all without one), by account id."""
    chosen = sorted(accounts, key=lambda account: account.id)
    if shard is None:
        return chosen

    selected = [account for account in chosen if shard.holds(account.id)]
    logger.info("shard %s: %d of %d accounts", shard, len(selected), len(chosen))
    return selected


class Totals:
    """The combined summary, summed from each account's bundle summary."""

    def __init__(self, zero: dict[str, Any]) -> None:
        """Start from the bundle's summary of an empty input."""
        self.summary = copy.deepcopy(zero)

    def add(self, summary: dict[str, Any]) -> None:
        """Add one account's summary: counts are summed, failed is any."""
        for key in _COUNTS:
            self.summary[key] += summary[key]
        for key in _TALLIES:
            tally = self.summary[key]
            for name, count in summary[key].items():
                tally[name] = tally.get(name, 0) + count
        self.summary["failed"] = self.summary["failed"] or summary["failed"]


class Manifest:
    """run.json: every selected account's status, reason and times.

    Limitation: the entries stay in memory until the run ends, a few hundred
    bytes per selected account; appending them to a file instead would make
    the run's memory independent of the number of accounts altogether.
    """

    def __init__(
        self,
        folder: OutputFolder,
        mode: str,
        shard: Shard | None,
        accounts: list[Account],
    ) -> None:
        """Start a manifest with every account pending (or skipped if inactive)."""
        self._folder = folder
        self._written = 0.0
        self.previous = _collection_times(folder.manifest())
        self.head: dict[str, Any] = {
            "tool": {"name": TOOL_NAME, "version": __version__},
            "mode": mode,
            "shard": None if shard is None else str(shard),
            "started": now(),
            "finished": None,
            "complete": None,
        }
        self.entries = {account.id: _entry(account) for account in accounts}
        self.write(force=True)

    def record(self, outcome: Outcome, *, resumed: bool = False) -> None:
        """Record how an account ended and rewrite run.json now and then."""
        entry = self.entries[outcome.account.id]
        entry.update(
            status=FAILED if outcome.reason else COLLECTED,
            reason=outcome.reason,
            started=outcome.started,
            finished=outcome.finished,
            resumed=resumed,
        )
        if outcome.reason is None:
            entry.update(
                scps_readable=outcome.scps_readable, scps_reason=outcome.scps_reason
            )
        self.write(force=False)

    def finish(self) -> None:
        """Write the final run.json."""
        self.head.update(finished=now(), complete=is_complete(self.entries))
        self.write(force=True)

    def write(self, *, force: bool) -> None:
        """Rewrite run.json, at most every MANIFEST_INTERVAL seconds unless forced."""
        if not force and time.monotonic() - self._written < MANIFEST_INTERVAL:
            return
        self._folder.write_manifest(
            {**self.head, "accounts": list(self.entries.values())}
        )
        self._written = time.monotonic()


@dataclass
class _Scan:
    """One scan's moving parts; run() drives the pool and the evaluation."""

    collector: Collector
    folder: OutputFolder
    engine: Engine
    settings: ScanSettings
    totals: Totals
    manifest: Manifest
    progress: _Progress | None = None

    def run(self, accounts: list[Account]) -> None:
        """Collect the accounts without a snapshot, evaluate every one."""
        resumed = [a for a in accounts if self.folder.has_snapshot(a.id)]
        missing = [a for a in accounts if not self.folder.has_snapshot(a.id)]
        if resumed:
            logger.info("resuming: %d accounts already collected", len(resumed))

        pool = ThreadPoolExecutor(self.settings.concurrency, "dspm-iam-collect")
        try:
            futures = [pool.submit(self._collect, account) for account in missing]
            self._evaluate_resumed(resumed)
            for future in as_completed(futures):
                self._finish(future)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _collect(self, account: Account) -> Outcome:
        started = now()
        try:
            snapshot = self.collector.collect(account, self.settings.account_timeout)
            self.folder.write_snapshot(snapshot)
        except Exception as error:
            reason = _reason(error)
            logger.warning("account %s: not collected: %s", account.id, reason)
            return Outcome(account, reason, started, now())
        return Outcome.collected(account, started, now(), snapshot.scps)

    def _evaluate_resumed(self, accounts: list[Account]) -> None:
        for account in accounts:
            started, finished = self.manifest.previous.get(account.id, (now(), now()))
            readable, scps_reason = scp_status(self.folder.scps(account.id))
            outcome = Outcome(account, None, started, finished, readable, scps_reason)
            failure = self._evaluate(account)
            if failure is not None:
                outcome = replace(outcome, reason=failure, finished=now())
            self._record(outcome, resumed=True)

    def _finish(self, future: Future[Outcome]) -> None:
        outcome = future.result()
        if outcome.reason is None:
            failure = self._evaluate(outcome.account)
            if failure is not None:
                outcome = replace(outcome, reason=failure, finished=now())
        self._record(outcome, resumed=False)

    def _evaluate(self, account: Account) -> str | None:
        try:
            summary = evaluate_snapshot(
                self.engine, self.folder, account.id, self.settings
            )
        except Exception as error:
            reason = f"evaluation failed: {_reason(error)}"
            logger.warning("account %s: %s", account.id, reason)
            return reason
        self.totals.add(summary)
        return None

    def _record(self, outcome: Outcome, *, resumed: bool) -> None:
        self.manifest.record(outcome, resumed=resumed)
        if self.progress is not None:
            self.progress.advance(outcome.account.id, failed=outcome.reason is not None)


def evaluate_snapshot(
    engine: Engine,
    folder: OutputFolder,
    account_id: str,
    settings: ScanSettings,
) -> dict[str, Any]:
    """Evaluate an account's snapshot as `check --scp` would, write its report.

    Returns the bundle's summary for the account.
    """
    inputs = load_inputs([str(folder.snapshot_path(account_id))])
    name = folder.snapshot_name(account_id)
    scps = account_scps(folder, account_id)
    sources = [{**source, "path": name} for source in inputs.sources]
    roles = [{**role, "source": name} for role in inputs.roles]
    if scps is not None:
        roles = [{**role, "scps": scps} for role in roles]

    report = evaluate_report(engine, _document(settings, sources, roles))
    folder.write_report(account_id, report)
    summary: dict[str, Any] = report["summary"]
    return summary


def account_scps(folder: OutputFolder, account_id: str) -> list[dict[str, Any]] | None:
    """The `scps` of the account's roles: None when no SCP applies.

    SCPs that could not be read are passed on as unresolved, and the bundle
    reports them.
    """
    entries = folder.scps(account_id)
    if not entries:
        return None
    if scp_status(entries)[0]:
        return load_scps(folder.scps_path(account_id))

    keys = ("name", "target", "unresolved")
    return [{key: entry[key] for key in keys if key in entry} for entry in entries]


def is_complete(entries: dict[str, dict[str, Any]]) -> bool:
    """Whether no selected account is pending or failed."""
    return all(entry["status"] in (COLLECTED, SKIPPED) for entry in entries.values())


def now() -> str:
    """The current time, UTC, ISO 8601 to the second."""
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


class _Progress:
    """Accounts done, failed and remaining: a bar on a terminal, else log lines."""

    def __init__(self, total: int, bar: Any) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self._bar = bar

    def advance(self, account_id: str, *, failed: bool) -> None:
        """Count one more account as done or failed."""
        if failed:
            self.failed += 1
        else:
            self.done += 1
        remaining = self.total - self.done - self.failed
        if self._bar is None:
            logger.info(
                "account %s %s: %d done, %d failed, %d remaining",
                account_id,
                "failed" if failed else "collected",
                self.done,
                self.failed,
                remaining,
            )
            return
        self._bar.label = _label(self.done, self.failed, remaining)
        self._bar.update(1)


@contextmanager
def _progress(total: int) -> Iterator[_Progress]:
    if not sys.stderr.isatty():
        yield _Progress(total, None)
        return

    with click.progressbar(
        length=total, label=_label(0, 0, total), file=sys.stderr, show_eta=False
    ) as bar:
        yield _Progress(total, bar)


def _label(done: int, failed: int, remaining: int) -> str:
    return f"accounts: {done} done, {failed} failed, {remaining} remaining"


def _document(
    settings: ScanSettings,
    sources: list[dict[str, Any]],
    roles: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "params": settings.params,
        "options": {"fail_on": settings.fail_on},
        "sources": sources,
        "roles": roles,
    }


def _entry(account: Account) -> dict[str, Any]:
    inactive = account.status != ACTIVE
    return {
        "account": account.id,
        "name": account.name,
        "status": SKIPPED if inactive else PENDING,
        "reason": f"account status {account.status}" if inactive else None,
        "started": None,
        "finished": None,
        "resumed": False,
        "scps_readable": None,
        "scps_reason": None,
    }


def _collection_times(manifest: dict[str, Any] | None) -> dict[str, tuple[str, str]]:
    entries = (manifest or {}).get("accounts", [])
    return {
        entry["account"]: (entry["started"], entry["finished"])
        for entry in entries
        if entry.get("status") == COLLECTED and entry.get("started")
    }


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split())
    if isinstance(error, AccountError | DspmIamError) and text:
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__

"""The scan's output folder: snapshots, SCPs, per-account reports, run manifest.

Layout below the folder given with --output-dir:

    run.json                 the run manifest: each account's status and times
    accounts/<account>.json  the account's get-account-authorization-details dump
    scps/<account>.json      the SCPs that apply to the account (see ScpRecord)
    reports/<account>.json   the account's JSON report, as `check` writes it

Every file is written whole to a temporary name and renamed into place, so a
file that exists is complete. An account's snapshot is complete when both its
SCP file and its dump exist; the dump is written last.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from dspm_iam.collect import Snapshot, to_json
from dspm_iam.errors import DspmIamError

logger = logging.getLogger(__name__)

ACCOUNTS = "accounts"
SCPS = "scps"
REPORTS = "reports"
MANIFEST = "run.json"
_TEMP_SUFFIX = ".partial"


class OutputFolder:
    """Reads and writes the files of one scan's output folder."""

    def __init__(self, root: Path, *, resume: bool) -> None:
        """Open root; unless resuming it must be new or hold no file."""
        if not resume and root.exists() and _has_entries(root):
            raise DspmIamError(
                f"{root}: expected a new or empty output folder (use --resume "
                "to continue the run it holds)"
            )
        self.root = root
        try:
            for name in (ACCOUNTS, SCPS, REPORTS):
                (root / name).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            reason = error.strerror or str(error)
            raise DspmIamError(
                f"{root}: expected a writable folder ({reason})"
            ) from None
        self._remove_partial_files()

    def snapshot_name(self, account_id: str) -> str:
        """The dump's path relative to the folder: the `source` its roles name."""
        return f"{ACCOUNTS}/{account_id}.json"

    def snapshot_path(self, account_id: str) -> Path:
        """Where the account's dump is written."""
        return self.root / ACCOUNTS / f"{account_id}.json"

    def has_snapshot(self, account_id: str) -> bool:
        """Whether a complete snapshot (SCPs and dump) of the account exists."""
        scps = self.scps_path(account_id)
        return scps.is_file() and self.snapshot_path(account_id).is_file()

    def write_snapshot(self, snapshot: Snapshot) -> None:
        """Write the SCP record, then the dump that marks the snapshot complete."""
        account_id = snapshot.account.id
        write_atomic(self.scps_path(account_id), snapshot.scps.entries)
        write_atomic(self.snapshot_path(account_id), snapshot.dump)
        logger.debug("account %s: snapshot written", account_id)

    def scps_path(self, account_id: str) -> Path:
        """Where the SCPs that apply to the account are written."""
        return self.root / SCPS / f"{account_id}.json"

    def scps(self, account_id: str) -> list[dict[str, Any]]:
        """The SCP entries written for the account."""
        entries: list[dict[str, Any]] = _read_json(self.scps_path(account_id))
        return entries

    def report_path(self, account_id: str) -> Path:
        """Where the account's JSON report is written."""
        return self.root / REPORTS / f"{account_id}.json"

    def write_report(self, account_id: str, report: dict[str, Any]) -> None:
        """Write the account's JSON report."""
        write_atomic(self.report_path(account_id), report)

    def report(self, account_id: str) -> dict[str, Any]:
        """The account's JSON report as written."""
        report: dict[str, Any] = _read_json(self.report_path(account_id))
        return report

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write run.json."""
        write_atomic(self.root / MANIFEST, manifest)

    def manifest(self) -> dict[str, Any] | None:
        """The run.json of an earlier run, or None when there is none."""
        path = self.root / MANIFEST
        if not path.is_file():
            return None
        manifest: dict[str, Any] = _read_json(path)
        return manifest

    def _remove_partial_files(self) -> None:
        for partial in self.root.rglob(f"*{_TEMP_SUFFIX}"):
            logger.info("removing %s, left by an interrupted write", partial)
            partial.unlink(missing_ok=True)


def write_atomic(path: Path, value: Any) -> None:
    """Write value as indented JSON to a temporary file, then rename it to path."""
    text = json.dumps(value, indent=2, default=to_json) + "\n"
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=_TEMP_SUFFIX
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise DspmIamError(
            f"{path}: expected a JSON file the scan wrote ({error})"
        ) from None


def _has_entries(root: Path) -> bool:
    # Folders left empty by a run that stopped before collecting do not count.
    if root.is_dir():
        return any(path.is_file() for path in root.rglob("*"))
    return True

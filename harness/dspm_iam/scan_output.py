"""Write a scan's combined report, reading each account's report back from disk.

The combined report has the shape `check` writes (report.py lays out every
part of it, and a scan of one shard names it as `check --shard` does) plus a
`collection` section. Roles and findings are streamed from the per-account
report files one account at a time, so memory does not grow with the number
of accounts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import click

from dspm_iam.report import render_text, wrap
from dspm_iam.report_html import render_html
from dspm_iam.scan import COLLECTED, FAILED, SKIPPED, ScanResult
from dspm_iam.snapshots import OutputFolder

Write = Callable[[str], object]
_ARRAYS = ("roles", "findings")
_INDENT = "  "


def collection_section(result: ScanResult) -> dict[str, Any]:
    """Which accounts were collected, which failed or were skipped, and why."""
    entries = [result.entries[key] for key in sorted(result.entries)]
    return {
        "complete": result.complete,
        "accounts": {
            "selected": len(entries),
            "collected": _count(entries, COLLECTED),
            "failed": _count(entries, FAILED),
            "skipped": _count(entries, SKIPPED),
        },
        "failed": _listed(entries, FAILED),
        "skipped": _listed(entries, SKIPPED),
        "scps_unreadable": [
            {"account": e["account"], "name": e["name"], "reason": e["scps_reason"]}
            for e in entries
            if e["status"] == COLLECTED and e["scps_readable"] is False
        ],
    }


def write_json(write: Write, folder: OutputFolder, result: ScanResult) -> None:
    """The combined JSON report, laid out exactly as json.dumps(indent=2) would."""
    head = {**result.metadata, "summary": result.summary}
    write("{")
    separator = "\n"
    for key, value in head.items():
        write(f'{separator}{_INDENT}"{key}": {_nested(value, 1)}')
        separator = ",\n"
    for key in _ARRAYS:
        write(f'{separator}{_INDENT}"{key}": ')
        _write_array(write, _items(folder, result.collected, key))
    if result.shard is not None:
        shard = {"index": result.shard.index, "count": result.shard.count}
        write(f',\n{_INDENT}"shard": {_nested(shard, 1)}')
    write(f',\n{_INDENT}"collection": {_nested(collection_section(result), 1)}')
    write("\n}\n")


def write_html(write: Write, folder: OutputFolder, result: ScanResult) -> None:
    """The combined report as one self-contained HTML page."""
    # Limitation: the page is built from the whole report, so every finding of
    # the run is held in memory while it is written (the JSON and text formats
    # stream them); rendering the page in parts would lift this.
    write(render_html(whole_report(folder, result)))


def whole_report(folder: OutputFolder, result: ScanResult) -> dict[str, Any]:
    """The combined report, held whole in memory."""
    report = {**result.metadata, "summary": result.summary}
    for key in _ARRAYS:
        report[key] = list(_items(folder, result.collected, key))
    if result.shard is not None:
        report["shard"] = {"index": result.shard.index, "count": result.shard.count}
    report["collection"] = collection_section(result)
    return report


def write_text(
    write: Write, folder: OutputFolder, result: ScanResult, *, colour: bool
) -> None:
    """The combined text report: each account as `check` shows it, then totals."""
    for account_id in result.collected:
        write(_account_text(folder.report(account_id), colour))

    totals = {**result.metadata, "summary": result.summary, "roles": [], "findings": []}
    write(render_text(totals, colour=colour))
    write("\n".join(collection_lines(collection_section(result), colour)) + "\n")


def collection_lines(collection: dict[str, Any], colour: bool) -> list[str]:
    """The collection section as text lines."""
    counts = collection["accounts"]
    verdict = "complete" if collection["complete"] else "INCOMPLETE"
    if colour:
        verdict = click.style(verdict, fg="green" if collection["complete"] else "red")
    lines = [
        wrap(
            f"Collection: {verdict}: {counts['collected']} of {counts['selected']} "
            f"accounts collected, {counts['failed']} failed, "
            f"{counts['skipped']} skipped",
            "",
        )
    ]
    lines.extend(_account_lines("Failed", collection["failed"]))
    lines.extend(_account_lines("Skipped", collection["skipped"]))
    lines.extend(_account_lines("SCPs unreadable", collection["scps_unreadable"]))
    return lines


def _account_text(report: dict[str, Any], colour: bool) -> str:
    # render_text lays out the groups, a blank line, then the summary and
    # footer; the same report without roles and findings is that last part.
    whole = render_text(report, colour=colour)
    tail = render_text({**report, "roles": [], "findings": []}, colour=colour)
    return whole.removesuffix(tail)


def _items(folder: OutputFolder, accounts: list[str], key: str) -> Iterator[Any]:
    for account_id in accounts:
        yield from folder.report(account_id)[key]


def _write_array(write: Write, items: Iterable[Any]) -> None:
    write("[")
    separator = "\n"
    for item in items:
        write(f"{separator}{_INDENT * 2}{_nested(item, 2)}")
        separator = ",\n"
    write("]" if separator == "\n" else f"\n{_INDENT}]")


def _nested(value: Any, depth: int) -> str:
    return json.dumps(value, indent=2).replace("\n", "\n" + _INDENT * depth)


def _count(entries: list[dict[str, Any]], status: str) -> int:
    return sum(1 for entry in entries if entry["status"] == status)


def _listed(entries: list[dict[str, Any]], status: str) -> list[dict[str, Any]]:
    return [
        {"account": e["account"], "name": e["name"], "reason": e["reason"]}
        for e in entries
        if e["status"] == status
    ]


def _account_lines(title: str, listed: list[dict[str, Any]]) -> list[str]:
    if not listed:
        return []
    lines = [f"{title}: {len(listed)}"]
    for item in listed:
        name = f" ({item['name']})" if item["name"] else ""
        lines.append(wrap(f"{item['account']}{name}: {item['reason']}", "  "))
    return lines

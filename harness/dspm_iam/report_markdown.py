"""Render the JSON report as GitHub-flavoured Markdown.

For a pull-request comment or $GITHUB_STEP_SUMMARY: the verdict, counts by
check and severity, the findings, the waived findings and the baseline's
state, then where the verdicts came from. Every value from the report is
escaped, since findings quote names written by whoever wrote the policies,
and long tables are cut so that the whole stays under GitHub's limit for a
comment. The verdicts stay the report's.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from dspm_iam.report import SEVERITIES, UNKNOWN_ACCOUNT
from dspm_iam.report_sarif import (
    baseline_counts,
    place_of,
    severity_of,
    waived_count,
)

logger = logging.getLogger(__name__)

MAX_CHARS = 65_000
CELL_CHARS = 500
RESERVED_PART = 10
EMPTY_CELL = "-"
_ESCAPED = re.compile(r"([\\`*_\[\]<>|~&])")
_NEWLINES = re.compile(r"\r\n|\r|\n")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WEB_URL = re.compile(r"^https?://[^\s]+$")
_FINDING_COLUMNS = ("Severity", "Check", "Role", "Action", "Location", "Message")
_WAIVED_COLUMNS = (*_FINDING_COLUMNS[:4], "Waiver", "Owner", "Expires", "Reason")


@dataclass
class _Table:
    """A heading, an optional paragraph, and a table that may be cut."""

    heading: str
    intro: str
    columns: tuple[str, ...]
    rows: list[str]

    def render(self, room: int) -> str:
        """The section in at most room characters, cutting rows from the end."""
        head = [self.heading, ""]
        if self.intro:
            head += [self.intro, ""]
        head += [_row(self.columns), _row(("---",) * len(self.columns))]

        used = len("\n".join(head)) + len(_cut_note(len(self.rows), len(self.rows)))
        kept: list[str] = []
        for row in self.rows:
            if used + len(row) + 1 > room:
                break
            kept.append(row)
            used += len(row) + 1

        lines = head + kept
        if len(kept) < len(self.rows):
            left_out = len(self.rows) - len(kept)
            logger.info("%s: %d row(s) left out", self.heading, left_out)
            lines.append(_cut_note(left_out, len(self.rows)))
        return "\n".join(lines)

    def smallest(self) -> int:
        """The length of the section with every row cut."""
        return len(self.render(0))


def render_markdown(report: dict[str, Any]) -> str:
    """The report as a Markdown summary of at most MAX_CHARS characters."""
    head = "\n\n".join([_verdict(report), _counts(report)])
    foot = _footer(report)
    tables = _tables(report)

    room = MAX_CHARS - len(head) - len(foot) - 2 * (len(tables) + 2)
    # Each table after the first keeps back a tenth of the room, or what it
    # needs if that is less, so that a long findings table does not hide it.
    reserved = [
        max(table.smallest(), min(len(table.render(room)), room // RESERVED_PART))
        for table in tables
    ]
    parts = [head]
    for position, table in enumerate(tables):
        text = table.render(room - sum(reserved[position + 1 :]))
        room -= len(text)
        parts.append(text)

    parts.append(foot)
    return "\n\n".join(parts) + "\n"


def _verdict(report: dict[str, Any]) -> str:
    summary = report["summary"]
    verdict = "FAILED" if summary["failed"] else "passed"
    waived = waived_count(report)
    lines = [
        f"## dspm-iam: {verdict}",
        "",
        f"**Result: {verdict}** at {_code('--fail-on ' + str(summary['fail_on']))}: "
        f"{summary['findings']} finding(s), {waived} waived; "
        f"{summary['roles_checked']} of {summary['roles_total']} role(s) checked, "
        f"{summary['roles_unclassified']} unclassified.",
    ]
    baseline = baseline_counts(report)
    if baseline is not None:
        new, known, resolved = baseline
        lines.append(
            f"Against the baseline: {new} new, {known} known, {resolved} resolved."
        )
    collection = report.get("collection")
    if isinstance(collection, dict) and not collection.get("complete", True):
        accounts = collection.get("accounts") or {}
        lines.append(
            f"**Collection incomplete**: {accounts.get('failed', 0)} of "
            f"{accounts.get('selected', 0)} account(s) could not be collected."
        )
    return "\n".join(lines)


def _counts(report: dict[str, Any]) -> str:
    """Findings per check and severity, waived ones counted again apart."""
    names = {check["check"] for check in report.get("checks") or []}
    names |= {finding["check"] for finding in report["findings"]}
    cells: Counter[tuple[str, str]] = Counter()
    for position, finding in enumerate(report["findings"]):
        cells[finding["check"], severity_of(finding, f"findings[{position}]")] += 1
        if finding.get("suppression"):
            cells[finding["check"], "waived"] += 1

    columns = (*SEVERITIES, "waived")
    lines = [
        "### Findings by check and severity",
        "",
        _row(("Check", *(column.capitalize() for column in columns))),
        _row(("---", *("---:",) * len(columns))),
    ]
    for name in sorted(names):
        lines.append(_row((_cell(name), *(str(cells[name, c]) for c in columns))))
    totals = (str(sum(cells[name, c] for name in names)) for c in columns)
    lines.append(_row(("**Total**", *totals)))
    return "\n".join(lines)


def _tables(report: dict[str, Any]) -> list[_Table]:
    findings = list(enumerate(report["findings"]))
    open_findings = [item for item in findings if not item[1].get("suppression")]
    waived = [item for item in findings if item[1].get("suppression")]
    baseline = baseline_counts(report) is not None

    tables = [
        _Table(
            "### Findings",
            "" if open_findings else "No finding that a waiver does not accept.",
            (*_FINDING_COLUMNS, "Baseline") if baseline else _FINDING_COLUMNS,
            _rows(open_findings, "findings", _finding_row(baseline=baseline)),
        )
    ]
    if waived:
        tables.append(
            _Table(
                "### Waived findings",
                "Accepted by a waiver: they do not fail the run.",
                _WAIVED_COLUMNS,
                _rows(waived, "findings", _waived_row),
            )
        )
    if baseline:
        resolved = list(enumerate(report.get("resolved") or []))
        tables.append(
            _Table(
                "### Resolved since the baseline",
                "" if resolved else "No finding of the baseline is gone.",
                _FINDING_COLUMNS,
                _rows(resolved, "resolved", _finding_row(baseline=False)),
            )
        )
    return tables


_RowMaker = Callable[[dict[str, Any], str], str]


def _rows(
    items: list[tuple[int, dict[str, Any]]], name: str, make: _RowMaker
) -> list[str]:
    """The rows, most severe first, in report order within a severity."""
    ranked = sorted(
        items,
        key=lambda item: SEVERITIES.index(severity_of(item[1], f"{name}[{item[0]}]")),
    )
    return [make(finding, f"{name}[{position}]") for position, finding in ranked]


def _finding_row(*, baseline: bool) -> _RowMaker:
    def make(finding: dict[str, Any], where: str) -> str:
        cells = [*_identity(finding, where), _location(finding, where)]
        cells.append(_cell(finding["message"]))
        if baseline:
            cells.append(_cell(finding.get("baseline")))
        return _row(cells)

    return make


def _waived_row(finding: dict[str, Any], where: str) -> str:
    waiver = finding["suppression"]
    cells = _identity(finding, where)
    cells += [_cell(waiver.get(key)) for key in ("id", "owner", "expires", "reason")]
    return _row(cells)


def _identity(finding: dict[str, Any], where: str) -> list[str]:
    """Severity, check, role and action cells."""
    role = finding.get("role")
    if role:
        account = finding.get("account") or UNKNOWN_ACCOUNT
        subject = _cell(role) + " " + _cell(f"({account})")
    else:
        subject = EMPTY_CELL
    return [
        f"**{severity_of(finding, where).upper()}**",
        _cell(finding["check"]),
        subject,
        _code(finding.get("action")),
    ]


def _location(finding: dict[str, Any], where: str) -> str:
    place = place_of(finding, where)
    if place.file is None:
        return EMPTY_CELL
    line = f":{place.line}" if place.line is not None else ""
    return _code(place.file + line)


def _footer(report: dict[str, Any]) -> str:
    catalog = report.get("catalog") or {}
    tool = report.get("tool") or {}
    parts = [
        f"Catalog {_cell(catalog.get('source'))} {_cell(catalog.get('version'))} "
        f"({_cell(_date(catalog.get('updated_at')))})",
        f"contract: {_contract_source(report)}",
        f"bundle revision {_cell((report.get('bundle') or {}).get('revision'))}",
        f"{_cell(tool.get('name'))} {_cell(tool.get('version'))}",
    ]
    return "---\n\n" + " · ".join(parts)


def _contract_source(report: dict[str, Any]) -> str:
    source = (report.get("contract") or {}).get("source") or {}
    url = source.get("url") if isinstance(source, dict) else None
    title = source.get("title") if isinstance(source, dict) else None
    if not isinstance(url, str) or not _WEB_URL.match(url):
        return _cell(title or url)
    target = quote(url, safe=":/?#@!$&'*+,;=%-._~")
    return f"[{_cell(title or url)}]({target})"


def _date(timestamp: Any) -> str:
    text = str(timestamp)
    return text[:10] if _ISO_DATE.match(text) else text


def _cut_note(left_out: int, total: int) -> str:
    return (
        f"\n_{left_out} of {total} row(s) left out to keep this summary under "
        f"{MAX_CHARS:,} characters; the JSON or SARIF report has them all._"
    )


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _cell(value: Any) -> str:
    """The value as inline Markdown text that cannot break out of a cell."""
    # Limitation: an @name in a finding's text (a waiver's reason, say) is
    # left as written, so a comment that quotes it notifies that GitHub user
    # or team; keep such names out of waiver reasons and policy names.
    if value is None or value == "":
        return EMPTY_CELL
    text = str(value)
    if len(text) > CELL_CHARS:
        text = text[: CELL_CHARS - 1] + "…"
    return _NEWLINES.sub("<br>", _ESCAPED.sub(r"\\\1", text))


def _code(value: Any) -> str:
    """The value as a code span, or as escaped text if it holds a backtick."""
    if value is None or value == "":
        return EMPTY_CELL
    text = str(value)
    if "`" in text or len(text) > CELL_CHARS:
        return _cell(text)
    return "`" + _NEWLINES.sub(" ", text).replace("|", "\\|") + "`"

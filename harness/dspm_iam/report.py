"""Build the report from the bundle's result and render it as JSON or text.

The verdicts (findings, role classification, summary, failed) come from the
bundle untouched; this module only adds where they came from and lays them out.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import click

from dspm_iam import __version__
from dspm_iam.engines import Engine
from dspm_iam.errors import EngineError

TOOL_NAME = "dspm-iam"
SEVERITIES = ("critical", "high", "medium", "low", "info")
WIDTH = 80
ACTIONS_LISTED = 5
ACTIONS_SHOWN = 3
UNKNOWN_ACCOUNT = "unknown"
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")
METADATA_PATH = "dspm.report.metadata"
_RESULT_KEYS = ("summary", "roles", "findings")
_OPTIONAL_KEYS = ("resolved", "waivers")
_COLOURS: dict[str, dict[str, Any]] = {
    "critical": {"fg": "red", "bold": True},
    "high": {"fg": "red"},
    "medium": {"fg": "yellow"},
    "low": {"fg": "cyan"},
    "info": {},
}


def report_metadata(engine: Engine) -> dict[str, Any]:
    """The report's tool, engine, bundle, catalog, contract and checks fields."""
    # One query for all of it: the engine prepares each distinct query.
    return metadata_fields(engine, engine.document(METADATA_PATH))


def metadata_fields(engine: Engine, read: dict[str, Any]) -> dict[str, Any]:
    """The report's metadata fields from what data.dspm.report.metadata read."""
    return {
        "tool": {"name": TOOL_NAME, "version": __version__},
        "engine": engine.name,
        "bundle": {"revision": engine.bundle.revision},
        **{key: read[key] for key in ("catalog", "contract", "checks")},
    }


def build_report(result: dict[str, Any], metadata: dict[str, Any]) -> dict[str, Any]:
    """The JSON report: metadata, then the bundle's summary, roles and findings,
    and what it says of the baseline and the waivers when they were given."""
    missing = [key for key in _RESULT_KEYS if key not in result]
    if missing:
        raise EngineError(
            f"data.dspm.report.result: expected {', '.join(_RESULT_KEYS)}; "
            f"missing {', '.join(missing)}"
        )
    optional = {key: result[key] for key in _OPTIONAL_KEYS if key in result}
    return {**metadata, **{key: result[key] for key in _RESULT_KEYS}, **optional}


def render_json(report: dict[str, Any]) -> str:
    """The report as indented JSON, ending with a newline."""
    return json.dumps(report, indent=2) + "\n"


def render_text(report: dict[str, Any], *, colour: bool = False) -> str:
    """The report as text for an 80-column terminal, grouped by account and role."""
    lines: list[str] = []
    account = None
    for group in _groups(report):
        if group.account != account:
            if account is not None:
                lines.append("")
            account = group.account
            lines.append(f"Account {account}")
        lines.append(wrap(group.header(), "  ", "    "))
        lines.extend(_finding_lines(group.findings, colour))

    if lines:
        lines.append("")
    lines.extend(_summary_lines(report["summary"], colour))
    lines.append(_footer(report))
    return "\n".join(lines) + "\n"


@dataclass
class _Group:
    """The findings about one role, or about one source as a whole."""

    account: str
    role: str | None
    source: str | None
    role_type: str | None
    findings: list[dict[str, Any]] = field(default_factory=list)

    def header(self) -> str:
        """The line that introduces the group."""
        if self.role is None:
            return f"Source {self.source}"
        return (
            f"Role {self.role} ({self.role_type or 'unclassified'}) from {self.source}"
        )

    def sort_key(self) -> tuple[bool, str, str, str]:
        """Accounts in order (unknown last), then roles by name."""
        unknown = self.account == UNKNOWN_ACCOUNT
        return (unknown, self.account, (self.role or "").lower(), self.source or "")


def _groups(report: dict[str, Any]) -> list[_Group]:
    groups: dict[tuple[str, str | None, str | None], _Group] = {}
    for role in report["roles"]:
        if role["checked"]:
            _group(groups, role, role["name"])
    for finding in report["findings"]:
        _group(groups, finding, finding["role"]).findings.append(finding)
    return sorted(groups.values(), key=_Group.sort_key)


def _group(
    groups: dict[tuple[str, str | None, str | None], _Group],
    item: dict[str, Any],
    role: str | None,
) -> _Group:
    account = item.get("account") or UNKNOWN_ACCOUNT
    key = (account, role, item.get("source"))
    if key not in groups:
        groups[key] = _Group(account, role, item.get("source"), item.get("role_type"))
    return groups[key]


def _finding_lines(findings: list[dict[str, Any]], colour: bool) -> list[str]:
    if not findings:
        return ["    no findings"]
    return [_finding_line(finding, colour) for finding in findings]


def _finding_line(finding: dict[str, Any], colour: bool) -> str:
    severity = str(finding["severity"]).upper()
    # The message already says where the finding is; file:line leads when the
    # source has lines, as compilers write it, so that editors can jump to it.
    text = _place(finding.get("location"))
    text += f"{severity} {finding['check']} {finding['rule_id']}{_state(finding)}: "
    text += finding["message"] + _actions(finding.get("actions") or [])

    wrapped = wrap(text, "    ", "        ")
    if colour:
        style = _COLOURS.get(str(finding["severity"]), {})
        wrapped = wrapped.replace(severity, click.style(severity, **style), 1)
    return wrapped


def _place(location: Any) -> str:
    if not isinstance(location, dict) or location.get("line") is None:
        return ""
    return f"{location['file']}:{location['line']}: "


def _state(finding: dict[str, Any]) -> str:
    notes = []
    if "baseline" in finding:
        notes.append(str(finding["baseline"]))
    suppression = finding.get("suppression")
    if isinstance(suppression, dict):
        notes.append(f"waived by {suppression['id']} until {suppression['expires']}")
    return f" ({'; '.join(notes)})" if notes else ""


def _actions(actions: list[str]) -> str:
    if len(actions) < 2:
        return ""
    if len(actions) <= ACTIONS_LISTED:
        return f" [actions: {', '.join(actions)}]"

    shown = ", ".join(actions[:ACTIONS_SHOWN])
    return f" [{len(actions)} actions: {shown} and {len(actions) - ACTIONS_SHOWN} more]"


def _summary_lines(summary: dict[str, Any], colour: bool) -> list[str]:
    by_severity = ", ".join(
        f"{severity} {summary['by_severity'].get(severity, 0)}"
        for severity in SEVERITIES
    )
    by_check = _counts(summary["by_check"].items()) or "none"
    verdict = "FAILED" if summary["failed"] else "passed"
    if colour:
        verdict = click.style(verdict, fg="red" if summary["failed"] else "green")
    return [
        wrap(
            f"Roles: {summary['roles_total']} read, {summary['roles_checked']} "
            f"checked, {summary['roles_unclassified']} unclassified",
            "",
            "  ",
        ),
        wrap(f"Findings: {summary['findings']} ({by_severity})", "", "  "),
        wrap(f"By check: {by_check}", "", "  "),
        *_exemption_lines(summary),
        f"Result: {verdict} (--fail-on {summary['fail_on']})",
    ]


def _exemption_lines(summary: dict[str, Any]) -> list[str]:
    lines = []
    if summary.get("suppressed"):
        lines.append(f"Waived: {summary['suppressed']} (they do not fail the run)")
    baseline = summary.get("baseline")
    if isinstance(baseline, dict):
        lines.append(
            f"Against the baseline: {baseline['new']} new, {baseline['known']} "
            f"known, {baseline['resolved']} resolved (only new ones fail the run)"
        )
    return lines


def _counts(items: Iterable[tuple[str, Any]]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(items) if count)


def _footer(report: dict[str, Any]) -> str:
    catalog = report["catalog"]
    errata = report["contract"]["errata"]
    return wrap(
        f"Catalog {catalog['source']} {catalog['version']} "
        f"({_date(catalog['updated_at'])}); bundle revision "
        f"{report['bundle']['revision']}; contract errata: {len(errata)}",
        "",
        "  ",
    )


def _date(timestamp: Any) -> str:
    text = str(timestamp)
    return text[:10] if _ISO_DATE.match(text) else text


def wrap(text: str, first: str, rest: str | None = None) -> str:
    """Fill text to the terminal width the reports use; continuation lines are
    indented by rest (default: four more spaces than first). Words, paths and
    hyphenated names are never split."""
    if rest is None:
        rest = first + "    "
    return textwrap.fill(
        text,
        width=WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )

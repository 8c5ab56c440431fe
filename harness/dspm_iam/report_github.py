"""Render the JSON report as GitHub Actions workflow commands.

One annotation per finding no waiver accepts, placed on its file and line,
then one plain summary line. Every value is escaped the way the workflow
command syntax requires, so a finding that quotes a hostile policy cannot
start a command of its own. The verdicts stay the report's.
"""

from __future__ import annotations

import logging
from typing import Any

from dspm_iam.report import SEVERITIES, UNKNOWN_ACCOUNT
from dspm_iam.report_sarif import (
    baseline_counts,
    place_of,
    severity_of,
    waived_count,
)

logger = logging.getLogger(__name__)

COMMANDS = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "notice",
    "info": "notice",
}
KNOWN_COMMAND = "notice"
_DATA_ESCAPES = (("%", "%25"), ("\r", "%0D"), ("\n", "%0A"))
_PROPERTY_ESCAPES = (*_DATA_ESCAPES, (":", "%3A"), (",", "%2C"))


def render_github(report: dict[str, Any]) -> str:
    """One workflow command per unsuppressed finding, then a summary line."""
    lines = [
        _annotation(finding, f"findings[{position}]")
        for position, finding in enumerate(report["findings"])
        if not finding.get("suppression")
    ]
    lines.append(_summary(report))
    return "\n".join(lines) + "\n"


def escape_data(text: str) -> str:
    """Text that stands after '::' in a workflow command."""
    for plain, escaped in _DATA_ESCAPES:
        text = text.replace(plain, escaped)
    return text


def escape_property(text: str) -> str:
    """Text that stands as a property value in a workflow command."""
    for plain, escaped in _PROPERTY_ESCAPES:
        text = text.replace(plain, escaped)
    return text


def _annotation(finding: dict[str, Any], where: str) -> str:
    severity = severity_of(finding, where)
    command = COMMANDS[severity]
    if finding.get("baseline") == "known":
        command = KNOWN_COMMAND

    properties: list[tuple[str, str]] = []
    place = place_of(finding, where)
    if place.file:
        properties.append(("file", place.file))
    if place.line is not None:
        properties.append(("line", str(place.line)))
    properties.append(("title", _title(finding, severity)))

    listed = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{command} {listed}::{escape_data(_message(finding))}"


def _title(finding: dict[str, Any], severity: str) -> str:
    title = f"{severity.upper()} {finding['rule_id']} {finding['check']}"
    if finding.get("baseline") == "known":
        title += " (known from the baseline)"
    return title


def _message(finding: dict[str, Any]) -> str:
    lines = [str(finding["message"])]
    if finding.get("role"):
        account = finding.get("account") or UNKNOWN_ACCOUNT
        role_type = finding.get("role_type") or "unclassified"
        lines.append(f"Role {finding['role']} ({role_type}) in account {account}.")
    remediation = str(finding.get("remediation") or "").strip()
    if remediation:
        lines.append(f"Fix: {remediation}")
    return "\n".join(lines)


def _summary(report: dict[str, Any]) -> str:
    summary = report["summary"]
    verdict = "FAILED" if summary["failed"] else "passed"
    by_severity = ", ".join(
        f"{summary['by_severity'].get(severity, 0)} {severity}"
        for severity in SEVERITIES
    )
    line = (
        f"dspm-iam: {verdict} (--fail-on {summary['fail_on']}): "
        f"{summary['findings']} finding(s) ({by_severity}), "
        f"{waived_count(report)} waived"
    )
    baseline = baseline_counts(report)
    if baseline is not None:
        new, known, resolved = baseline
        line += f"; against the baseline: {new} new, {known} known, {resolved} resolved"
    # A plain line: nothing in it may begin another line, hence a command.
    return " ".join(line.split())

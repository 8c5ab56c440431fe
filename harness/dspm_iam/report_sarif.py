"""Render the JSON report as SARIF 2.1.0, for code scanning.

One run: one rule per check of the bundle, one result per finding (waived ones
carry their waiver as an external suppression) and, against a baseline, one
result in state `absent` per resolved finding. The module also says, for the
other CI renderers, where a finding is, how loud it is, and what the summary
counts of waivers and the baseline; the verdicts stay the report's.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, NamedTuple
from urllib.parse import quote

from dspm_iam.errors import InputError
from dspm_iam.report import SEVERITIES

logger = logging.getLogger(__name__)

SARIF_VERSION = "2.1.0"
FINGERPRINT_KEY = "dspmIamFinding/v1"
LEVELS = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "note",
    "info": "note",
}
# The scores GitHub code scanning reads to rank security alerts.
SECURITY_SEVERITY = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.0",
    "low": "2.0",
    "info": "0.0",
}
BASELINE_STATES = {"new": "new", "known": "unchanged"}
RULE_TAGS = ("security", "iam", "dspm")
ROLE_KIND = "resource"
_RESULT_PROPERTIES = (
    "rule_id",
    "severity",
    "role",
    "role_type",
    "account",
    "arn",
    "policy",
    "action",
    "resource",
)
_URI_SAFE = "/!$&'()*+,;=@-._~"
_DRIVE = re.compile(r"^[A-Za-z]:/")


class Place(NamedTuple):
    """Where a finding is: a forward-slashed path, and a line when known."""

    file: str | None
    line: int | None


def render_sarif(report: dict[str, Any]) -> str:
    """The report as a SARIF 2.1.0 log with one run, as indented JSON."""
    rules = _rules(report)
    index = {rule["id"]: position for position, rule in enumerate(rules)}
    results = [
        _result(finding, f"findings[{position}]", index)
        for position, finding in enumerate(report["findings"])
    ]
    results += [
        _result(finding, f"resolved[{position}]", index, absent=True)
        for position, finding in enumerate(report.get("resolved") or [])
    ]

    run = {
        "tool": {"driver": _driver(report, rules)},
        "results": results,
        "properties": _run_properties(report),
    }
    log = {"version": SARIF_VERSION, "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def severity_of(finding: dict[str, Any], where: str) -> str:
    """The finding's severity, checked against the five the bundle uses."""
    severity = finding.get("severity")
    if severity not in SEVERITIES:
        raise InputError(
            f"report {where}.severity: expected one of {', '.join(SEVERITIES)}; "
            f"found {severity!r}"
        )
    return str(severity)


def waived_count(report: dict[str, Any]) -> int:
    """How many findings a waiver accepts, as the summary counts them."""
    suppressed = report["summary"].get("suppressed")
    if isinstance(suppressed, int):
        return suppressed
    return sum(1 for finding in report["findings"] if finding.get("suppression"))


def baseline_counts(report: dict[str, Any]) -> tuple[int, int, int] | None:
    """New, known and resolved findings against the baseline; None when the
    run had no baseline."""
    counts = report["summary"].get("baseline")
    if isinstance(counts, dict):
        return counts["new"], counts["known"], counts["resolved"]

    states = [finding.get("baseline") for finding in report["findings"]]
    if "resolved" not in report and not any(states):
        return None
    resolved = len(report.get("resolved") or [])
    return states.count("new"), states.count("known"), resolved


def place_of(finding: dict[str, Any], where: str) -> Place:
    """Where the finding is: its location, else its source file with no line."""
    location = finding.get("location")
    if isinstance(location, dict) and location.get("file"):
        return Place(slashed(str(location["file"])), _line(location, where))
    source = finding.get("source")
    return Place(slashed(str(source)) if source else None, None)


def slashed(path: str) -> str:
    """The path with forward slashes and without a leading './'."""
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def artifact_uri(path: str) -> str:
    """A URI reference for the path: relative paths stay relative."""
    path = slashed(path)
    # Limitation: the renderer does not know the repository root, so an
    # absolute path becomes a file: URI, which code scanning can place only
    # when it lies in the checkout; give paths relative to the repository
    # root to the check to get relative URIs.
    if path.startswith("/"):
        return "file://" + quote(path, safe=_URI_SAFE)
    if _DRIVE.match(path):
        return "file:///" + path[:2] + quote(path[2:], safe=_URI_SAFE)
    # ':' is escaped too, so a first segment never reads as a scheme.
    return quote(path, safe=_URI_SAFE)


def _line(location: dict[str, Any], where: str) -> int | None:
    line = location.get("line")
    if line is None:
        return None
    if isinstance(line, bool) or not isinstance(line, int) or line < 1:
        raise InputError(
            f"report {where}.location.line: expected a line number from 1, "
            f"or null; found {line!r}"
        )
    return line


def _driver(report: dict[str, Any], rules: list[dict[str, Any]]) -> dict[str, Any]:
    tool = report["tool"]
    return {"name": tool["name"], "version": tool["version"], "rules": rules}


def _rules(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One rule per check of the bundle, and one for any check only a
    finding names (a report from an older bundle lists no checks)."""
    checks = {check["check"]: check for check in report.get("checks") or []}
    for finding in [*report["findings"], *(report.get("resolved") or [])]:
        checks.setdefault(finding["check"], _check_of(finding))

    help_uri = _contract_url(report)
    return [_rule(checks[name], help_uri, f"checks[{name}]") for name in sorted(checks)]


def _check_of(finding: dict[str, Any]) -> dict[str, Any]:
    logger.debug("check %s is not listed in the report", finding["check"])
    return {
        "check": finding["check"],
        "title": finding.get("title") or finding["check"],
        "description": finding.get("title") or finding["check"],
        "severity": finding["severity"],
        "remediation": finding.get("remediation") or "",
    }


def _rule(check: dict[str, Any], help_uri: str | None, where: str) -> dict[str, Any]:
    severity = severity_of(check, where)
    remediation = str(check.get("remediation") or "").strip()
    rule: dict[str, Any] = {
        "id": check["check"],
        "shortDescription": {"text": check["title"]},
        "fullDescription": {"text": check.get("description") or check["title"]},
        "help": {"text": remediation, "markdown": remediation},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {
            "severity": severity,
            "security-severity": SECURITY_SEVERITY[severity],
            "tags": list(RULE_TAGS),
        },
    }
    if help_uri is not None:
        rule["helpUri"] = help_uri
    return rule


def _contract_url(report: dict[str, Any]) -> str | None:
    """The contract's source page, when it is an absolute web address."""
    source = report.get("contract", {}).get("source") or {}
    url = source.get("url") if isinstance(source, dict) else None
    if isinstance(url, str) and re.match(r"^https?://[^\s]+$", url):
        return url
    return None


def _result(
    finding: dict[str, Any],
    where: str,
    index: dict[str, int],
    *,
    absent: bool = False,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding["check"],
        "ruleIndex": index[finding["check"]],
        "level": LEVELS[severity_of(finding, where)],
        "message": {"text": _message(finding)},
    }
    locations = _locations(finding, where)
    if locations:
        result["locations"] = locations

    if finding.get("fingerprint"):
        result["partialFingerprints"] = {FINGERPRINT_KEY: str(finding["fingerprint"])}
    state = "absent" if absent else _baseline_state(finding, where)
    if state is not None:
        result["baselineState"] = state
    if finding.get("suppression") and not absent:
        result["suppressions"] = [_suppression(finding["suppression"], where)]

    result["properties"] = _result_properties(finding)
    return result


def _message(finding: dict[str, Any]) -> str:
    if not finding.get("role"):
        return str(finding["message"])
    account = finding.get("account") or "unknown"
    return f"Role {finding['role']} in account {account}: {finding['message']}"


def _locations(finding: dict[str, Any], where: str) -> list[dict[str, Any]]:
    location: dict[str, Any] = {}
    physical = _physical(place_of(finding, where))
    if physical:
        location["physicalLocation"] = physical

    logical = _logical_locations(finding)
    if logical:
        location["logicalLocations"] = logical
    return [location] if location else []


def _physical(place: Place) -> dict[str, Any]:
    if place.file is None:
        return {}
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(place.file)}}
    if place.line is not None:
        physical["region"] = {"startLine": place.line}
    return physical


def _logical_locations(finding: dict[str, Any]) -> list[dict[str, Any]]:
    """The template's logical id when there is one, then the role."""
    logical: list[dict[str, Any]] = []
    location = finding.get("location")
    logical_id = location.get("logical") if isinstance(location, dict) else None
    if logical_id and logical_id != finding.get("role"):
        logical.append({"name": str(logical_id), "kind": ROLE_KIND})

    role = finding.get("role")
    if role:
        qualified = finding.get("arn") or f"{finding.get('account') or ''}/{role}"
        logical.append(
            {"name": role, "fullyQualifiedName": qualified, "kind": ROLE_KIND}
        )
    return logical


def _baseline_state(finding: dict[str, Any], where: str) -> str | None:
    state = finding.get("baseline")
    if state is None:
        return None
    if state not in BASELINE_STATES:
        raise InputError(
            f"report {where}.baseline: expected one of "
            f"{', '.join(BASELINE_STATES)}; found {state!r}"
        )
    return BASELINE_STATES[state]


def _suppression(waiver: dict[str, Any], where: str) -> dict[str, Any]:
    suppression: dict[str, Any] = {
        "kind": "external",
        "status": "accepted",
        "justification": str(waiver.get("reason") or ""),
        "properties": {
            "waiver": waiver.get("id"),
            "owner": waiver.get("owner"),
            "expires": waiver.get("expires"),
        },
    }
    location = waiver.get("location")
    if isinstance(location, dict) and location.get("file"):
        place = Place(
            slashed(str(location["file"])),
            _line(location, f"{where}.suppression"),
        )
        suppression["location"] = {"physicalLocation": _physical(place)}
    return suppression


def _result_properties(finding: dict[str, Any]) -> dict[str, Any]:
    properties = {key: finding[key] for key in _RESULT_PROPERTIES if finding.get(key)}
    if finding.get("actions"):
        properties["actions"] = list(finding["actions"])
    return properties


def _run_properties(report: dict[str, Any]) -> dict[str, Any]:
    catalog = report.get("catalog") or {}
    contract = report.get("contract") or {}
    return {
        "catalog": {
            key: catalog.get(key) for key in ("source", "version", "updated_at")
        },
        "contract": {"source": contract.get("source")},
        "bundle": report.get("bundle"),
        "engine": report.get("engine"),
        "summary": report.get("summary"),
    }

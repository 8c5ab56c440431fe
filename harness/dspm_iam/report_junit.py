"""Render the JSON report as JUnit XML, for CI systems that show test results.

A test suite per check of the bundle, a test case per checked role (and per
other subject a finding of the check names, such as a source file), a
failure per unsuppressed finding and a skipped element per waived one. A case
with a failure counts as failed, else with a waived finding as skipped. The
verdicts stay the report's.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from dspm_iam.report import UNKNOWN_ACCOUNT
from dspm_iam.report_sarif import place_of, severity_of

logger = logging.getLogger(__name__)

# Characters XML 1.0 cannot carry, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_REPLACEMENT = "\ufffd"


class _Subject(NamedTuple):
    """What a test case is about: a role, or a source file as a whole."""

    account: str
    role: str | None
    source: str | None

    def name(self, *, with_source: bool = False) -> str:
        """The test case's name; with_source tells apart one role read twice."""
        if self.role is None:
            return f"source {self.source or 'unknown'}"
        return f"{self.role} from {self.source}" if with_source else self.role


@dataclass
class _Case:
    """One test case: its subject, and its findings with where each is."""

    subject: _Subject
    failures: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    waived: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def render_junit(report: dict[str, Any]) -> str:
    """The report as JUnit XML: testsuites > testsuite > testcase."""
    root = ET.Element("testsuites", {"name": report["tool"]["name"]})
    checked = _checked_subjects(report["roles"])
    suites = [
        _suite(check, position, checked, _findings_of(report, check["check"]))
        for position, check in enumerate(_checks(report))
    ]
    root.extend(suites)

    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(suite.get(key, "0")) for suite in suites)))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _checks(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every check of the bundle, and any only a finding names."""
    checks = {check["check"]: check for check in report.get("checks") or []}
    for finding in report["findings"]:
        checks.setdefault(
            finding["check"],
            {
                "check": finding["check"],
                "title": finding.get("title"),
                "severity": finding["severity"],
            },
        )
    return [checks[name] for name in sorted(checks)]


def _checked_subjects(roles: list[dict[str, Any]]) -> list[_Subject]:
    return sorted(
        {_subject(role, role["name"]) for role in roles if role.get("checked")},
        key=_order,
    )


def _subject(item: dict[str, Any], role: str | None) -> _Subject:
    return _Subject(item.get("account") or UNKNOWN_ACCOUNT, role, item.get("source"))


def _order(subject: _Subject) -> tuple[bool, str, bool, str, str]:
    """Accounts in order (unknown last), roles by name, source files last."""
    return (
        subject.account == UNKNOWN_ACCOUNT,
        subject.account,
        subject.role is None,
        (subject.role or "").lower(),
        subject.source or "",
    )


def _findings_of(report: dict[str, Any], check: str) -> list[tuple[str, Any]]:
    return [
        (f"findings[{position}]", finding)
        for position, finding in enumerate(report["findings"])
        if finding["check"] == check
    ]


def _suite(
    check: dict[str, Any],
    position: int,
    checked: list[_Subject],
    findings: list[tuple[str, Any]],
) -> ET.Element:
    cases = {subject: _Case(subject) for subject in checked}
    for where, finding in findings:
        severity_of(finding, where)
        subject = _subject(finding, finding.get("role"))
        case = cases.setdefault(subject, _Case(subject))
        found = (where, finding)
        (case.waived if finding.get("suppression") else case.failures).append(found)

    ordered = [cases[subject] for subject in sorted(cases, key=_order)]
    roles = Counter((case.subject.account, case.subject.role) for case in ordered)
    suite = ET.Element("testsuite", {"name": _xml(check["check"]), "id": str(position)})
    _properties(suite, check)
    for case in ordered:
        twice = roles[case.subject.account, case.subject.role] > 1
        suite.append(_testcase(check["check"], case, with_source=twice))

    failed = sum(1 for case in ordered if case.failures)
    skipped = sum(1 for case in ordered if case.waived and not case.failures)
    suite.set("tests", str(len(ordered)))
    suite.set("failures", str(failed))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    return suite


def _properties(suite: ET.Element, check: dict[str, Any]) -> None:
    properties = ET.SubElement(suite, "properties")
    for key in ("title", "severity"):
        if check.get(key):
            ET.SubElement(properties, "property", name=key, value=_xml(check[key]))


def _testcase(check: str, case: _Case, *, with_source: bool) -> ET.Element:
    subject = case.subject
    element = ET.Element(
        "testcase",
        {
            "classname": _xml(f"{check}.{subject.account}"),
            "name": _xml(subject.name(with_source=with_source)),
        },
    )
    if subject.source:
        element.set("file", _xml(subject.source))

    for where, finding in case.failures:
        failure = ET.SubElement(
            element,
            "failure",
            {"type": _xml(finding["rule_id"]), "message": _xml(finding["message"])},
        )
        failure.text = _xml(_details(finding, where))
    for _, finding in case.waived:
        waiver = finding["suppression"]
        skipped = ET.SubElement(
            element, "skipped", {"message": _xml(f"waived: {waiver.get('reason')}")}
        )
        skipped.text = _xml(_waiver_details(finding, waiver))
    return element


def _details(finding: dict[str, Any], where: str) -> str:
    place = place_of(finding, where)
    lines = [
        f"{str(finding['severity']).upper()} {finding['rule_id']}: "
        f"{finding['message']}",
        f"role: {finding.get('role')} ({finding.get('role_type') or 'unclassified'})"
        f" in account {finding.get('account') or UNKNOWN_ACCOUNT}",
    ]
    if finding.get("action"):
        lines.append(f"action: {finding['action']}")
    if place.file:
        suffix = f":{place.line}" if place.line else ""
        lines.append(f"location: {place.file}{suffix}")
    if finding.get("baseline"):
        lines.append(f"baseline: {finding['baseline']}")
    lines.append(f"remediation: {str(finding.get('remediation') or '').strip()}")
    return "\n".join(lines)


def _waiver_details(finding: dict[str, Any], waiver: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"{str(finding['severity']).upper()} {finding['rule_id']}: "
            f"{finding['message']}",
            f"waiver: {waiver.get('id')} (owner {waiver.get('owner')}, "
            f"expires {waiver.get('expires')})",
        ]
    )


def _xml(value: Any) -> str:
    """The value as text XML 1.0 can hold."""
    return _NOT_XML.sub(_REPLACEMENT, str(value))

"""Tests for the CI renderers: SARIF, JUnit XML, GitHub workflow commands and
Markdown, on the demo organisation's real report and on the shared real dumps.

The SARIF log is validated against the official SARIF 2.1.0 schema, which
`make sarif-schema` fetches; without it these tests fail, they do not skip.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from jsonschema import Draft4Validator, FormatChecker

from dspm_iam.bundle import load_bundle
from dspm_iam.engine import EmbeddedEngine
from dspm_iam.errors import InputError
from dspm_iam.loaders import load_inputs
from dspm_iam.params import load_params
from dspm_iam.report import SEVERITIES, build_report, report_metadata
from dspm_iam.report_github import escape_data, escape_property, render_github
from dspm_iam.report_junit import render_junit
from dspm_iam.report_markdown import MAX_CHARS, render_markdown
from dspm_iam.report_sarif import FINGERPRINT_KEY, render_sarif
from dspm_iam.schemas import validator

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo"
SARIF_SCHEMA = Path(
    os.environ.get(
        "DSPM_IAM_SARIF_SCHEMA",
        REPO / ".venv" / "share" / "sarif" / "sarif-2.1.0-rtm.5.json",
    )
)
TEMPLATE = "templates/dspm.yaml"
WAIVED_CHECK = "unknown-action"
WAIVER = {
    "id": "target-kms",
    "reason": "The typo is fixed upstream in the next template release.",
    "owner": "team-x@example.com",
    "expires": "2027-01-31",
    "location": {"file": "waivers.yaml", "line": 3, "logical": None},
}
HOSTILE = (
    "a|b\r\n::error file=x::owned %0A 50% <script>alert(1)</script> `tick` "
    "*bold* [link](javascript:alert(1)) @someone \x01\x1b & ]]> c:d,e"
)
# Characters RFC 3986 allows in a URI reference, and percent escapes.
_URI_CHARACTERS = re.compile(
    r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*"
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_WORKFLOW_COMMAND = re.compile(r"::(error|warning|notice) ([^:]*)::(.*)")

Report = dict[str, Any]


# The reports rendered: the demo's real report, extended with what the bundle
# adds now (checks, locations, fingerprints, waivers, baseline).


@pytest.fixture(scope="module")
def engine() -> Iterator[EmbeddedEngine]:
    """The embedded engine on the project's own bundle."""
    opened = EmbeddedEngine(load_bundle())
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="module")
def demo(engine: EmbeddedEngine) -> Report:
    """The demo organisation's report, extended with the new fields; its
    sources are relative paths, as a check run in a checkout names them."""
    return extend(_evaluate(engine, [os.path.relpath(DEMO / "accounts")]), engine)


def _evaluate(
    engine: EmbeddedEngine, paths: list[str], role_type: str | None = None
) -> Report:
    inputs = load_inputs(paths, role_type=role_type)
    document = {
        "params": load_params(DEMO / "params.yaml"),
        "options": {"fail_on": "high"},
        "sources": inputs.sources,
        "roles": inputs.roles,
    }
    return build_report(engine.evaluate(document), report_metadata(engine))


def extend(report: Report, engine: EmbeddedEngine) -> Report:
    """The report with every check listed, every finding located and
    fingerprinted, and the findings of WAIVED_CHECK waived."""
    extended = copy.deepcopy(report)
    extended["checks"] = _checks(engine)
    for position, finding in enumerate(extended["findings"]):
        finding["location"] = _location(finding, position)
        finding.setdefault("fingerprint", _fingerprint(finding))
        finding.pop("suppression", None)
        if finding["check"] == WAIVED_CHECK:
            finding["suppression"] = copy.deepcopy(WAIVER)

    waived = sum(1 for finding in extended["findings"] if "suppression" in finding)
    extended["summary"]["suppressed"] = waived
    return extended


def _checks(engine: EmbeddedEngine) -> list[dict[str, Any]]:
    """The bundle's own metadata of every check, as the report lists it."""
    metadata = engine.document("dspm.report.checks")
    return [
        {
            "check": name,
            "title": meta["title"],
            "description": meta["description"].strip(),
            "severity": meta["custom"]["severity"],
            "remediation": meta["custom"]["remediation"].strip(),
        }
        for name, meta in sorted(metadata.items())
    ]


def _location(finding: dict[str, Any], position: int) -> dict[str, Any] | None:
    """A template line, a dump without lines, or no location, in turn."""
    if position % 3 == 0:
        logical = re.sub(r"[^A-Za-z0-9]", "", finding["role"] or "Source")
        return {"file": TEMPLATE, "line": 10 + position, "logical": logical}
    if position % 3 == 1:
        return {"file": finding["source"], "line": None, "logical": None}
    return None


def _fingerprint(finding: dict[str, Any]) -> str:
    keys = ("check", "rule_id", "account", "role", "policy", "action", "resource")
    identity = json.dumps([finding.get(key) for key in keys])
    return hashlib.sha256(identity.encode()).hexdigest()


def with_baseline(report: Report) -> Report:
    """The report compared with a baseline: every other finding is known,
    and one finding of the baseline is gone."""
    compared = copy.deepcopy(report)
    for position, finding in enumerate(compared["findings"]):
        finding["baseline"] = "known" if position % 2 else "new"
    known = len(compared["findings"]) // 2
    gone = copy.deepcopy(report["findings"][0])
    gone["message"] = "resolved: " + gone["message"]
    gone["fingerprint"] = _fingerprint({**gone, "resource": "gone"})
    gone.pop("suppression", None)
    compared["resolved"] = [gone]
    compared["summary"]["baseline"] = {
        "new": len(report["findings"]) - known,
        "known": known,
        "resolved": 1,
    }
    return compared


def hostile(report: Report) -> Report:
    """The report with user-controlled strings full of markup, control
    characters and workflow commands."""
    changed = copy.deepcopy(report)
    for finding in changed["findings"][:4]:
        for key in ("role", "message", "action", "source", "policy"):
            finding[key] = f"{key} {HOSTILE}"
        if finding["location"] is not None:
            finding["location"]["file"] = f"dir/{HOSTILE}.yaml"
    waived = [f for f in changed["findings"] if "suppression" in f]
    waived[0]["suppression"]["reason"] = HOSTILE
    changed["checks"][0]["title"] = HOSTILE
    return changed


def old_shape(report: Report) -> Report:
    """The report as bundles before the new fields wrote it."""
    old = copy.deepcopy(report)
    old.pop("checks")
    old["summary"].pop("suppressed")
    for finding in old["findings"]:
        for key in ("location", "fingerprint", "suppression", "baseline"):
            finding.pop(key, None)
    return old


def empty(report: Report) -> Report:
    """A run that read no role."""
    nothing = copy.deepcopy(report)
    nothing.update(roles=[], findings=[])
    nothing["summary"].update(
        roles_total=0,
        roles_checked=0,
        roles_unclassified=0,
        findings=0,
        suppressed=0,
        failed=False,
        by_severity=dict.fromkeys(SEVERITIES, 0),
    )
    return nothing


def as_is(report: Report) -> Report:
    """The extended demo report unchanged."""
    return report


VARIANTS = [
    pytest.param(as_is, id="demo"),
    pytest.param(with_baseline, id="baseline"),
    pytest.param(hostile, id="hostile"),
    pytest.param(old_shape, id="old-shape"),
    pytest.param(empty, id="empty"),
]


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(as_is, id="demo"),
        pytest.param(with_baseline, id="baseline"),
        pytest.param(empty, id="empty"),
    ],
)
def test_reports_rendered_have_the_report_shape(
    demo: Report, variant: Callable[[Report], Report]
) -> None:
    report = variant(demo)

    errors = [error.message for error in validator("report").iter_errors(report)]

    assert errors == []
    assert "waiver" in [check["check"] for check in report["checks"]]


def _one(report: Report, **fields: Any) -> Report:
    """The report with its first finding changed by fields, and only it."""
    changed = copy.deepcopy(report)
    changed["findings"] = [{**changed["findings"][0], **fields}]
    changed["findings"][0].pop("suppression", None)
    return changed


# SARIF


@cache
def _loaded_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    Draft4Validator.check_schema(schema)
    return schema


def sarif_validator() -> Draft4Validator:
    """The official SARIF 2.1.0 schema, with its URI formats checked."""
    if not SARIF_SCHEMA.is_file():
        pytest.fail(
            f"the official SARIF 2.1.0 schema is missing at {SARIF_SCHEMA}: run "
            "`make sarif-schema` (or set DSPM_IAM_SARIF_SCHEMA to the file)"
        )
    formats = FormatChecker(formats=())
    formats.checks("uri-reference")(_is_uri_reference)
    formats.checks("uri")(lambda value: _is_uri_reference(value) and _has_scheme(value))
    return Draft4Validator(_loaded_schema(), format_checker=formats)


def _is_uri_reference(value: object) -> bool:
    return not isinstance(value, str) or bool(_URI_CHARACTERS.fullmatch(value))


def _has_scheme(value: object) -> bool:
    return not isinstance(value, str) or bool(_SCHEME.match(value))


def sarif(report: Report) -> dict[str, Any]:
    """The SARIF log of the report, checked against the official schema."""
    log: dict[str, Any] = json.loads(render_sarif(report))
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in sarif_validator().iter_errors(log)
    ]
    assert errors == []
    return log


def _run(report: Report) -> dict[str, Any]:
    run: dict[str, Any] = sarif(report)["runs"][0]
    return run


@pytest.mark.parametrize("variant", VARIANTS)
def test_sarif_satisfies_the_official_schema(
    demo: Report, variant: Callable[[Report], Report]
) -> None:
    report = variant(demo)

    log = sarif(report)

    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    results = log["runs"][0]["results"]
    assert len(results) == len(report["findings"]) + len(report.get("resolved", []))


def test_sarif_fails_without_the_schema(
    demo: Report, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(globals(), "SARIF_SCHEMA", tmp_path / "absent.json")

    with pytest.raises(pytest.fail.Exception, match="run `make sarif-schema`"):
        sarif(demo)


def test_sarif_rules_are_the_checks(demo: Report) -> None:
    run = _run(demo)

    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [c["check"] for c in demo["checks"]]
    assert "waiver" in [rule["id"] for rule in rules]
    for rule, check in zip(rules, demo["checks"], strict=True):
        assert rule["shortDescription"]["text"] == check["title"]
        assert rule["fullDescription"]["text"] == check["description"]
        assert rule["help"] == {
            "text": check["remediation"],
            "markdown": check["remediation"],
        }
        assert rule["properties"]["severity"] == check["severity"]
        assert "security" in rule["properties"]["tags"]
    levels = {rule["id"]: rule["defaultConfiguration"]["level"] for rule in rules}
    assert levels["required-deny"] == "error"
    assert levels["missing-permission"] == "warning"
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_tool_is_named_without_invented_addresses(demo: Report) -> None:
    run = _run(demo)
    text = json.dumps(run)

    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("dspm-iam", demo["tool"]["version"])
    assert "informationUri" not in driver
    addresses = set(re.findall(r"[a-z]+://[^\s\"]*", text))
    assert addresses == {demo["contract"]["source"]["url"]}


@pytest.mark.parametrize(
    ("severity", "level"),
    [
        pytest.param("critical", "error", id="critical"),
        pytest.param("high", "error", id="high"),
        pytest.param("medium", "warning", id="medium"),
        pytest.param("low", "note", id="low"),
        pytest.param("info", "note", id="info"),
    ],
)
def test_sarif_level_follows_severity(demo: Report, severity: str, level: str) -> None:
    result = _run(_one(demo, severity=severity))["results"][0]

    assert result["level"] == level


@pytest.mark.parametrize(
    ("location", "source", "physical"),
    [
        pytest.param(
            {"file": TEMPLATE, "line": 42, "logical": "DSPMTargetRole"},
            "dump.json",
            {
                "artifactLocation": {"uri": TEMPLATE},
                "region": {"startLine": 42},
            },
            id="template-line",
        ),
        pytest.param(
            {"file": TEMPLATE, "line": None, "logical": None},
            "dump.json",
            {"artifactLocation": {"uri": TEMPLATE}},
            id="line-unknown",
        ),
        pytest.param(
            None,
            "dumps/prod account.json",
            {"artifactLocation": {"uri": "dumps/prod%20account.json"}},
            id="dump-without-lines",
        ),
        pytest.param(
            {"file": "templates\\nested\\dspm.yaml", "line": 7, "logical": None},
            None,
            {
                "artifactLocation": {"uri": "templates/nested/dspm.yaml"},
                "region": {"startLine": 7},
            },
            id="backslashes",
        ),
        pytest.param(
            {"file": "./templates/dspm.yaml", "line": 1, "logical": None},
            None,
            {"artifactLocation": {"uri": TEMPLATE}, "region": {"startLine": 1}},
            id="dot-slash",
        ),
        pytest.param(
            None,
            "c:dumps/a#1?.json",
            {"artifactLocation": {"uri": "c%3Adumps/a%231%3F.json"}},
            id="characters-a-uri-reserves",
        ),
        pytest.param(
            None,
            "/checkout/dumps/a.json",
            {"artifactLocation": {"uri": "file:///checkout/dumps/a.json"}},
            id="absolute",
        ),
        pytest.param(None, None, None, id="nowhere"),
    ],
)
def test_sarif_result_location(
    demo: Report,
    location: dict[str, Any] | None,
    source: str | None,
    physical: dict[str, Any] | None,
) -> None:
    report = _one(demo, location=location, source=source)
    finding = report["findings"][0]

    result = _run(report)["results"][0]

    (where,) = result["locations"]
    assert where.get("physicalLocation") == physical
    names = [logical["name"] for logical in where["logicalLocations"]]
    logical_id = (location or {}).get("logical")
    assert names == ([logical_id] if logical_id else []) + [finding["role"]]
    assert where["logicalLocations"][-1]["fullyQualifiedName"] == finding["arn"]
    if physical is not None:
        uri = physical["artifactLocation"]["uri"]
        if not uri.startswith("file:"):
            assert urlsplit(uri).scheme == ""
            assert unquote(uri) == (location or {}).get("file", source).replace(
                "\\", "/"
            ).removeprefix("./")


def test_sarif_result_carries_the_finding(demo: Report) -> None:
    run = _run(demo)

    for finding, result in zip(demo["findings"], run["results"], strict=True):
        assert result["ruleId"] == finding["check"]
        assert result["partialFingerprints"] == {
            FINGERPRINT_KEY: finding["fingerprint"]
        }
        assert finding["message"] in result["message"]["text"]
        assert finding["role"] in result["message"]["text"]
        properties = result["properties"]
        assert properties["rule_id"] == finding["rule_id"]
        assert properties["role"] == finding["role"]
        assert properties["account"] == finding["account"]
        assert properties.get("action") == finding["action"]
        assert "baselineState" not in result


def test_sarif_waived_findings_are_suppressed(demo: Report) -> None:
    run = _run(demo)

    pairs = list(zip(demo["findings"], run["results"], strict=True))
    waived = [result for finding, result in pairs if "suppression" in finding]
    assert waived
    assert all("suppressions" not in r for f, r in pairs if "suppression" not in f)
    for result in waived:
        assert result["suppressions"] == [
            {
                "kind": "external",
                "status": "accepted",
                "justification": WAIVER["reason"],
                "location": {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "waivers.yaml"},
                        "region": {"startLine": 3},
                    }
                },
                "properties": {
                    "waiver": "target-kms",
                    "owner": "team-x@example.com",
                    "expires": "2027-01-31",
                },
            }
        ]


def test_sarif_baseline_states(demo: Report) -> None:
    report = with_baseline(demo)

    results = _run(report)["results"]

    states = Counter(result["baselineState"] for result in results)
    known = sum(1 for finding in report["findings"] if finding["baseline"] == "known")
    assert states == {
        "new": len(report["findings"]) - known,
        "unchanged": known,
        "absent": 1,
    }
    absent = results[-1]
    assert absent["baselineState"] == "absent"
    assert absent["message"]["text"].endswith(report["resolved"][0]["message"])
    assert (
        absent["partialFingerprints"][FINGERPRINT_KEY]
        == (report["resolved"][0]["fingerprint"])
    )


def test_sarif_run_says_what_the_verdicts_came_from(demo: Report) -> None:
    properties = _run(demo)["properties"]

    assert properties["catalog"]["updated_at"] == demo["catalog"]["updated_at"]
    assert properties["contract"]["source"] == demo["contract"]["source"]
    assert properties["bundle"] == demo["bundle"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param(
            {"severity": "urgent"},
            "report findings[0].severity: expected one of critical, high, "
            "medium, low, info; found 'urgent'",
            id="unknown-severity",
        ),
        pytest.param(
            {"location": {"file": TEMPLATE, "line": 0, "logical": None}},
            "report findings[0].location.line: expected a line number from 1, "
            "or null; found 0",
            id="line-zero",
        ),
        pytest.param(
            {"location": {"file": TEMPLATE, "line": "42", "logical": None}},
            "report findings[0].location.line: expected a line number from 1, "
            "or null; found '42'",
            id="line-as-text",
        ),
        pytest.param(
            {"baseline": "updated"},
            "report findings[0].baseline: expected one of new, known; found 'updated'",
            id="unknown-baseline-state",
        ),
    ],
)
def test_bad_report_is_an_input_error(
    demo: Report, fields: dict[str, Any], expected: str
) -> None:
    report = _one(demo, **fields)

    for render in (render_sarif, render_junit, render_github, render_markdown):
        if "baseline" in fields and render is not render_sarif:
            continue
        with pytest.raises(InputError) as raised:
            render(report)
        assert str(raised.value) == expected


# JUnit XML


def junit(report: Report) -> ET.Element:
    """The JUnit document, parsed, with its counts checked against its
    elements."""
    root = ET.fromstring(render_junit(report))
    assert root.tag == "testsuites"
    for suite in root:
        cases = suite.findall("testcase")
        failed = [case for case in cases if case.find("failure") is not None]
        skipped = [
            c for c in cases if c.find("skipped") is not None and c not in failed
        ]
        assert suite.get("tests") == str(len(cases))
        assert suite.get("failures") == str(len(failed))
        assert suite.get("skipped") == str(len(skipped))
        assert suite.get("errors") == "0"
    for key in ("tests", "failures", "errors", "skipped"):
        assert root.get(key) == str(sum(int(s.get(key, "-1")) for s in root))
    return root


@pytest.mark.parametrize("variant", VARIANTS)
def test_junit_is_well_formed_and_counts_agree(
    demo: Report, variant: Callable[[Report], Report]
) -> None:
    report = variant(demo)

    root = junit(report)

    open_findings = [f for f in report["findings"] if "suppression" not in f]
    assert len(root.findall(".//failure")) == len(open_findings)
    waived = len(report["findings"]) - len(open_findings)
    assert len(root.findall(".//skipped")) == waived


def test_junit_has_a_suite_per_check_and_a_case_per_checked_role(
    demo: Report,
) -> None:
    root = junit(demo)

    assert [suite.get("name") for suite in root] == [c["check"] for c in demo["checks"]]
    assert [suite.get("id") for suite in root] == [str(i) for i in range(len(root))]
    checked = {role["name"] for role in demo["roles"] if role["checked"]}
    for suite in root:
        names = {case.get("name") for case in suite.findall("testcase")}
        assert names == checked


def test_junit_failures_and_skips_name_their_findings(demo: Report) -> None:
    root = junit(demo)

    failures = [
        (
            suite.get("name"),
            case.get("name"),
            failure.get("type"),
            failure.get("message"),
        )
        for suite in root
        for case in suite.findall("testcase")
        for failure in case.findall("failure")
    ]
    expected = [
        (f["check"], f["role"], f["rule_id"], f["message"])
        for f in demo["findings"]
        if "suppression" not in f
    ]
    assert sorted(failures) == sorted(expected)
    skipped = root.findall(f"testsuite[@name='{WAIVED_CHECK}']/testcase/skipped")
    assert skipped
    assert {skip.get("message") for skip in skipped} == {f"waived: {WAIVER['reason']}"}


def test_junit_keeps_hostile_text_as_text(demo: Report) -> None:
    report = hostile(demo)

    root = junit(report)

    messages = [failure.get("message") or "" for failure in root.iter("failure")]
    hostile_messages = [m for m in messages if m.startswith("message a|b")]
    assert len(hostile_messages) == 4
    # XML 1.0 cannot hold \x01 or \x1b; everything else comes back as written.
    readable = HOSTILE.replace("\x01", "\ufffd").replace("\x1b", "\ufffd")
    assert hostile_messages[0] == f"message {readable}"


def test_junit_is_deterministic(demo: Report) -> None:
    shuffled = copy.deepcopy(demo)
    shuffled["roles"].reverse()

    assert render_junit(demo) == render_junit(copy.deepcopy(demo))
    assert render_junit(shuffled) == render_junit(demo)


def test_junit_finding_about_a_source_gets_its_own_case(demo: Report) -> None:
    report = _one(demo, role=None, role_type=None, source="dumps/page-1.json")

    root = junit(report)

    suite = root.find(f"testsuite[@name='{report['findings'][0]['check']}']")
    assert suite is not None
    case = suite.find("testcase[@name='source dumps/page-1.json']")
    assert case is not None
    assert case.find("failure") is not None


def test_junit_case_with_a_failure_and_a_waiver_counts_as_failed(
    demo: Report,
) -> None:
    report = _one(demo)
    finding = report["findings"][0]
    report["findings"].append({**finding, "suppression": copy.deepcopy(WAIVER)})

    root = junit(report)

    suite = root.find(f"testsuite[@name='{finding['check']}']")
    assert suite is not None
    (case,) = [c for c in suite.findall("testcase") if c.get("name") == finding["role"]]
    assert [child.tag for child in case] == ["failure", "skipped"]
    assert (suite.get("failures"), suite.get("skipped")) == ("1", "0")


def test_junit_tells_apart_one_role_read_twice(demo: Report) -> None:
    report = copy.deepcopy(demo)
    role = next(role for role in report["roles"] if role["checked"])
    report["roles"].append({**role, "source": "dumps/again.json"})

    root = junit(report)

    for suite in root:
        cases = suite.findall("testcase")
        assert len({(c.get("classname"), c.get("name")) for c in cases}) == len(cases)
        names = [case.get("name") for case in cases]
        assert f"{role['name']} from dumps/again.json" in names
        assert f"{role['name']} from {role['source']}" in names


# GitHub workflow commands


def commands(report: Report) -> tuple[list[tuple[str, dict[str, str], str]], str]:
    """The parsed workflow commands (kind, properties, message) and the
    summary line."""
    lines = render_github(report).splitlines()
    parsed = []
    for line in lines[:-1]:
        match = _WORKFLOW_COMMAND.fullmatch(line)
        assert match is not None, line
        properties = dict(item.split("=", 1) for item in match[2].split(","))
        parsed.append((match[1], properties, match[3]))
    return parsed, lines[-1]


def _unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(text: str) -> str:
    return _unescape_data(text.replace("%3A", ":").replace("%2C", ","))


@pytest.mark.parametrize("variant", VARIANTS)
def test_github_one_command_per_unsuppressed_finding(
    demo: Report, variant: Callable[[Report], Report]
) -> None:
    report = variant(demo)

    parsed, summary = commands(report)

    open_findings = [f for f in report["findings"] if "suppression" not in f]
    assert len(parsed) == len(open_findings)
    for (_, _, message), finding in zip(parsed, open_findings, strict=True):
        assert _unescape_data(message).startswith(finding["message"])
    verdict = "FAILED" if report["summary"]["failed"] else "passed"
    assert summary.startswith(f"dspm-iam: {verdict} ")
    assert f"{report['summary']['findings']} finding(s)" in summary


def test_github_summary_counts_the_baseline(demo: Report) -> None:
    report = with_baseline(demo)

    _, summary = commands(report)

    counts = report["summary"]["baseline"]
    assert summary.endswith(
        f"; against the baseline: {counts['new']} new, {counts['known']} known, "
        "1 resolved"
    )
    assert f", {report['summary']['suppressed']} waived;" in summary


@pytest.mark.parametrize(
    ("severity", "baseline", "kind"),
    [
        pytest.param("critical", None, "error", id="critical"),
        pytest.param("high", None, "error", id="high"),
        pytest.param("medium", None, "warning", id="medium"),
        pytest.param("low", None, "notice", id="low"),
        pytest.param("info", None, "notice", id="info"),
        pytest.param("critical", "new", "error", id="new-critical"),
        pytest.param("critical", "known", "notice", id="known-critical"),
    ],
)
def test_github_command_follows_severity(
    demo: Report, severity: str, baseline: str | None, kind: str
) -> None:
    report = _one(demo, severity=severity, baseline=baseline)

    (command,), _ = commands(report)

    assert command[0] == kind


@pytest.mark.parametrize(
    ("location", "source", "expected"),
    [
        pytest.param(
            {"file": TEMPLATE, "line": 42, "logical": None},
            "dump.json",
            {"file": TEMPLATE, "line": "42"},
            id="template-line",
        ),
        pytest.param(
            {"file": "templates\\dspm.yaml", "line": None, "logical": None},
            "dump.json",
            {"file": TEMPLATE},
            id="line-unknown",
        ),
        pytest.param(None, "dumps/a.json", {"file": "dumps/a.json"}, id="dump"),
        pytest.param(None, None, {}, id="nowhere"),
        pytest.param(
            {"file": "dir/a,b:c%.yaml", "line": 3, "logical": None},
            None,
            {"file": "dir/a%2Cb%3Ac%25.yaml", "line": "3"},
            id="escaped-file",
        ),
    ],
)
def test_github_command_is_placed(
    demo: Report,
    location: dict[str, Any] | None,
    source: str | None,
    expected: dict[str, str],
) -> None:
    report = _one(demo, location=location, source=source)

    ((_, properties, _),), _ = commands(report)

    title = properties.pop("title")
    assert properties == expected
    finding = report["findings"][0]
    assert _unescape_property(title).startswith(
        f"{finding['severity'].upper()} {finding['rule_id']} {finding['check']}"
    )


@pytest.mark.parametrize(
    ("text", "data", "value"),
    [
        pytest.param("plain", "plain", "plain", id="plain"),
        pytest.param("50%", "50%25", "50%25", id="percent"),
        pytest.param("a\r\nb", "a%0D%0Ab", "a%0D%0Ab", id="newlines"),
        pytest.param("a:b,c", "a:b,c", "a%3Ab%2Cc", id="colon-comma"),
        pytest.param("%0A", "%250A", "%250A", id="escape-in-text"),
        pytest.param("::error::x", "::error::x", "%3A%3Aerror%3A%3Ax", id="command"),
    ],
)
def test_github_escaping(text: str, data: str, value: str) -> None:
    assert escape_data(text) == data
    assert escape_property(text) == value
    assert _unescape_data(data) == text
    assert _unescape_property(value) == text


def test_github_hostile_finding_stays_one_command(demo: Report) -> None:
    report = hostile(demo)

    output = render_github(report)
    parsed, _ = commands(report)

    open_findings = [f for f in report["findings"] if "suppression" not in f]
    assert len(output.splitlines()) == len(open_findings) + 1
    assert "\r" not in output
    _, properties, message = parsed[0]
    assert _unescape_data(message).startswith(report["findings"][0]["message"])
    assert _unescape_property(properties["file"]) == f"dir/{HOSTILE}.yaml"


# Markdown


def _cells(row: str) -> list[str]:
    """The cells of a table row, split on pipes that are not escaped."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]]


def _table(markdown: str, heading: str) -> list[list[str]]:
    """The rows (header first, without the rule) of the table under heading."""
    lines = markdown.split(f"\n{heading}\n", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in lines.splitlines() if line.startswith("| ")]
    return [_cells(row) for row in rows if not row.startswith("| ---")]


@pytest.mark.parametrize("variant", VARIANTS)
def test_markdown_fits_a_comment_and_lists_every_finding(
    demo: Report, variant: Callable[[Report], Report]
) -> None:
    report = variant(demo)

    markdown = render_markdown(report)

    assert len(markdown) <= MAX_CHARS
    assert "\r" not in markdown
    rows = _table(markdown, "### Findings")[1:]
    open_findings = [f for f in report["findings"] if "suppression" not in f]
    assert len(rows) == len(open_findings)
    assert "row(s) left out" not in markdown


@pytest.mark.parametrize(
    ("failed", "verdict"),
    [
        pytest.param(True, "FAILED", id="failed"),
        pytest.param(False, "passed", id="passed"),
    ],
)
def test_markdown_verdict(demo: Report, failed: bool, verdict: str) -> None:
    report = copy.deepcopy(demo)
    report["summary"]["failed"] = failed

    markdown = render_markdown(report)

    assert markdown.startswith(f"## dspm-iam: {verdict}\n")
    assert f"**Result: {verdict}** at `--fail-on high`" in markdown
    waived = report["summary"]["suppressed"]
    assert f"{report['summary']['findings']} finding(s), {waived} waived" in markdown


def test_markdown_counts_by_check_and_severity(demo: Report) -> None:
    rows = _table(render_markdown(demo), "### Findings by check and severity")

    header, *body, total = rows
    assert header == ["Check", "Critical", "High", "Medium", "Low", "Info", "Waived"]
    assert [row[0] for row in body] == [check["check"] for check in demo["checks"]]
    summary = demo["summary"]
    assert total[1:6] == [str(summary["by_severity"][s]) for s in SEVERITIES]
    assert total[6] == str(summary["suppressed"])
    by_check = {row[0]: sum(int(cell) for cell in row[1:6]) for row in body}
    assert by_check == {
        check["check"]: summary["by_check"].get(check["check"], 0)
        for check in demo["checks"]
    }


def test_markdown_findings_table(demo: Report) -> None:
    rows = _table(render_markdown(demo), "### Findings")

    header, *body = rows
    assert header == ["Severity", "Check", "Role", "Action", "Location", "Message"]
    ranks = [SEVERITIES.index(row[0].strip("*").lower()) for row in body]
    assert ranks == sorted(ranks)
    located = [f for f in demo["findings"] if (f["location"] or {}).get("line")]
    assert located
    locations = {row[4] for row in body}
    for finding in located:
        if "suppression" not in finding:
            assert f"`{TEMPLATE}:{finding['location']['line']}`" in locations


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        pytest.param("message", "a|b", "a\\|b", id="pipe"),
        pytest.param("message", "a\nb\r\nc", "a<br>b<br>c", id="newlines"),
        pytest.param("message", "<b>x</b>", "\\<b\\>x\\</b\\>", id="html"),
        pytest.param(
            "message", "[x](javascript:y)", "\\[x\\](javascript:y)", id="link"
        ),
        pytest.param(
            "message", "*a* _b_ ~c~", "\\*a\\* \\_b\\_ \\~c\\~", id="emphasis"
        ),
        pytest.param("role", "r|o`le", "r\\|o\\`le (111111111111)", id="role"),
        pytest.param("action", "s3:Get|*", "`s3:Get\\|*`", id="action-code"),
        pytest.param("action", "s3:`x`", "s3:\\`x\\`", id="action-backtick"),
    ],
)
def test_markdown_escapes_cells(
    demo: Report, field: str, value: str, shown: str
) -> None:
    report = _one(demo, account="111111111111", **{field: value})

    markdown = render_markdown(report)

    (row,) = _table(markdown, "### Findings")[1:]
    assert len(row) == 6
    column = {"role": 2, "action": 3, "message": 5}[field]
    assert row[column] == shown


def test_markdown_sections_follow_the_report(demo: Report) -> None:
    plain = render_markdown(old_shape(demo))
    waived = render_markdown(demo)
    compared = render_markdown(with_baseline(demo))

    assert "### Waived findings" not in plain
    assert "### Resolved since the baseline" not in plain
    assert "Against the baseline" not in plain
    rows = _table(waived, "### Waived findings")
    assert rows[0][4:] == ["Waiver", "Owner", "Expires", "Reason"]
    assert len(rows) - 1 == demo["summary"]["suppressed"]
    assert rows[1][4:7] == ["target-kms", "team-x@example.com", "2027-01-31"]
    assert "### Resolved since the baseline" in compared
    assert _table(compared, "### Findings")[0][-1] == "Baseline"
    counts = with_baseline(demo)["summary"]["baseline"]
    assert (
        f"Against the baseline: {counts['new']} new, {counts['known']} known, "
        "1 resolved."
    ) in compared
    (resolved,) = _table(compared, "### Resolved since the baseline")[1:]
    assert resolved[5].startswith("resolved: ")


def test_markdown_says_where_the_verdicts_came_from(demo: Report) -> None:
    markdown = render_markdown(demo)

    footer = markdown.rsplit("\n---\n", 1)[1]
    assert f"({demo['catalog']['updated_at'][:10]})" in footer
    source = demo["contract"]["source"]
    assert f"[{source['title']}]({source['url']})" in footer


def test_markdown_links_only_web_addresses(demo: Report) -> None:
    report = copy.deepcopy(demo)
    report["contract"]["source"] = {"title": "Contract", "url": "javascript:alert(1)"}

    footer = render_markdown(report).rsplit("\n---\n", 1)[1]

    assert "](" not in footer
    assert "contract: Contract" in footer


def test_markdown_cuts_long_tables_and_says_so(demo: Report) -> None:
    report = copy.deepcopy(with_baseline(demo))
    copies = []
    for number in range(300):
        for finding in report["findings"]:
            copies.append({**finding, "role": f"{finding['role']}-{number:03d}"})
    report["findings"] = copies
    report["resolved"] = copies[:500]

    markdown = render_markdown(report)

    assert len(markdown) <= MAX_CHARS
    for heading, total in [
        ("### Findings", sum(1 for f in copies if "suppression" not in f)),
        ("### Waived findings", sum(1 for f in copies if "suppression" in f)),
        ("### Resolved since the baseline", 500),
    ]:
        section = markdown.split(f"\n{heading}\n", 1)[1].split("\n### ", 1)[0]
        shown = len(_table(markdown, heading)) - 1
        note = re.search(r"_(\d+) of (\d+) row\(s\) left out", section)
        assert note is not None, heading
        assert (int(note[1]), int(note[2])) == (total - shown, total)
        # Every table keeps some room: the findings do not crowd out the rest.
        assert shown > 0, heading
    assert markdown.rstrip().endswith(f"dspm-iam {demo['tool']['version']}")


# The shared real dumps, every role read as a target role.


def test_real_dumps_render_in_every_format(
    engine: EmbeddedEngine, shared_dump: Path
) -> None:
    report = extend(_evaluate(engine, [os.path.relpath(shared_dump)], "target"), engine)

    assert report["findings"]
    results = _run(report)["results"]
    assert len(results) == len(report["findings"])
    assert len(junit(report).findall(".//failure")) == len(
        [f for f in report["findings"] if "suppression" not in f]
    )
    parsed, _ = commands(report)
    assert len(parsed) == len([f for f in report["findings"] if "suppression" not in f])
    assert len(render_markdown(report)) <= MAX_CHARS

"""Tests for dspm_iam.cli: exit statuses, one-line errors and end-to-end runs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from tests.harness.cases import BAD_INPUT_CASES, BAD_PARAMS_CASES

from dspm_iam import __version__
from dspm_iam.cli import cli
from dspm_iam.params import ROLE_TYPES
from dspm_iam.schemas import validator

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
GOOD = DATA / "good"
BAD_INPUTS = DATA / "bad" / "inputs"
BAD_PARAMS = DATA / "bad" / "params"
BARE = GOOD / "bare-policy-single-statement.json"
ROLE = GOOD / "role-url-encoded.json"
DUMP = GOOD / "dump-small.json"
PARAMS = DATA / "params" / "all-features.yaml"


def _run(*args: str | Path, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, [str(arg) for arg in args], input=stdin)


def _assert_one_line_error(result: Result, path: Path | str, expected: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"dspm-iam: error: {path}: {expected}"]
    assert "Traceback" not in result.output


def _json_report(result: Result) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(result.stdout)
    assert list(validator("report").iter_errors(report)) == []
    return report


@pytest.mark.parametrize(("name", "expected"), BAD_INPUT_CASES)
def test_bad_input_file(name: str, expected: str) -> None:
    path = BAD_INPUTS / name

    result = _run("check", "--role-type", "target", path)

    _assert_one_line_error(result, path, expected)


@pytest.mark.parametrize(("name", "expected"), BAD_PARAMS_CASES)
def test_bad_params_file(name: str, expected: str) -> None:
    path = BAD_PARAMS / name

    result = _run("check", "--params", path, DUMP)

    _assert_one_line_error(result, path, expected)


def test_empty_directory(tmp_path: Path) -> None:
    result = _run("check", tmp_path)

    _assert_one_line_error(
        result,
        tmp_path,
        "expected *.json, *.yaml, *.yml, *.template files below this directory",
    )


def test_bare_policy_without_role_type() -> None:
    result = _run("check", BARE)

    _assert_one_line_error(
        result,
        BARE,
        "a bare policy document needs --role-type to say which DSPM role it belongs to",
    )


def test_bundle_without_manifest(tmp_path: Path) -> None:
    result = _run("check", "--bundle", tmp_path, DUMP)

    _assert_one_line_error(
        result, tmp_path, "expected an OPA bundle with a .manifest file"
    )


def test_unknown_role_type_is_a_usage_error() -> None:
    result = _run("check", "--role-type", "scaner", DUMP)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Invalid value for '--role-type'" in result.stderr
    assert all(f"'{role_type}'" in result.stderr for role_type in ROLE_TYPES)


def test_no_paths_is_a_usage_error() -> None:
    result = _run("check")

    assert result.exit_code == 2
    assert "Missing argument 'PATHS...'" in result.stderr


def test_version() -> None:
    result = _run("--version")

    assert result.exit_code == 0
    assert result.stdout == f"dspm-iam {__version__}\n"


def test_json_report_end_to_end() -> None:
    result = _run("check", "--format", "json", "--params", PARAMS, DUMP, ROLE)

    report = _json_report(result)
    assert result.exit_code == (1 if report["summary"]["failed"] else 0)
    assert result.stderr == ""
    assert report["summary"]["fail_on"] == "high"
    assert report["summary"]["roles_total"] == 3
    # Ordered by account, then name: the order does not depend on the input's.
    assert [(role["name"], role["source"]) for role in report["roles"]] == [
        ("DSPM-Scanner", str(ROLE)),
        ("DSPM-Target", str(DUMP)),
        ("unrelated-ci", str(DUMP)),
    ]
    assert report["catalog"]["version"]
    assert "services" not in report["catalog"]


def test_truncated_dump_and_unresolved_policy_are_reported() -> None:
    result = _run("check", "--format", "json", "--params", PARAMS, DUMP)

    report = _json_report(result)
    located = {(f["source"], f["role"], f["policy"]) for f in report["findings"]}
    assert (str(DUMP), None, None) in located
    assert (
        str(DUMP),
        "DSPM-Target",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
    ) in located
    assert report["summary"]["failed"] is True
    assert result.exit_code == 1


def test_fail_on_never_exits_zero() -> None:
    result = _run("check", "--format", "json", "--fail-on", "never", DUMP, ROLE)

    report = _json_report(result)
    assert report["summary"]["fail_on"] == "never"
    assert report["summary"]["failed"] is False
    assert report["summary"]["findings"] > 0
    assert result.exit_code == 0


def test_text_report_end_to_end() -> None:
    errata = json.loads(_run("contract", "--format", "json").stdout)["errata"]

    result = _run("check", "--params", PARAMS, DUMP, ROLE)

    lines = result.stdout.splitlines()
    unwrapped = " ".join(result.stdout.split())
    footer = " ".join(line.strip() for line in lines[-2:])
    assert "Account 222222222222" in lines
    # Where the line wraps depends on how long the checkout's path is.
    assert f"Role DSPM-Target (target) from {DUMP}" in unwrapped
    assert "Roles: 3 read, 2 checked, 1 unclassified" in lines
    assert footer.endswith(f"contract errata: {len(errata)}")
    assert "\x1b[" not in result.stdout
    assert result.stderr == ""
    assert result.exit_code == (1 if "Result: FAILED (--fail-on high)" in lines else 0)


def test_output_file(tmp_path: Path) -> None:
    output = tmp_path / "report.json"

    result = _run("check", "--format", "json", "--output", output, DUMP)

    assert result.stdout == ""
    report: dict[str, Any] = json.loads(output.read_text("utf-8"))
    assert list(validator("report").iter_errors(report)) == []
    assert result.exit_code == (1 if report["summary"]["failed"] else 0)


def test_output_file_not_writable(tmp_path: Path) -> None:
    result = _run("check", "--output", tmp_path, DUMP)

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"dspm-iam: error: {tmp_path}: expected a writable file (Is a directory)"
    ]


def test_standard_input() -> None:
    result = _run(
        "check",
        "--format",
        "json",
        "--role-type",
        "put-evidence",
        "-",
        stdin=BARE.read_text("utf-8"),
    )

    report = _json_report(result)
    assert report["roles"] == [
        {
            "name": "stdin",
            "arn": None,
            "account": None,
            "source": "<stdin>",
            "role_type": "put-evidence",
            "checked": True,
        }
    ]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        pytest.param([], [], id="quiet"),
        pytest.param(["-v"], ["INFO"], id="info"),
        pytest.param(["-vv"], ["INFO", "DEBUG"], id="debug"),
    ],
)
def test_verbosity(flags: list[str], expected: list[str]) -> None:
    result = _run(*flags, "check", GOOD / "dump-users-only.json")

    levels = {line.split(" ", 1)[0] for line in result.stderr.splitlines()}
    assert levels == set(expected)
    assert result.exit_code == 0


def test_contract_text() -> None:
    result = _run("contract")

    assert result.exit_code == 0
    assert result.stdout.startswith("IAM Roles and Permissions for AWS\nhttps://")
    assert "Target Role (target): " in result.stdout
    assert "Errata: " in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_contract_json_for_one_role_type() -> None:
    result = _run("contract", "--format", "json", "--role-type", "put-evidence")

    view = json.loads(result.stdout)
    assert result.exit_code == 0
    assert list(view["role_types"]) == ["put-evidence"]
    rows = view["role_types"]["put-evidence"]["rows"]
    assert rows
    assert {row["role"] for row in rows} == {"put-evidence"}
    assert {erratum["role"] for erratum in view["errata"]} <= {"put-evidence"}


def test_contract_json_lists_every_role_type_in_vendor_order() -> None:
    result = _run("contract", "--format", "json")

    view = json.loads(result.stdout)
    assert list(view["role_types"]) == list(ROLE_TYPES)
    assert view["errata"]


def test_real_dump_report_satisfies_its_schema(shared_dump: Path) -> None:
    roles = json.loads(shared_dump.read_text("utf-8")).get("RoleDetailList", [])

    result = _run(
        "check",
        "--format",
        "json",
        "--role-type",
        "target",
        "--fail-on",
        "never",
        shared_dump,
    )

    report = _json_report(result)
    assert result.exit_code == 0
    assert report["summary"]["roles_checked"] == len(roles)
    assert report["summary"]["findings"] == len(report["findings"])


TEMPLATE = REPO / "examples" / "cloudformation" / "dspm-roles.yaml"
TEMPLATE_PARAMETERS = REPO / "examples" / "cloudformation" / "parameters.json"
DEMO_PARAMS = REPO / "examples" / "demo" / "params.yaml"


def test_template_findings_are_located_in_text(tmp_path: Path) -> None:
    broken = tmp_path / "dspm-roles.yaml"
    rows = TEMPLATE.read_text("utf-8").replace("kms:GenerateDataKey", "kms:Generare")
    broken.write_text(rows, "utf-8")
    # Each typo is reported at the first line of the statement that holds it.
    starts = []
    for number, row in enumerate(rows.splitlines(), start=1):
        if re.match(r"^\s*- (Sid|Effect):", row):
            start = number
        if "kms:Generare" in row:
            starts.append(start)

    result = _run(
        "check",
        "--params",
        DEMO_PARAMS,
        "--cfn-parameters",
        TEMPLATE_PARAMETERS,
        broken,
    )

    place = re.escape(str(broken))
    located = re.findall(rf"{place}:(\d+):\s+MEDIUM\s+unknown-action", result.stdout)
    assert sorted(int(line) for line in located) == sorted(set(starts))


@pytest.mark.parametrize("output_format", ["sarif", "junit", "github", "markdown"])
def test_render_writes_every_format_from_a_json_report(
    tmp_path: Path, output_format: str
) -> None:
    report = tmp_path / "report.json"
    checked = _run("check", "--format", "json", "--output", report, DUMP)
    assert checked.exit_code in (0, 1), checked.output

    rendered = _run("render", "--format", output_format, report)
    direct = _run("check", "--format", output_format, DUMP)

    assert rendered.exit_code == 0, rendered.output
    assert rendered.stdout == direct.stdout
    assert rendered.stdout.strip()


def test_render_refuses_what_is_no_report(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text('{"findings": []}', "utf-8")

    result = _run("render", "--format", "sarif", report)

    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"dspm-iam: error: {report}: expected a dspm-iam JSON report ("
    )
    assert len(result.stderr.splitlines()) == 1

"""Service Control Policies given with --scp bound every role checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dspm_iam.cli import cli
from dspm_iam.errors import InputError
from dspm_iam.loaders import load_scps

DATA = Path(__file__).resolve().parents[1] / "data"
SCPS = DATA / "scps" / "scps.json"
GOOD = DATA / "roles" / "good" / "get-evidence.policy.json"
PARAMS = DATA / "params" / "all-features.yaml"


def test_load_scps_reads_documents_and_organizations_content() -> None:
    scps = load_scps(SCPS)

    assert [(scp["name"], scp["target"]) for scp in scps] == [
        ("FullAWSAccess", "r-root"),
        ("DenyKmsOutsideSecurity", "ou-sec-1"),
    ]
    assert scps[1]["document"]["Statement"][1]["Sid"] == "NoKms"


def test_single_document_is_one_account_level_scp(tmp_path: Path) -> None:
    path = tmp_path / "guard.json"
    path.write_text(json.dumps({"Statement": [{"Effect": "Allow", "Action": "*"}]}))

    assert load_scps(path) == [
        {
            "name": "guard-0",
            "target": "account",
            "document": {"Statement": [{"Effect": "Allow", "Action": "*"}]},
        }
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param("[]", "expected at least one", id="empty-list"),
        pytest.param("[3]", "expected a policy document or an object", id="number"),
        pytest.param('{"a": 1', "expected JSON", id="malformed"),
    ],
)
def test_bad_scp_files(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "scps.json"
    path.write_text(content)

    with pytest.raises(InputError, match=expected):
        load_scps(path)


def test_scp_deny_removes_a_documented_action() -> None:
    args = ["check", "--format", "json", "--params", str(PARAMS)]
    args += ["--role-type", "get-evidence", "--scp", str(SCPS), str(GOOD)]
    result = CliRunner().invoke(cli, args)
    report = json.loads(result.stdout)

    assert [(f["check"], f["action"]) for f in report["findings"]] == [
        ("missing-permission", "kms:Decrypt")
    ]
    assert (
        "statement 1 of scp DenyKmsOutsideSecurity denies it"
        in (report["findings"][0]["message"])
    )


def test_scp_file_without_document_exits_2() -> None:
    bad = DATA / "bad" / "inputs" / "scp-without-document.json"
    args = ["check", "--role-type", "get-evidence", "--scp", str(bad), str(GOOD)]
    result = CliRunner().invoke(cli, args)

    assert result.exit_code == 2
    assert "expected a 'document' or 'Content' key" in result.stderr
    assert result.stderr.count("\n") == 1

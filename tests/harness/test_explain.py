"""`dspm-iam explain` shows every statement naming an action, and the decision."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dspm_iam.cli import cli

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo"
PARAMS = ["--params", str(DEMO / "params.yaml")]
ACCOUNTS = str(DEMO / "accounts")
DISCOVERY_333 = "arn:aws:iam::333333333333:role/ZscalerDSPM-ResourceDiscovery-Role"


def _explain(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["explain", *PARAMS, *args])
    return result.exit_code, result.stdout, result.stderr


def test_allowed_action_text() -> None:
    status, out, _ = _explain("ZscalerDSPM-PutEvidence-Role", "s3:PutObject", ACCOUNTS)

    assert status == 0
    assert out.splitlines()[0] == (
        "Role ZscalerDSPM-PutEvidence-Role (put-evidence), action s3:PutObject: ALLOWED"
    )
    assert "statement 0" in out
    assert "(WriteEvidenceObjects): allows; resources *" in " ".join(out.split())


def test_conditional_deny_is_shown_with_its_condition() -> None:
    status, out, _ = _explain(
        "--format", "json", DISCOVERY_333, "S3:GETOBJECT", ACCOUNTS
    )
    result = json.loads(out)

    assert status == 0
    assert result["action"] == "s3:GetObject"
    assert result["decision"] == "not allowed"
    assert result["reason"] == "no identity policy allows it"
    assert [s["part"] for s in result["statements"]] == [
        "denies when its condition and resources match"
    ]
    assert result["statements"][0]["condition"] == {
        "StringNotEquals": {"aws:ResourceTag/DataClassification": "public"}
    }


@pytest.mark.parametrize(
    ("role", "action", "expected"),
    [
        pytest.param(
            "ZscalerDSPM-ResourceDiscovery-Role",
            "s3:GetObject",
            "names several roles; give one ARN",
            id="name-in-two-accounts",
        ),
        pytest.param("nobody", "s3:GetObject", "is not among the roles", id="role"),
        pytest.param(DISCOVERY_333, "s3:Get*", "is not one action", id="pattern"),
        pytest.param(DISCOVERY_333, "s3:Fly", "is not one action", id="typo"),
    ],
)
def test_what_cannot_be_explained_exits_2(
    role: str, action: str, expected: str
) -> None:
    status, out, err = _explain(role, action, ACCOUNTS)

    assert status == 2
    assert out == ""
    assert expected in err
    assert err.count("\n") == 1

"""Tests for dspm_iam.guard: the scan's AWS calls are read-only, provably.

Writes are attempted through guarded clients against moto's server on
127.0.0.1; the guard must refuse them before a request is built, so nothing is
sent and the server never changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from aws_org import PARAMS, REGION, UNSET, Faults, aws_environment, inject, moto_server
from botocore.config import Config
from click.testing import CliRunner

from dspm_iam import guard
from dspm_iam.cli import cli
from dspm_iam.guard import (
    ALLOWED_CALLS,
    ReadOnlyViolation,
    guarded_client,
    guarded_session,
)

READ_PREFIXES = ("Get", "List", "Describe")
TRUST = json.dumps({"Version": "2012-10-17", "Statement": []})


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """moto on 127.0.0.1, fake credentials in the environment."""
    with moto_server() as url, pytest.MonkeyPatch.context() as patch:
        for name in UNSET:
            patch.delenv(name, raising=False)
        for name, value in aws_environment().items():
            patch.setenv(name, value)
        yield url


@pytest.mark.parametrize(
    ("service", "operation"),
    [pytest.param(*call, id=":".join(call)) for call in sorted(ALLOWED_CALLS)],
)
def test_allowed_calls_are_reads(service: str, operation: str) -> None:
    model = botocore.session.get_session().get_service_model(service)

    assert operation in model.operation_names
    assert operation.startswith(READ_PREFIXES) or (service, operation) == (
        "sts",
        "AssumeRole",
    )


@pytest.mark.parametrize(
    ("service", "operation", "params"),
    [
        pytest.param(
            "iam",
            "create_role",
            {"RoleName": "Intruder", "AssumeRolePolicyDocument": TRUST},
            id="iam-create-role",
        ),
        pytest.param(
            "iam",
            "attach_role_policy",
            {
                "RoleName": "OrganizationAccountAccessRole",
                "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
            },
            id="iam-attach-role-policy",
        ),
        pytest.param(
            "organizations",
            "create_organization",
            {"FeatureSet": "ALL"},
            id="organizations-create-organization",
        ),
        pytest.param("sts", "get_session_token", {}, id="sts-get-session-token"),
    ],
)
def test_calls_outside_the_list_never_leave_the_process(
    endpoint: str, service: str, operation: str, params: dict[str, Any]
) -> None:
    session = guarded_session(None, REGION)
    sent: list[str] = []
    session.events.register(
        "before-send", lambda request, **_: sent.append(request.url)
    )
    client = guarded_client(session, service, Config(), endpoint_url=endpoint)

    with pytest.raises(ReadOnlyViolation, match="refused by the read-only guard"):
        getattr(client, operation)(**params)
    assert sent == []


def test_refused_write_does_not_reach_the_server(endpoint: str) -> None:
    client = guarded_client(
        guarded_session(None, REGION), "iam", Config(), endpoint_url=endpoint
    )
    unguarded = boto3.session.Session().client(
        "iam", endpoint_url=endpoint, region_name=REGION
    )

    with pytest.raises(ReadOnlyViolation):
        client.create_role(RoleName="Intruder", AssumeRolePolicyDocument=TRUST)
    roles = [role["RoleName"] for role in unguarded.list_roles()["Roles"]]

    assert "Intruder" not in roles


@pytest.mark.parametrize(
    "make_client",
    [
        pytest.param(
            lambda url: guarded_session(None, REGION).client("iam", endpoint_url=url),
            id="plain-client-of-guarded-session",
        ),
        pytest.param(
            lambda url: guarded_client(
                boto3.session.Session(),
                "iam",
                Config(),
                endpoint_url=url,
                region_name=REGION,
            ),
            id="guarded-client-of-plain-session",
        ),
    ],
)
def test_guard_holds_however_the_client_is_made(
    endpoint: str, make_client: Any
) -> None:
    client = make_client(endpoint)

    with pytest.raises(ReadOnlyViolation):
        client.delete_role(RoleName="OrganizationAccountAccessRole")


def test_allowed_reads_go_through(endpoint: str) -> None:
    session = guarded_session(None, REGION)
    iam = guarded_client(session, "iam", Config(), endpoint_url=endpoint)
    sts = guarded_client(session, "sts", Config(), endpoint_url=endpoint)

    assert sts.get_caller_identity()["Account"]
    assert "RoleDetailList" in iam.get_account_authorization_details()


def test_every_scan_client_carries_the_guard(
    endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without GetAccountAuthorizationDetails on the list, the scan's IAM read
    # must be refused: proof that the clients the scan makes are guarded.
    narrowed = ALLOWED_CALLS - {("iam", "GetAccountAuthorizationDetails")}
    monkeypatch.setattr(guard, "ALLOWED_CALLS", narrowed)
    faults = Faults()
    inject(monkeypatch, faults)

    result = CliRunner().invoke(
        cli,
        [
            "scan",
            "--endpoint-url",
            endpoint,
            "--output-dir",
            str(tmp_path / "scan"),
            "--params",
            str(PARAMS),
            "--format",
            "json",
        ],
    )
    failed = json.loads(result.stdout)["collection"]["failed"]

    assert result.exit_code == 3, result.output
    assert len(failed) == 1
    assert failed[0]["reason"].startswith(
        "iam:GetAccountAuthorizationDetails: refused by the read-only guard"
    )
    assert "GetAccountAuthorizationDetails" not in faults.sent

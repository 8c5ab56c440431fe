"""Tests for dspm_iam.loaders: from paths to the sources and roles of the input."""

from __future__ import annotations

import io
import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.harness.cases import BAD_INPUT_CASES

from dspm_iam.errors import InputError, ParamsError
from dspm_iam.loaders import UNRESOLVED, load_inputs
from dspm_iam.params import load_params
from dspm_iam.schemas import validator

REPO = Path(__file__).resolve().parents[2]
GOOD = REPO / "tests" / "data" / "good"
BAD = REPO / "tests" / "data" / "bad" / "inputs"

BARE = GOOD / "bare-policy-single-statement.json"
ROLE = GOOD / "role-url-encoded.json"
DUMP = GOOD / "dump-small.json"
USERS = GOOD / "dump-users-only.json"

TARGET_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}
TARGET_INLINE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "S3Read",
            "Effect": "Allow",
            "Action": ["s3:Get*", "s3:List*"],
            "Resource": "*",
        },
        {
            "Sid": "NoItems",
            "Effect": "Deny",
            "Action": "dynamodb:GetItem",
            "Resource": "*",
        },
    ],
}
SNAPSHOTS_V2 = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Snapshots",
            "Effect": "Allow",
            "Action": ["ec2:CreateSnapshot*", "ec2:CreateTags"],
            "Resource": "*",
        }
    ],
}
BOUNDARY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}],
}
READ_ONLY_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"
READ_ONLY_UNRESOLVED = {
    "name": "ReadOnlyAccess",
    "arn": READ_ONLY_ARN,
    "kind": "managed",
    "unresolved": UNRESOLVED,
}


def _dump_roles(role_type: str | None) -> list[dict[str, Any]]:
    return [
        {
            "name": "DSPM-Target",
            "arn": "arn:aws:iam::222222222222:role/DSPM-Target",
            "account": "222222222222",
            "source": str(DUMP),
            "role_type": role_type,
            "trust_policy": TARGET_TRUST,
            "permissions_boundary": {
                "arn": "arn:aws:iam::222222222222:policy/DSPM-Boundary",
                "document": BOUNDARY,
            },
            "policies": [
                {
                    "name": "target-s3",
                    "arn": None,
                    "kind": "inline",
                    "document": TARGET_INLINE,
                },
                {
                    "name": "DSPM-Target-Snapshots",
                    "arn": "arn:aws:iam::222222222222:policy/DSPM-Target-Snapshots",
                    "kind": "managed",
                    "document": SNAPSHOTS_V2,
                },
                READ_ONLY_UNRESOLVED,
            ],
        },
        {
            "name": "unrelated-ci",
            "arn": "arn:aws:iam::222222222222:role/unrelated-ci",
            "account": "222222222222",
            "source": str(DUMP),
            "role_type": role_type,
            "trust_policy": TARGET_TRUST,
            "permissions_boundary": {
                "arn": "arn:aws:iam::222222222222:policy/Missing-Boundary",
                "unresolved": UNRESOLVED,
            },
            "policies": [],
        },
    ]


def _scanner_role(read_only: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "DSPM-Scanner",
        "arn": "arn:aws:iam::111111111111:role/DSPM-Scanner",
        "account": "111111111111",
        "source": str(ROLE),
        "role_type": None,
        "trust_policy": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
                    "Action": "sts:AssumeRole",
                    "Condition": {
                        "StringEquals": {"sts:ExternalId": "acme-external-id"}
                    },
                }
            ],
        },
        "permissions_boundary": None,
        "policies": [
            {
                "name": "scanner-queues",
                "arn": None,
                "kind": "inline",
                "document": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "ReadQueues",
                            "Effect": "Allow",
                            "Action": ["sqs:ReceiveMessage", "sqs:Get*"],
                            "Resource": "arn:aws:sqs:us-east-1:111111111111:dspm-scan",
                        }
                    ],
                },
            },
            read_only,
        ],
    }


def _bare_role(source: str, name: str, file_name: str) -> dict[str, Any]:
    return {
        "name": name,
        "arn": None,
        "account": None,
        "source": source,
        "role_type": "put-evidence",
        "trust_policy": None,
        "permissions_boundary": None,
        "policies": [
            {
                "name": file_name,
                "arn": None,
                "kind": "inline",
                "document": json.loads(BARE.read_text("utf-8")),
            }
        ],
    }


def _write(path: Path, value: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value), "utf-8")
    return path


def _error(paths: list[str], role_type: str | None = None) -> str:
    with pytest.raises(InputError) as caught:
        load_inputs(paths, role_type)
    return str(caught.value)


def test_bare_policy_with_a_single_statement_object() -> None:
    inputs = load_inputs([str(BARE)], "put-evidence")

    assert inputs.sources == [{"path": str(BARE), "kind": "policy", "truncated": False}]
    assert inputs.roles == [
        _bare_role(str(BARE), "bare-policy-single-statement", BARE.name)
    ]


def test_bare_policy_from_standard_input() -> None:
    stdin = io.StringIO(BARE.read_text("utf-8"))

    inputs = load_inputs(["-"], "put-evidence", stdin)

    assert inputs.sources == [{"path": "<stdin>", "kind": "policy", "truncated": False}]
    assert inputs.roles == [_bare_role("<stdin>", "stdin", "stdin")]


def test_role_with_url_encoded_documents() -> None:
    inputs = load_inputs([str(ROLE)])

    assert inputs.sources == [{"path": str(ROLE), "kind": "role", "truncated": False}]
    assert inputs.roles == [_scanner_role(READ_ONLY_UNRESOLVED)]


@pytest.mark.parametrize(
    "role_type",
    [pytest.param(None, id="classified-by-bundle"), pytest.param("target", id="named")],
)
def test_truncated_dump_with_inline_managed_and_boundary(role_type: str | None) -> None:
    inputs = load_inputs([str(DUMP)], role_type)

    assert inputs.sources == [{"path": str(DUMP), "kind": "dump", "truncated": True}]
    assert inputs.roles == _dump_roles(role_type)


def test_dump_without_role_list_yields_no_roles(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="dspm_iam")

    inputs = load_inputs([str(USERS)])

    assert inputs.sources == [{"path": str(USERS), "kind": "dump", "truncated": False}]
    assert inputs.roles == []
    assert f"{USERS}: the dump has no RoleDetailList, so no roles" in caplog.messages


def test_managed_policy_resolved_from_another_dump(tmp_path: Path) -> None:
    read_only = {"Version": "2012-10-17", "Statement": []}
    policies = _write(
        tmp_path / "policies.json",
        {
            "Policies": [
                {
                    "PolicyName": "ReadOnlyAccess",
                    "Arn": READ_ONLY_ARN,
                    "DefaultVersionId": "v2",
                    "PolicyVersionList": [
                        {"VersionId": "v1", "Document": BOUNDARY},
                        {"VersionId": "v2", "Document": read_only},
                    ],
                }
            ]
        },
    )

    inputs = load_inputs([str(ROLE), str(policies)])

    assert inputs.roles == [
        _scanner_role(
            {
                "name": "ReadOnlyAccess",
                "arn": READ_ONLY_ARN,
                "kind": "managed",
                "document": read_only,
            }
        )
    ]


def test_managed_policy_without_default_version(tmp_path: Path) -> None:
    arn = "arn:aws:iam::222222222222:policy/NoDefault"
    dump = _write(
        tmp_path / "dump.json",
        {
            "RoleDetailList": [
                {
                    "RoleName": "r",
                    "AttachedManagedPolicies": [
                        {"PolicyName": "NoDefault", "PolicyArn": arn}
                    ],
                }
            ],
            "Policies": [
                {
                    "Arn": arn,
                    "DefaultVersionId": "v9",
                    "PolicyVersionList": [{"VersionId": "v1", "Document": BOUNDARY}],
                }
            ],
        },
    )

    (role,) = load_inputs([str(dump)]).roles

    assert role["policies"] == [
        {
            "name": "NoDefault",
            "arn": arn,
            "kind": "managed",
            "unresolved": "its Policies entry has no default version",
        }
    ]
    assert role["arn"] is None
    assert role["account"] is None
    assert role["trust_policy"] is None


def test_directory_is_read_recursively_in_order(tmp_path: Path) -> None:
    shutil.copy(DUMP, tmp_path / "b.json")
    (tmp_path / "a" / "deeper").mkdir(parents=True)
    shutil.copy(ROLE, tmp_path / "a" / "deeper" / "role.json")
    shutil.copy(USERS, tmp_path / "a" / "users.json")
    (tmp_path / "notes.txt").write_text("not read", "utf-8")

    inputs = load_inputs([str(tmp_path)])

    assert [source["path"] for source in inputs.sources] == [
        str(tmp_path / "a" / "deeper" / "role.json"),
        str(tmp_path / "a" / "users.json"),
        str(tmp_path / "b.json"),
    ]
    assert [role["name"] for role in inputs.roles] == [
        "DSPM-Scanner",
        "DSPM-Target",
        "unrelated-ci",
    ]


def test_several_paths_keep_their_order() -> None:
    inputs = load_inputs([str(USERS), str(DUMP), str(ROLE)])

    assert [source["kind"] for source in inputs.sources] == ["dump", "dump", "role"]
    assert len(inputs.roles) == 3


def test_input_document_satisfies_its_schema() -> None:
    inputs = load_inputs([str(GOOD)], "target")
    document = {
        "params": load_params(None),
        "options": {"fail_on": "high"},
        "sources": inputs.sources,
        "roles": inputs.roles,
    }

    assert list(validator("input").iter_errors(document)) == []


def test_input_schema_rejects_a_role_without_policies() -> None:
    document = {
        "params": load_params(None),
        "options": {"fail_on": "high"},
        "sources": [],
        "roles": [{"name": "r"}],
    }

    assert list(validator("input").iter_errors(document)) != []


@pytest.mark.parametrize(("name", "expected"), BAD_INPUT_CASES)
def test_bad_input_file(name: str, expected: str) -> None:
    path = BAD / name

    assert _error([str(path)], "target") == f"{path}: {expected}"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param(
            {"Statement": "Allow everything"},
            "expected Statement to be an object or a list of objects, found the "
            'string "Allow everything"',
            id="statement-string",
        ),
        pytest.param(
            {"Statement": ["s3:*"]},
            'statement 0: expected an object, found the string "s3:*"',
            id="statement-item-string",
        ),
        pytest.param(
            {"Statement": [{"Effect": "allow", "Action": "s3:*"}]},
            'statement 0: expected Effect Allow or Deny, found the string "allow"',
            id="effect-lower-case",
        ),
        pytest.param(
            {"Statement": [{"Effect": "Allow", "Resource": "*"}]},
            "statement 0: expected one of Action or NotAction, found neither",
            id="no-action",
        ),
        pytest.param(
            {"Statement": [{"Effect": "Allow", "Action": "a:b", "NotAction": "c:d"}]},
            "statement 0: expected one of Action or NotAction, found both",
            id="action-and-not-action",
        ),
        pytest.param(
            {"Statement": [{"Effect": "Deny", "NotAction": "a:b", "Resource": [1]}]},
            "statement 0: expected Resource to be a string or a list of strings, "
            "found a JSON list",
            id="resource-number-in-list",
        ),
    ],
)
def test_bad_statement_shapes(
    tmp_path: Path, document: dict[str, Any], expected: str
) -> None:
    path = _write(tmp_path / "policy.json", document)

    assert _error([str(path)], "target") == f"{path}: policy policy.json: {expected}"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        pytest.param(
            {"RoleName": "r", "AssumeRolePolicyDocument": "%7B%22Statement"},
            "role r trust policy: expected a policy document as a JSON object or a "
            "URL-encoded JSON string (line 1 column 2: Unterminated string "
            "starting at)",
            id="bad-url-encoded-trust",
        ),
        pytest.param(
            {"RoleName": "r", "AssumeRolePolicyDocument": {"Version": "2012-10-17"}},
            "role r trust policy: expected a policy document with a Statement, "
            "found none",
            id="trust-without-statement",
        ),
        pytest.param(
            {"RoleName": "r", "RolePolicyList": {"PolicyName": "p"}},
            "role r: expected RolePolicyList to be a list of objects, found a JSON "
            "object with keys PolicyName",
            id="policy-list-object",
        ),
        pytest.param(
            {"RoleName": "r", "RolePolicyList": [{"PolicyDocument": {}}]},
            "role r inline policy: expected PolicyName as a string, found no "
            "PolicyName",
            id="inline-without-name",
        ),
        pytest.param(
            {"RoleName": "r", "AttachedManagedPolicies": [{"PolicyName": "p"}]},
            "role r managed policy: expected PolicyArn as a string, found no PolicyArn",
            id="managed-without-arn",
        ),
        pytest.param(
            {"RoleName": "r", "PermissionsBoundary": "arn:aws:iam::1:policy/b"},
            "role r: expected PermissionsBoundary to be an object, found the "
            'string "arn:aws:iam::1:policy/b"',
            id="boundary-string",
        ),
        pytest.param(
            {"RoleName": 7},
            "role: expected RoleName as a string, found the value 7",
            id="role-name-number",
        ),
    ],
)
def test_bad_role_shapes(tmp_path: Path, role: dict[str, Any], expected: str) -> None:
    path = _write(tmp_path / "role.json", role)

    assert _error([str(path)]) == f"{path}: {expected}"


def test_bad_managed_document_names_the_dump_and_policy(tmp_path: Path) -> None:
    arn = "arn:aws:iam::222222222222:policy/Broken"
    dump = _write(
        tmp_path / "dump.json",
        {
            "RoleDetailList": [
                {
                    "RoleName": "r",
                    "AttachedManagedPolicies": [{"PolicyName": "B", "PolicyArn": arn}],
                }
            ],
            "Policies": [
                {
                    "PolicyName": "Broken",
                    "Arn": arn,
                    "PolicyVersionList": [
                        {"IsDefaultVersion": True, "Document": {"Statement": {}}}
                    ],
                }
            ],
        },
    )

    assert _error([str(dump)]) == (
        f"{dump}: managed policy Broken: statement 0: expected Effect Allow or "
        "Deny, found no Effect"
    )


def test_bare_policy_needs_a_role_type() -> None:
    assert _error([str(BARE)]) == (
        f"{BARE}: a bare policy document needs --role-type to say which DSPM "
        "role it belongs to"
    )


def test_unknown_role_type() -> None:
    with pytest.raises(ParamsError, match=r"expected one of resource-discovery, "):
        load_inputs([str(DUMP)], "scaner")


def test_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()

    assert _error([str(tmp_path)]) == (
        f"{tmp_path}: expected *.json, *.yaml, *.yml, *.template files below this "
        "directory"
    )


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.json"

    assert _error([str(path)]) == (
        f"{path}: expected a readable file (No such file or directory)"
    )


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"RoleName": "caf\xe9"}')

    assert (
        _error([str(path)])
        == f"{path}: expected UTF-8 text (invalid continuation byte)"
    )


def test_standard_input_only_once() -> None:
    stdin = io.StringIO(BARE.read_text("utf-8"))

    with pytest.raises(InputError) as caught:
        load_inputs(["-", "-"], "target", stdin)

    assert str(caught.value) == "-: expected standard input once, as one path"


def test_real_dumps_load(shared_dump: Path) -> None:
    expected = json.loads(shared_dump.read_text("utf-8")).get("RoleDetailList", [])

    inputs = load_inputs([str(shared_dump)])

    assert inputs.sources == [
        {"path": str(shared_dump), "kind": "dump", "truncated": False}
    ]
    assert [role["name"] for role in inputs.roles] == [
        role["RoleName"] for role in expected
    ]
    assert list(validator("input").iter_errors(_document(inputs.roles))) == []


def _document(roles: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "params": load_params(None),
        "options": {"fail_on": "high"},
        "sources": [],
        "roles": roles,
    }

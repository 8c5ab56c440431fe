"""Tests for dspm_iam.terraform: Terraform plans read into the roles of the input.

The plans in tests/data/terraform/good and tests/data/equivalence/terraform were
written by Terraform 1.11.4 with the hashicorp/aws provider 5.100.0: `terraform
plan -refresh=false -out plan.out`, then `terraform show -json plan.out`.
existing.json and the target-* plans were planned against the state an earlier
apply of the same roles left (their ARNs are known); modules.json is
pretty-printed as `jq .` writes it. The equivalence plans deploy the roles of
tests/data/equivalence/roles, each role type in its own Terraform style.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dspm_iam.engine_options import EngineChoice, open_engine
from dspm_iam.engines import Engine
from dspm_iam.errors import InputError
from dspm_iam.loaders import load_inputs
from dspm_iam.params import load_params
from dspm_iam.schemas import validator
from dspm_iam.terraform import AFTER_APPLY, NOT_IN_PLAN, is_plan, read_plan

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
GOOD = DATA / "terraform" / "good"
BAD = DATA / "terraform" / "bad"
TWINS = DATA / "equivalence" / "roles"
TWIN_PLANS = DATA / "equivalence" / "terraform"
DEMO_PARAMS = REPO / "examples" / "demo" / "params.yaml"

KINDS = GOOD / "kinds.json"
UNKNOWN = GOOD / "unknown.json"
MODULES = GOOD / "modules.json"
EXISTING = GOOD / "existing.json"
GOOD_PLANS = (KINDS, UNKNOWN, MODULES, EXISTING)
CASES = sorted(path.stem for path in TWINS.glob("*.json"))

TRUST_111 = {
    "Statement": [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
        }
    ],
    "Version": "2012-10-17",
}
SHARED_READ = {
    "Statement": [
        {
            "Action": ["sqs:ListQueues", "sqs:GetQueueAttributes"],
            "Effect": "Allow",
            "Resource": "*",
            "Sid": "ReadQueues",
        }
    ],
    "Version": "2012-10-17",
}
SECURITY_AUDIT = "arn:aws:iam::aws:policy/SecurityAudit"


def _at(plan: Path, logical: str) -> dict[str, Any]:
    """The location of a resource, its line found in the plan's text.

    Terraform writes planned_values first, so the first line naming the
    address is in the resource's object there, just below the line opening it.
    """
    lines = plan.read_text("utf-8").splitlines()
    named = f'"address": {json.dumps(logical)},'
    line = 1 if len(lines) == 1 else [text.strip() for text in lines].index(named)
    return {"file": str(plan), "line": line, "logical": logical}


def _documented(
    name: str, kind: str, document: dict[str, Any], where: dict[str, Any]
) -> dict[str, Any]:
    statements = document["Statement"]
    count = 1 if isinstance(statements, dict) else len(statements)
    return {
        "name": name,
        "arn": None,
        "kind": kind,
        "document": document,
        "location": where,
        "statement_locations": [where] * count,
    }


def _roles(plan: Path, role_type: str | None = None) -> list[dict[str, Any]]:
    return read_plan(str(plan), plan.read_text("utf-8"), role_type)


def _role(plan: Path, logical: str) -> dict[str, Any]:
    found = [r for r in _roles(plan) if r["location"]["logical"] == logical]
    assert len(found) == 1, f"{logical} in {plan.name}"
    return found[0]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param(json.loads(KINDS.read_text()), True, id="plan"),
        pytest.param(
            {"format_version": "1.2", "resource_changes": []}, True, id="changes-only"
        ),
        pytest.param(
            json.loads((BAD / "state-not-plan.json").read_text()), False, id="state"
        ),
        pytest.param({"format_version": "1.2"}, False, id="version-only"),
        pytest.param({"planned_values": {}}, False, id="no-version"),
        pytest.param([], False, id="list"),
    ],
)
def test_is_plan(document: Any, expected: bool) -> None:
    assert is_plan(document) is expected


@pytest.mark.parametrize(
    ("plan", "role", "name", "expected"),
    [
        pytest.param(
            KINDS,
            "aws_iam_role.blocks",
            "first",
            _documented(
                "first",
                "inline",
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Action": "s3:ListAllMyBuckets",
                            "Effect": "Allow",
                            "Resource": "*",
                            "Sid": "ListBuckets",
                        },
                        {
                            "Action": ["s3:GetObject"],
                            "Condition": {
                                "StringEquals": {"aws:ResourceTag/ZscalerDSPM": "true"}
                            },
                            "Effect": "Allow",
                            "Resource": "*",
                            "Sid": "ReadTagged",
                        },
                    ],
                },
                _at(KINDS, "aws_iam_role.blocks"),
            ),
            id="inline_policy-block",
        ),
        pytest.param(
            KINDS,
            "aws_iam_role.blocks",
            "second",
            _documented(
                "second",
                "inline",
                {
                    "Version": "2012-10-17",
                    "Statement": {
                        "Action": "ec2:DescribeVolumes",
                        "Effect": "Allow",
                        "Resource": "*",
                        "Sid": "Describe",
                    },
                },
                _at(KINDS, "aws_iam_role.blocks"),
            ),
            id="inline_policy-single-statement",
        ),
        pytest.param(
            KINDS,
            "aws_iam_role.attached",
            "attached-inline",
            _documented(
                "attached-inline",
                "inline",
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Action": "sqs:ReceiveMessage",
                            "Effect": "Allow",
                            "Resource": "arn:aws:sqs:us-east-1:111111111111:"
                            "dspm-scan-requests",
                            "Sid": "Queues",
                        }
                    ],
                },
                _at(KINDS, "aws_iam_role_policy.attached"),
            ),
            id="aws_iam_role_policy",
        ),
        pytest.param(
            KINDS,
            "aws_iam_role.attached",
            "dspm-snapshots",
            _documented(
                "dspm-snapshots",
                "managed",
                {
                    "Statement": [
                        {
                            "Action": ["ec2:CreateSnapshot", "ec2:CreateTags"],
                            "Effect": "Allow",
                            "Resource": "*",
                            "Sid": "Snapshot",
                        },
                        {
                            "Action": "ec2:DeleteSnapshot",
                            "Effect": "Deny",
                            "Resource": "*",
                            "Sid": "NoDelete",
                        },
                    ],
                    "Version": "2012-10-17",
                },
                _at(KINDS, "aws_iam_policy.snapshots"),
            ),
            id="aws_iam_policy-by-role_policy_attachment",
        ),
        pytest.param(
            KINDS,
            "aws_iam_role.attached",
            "dspm-shared-read",
            _documented(
                "dspm-shared-read",
                "managed",
                SHARED_READ,
                _at(KINDS, "aws_iam_policy.shared"),
            ),
            id="aws_iam_policy_attachment-rendered-by-data-source",
        ),
        pytest.param(
            KINDS,
            "aws_iam_role.blocks",
            "dspm-shared-read",
            _documented(
                "dspm-shared-read",
                "managed",
                SHARED_READ,
                _at(KINDS, "aws_iam_policy.shared"),
            ),
            id="managed_policy_arns-and-attachment-once",
        ),
        pytest.param(
            KINDS,
            "aws_iam_role.attached",
            "ReadOnlyAccess",
            {
                "name": "ReadOnlyAccess",
                "arn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
                "kind": "managed",
                "unresolved": NOT_IN_PLAN,
                "location": _at(KINDS, "aws_iam_role_policy_attachment.read_only"),
            },
            id="aws-managed-policy",
        ),
        pytest.param(
            KINDS,
            "aws_iam_role.blocks",
            "aws_iam_role.blocks.managed_policy_arns",
            {
                "name": "aws_iam_role.blocks.managed_policy_arns",
                "arn": "${aws_iam_role.blocks.managed_policy_arns (known after apply)}",
                "kind": "managed",
                "unresolved": AFTER_APPLY,
                "location": _at(KINDS, "aws_iam_role.blocks"),
            },
            id="managed_policy_arns-known-after-apply",
        ),
        pytest.param(
            UNKNOWN,
            "aws_iam_role.evidence",
            "evidence-write",
            {
                "name": "evidence-write",
                "arn": None,
                "kind": "inline",
                "unresolved": AFTER_APPLY,
                "location": _at(UNKNOWN, "aws_iam_role_policy.evidence"),
            },
            id="deferred-data-source",
        ),
        pytest.param(
            UNKNOWN,
            "aws_iam_role.chained",
            "dspm-bucket-read",
            {
                "name": "dspm-bucket-read",
                "arn": None,
                "kind": "managed",
                "unresolved": AFTER_APPLY,
                "location": _at(UNKNOWN, "aws_iam_policy.bucket_read"),
            },
            id="jsonencode-of-unknown-arn",
        ),
        pytest.param(
            EXISTING,
            "aws_iam_role.access",
            "kept",
            _documented(
                "kept",
                "inline",
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Action": ["s3:ListAllMyBuckets", "s3:GetBucketLocation"],
                            "Effect": "Allow",
                            "Resource": "*",
                            "Sid": "ListBuckets",
                        }
                    ],
                },
                _at(EXISTING, "aws_iam_role_policy.kept"),
            ),
            id="planned-update-replaces-state",
        ),
    ],
)
def test_policy(plan: Path, role: str, name: str, expected: dict[str, Any]) -> None:
    policies = [p for p in _role(plan, role)["policies"] if p["name"] == name]

    assert policies == [expected]


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        pytest.param(
            KINDS,
            {
                "aws_iam_role.attached": [
                    ("inline", "attached-inline", None),
                    ("managed", "ReadOnlyAccess", NOT_IN_PLAN),
                    ("managed", "dspm-snapshots", None),
                    ("managed", "dspm-shared-read", None),
                ],
                "aws_iam_role.blocks": [
                    ("inline", "first", None),
                    ("inline", "second", None),
                    ("managed", "dspm-shared-read", None),
                    ("managed", "aws_iam_role.blocks.managed_policy_arns", AFTER_APPLY),
                ],
            },
            id="each-resource-kind",
        ),
        pytest.param(
            UNKNOWN,
            {
                "aws_iam_role.chained": [
                    ("managed", "dspm-bucket-read", AFTER_APPLY),
                    (
                        "managed",
                        "aws_iam_role.chained.managed_policy_arns",
                        AFTER_APPLY,
                    ),
                ],
                "aws_iam_role.evidence": [
                    ("inline", "evidence-write", AFTER_APPLY),
                    ("managed", "dspm-bucket-read", AFTER_APPLY),
                ],
                "aws_iam_role.workers[0]": [
                    ("managed", "ReadOnlyAccess", NOT_IN_PLAN),
                    ("managed", "dspm-workers", None),
                ],
                "aws_iam_role.workers[1]": [("managed", "dspm-workers", None)],
            },
            id="unknown-names-matched-by-reference",
        ),
        pytest.param(
            MODULES,
            {
                'module.dspm.module.role["Scanner"].aws_iam_role.this': [
                    ("inline", "baseline", None),
                    ("managed", "ZscalerDSPM-Scanner-Policy", None),
                ],
                'module.dspm.module.role["Target"].aws_iam_role.this': [
                    ("inline", "ZscalerDSPM-Target-Policy", None),
                    ("inline", "baseline", None),
                ],
            },
            id="through-module-outputs",
        ),
        pytest.param(
            EXISTING,
            {
                "aws_iam_role.access": [
                    ("inline", "kept", None),
                    ("managed", "SecurityAudit", NOT_IN_PLAN),
                ]
            },
            id="destroyed-policies-left-out",
        ),
    ],
)
def test_policies_of_each_role(
    plan: Path, expected: dict[str, list[tuple[str, str, str | None]]]
) -> None:
    found = {
        role["location"]["logical"]: [
            (p["kind"], p["name"], p.get("unresolved")) for p in role["policies"]
        ]
        for role in _roles(plan)
    }

    assert found == expected


@pytest.mark.parametrize(
    ("plan", "logical", "expected"),
    [
        pytest.param(
            KINDS,
            "aws_iam_role.blocks",
            {
                "name": "ZscalerDSPM-Blocks-Role",
                "arn": None,
                "account": None,
                "trust_policy": TRUST_111,
                "permissions_boundary": {
                    "arn": "${aws_iam_policy.boundary.arn (known after apply)}",
                    "document": {
                        "Statement": [
                            {
                                "Action": ["s3:*", "sqs:*", "ec2:Describe*"],
                                "Effect": "Allow",
                                "Resource": "*",
                                "Sid": "Ceiling",
                            }
                        ],
                        "Version": "2012-10-17",
                    },
                },
            },
            id="new-role-boundary-in-plan",
        ),
        pytest.param(
            KINDS,
            "aws_iam_role.attached",
            {
                "name": "ZscalerDSPM-Attached-Role",
                "arn": None,
                "account": None,
                "trust_policy": TRUST_111,
                "permissions_boundary": {
                    "arn": "arn:aws:iam::aws:policy/PowerUserAccess",
                    "unresolved": NOT_IN_PLAN,
                },
            },
            id="boundary-outside-plan",
        ),
        pytest.param(
            EXISTING,
            "aws_iam_role.access",
            {
                "name": "ZscalerDSPM-Access-Role",
                "arn": "arn:aws:iam::111111111111:role/ZscalerDSPM-Access-Role",
                "account": "111111111111",
                "trust_policy": {
                    "Statement": [
                        {
                            "Action": "sts:AssumeRole",
                            "Condition": {
                                "StringEquals": {
                                    "sts:ExternalId": "zs-dspm-external-id-0001"
                                }
                            },
                            "Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
                        }
                    ],
                    "Version": "2012-10-17",
                },
                "permissions_boundary": None,
            },
            id="existing-role-arn-and-account",
        ),
        pytest.param(
            UNKNOWN,
            "aws_iam_role.evidence",
            {
                "name": "evidence",
                "arn": None,
                "account": None,
                "trust_policy": TRUST_111,
                "permissions_boundary": None,
            },
            id="name_prefix-gives-resource-name",
        ),
        pytest.param(
            UNKNOWN,
            "aws_iam_role.chained",
            {
                "name": "ZscalerDSPM-GetEvidence-Role",
                "arn": None,
                "account": None,
                "trust_policy": None,
                "permissions_boundary": None,
            },
            id="trust-known-after-apply",
        ),
    ],
)
def test_role_fields(plan: Path, logical: str, expected: dict[str, Any]) -> None:
    role = _role(plan, logical)

    assert {key: role[key] for key in expected} == expected
    assert role["source"] == str(plan)
    assert role["location"] == _at(plan, logical)


def _entry(
    plan: Path, what: str, reason: str, policy: str | None, logical: str
) -> dict[str, Any]:
    return {
        "what": what,
        "reason": reason,
        "policy": policy,
        "location": _at(plan, logical),
    }


SOME_WORKER = (
    "aws_iam_role_policy_attachment.some_worker.role",
    f"{AFTER_APPLY}: it names one of aws_iam_role.workers[0], aws_iam_role.workers[1]",
    None,
    "aws_iam_role_policy_attachment.some_worker",
)
BUCKET_READ = (
    "aws_iam_policy.bucket_read.policy",
    f"{AFTER_APPLY}: it depends on aws_s3_bucket.evidence.arn",
    "dspm-bucket-read",
    "aws_iam_policy.bucket_read",
)


def _generated(address: str, prefix: str) -> tuple[str, str, None, str]:
    reason = f'{AFTER_APPLY}: AWS generates it from name_prefix "{prefix}"'
    return (f"{address}.name", reason, None, address)


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        pytest.param(
            UNKNOWN,
            {
                "aws_iam_role.chained": [
                    (
                        "aws_iam_role.chained.assume_role_policy",
                        f"{AFTER_APPLY}: it depends on aws_iam_role.evidence.arn",
                        None,
                        "aws_iam_role.chained",
                    ),
                    BUCKET_READ,
                    (
                        "aws_iam_role.chained.managed_policy_arns",
                        f"{AFTER_APPLY}: besides aws_iam_policy.bucket_read, "
                        "what it lists is not known",
                        "aws_iam_role.chained.managed_policy_arns",
                        "aws_iam_role.chained",
                    ),
                ],
                "aws_iam_role.evidence": [
                    _generated("aws_iam_role.evidence", "ZscalerDSPM-PutEvidence-"),
                    (
                        "aws_iam_role_policy.evidence.policy",
                        f"{AFTER_APPLY}: it depends on data.aws_iam_policy_document."
                        "evidence, read only at apply as it depends on "
                        "aws_s3_bucket.evidence.arn",
                        "evidence-write",
                        "aws_iam_role_policy.evidence",
                    ),
                    BUCKET_READ,
                ],
                "aws_iam_role.workers[0]": [
                    _generated("aws_iam_role.workers[0]", "ZscalerDSPM-Scanner-0-"),
                    SOME_WORKER,
                ],
                "aws_iam_role.workers[1]": [
                    _generated("aws_iam_role.workers[1]", "ZscalerDSPM-Scanner-1-"),
                    SOME_WORKER,
                ],
            },
            id="known-after-apply",
        ),
        pytest.param(
            MODULES,
            {
                f'module.dspm.module.role["{kind}"].aws_iam_role.this': [
                    _generated(
                        f'module.dspm.module.role["{kind}"].aws_iam_role.this',
                        f"ZscalerDSPM-{kind}-",
                    )
                ]
                for kind in ("Scanner", "Target")
            },
            id="module-role-names",
        ),
        pytest.param(
            KINDS,
            {
                "aws_iam_role.attached": [],
                "aws_iam_role.blocks": [
                    (
                        "aws_iam_role.blocks.managed_policy_arns",
                        f"{AFTER_APPLY}: besides aws_iam_policy.shared, what it "
                        "lists is not known",
                        "aws_iam_role.blocks.managed_policy_arns",
                        "aws_iam_role.blocks",
                    )
                ],
            },
            id="list-with-literal-arn",
        ),
        pytest.param(EXISTING, {"aws_iam_role.access": []}, id="all-known"),
    ],
)
def test_unresolved(
    plan: Path, expected: dict[str, list[tuple[str, str, str | None, str]]]
) -> None:
    found = {role["location"]["logical"]: role["unresolved"] for role in _roles(plan)}

    assert found == {
        logical: [_entry(plan, *entry) for entry in entries]
        for logical, entries in expected.items()
    }


def test_lines_of_a_pretty_printed_plan() -> None:
    lines = [text.strip() for text in MODULES.read_text("utf-8").splitlines()]
    changes = lines.index('"resource_changes": [')
    roles = _roles(MODULES)
    places = [role["location"] for role in roles] + [
        policy["location"] for role in roles for policy in role["policies"]
    ]

    for place in places:
        line = place["line"]
        assert lines[line - 1] == "{", place
        assert lines[line] == f'"address": {json.dumps(place["logical"])},'
        assert 1 < line < changes, "the object in planned_values"
    assert len({place["line"] for place in places}) == 6


def test_statement_locations_follow_the_documents() -> None:
    policies = [
        policy
        for plan in GOOD_PLANS
        for role in _roles(plan)
        for policy in role["policies"]
        if "document" in policy
    ]

    assert len(policies) == 13
    for policy in policies:
        statements = policy["document"]["Statement"]
        count = 1 if isinstance(statements, dict) else len(statements)
        assert policy["statement_locations"] == [policy["location"]] * count


@pytest.mark.parametrize(
    "plan",
    [pytest.param(plan, id=plan.stem) for plan in GOOD_PLANS]
    + [pytest.param(TWIN_PLANS / f"{case}.json", id=case) for case in CASES],
)
def test_roles_fit_the_input_schema(plan: Path) -> None:
    roles = _roles(plan, "target")
    document = {
        "params": load_params(None),
        "options": {"fail_on": "high"},
        "sources": [{"path": str(plan), "kind": "terraform-plan", "truncated": False}],
        "roles": roles,
    }

    assert roles
    assert {role["role_type"] for role in roles} == {"target"}
    assert list(validator("input").iter_errors(document)) == []


def test_plan_without_planned_values_reads_resource_changes() -> None:
    document = json.loads(KINDS.read_text("utf-8"))
    del document["planned_values"]

    roles = read_plan(str(KINDS), json.dumps(document), None)

    assert roles == _roles(KINDS)


def test_policy_of_a_data_source_read_at_plan_time() -> None:
    # The offline provider cannot read AWS, so the data source a plan holds
    # for `data "aws_iam_policy" "audit" { arn = ... }` is written here as
    # Terraform writes a data source read during planning: in prior_state.
    document = json.loads(EXISTING.read_text("utf-8"))
    audit = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}
        ],
    }
    document["prior_state"]["values"]["root_module"]["resources"].append(
        {
            "address": "data.aws_iam_policy.audit",
            "mode": "data",
            "type": "aws_iam_policy",
            "name": "audit",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "schema_version": 0,
            "values": {
                "arn": SECURITY_AUDIT,
                "name": "SecurityAudit",
                "policy": json.dumps(audit),
            },
            "sensitive_values": {},
        }
    )

    role = read_plan(str(EXISTING), json.dumps(document), None)[0]

    audit_entry = _documented(
        "SecurityAudit", "managed", audit, _at(EXISTING, "data.aws_iam_policy.audit")
    )
    assert role["policies"][1] == {**audit_entry, "arn": SECURITY_AUDIT}


def test_redacted_value_is_unresolved() -> None:
    document = json.loads(EXISTING.read_text("utf-8"))
    for resource in document["planned_values"]["root_module"]["resources"]:
        if resource["address"] == "aws_iam_role_policy.kept":
            del resource["values"]["policy"]
            resource["sensitive_values"]["policy"] = True

    role = read_plan(str(EXISTING), json.dumps(document), None)[0]

    where = _at(EXISTING, "aws_iam_role_policy.kept")
    reason = "redacted from the plan as sensitive"
    assert role["policies"][0] == {
        "name": "kept",
        "arn": None,
        "kind": "inline",
        "unresolved": reason,
        "location": where,
    }
    assert role["unresolved"] == [
        {
            "what": "aws_iam_role_policy.kept.policy",
            "reason": reason,
            "policy": "kept",
            "location": where,
        }
    ]


def test_attachment_to_an_unknown_role_outside_the_plan_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="dspm_iam.terraform"):
        _roles(UNKNOWN)

    assert [record.getMessage() for record in caplog.records] == [
        f"{UNKNOWN}: aws_iam_role_policy_attachment.bucket_reader attaches to a role "
        "known only after apply that the plan does not define; its policy is not "
        "checked"
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param(
            "human-readable-plan.json",
            "expected JSON (line 2 column 1: Expecting value)",
            id="not-json",
        ),
        pytest.param(
            "state-not-plan.json",
            "expected a Terraform plan (terraform show -json) with format_version "
            "and planned_values or resource_changes; found a JSON object with keys "
            "format_version, terraform_version, values",
            id="state-not-plan",
        ),
        pytest.param(
            "policy-not-json.json",
            "aws_iam_role_policy.access policy: expected a policy document as a JSON "
            "object or a URL-encoded JSON string (line 1 column 1: Expecting value)",
            id="policy-not-json",
        ),
        pytest.param(
            "statement-without-effect.json",
            "aws_iam_role_policy.access policy: statement 0 (ReadBuckets): expected "
            "Effect Allow or Deny, found no Effect",
            id="statement-without-effect",
        ),
        pytest.param(
            "resources-not-list.json",
            "planned_values.root_module: expected resources to be a list of objects, "
            "found a JSON object with keys aws_iam_role.access, "
            "aws_iam_role_policy.access",
            id="resources-not-list",
        ),
    ],
)
def test_bad_plan(name: str, expected: str) -> None:
    path = BAD / name

    with pytest.raises(InputError) as raised:
        read_plan(str(path), path.read_text("utf-8"), None)

    assert str(raised.value) == f"{path}: {expected}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "[]",
            "expected a Terraform plan (terraform show -json) with "
            "format_version and planned_values or resource_changes; found "
            "a JSON list",
            id="list",
        ),
        pytest.param(
            '{"format_version": "1.2", "planned_values": []}',
            "planned_values: expected an object, found a JSON list",
            id="planned-values-list",
        ),
        pytest.param(
            '{"format_version": "1.2", "resource_changes": [{"change": {}}]}',
            "resource_changes[0]: expected address as a string, found no address",
            id="change-without-address",
        ),
        pytest.param(
            '{"format_version": "1.2", "planned_values": {"root_module": '
            '{"resources": [{"address": "aws_iam_role.r", "type": '
            '"aws_iam_role", "name": "r", "values": []}]}}}',
            "planned_values.root_module.resources[0] (aws_iam_role.r): "
            "expected values to be an object, found a JSON list",
            id="values-list",
        ),
    ],
)
def test_malformed_plan_text(text: str, expected: str) -> None:
    with pytest.raises(InputError) as raised:
        read_plan("plan.json", text, None)

    assert str(raised.value) == f"plan.json: {expected}"


FIELDS = ("check", "rule_id", "severity", "role", "policy", "action", "resource")
Findings = dict[str, list[tuple[Any, ...]]]


def _compared(finding: dict[str, Any]) -> tuple[Any, ...]:
    """The fields compared: the brief's list, the statement by its Sid."""
    sid = (finding.get("statement") or {}).get("sid")
    fields = tuple(finding[key] for key in FIELDS)
    return (*fields, sid, tuple(finding["actions"]))


def _by_case(result: dict[str, Any]) -> Findings:
    found: Findings = {case: [] for case in CASES}
    for finding in result["findings"]:
        found[Path(finding["source"]).stem].append(_compared(finding))
    return {case: sorted(items, key=repr) for case, items in found.items()}


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with open_engine(EngineChoice("embedded"), None) as opened:
        yield opened


@pytest.fixture(scope="module")
def twin_findings(engine: Engine) -> tuple[Findings, Findings]:
    """Findings by case: the role files in one document, their plans in another."""
    params = load_params(DEMO_PARAMS)
    twins = load_inputs([str(TWINS / f"{case}.json") for case in CASES])
    plans = [TWIN_PLANS / f"{case}.json" for case in CASES]
    plan_roles = [role for plan in plans for role in _roles(plan)]
    plan_sources = [
        {"path": str(p), "kind": "terraform-plan", "truncated": False} for p in plans
    ]

    def evaluate(roles: list[Any], sources: list[Any]) -> Findings:
        options = {"fail_on": "high"}
        document = {"params": params, "options": options, "sources": sources}
        return _by_case(engine.evaluate({**document, "roles": roles}))

    return evaluate(twins.roles, twins.sources), evaluate(plan_roles, plan_sources)


@pytest.mark.parametrize("case", [pytest.param(case, id=case) for case in CASES])
def test_same_findings_as_the_role_file(
    case: str, twin_findings: tuple[Findings, Findings]
) -> None:
    from_role_file, from_plan = twin_findings
    twin = json.loads((TWINS / f"{case}.json").read_text("utf-8"))
    plan_roles = _roles(TWIN_PLANS / f"{case}.json")

    assert [role["name"] for role in plan_roles] == [twin["RoleName"]]
    assert from_plan[case] == from_role_file[case]
    if case.endswith("-noncompliant"):
        assert from_plan[case], "a noncompliant role yields findings"

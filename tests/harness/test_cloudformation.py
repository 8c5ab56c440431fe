"""Tests for dspm_iam.cloudformation: from templates to the roles of the input."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dspm_iam.cloudformation import (
    NOT_IN_TEMPLATE,
    is_template,
    load_parameters,
    read_template,
)
from dspm_iam.engine_options import EngineChoice, open_engine
from dspm_iam.engines import Engine
from dspm_iam.errors import InputError
from dspm_iam.loaders import load_inputs
from dspm_iam.params import ROLE_TYPES, load_params
from dspm_iam.schemas import validator

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "cloudformation"
GOOD = DATA / "good"
BAD = DATA / "bad"
EQUIVALENCE = REPO / "tests" / "data" / "equivalence"
EXAMPLE = REPO / "examples" / "cloudformation"
DEMO_PARAMS = REPO / "examples" / "demo" / "params.yaml"
SHARED = Path(os.environ.get("DSPM_SHARED", REPO.parent / "shared"))
DATADOG = (
    SHARED
    / "data"
    / "cloudformation"
    / "datadog"
    / "aws_quickstart_datadog_integration_role.yaml"
)
ORCHESTRATOR_ACCOUNT = "111111111111"
MONITORED_ACCOUNT = "222222222222"
BLOCKING = ("critical", "high")

# One role whose statement's condition holds the value under test, so that any
# value (a string, a list, a number, a removed key) can be written there.
VALUES_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  BucketName: {Type: String, Default: acme-dspm-export}
  QueueArns: {Type: CommaDelimitedList, Default: "a, b"}
  ExternalId: {Type: String}
  KeyId: {Type: "AWS::SSM::Parameter::Value<String>", Default: /dspm/key}
  Stage: {Type: String, Default: prod}
  Flag: {Type: String, Default: false}
Mappings:
  Buckets:
    aws: {Name: evidence-aws}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
  InUsEast1: !Equals [!Ref AWS::Region, us-east-1]
  EastAndDev: !And [!Condition InUsEast1, !Condition IsDev]
  EastOrProd: !Or [!Condition InUsEast1, !Condition IsProd]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties: {BucketName: evidence}
  Queue:
    Type: AWS::SQS::Queue
  Lookup:
    Type: Custom::Lookup
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: DSPM-Target
      Path: /dspm/
      Policies:
        - PolicyName: values
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource: "*"
                Condition:
                  StringEquals:
                    value: VALUE
"""
VALUE_LINE = VALUES_TEMPLATE.splitlines().index("                    value: VALUE") + 1
ACCOUNT = {"AWS::AccountId": MONITORED_ACCOUNT}

INTRINSIC_CASES = [
    pytest.param("!Ref BucketName", {}, "acme-dspm-export", [], id="ref-default"),
    pytest.param("!Ref BucketName", {"BucketName": "x"}, "x", [], id="ref-given"),
    pytest.param("!Ref QueueArns", {}, ["a", "b"], [], id="ref-list-parameter"),
    pytest.param("!Ref Flag", {}, "false", [], id="ref-boolean-default"),
    pytest.param("!Ref AWS::Partition", {}, "aws", [], id="ref-partition"),
    pytest.param("!Ref AWS::URLSuffix", {}, "amazonaws.com", [], id="ref-url-suffix"),
    pytest.param(
        "!Ref AWS::AccountId",
        {},
        "${AWS::AccountId}",
        ["AWS::AccountId"],
        id="ref-account-unknown",
    ),
    pytest.param("!Ref AWS::AccountId", ACCOUNT, "222222222222", [], id="ref-account"),
    pytest.param(
        "!Ref AWS::StackName",
        {},
        "${AWS::StackName}",
        ["AWS::StackName"],
        id="ref-stack-name-unknown",
    ),
    pytest.param(
        "!Ref AWS::NotificationARNs",
        {"AWS::NotificationARNs": "arn:a,arn:b"},
        ["arn:a", "arn:b"],
        [],
        id="ref-notification-arns",
    ),
    pytest.param("!Ref AWS::NoValue", {}, None, [], id="ref-no-value-removes-key"),
    pytest.param("[a, !Ref AWS::NoValue, b]", {}, ["a", "b"], [], id="ref-no-value"),
    pytest.param(
        "!Ref ExternalId", {}, "${ExternalId}", ["ExternalId"], id="ref-no-default"
    ),
    pytest.param("!Ref KeyId", {}, "${KeyId}", ["KeyId"], id="ref-ssm-parameter"),
    pytest.param("!Ref Role", {}, "DSPM-Target", [], id="ref-role"),
    pytest.param("!Ref Bucket", {}, "evidence", [], id="ref-bucket"),
    pytest.param("!Ref Queue", {}, "${Queue}", ["Queue"], id="ref-other-resource"),
    pytest.param("!Ref Nothing", {}, "${Nothing}", ["Nothing"], id="ref-undefined"),
    pytest.param(
        '{"Ref": "BucketName"}', {}, "acme-dspm-export", [], id="ref-long-form"
    ),
    pytest.param(
        "!Sub arn:${AWS::Partition}:s3:::${BucketName}/*",
        {},
        "arn:aws:s3:::acme-dspm-export/*",
        [],
        id="sub",
    ),
    pytest.param(
        "!Sub arn:aws:s3:::${AWS::AccountId}-${Stage}",
        {},
        "arn:aws:s3:::${AWS::AccountId}-prod",
        ["AWS::AccountId"],
        id="sub-unresolved-variable-stays",
    ),
    pytest.param(
        "!Sub ['arn:aws:s3:::${Name}', {Name: !Ref Bucket}]",
        {},
        "arn:aws:s3:::evidence",
        [],
        id="sub-with-variables",
    ),
    pytest.param(
        "!Sub arn:aws:s3:::home/${!aws:username}",
        {},
        "arn:aws:s3:::home/${aws:username}",
        [],
        id="sub-escaped-policy-variable",
    ),
    pytest.param(
        "!Sub ${Bucket.Arn}/*", {}, "arn:aws:s3:::evidence/*", [], id="sub-attribute"
    ),
    pytest.param(
        '{"Fn::Sub": "${Role.Arn}"}',
        ACCOUNT,
        "arn:aws:iam::222222222222:role/dspm/DSPM-Target",
        [],
        id="sub-long-form",
    ),
    pytest.param(
        "!GetAtt Role.Arn",
        ACCOUNT,
        "arn:aws:iam::222222222222:role/dspm/DSPM-Target",
        [],
        id="get-att-role-arn",
    ),
    pytest.param(
        "!GetAtt Role.Arn",
        {},
        "arn:aws:iam::${AWS::AccountId}:role/dspm/DSPM-Target",
        ["AWS::AccountId"],
        id="get-att-role-arn-account-unknown",
    ),
    pytest.param(
        "!GetAtt Role.RoleId", {}, "${Role.RoleId}", ["Role.RoleId"], id="get-att-id"
    ),
    pytest.param(
        '{"Fn::GetAtt": ["Bucket", "Arn"]}',
        {},
        "arn:aws:s3:::evidence",
        [],
        id="get-att-bucket-long-form",
    ),
    pytest.param(
        "!GetAtt Lookup.BucketArn",
        {},
        "${Lookup.BucketArn}",
        ["Lookup.BucketArn"],
        id="get-att-custom-resource",
    ),
    pytest.param("!Join [':', [a, b, c]]", {}, "a:b:c", [], id="join"),
    pytest.param("!Join ['|', !Ref QueueArns]", {}, "a|b", [], id="join-list-ref"),
    pytest.param(
        "!Join ['', ['arn:aws:sqs:::', !Ref AWS::AccountId]]",
        {},
        "arn:aws:sqs:::${AWS::AccountId}",
        ["AWS::AccountId"],
        id="join-unresolved",
    ),
    pytest.param("!Select [1, [a, b, c]]", {}, "b", [], id="select"),
    pytest.param("!Select ['0', !Ref QueueArns]", {}, "a", [], id="select-list-ref"),
    pytest.param("!Split [',', 'a,b']", {}, ["a", "b"], [], id="split"),
    pytest.param(
        "!Split [':', !ImportValue 'shared:bucket']",
        {},
        ["${Fn::ImportValue shared:bucket}"],
        ["Fn::ImportValue shared:bucket"],
        id="split-keeps-placeholder-whole",
    ),
    pytest.param(
        "!FindInMap [Buckets, !Ref AWS::Partition, Name]",
        {},
        "evidence-aws",
        [],
        id="find-in-map",
    ),
    pytest.param(
        "!FindInMap [Buckets, !Ref AWS::Region, Name]",
        {},
        "${Fn::FindInMap Buckets/AWS::Region/Name}",
        ["Fn::FindInMap Buckets/AWS::Region/Name"],
        id="find-in-map-key-unknown",
    ),
    pytest.param(
        "!FindInMap [Buckets, gov, Name, {DefaultValue: fallback}]",
        {},
        "fallback",
        [],
        id="find-in-map-default",
    ),
    pytest.param("!If [IsProd, prod, dev]", {}, "prod", [], id="if-true"),
    pytest.param("!If [IsProd, prod, dev]", {"Stage": "dev"}, "dev", [], id="if-false"),
    pytest.param("!If [IsDev, dev, other]", {}, "other", [], id="if-not"),
    pytest.param(
        "!If [InUsEast1, east, other]",
        {},
        "east",
        ["Condition InUsEast1"],
        id="if-unknown-reads-true",
    ),
    pytest.param(
        "!If [InUsEast1, east, other]",
        {"AWS::Region": "eu-west-1"},
        "other",
        [],
        id="if-region-given",
    ),
    pytest.param(
        "!If [EastAndDev, east, other]",
        {},
        "other",
        [],
        id="if-and-false-despite-unknown",
    ),
    pytest.param(
        "!If [EastOrProd, east, west]", {}, "east", [], id="if-or-true-despite-unknown"
    ),
    pytest.param(
        "!If [EastOrProd, east, west]",
        {"Stage": "dev"},
        "east",
        ["Condition EastOrProd"],
        id="if-or-unknown",
    ),
    pytest.param("!If [IsDev, dev, !Ref AWS::NoValue]", {}, None, [], id="if-no-value"),
    pytest.param(
        "!ImportValue SharedEvidenceBucketArn",
        {},
        "${Fn::ImportValue SharedEvidenceBucketArn}",
        ["Fn::ImportValue SharedEvidenceBucketArn"],
        id="import-value",
    ),
    pytest.param(
        "!ImportValue {'Fn::Sub': '${AWS::StackName}-bucket'}",
        {"AWS::StackName": "dspm"},
        "${Fn::ImportValue dspm-bucket}",
        ["Fn::ImportValue dspm-bucket"],
        id="import-value-of-sub",
    ),
    pytest.param(
        "!Select [0, !GetAZs '']",
        {},
        "${Fn::GetAZs the stack's region}",
        ["Fn::GetAZs the stack's region"],
        id="get-azs",
    ),
    pytest.param("!Base64 abc", {}, "YWJj", [], id="base64"),
    pytest.param(
        "!Cidr [10.0.0.0/16, 2, 8]",
        {},
        ["10.0.0.0/24", "10.0.1.0/24"],
        [],
        id="cidr",
    ),
    pytest.param("!Length [a, b, c]", {}, 3, [], id="length"),
    pytest.param(
        "!ToJsonString {a: [1, !Ref Stage]}",
        {},
        '{"a":[1,"prod"]}',
        [],
        id="to-json-string",
    ),
    pytest.param(
        "{'Fn::Transform': {Name: AWS::Include}}",
        {},
        "${Fn::Transform}",
        ["Fn::Transform"],
        id="function-not-evaluated",
    ),
    pytest.param("2012-10-17", {}, "2012-10-17", [], id="yaml-date-as-text"),
]


def _read(path: Path, parameters: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Read a template under a name that does not depend on this machine."""
    name = f"cfn/{path.name}"
    return read_template(name, path.read_text("utf-8"), parameters or {}, None)


def _at(line: int | None, logical: str | None, file: str) -> dict[str, Any]:
    return {"file": file, "line": line, "logical": logical}


def _whats(role: dict[str, Any]) -> list[str]:
    return [entry["what"] for entry in role["unresolved"]]


@pytest.mark.parametrize(
    ("value", "parameters", "expected", "unresolved"), INTRINSIC_CASES
)
def test_intrinsic_function(
    value: str, parameters: dict[str, str], expected: Any, unresolved: list[str]
) -> None:
    text = VALUES_TEMPLATE.replace("VALUE", value)
    [role] = read_template("values.yaml", text, parameters, None)

    statement = role["policies"][0]["document"]["Statement"][0]
    assert statement["Condition"]["StringEquals"].get("value") == expected
    assert _whats(role) == unresolved
    for entry in role["unresolved"]:
        assert entry["location"] == _at(VALUE_LINE, "Role", "values.yaml")
        assert entry["policy"] == "values"


def test_unresolved_entries_say_why() -> None:
    text = VALUES_TEMPLATE.replace("VALUE", "[!Ref AWS::AccountId, !Ref ExternalId]")
    [role] = read_template("values.yaml", text, {}, None)

    assert [entry["reason"] for entry in role["unresolved"]] == [
        "pseudo parameter AWS::AccountId is only known at deploy time; give it in "
        "the CloudFormation parameters",
        "parameter ExternalId has no Default and no value in the CloudFormation "
        "parameters",
    ]


def test_a_role_gathers_every_attached_policy(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="dspm_iam")
    file = "cfn/attachments.yaml"

    [role] = read_template(
        file, (GOOD / "attachments.yaml").read_text("utf-8"), ACCOUNT, "target"
    )

    def at(line: int, logical: str) -> dict[str, Any]:
        return _at(line, logical, file)

    def statements(*actions: str) -> list[dict[str, Any]]:
        return [{"Effect": "Allow", "Action": a, "Resource": "*"} for a in actions]

    assert role == {
        "name": "DSPM-Target-prod",
        "arn": "arn:aws:iam::222222222222:role/dspm/DSPM-Target-prod",
        "account": MONITORED_ACCOUNT,
        "source": file,
        "role_type": "target",
        "trust_policy": {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                    "Action": "sts:AssumeRole",
                }
            ]
        },
        "permissions_boundary": {
            "arn": "arn:aws:iam::222222222222:policy/boundaries/dspm-boundary",
            "document": {
                "Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
            },
        },
        "policies": [
            {
                "name": "inline-read",
                "arn": None,
                "kind": "inline",
                "document": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "Read",
                            "Effect": "Allow",
                            "Action": "s3:GetObject",
                            "Resource": "arn:aws:s3:::${ImportedBucket}/*",
                        }
                    ],
                },
                "location": at(21, "TargetRole"),
                "statement_locations": [at(24, "TargetRole")],
            },
            {
                "name": "events",
                "arn": None,
                "kind": "inline",
                "document": {"Statement": statements("events:PutRule")},
                "location": at(61, "EventsPolicy"),
                "statement_locations": [at(63, "EventsPolicy")],
            },
            {
                "name": "keys",
                "arn": None,
                "kind": "inline",
                "document": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "kms:Decrypt",
                            "Resource": "${Fn::ImportValue SharedKeyArn}",
                        }
                    ]
                },
                "location": at(71, "KeysPolicy"),
                "statement_locations": [at(73, "KeysPolicy")],
            },
            {
                "name": "dspm-snapshots",
                "arn": "arn:aws:iam::222222222222:policy/dspm-snapshots",
                "kind": "managed",
                "document": {
                    "Statement": [
                        {"Sid": "Snapshots", **statements("ec2:CreateSnapshot")[0]}
                    ]
                },
                "location": at(38, "SnapshotPolicy"),
                "statement_locations": [at(40, "SnapshotPolicy")],
            },
            {
                "name": "SecurityAudit",
                "arn": "arn:aws:iam::aws:policy/SecurityAudit",
                "kind": "managed",
                "unresolved": NOT_IN_TEMPLATE,
                "location": at(30, "TargetRole"),
            },
            {
                "name": "TaggingPolicy",
                "arn": None,
                "kind": "managed",
                "document": {"Statement": statements("ec2:CreateTags")},
                "location": at(81, "TaggingPolicy"),
                "statement_locations": [at(83, "TaggingPolicy")],
            },
        ],
        "location": at(8, "TargetRole"),
        "unresolved": [
            {
                "what": "ImportedBucket",
                "reason": "CloudFormation names resource ImportedBucket at deploy "
                "time (it has no BucketName)",
                "policy": "inline-read",
                "location": at(27, "TargetRole"),
            },
            {
                "what": "Fn::ImportValue SharedKeyArn",
                "reason": "an import is only known at deploy time",
                "policy": "keys",
                "location": at(75, "KeysPolicy"),
            },
        ],
    }
    assert (
        f"{file}: instance profile OtherProfile names role role-of-another-stack, "
        "which the template does not define"
    ) in caplog.messages
    assert (
        f"{file}: policy EventsPolicy names role SomeoneElsesRole, which the "
        "template does not define"
    ) in caplog.messages


def test_managed_policy_arn_is_null_when_the_account_is_unknown() -> None:
    [role] = _read(GOOD / "attachments.yaml")

    snapshots = next(p for p in role["policies"] if p["name"] == "dspm-snapshots")
    assert role["arn"] is None
    assert role["account"] is None
    assert snapshots["arn"] is None
    assert role["permissions_boundary"]["arn"] == (
        "arn:aws:iam::${AWS::AccountId}:policy/boundaries/dspm-boundary"
    )
    assert "AWS::AccountId" in _whats(role)


def test_documents_known_only_at_deploy_time() -> None:
    [role] = _read(GOOD / "documents.yaml")
    file = "cfn/documents.yaml"

    imported, as_text = role["policies"]
    assert role["trust_policy"] is None
    assert imported == {
        "name": "imported",
        "arn": None,
        "kind": "inline",
        "unresolved": "its document is only known at deploy time "
        "(${Fn::ImportValue SharedPolicy})",
        "location": _at(11, "ImportedRole", file),
    }
    assert as_text["document"]["Statement"][0]["Resource"] == (
        "arn:aws:s3:::logs-${AWS::AccountId}/*"
    )
    assert "statement_locations" not in as_text
    assert [
        (e["what"], e["policy"], e["location"]["line"]) for e in role["unresolved"]
    ] == [
        ("Fn::ImportValue SharedTrustPolicy", None, 8),
        ("Fn::ImportValue SharedPolicy", "imported", 11),
        ("AWS::AccountId", "as-text", 13),
    ]


def test_boundary_not_in_the_template_is_unresolved() -> None:
    text = """\
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      PermissionsBoundary: arn:aws:iam::222222222222:policy/shared-boundary
"""
    [role] = read_template("b.yaml", text, {}, None)

    assert role["permissions_boundary"] == {
        "arn": "arn:aws:iam::222222222222:policy/shared-boundary",
        "unresolved": NOT_IN_TEMPLATE,
    }


def test_conditions_decide_what_is_deployed() -> None:
    roles = _read(GOOD / "conditions.yaml")
    file = "cfn/conditions.yaml"

    by_name = {role["name"]: role for role in roles}
    assert sorted(by_name) == ["DSPM-Plain-Target", "DSPM-Regional-Target"]
    assert by_name["DSPM-Regional-Target"]["unresolved"] == [
        {
            "what": "Condition InUsEast1",
            "reason": "it depends on AWS::Region, which is not known; it is read "
            "as true, so what it guards is checked",
            "policy": None,
            "location": _at(18, "RegionalRole", file),
        }
    ]
    plain = by_name["DSPM-Plain-Target"]
    assert [policy["name"] for policy in plain["policies"]] == ["regional"]
    assert plain["unresolved"] == [
        {
            "what": "Condition InUsEast1",
            "reason": "it depends on AWS::Region, which is not known; it is read "
            "as true, so what it guards is checked",
            "policy": "regional",
            "location": _at(38, "RegionalPolicy", file),
        }
    ]


def test_conditions_given_their_values() -> None:
    roles = _read(
        GOOD / "conditions.yaml", {"WithLegacyRole": "true", "AWS::Region": "eu-west-1"}
    )

    by_name = {role["name"]: role for role in roles}
    assert sorted(by_name) == ["DSPM-Legacy-Target", "DSPM-Plain-Target"]
    assert [p["name"] for p in by_name["DSPM-Plain-Target"]["policies"]] == ["legacy"]
    assert all(role["unresolved"] == [] for role in roles)


def test_a_transform_is_reported_on_every_role(
    caplog: pytest.LogCaptureFixture,
) -> None:
    [role] = _read(GOOD / "transform.yaml")

    assert role["unresolved"] == [
        {
            "what": "Transform AWS::Serverless-2016-10-31",
            "reason": "a transform rewrites the template at deploy time; the "
            "template is read as written, so what the transform adds is not checked",
            "policy": None,
            "location": _at(2, None, "cfn/transform.yaml"),
        }
    ]
    assert (
        "cfn/transform.yaml: transform AWS::Serverless-2016-10-31 is not expanded; "
        "the template is read as written"
    ) in caplog.messages


def test_json_long_form_is_located() -> None:
    [role] = _read(GOOD / "long-form.json", ACCOUNT)
    file = "cfn/long-form.json"

    [policy] = role["policies"]
    assert role["name"] == "EvidenceRole"
    assert role["arn"] is None
    assert role["location"] == _at(3, "EvidenceRole", file)
    assert role["trust_policy"]["Statement"][0]["Principal"] == {
        "AWS": "arn:aws:iam::222222222222:root"
    }
    assert policy["location"] == _at(18, "EvidenceRole", file)
    assert policy["statement_locations"] == [
        _at(20, "EvidenceRole", file),
        _at(21, "EvidenceRole", file),
    ]
    assert policy["document"]["Statement"][1]["Resource"] == "${EvidenceRole.Arn}"
    assert role["unresolved"] == [
        {
            "what": "EvidenceRole.Arn",
            "reason": "CloudFormation names role EvidenceRole at deploy time (it has "
            "no RoleName)",
            "policy": "evidence",
            "location": _at(24, "EvidenceRole", file),
        }
    ]


def test_roles_satisfy_the_input_schema() -> None:
    roles = [
        role
        for path in [
            *sorted(GOOD.glob("*.yaml")),
            *sorted(GOOD.glob("*.json")),
            DATADOG,
        ]
        if path.is_file()
        for role in _read(path)
    ]
    document = {
        "params": load_params(None),
        "options": {"fail_on": "high"},
        "sources": [],
        "roles": roles,
    }

    assert list(validator("input").iter_errors(document)) == []


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param(
            {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"X": {}}},
            True,
            id="format-version",
        ),
        pytest.param(
            {"Resources": {"R": {"Type": "AWS::IAM::Role"}}}, True, id="aws-type"
        ),
        pytest.param(
            {"Resources": {"R": {"Type": "Custom::Thing"}}}, False, id="custom-only"
        ),
        pytest.param(
            {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}},
            True,
            id="format-version-no-resources",
        ),
        pytest.param({"Resources": {}}, False, id="no-resources"),
        pytest.param({"Resources": []}, False, id="resources-not-a-mapping"),
        pytest.param({"RoleName": "DSPM-Target"}, False, id="role"),
        pytest.param([{"Resources": {}}], False, id="list"),
    ],
)
def test_is_template(document: Any, expected: bool) -> None:
    assert is_template(document) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param(
            "not-yaml.yaml",
            "expected YAML or JSON (line 5 column 1: did not find expected ',' or ']')",
            id="not-yaml",
        ),
        pytest.param(
            "duplicate-key.yaml",
            "expected YAML or JSON (line 5 column 7: Duplicate found 'RoleName' "
            "(line 5))",
            id="duplicate-key",
        ),
        pytest.param(
            "not-a-template.yaml",
            "expected a CloudFormation template (a mapping with Resources of AWS:: "
            "types), found a mapping with keys name, permissions",
            id="not-a-template",
        ),
        pytest.param(
            "statement-shape.yaml",
            "line 8, policy read: statement 0 (Read): expected Effect Allow or "
            "Deny, found no Effect",
            id="statement-shape",
        ),
        pytest.param(
            "join-shape.yaml",
            "line 5: expected Fn::Join as [delimiter, list], found a list",
            id="join-shape",
        ),
        pytest.param(
            "unknown-condition.yaml",
            "line 5: expected a condition defined in Conditions, found the string "
            '"Production"',
            id="unknown-condition",
        ),
        pytest.param(
            "resource-without-type.yaml",
            "line 3: expected resource TargetRole to be a mapping with a Type, "
            "found a mapping with keys Properties",
            id="resource-without-type",
        ),
        pytest.param(
            "circular.yaml",
            "resource TargetRole: expected no circular reference, found "
            "TargetRole -> TargetRole",
            id="circular",
        ),
        pytest.param(
            "policy-without-document.yaml",
            "line 7: expected policy read to have a PolicyDocument, found a "
            "mapping with keys PolicyName",
            id="policy-without-document",
        ),
    ],
)
def test_bad_template(name: str, expected: str) -> None:
    path = BAD / name

    with pytest.raises(InputError) as raised:
        read_template(str(path), path.read_text("utf-8"), {}, None)

    assert str(raised.value) == f"{path}: {expected}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            '[{"ParameterKey": "Stage", "ParameterValue": "prod"},'
            ' {"ParameterKey": "AWS::AccountId", "ParameterValue": "222222222222"}]',
            {"Stage": "prod", "AWS::AccountId": "222222222222"},
            id="cli-list",
        ),
        pytest.param(
            '{"Parameters": {"Stage": "prod", "Port": 443}, "Tags": {"a": "b"}}',
            {"Stage": "prod", "Port": "443"},
            id="codepipeline-configuration",
        ),
        pytest.param(
            "Stage: prod\nQueues: [a, b]\nEnabled: true\n",
            {"Stage": "prod", "Queues": "a,b", "Enabled": "true"},
            id="yaml-mapping",
        ),
        pytest.param("{}", {}, id="empty"),
    ],
)
def test_load_parameters(tmp_path: Path, text: str, expected: dict[str, str]) -> None:
    path = tmp_path / "parameters.json"
    path.write_text(text, "utf-8")

    assert load_parameters(path) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param(
            "parameters-syntax.json",
            "expected YAML or JSON (line 2 column 1: did not find expected node "
            "content)",
            id="syntax",
        ),
        pytest.param(
            "parameters-string.json",
            "expected CloudFormation parameters (a list of ParameterKey and "
            "ParameterValue objects, an object with Parameters, or a mapping of "
            'names to values), found the string "prod"',
            id="string",
        ),
        pytest.param(
            "parameters-list-entry.json",
            "parameter 0: expected an object with ParameterKey and "
            "ParameterValue, found a mapping with keys Key, Value",
            id="list-entry",
        ),
        pytest.param(
            "parameters-no-value.json",
            "parameter Stage: expected a ParameterValue, found none",
            id="no-value",
        ),
        pytest.param(
            "parameters-nested.yaml",
            "parameter Stage: expected a string, a number, a boolean or a list "
            "of them, found a mapping with keys value",
            id="nested",
        ),
        pytest.param(
            "parameters-account.json",
            'parameter AWS::AccountId: expected 12 digits, found "2222"',
            id="account",
        ),
        pytest.param(
            "parameters-absent.json",
            "expected a readable file (No such file or directory)",
            id="absent",
        ),
    ],
)
def test_bad_parameters(name: str, expected: str) -> None:
    path = BAD / name

    with pytest.raises(InputError) as raised:
        load_parameters(path)

    assert str(raised.value) == f"{path}: {expected}"


@pytest.mark.skipif(
    not DATADOG.is_file(),
    reason=f"no shared template at {DATADOG}; set DSPM_SHARED to the shared folder",
)
def test_real_vendor_template() -> None:
    name = str(DATADOG)

    [role] = read_template(name, DATADOG.read_text("utf-8"), {}, None)

    assert role["name"] == "DatadogIntegrationRole"
    assert role["policies"] == []
    assert role["trust_policy"]["Statement"][0]["Principal"] == {
        "AWS": "arn:aws:iam::464622532012:root"
    }
    assert _whats(role) == [
        "ExternalId",
        "AWS::CloudFormation::Stack DatadogIntegrationPermissionsStack",
    ]
    located = [role, *role["policies"], *role["unresolved"]]
    for item in located:
        assert item["location"]["file"] == name
        assert item["location"]["line"] > 0


# Equivalence: a template and the role it deploys give the same findings.


def _equivalent_pairs() -> list[tuple[str, Path, Path]]:
    pairs = []
    for role_type in ROLE_TYPES:
        for variant in ("compliant", "noncompliant"):
            stem = f"{role_type}-{variant}"
            [template] = sorted((EQUIVALENCE / "cloudformation").glob(f"{stem}.*"))
            pairs.append((stem, EQUIVALENCE / "roles" / f"{stem}.json", template))
    return pairs


def _parameters_for(stem: str) -> dict[str, str]:
    monitored = stem.startswith(("target-", "resource-discovery-"))
    account = MONITORED_ACCOUNT if monitored else ORCHESTRATOR_ACCOUNT
    return load_parameters(
        EQUIVALENCE / "cloudformation" / f"parameters-{account}.json"
    )


def _document(roles: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    sources = sorted({role["source"] for role in roles})
    return {
        "params": load_params(DEMO_PARAMS),
        "options": {"fail_on": "high"},
        "sources": [{"path": s, "kind": kind, "truncated": False} for s in sources],
        "roles": roles,
    }


def _key(finding: dict[str, Any]) -> tuple[Any, ...]:
    statement = finding.get("statement") or {}
    return (
        finding.get("check"),
        finding.get("rule_id"),
        finding.get("severity"),
        finding.get("role"),
        finding.get("policy"),
        statement.get("sid"),
        finding.get("action"),
        tuple(finding.get("actions") or ()),
        finding.get("resource"),
    )


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with open_engine(EngineChoice("embedded"), None) as opened:
        yield opened


@pytest.fixture(scope="module")
def evaluated(engine: Engine) -> dict[str, dict[str, Any]]:
    """The bundle's answer on the role files, the templates, and the example."""
    pairs = _equivalent_pairs()
    from_roles = load_inputs([str(role) for _, role, _ in pairs]).roles
    from_templates = [
        role
        for stem, _, template in pairs
        for role in read_template(
            template.name, template.read_text("utf-8"), _parameters_for(stem), None
        )
    ]
    example = read_template(
        "dspm-roles.yaml",
        (EXAMPLE / "dspm-roles.yaml").read_text("utf-8"),
        load_parameters(EXAMPLE / "parameters.json"),
        None,
    )
    documents = {
        "roles": _document(from_roles, "role"),
        "templates": _document(from_templates, "cloudformation"),
        "example": _document(example, "cloudformation"),
    }
    return {name: engine.evaluate(d) for name, d in documents.items()}


def test_templates_read_like_the_roles_they_deploy() -> None:
    for stem, role_path, template in _equivalent_pairs():
        expected = json.loads(role_path.read_text("utf-8"))

        [role] = read_template(
            template.name, template.read_text("utf-8"), _parameters_for(stem), None
        )

        assert role["name"] == expected["RoleName"], stem
        assert role["arn"] == expected["Arn"], stem
        assert role["trust_policy"] == expected["AssumeRolePolicyDocument"], stem
        assert [(p["name"], p["document"]) for p in role["policies"]] == [
            (p["PolicyName"], p["PolicyDocument"]) for p in expected["RolePolicyList"]
        ], stem
        assert role["unresolved"] == [], stem


def test_templates_give_the_findings_of_their_roles(
    evaluated: dict[str, dict[str, Any]],
) -> None:
    from_roles = sorted(map(_key, evaluated["roles"]["findings"]), key=repr)
    from_templates = sorted(map(_key, evaluated["templates"]["findings"]), key=repr)

    assert from_roles != []
    assert from_templates == from_roles


def test_only_the_noncompliant_roles_have_blocking_findings(
    evaluated: dict[str, dict[str, Any]],
) -> None:
    blocking = {
        finding["source"]
        for finding in evaluated["templates"]["findings"]
        if finding["severity"] in BLOCKING
    }

    suffixes = {"access": "json"}
    expected = {f"{t}-noncompliant.{suffixes.get(t, 'yaml')}" for t in ROLE_TYPES}
    assert blocking == expected


def test_example_template_is_compliant(
    evaluated: dict[str, dict[str, Any]],
) -> None:
    example = evaluated["example"]
    blocking = [
        (finding["role"], finding["rule_id"])
        for finding in example["findings"]
        if finding["severity"] in BLOCKING
    ]

    assert sorted(role["role_type"] for role in example["roles"]) == sorted(ROLE_TYPES)
    assert all(role["checked"] for role in example["roles"])
    assert blocking == []


def test_example_template_deploys_the_seven_roles() -> None:
    roles = read_template(
        "dspm-roles.yaml",
        (EXAMPLE / "dspm-roles.yaml").read_text("utf-8"),
        load_parameters(EXAMPLE / "parameters.json"),
        None,
    )

    assert len(roles) == len(ROLE_TYPES)
    assert all(role["unresolved"] == [] for role in roles)
    assert all(
        role["arn"].startswith("arn:aws:iam::111111111111:role/") for role in roles
    )

"""The conftest entry point (data.dspm.conftest) on files as conftest reads them.

conftest hands the policy the parsed file: YAML through a Go parser that drops
CloudFormation's short-form tags and keeps their values, JSON as it is. It
loads the bundle's data and the user's parameters (a file whose top-level
`dspm` key holds `params`) with --data. These tests do the same through the
embedded engine and compare the deny and warn messages whole.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from dspm_iam.bundle import load_bundle
from dspm_iam.engine import EmbeddedEngine

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "conftest"
PARAMS = DATA / "params.yaml"
SHARED = Path(os.environ.get("DSPM_SHARED", REPO.parent / "shared")) / "data"
DATADOG = (
    SHARED
    / "cloudformation"
    / "datadog"
    / "aws_quickstart_datadog_integration_role.yaml"
)

ROLE = "role ZscalerDSPM-GetEvidence-Role"
STRIPPED_ROLE = "role ZscalerDSPM-GetEvidence-${AWS::Region}"
LOGICAL_ROLE = "role ZscalerDspmGetEvidenceRole"
EXCESS = "allows 1 action(s) the get-evidence contract does not document"
SCOPE_VARIABLE = (
    "names a policy variable: which resources it reaches depends on the request, "
    "so its scope cannot be checked"
)


class _TaglessLoader(yaml.SafeLoader):
    """PyYAML read the way conftest's Go parser reads YAML.

    Unknown tags (`!Ref`, `!Sub`, `!If`...) are dropped and their scalar,
    sequence or mapping kept; timestamps stay strings.
    """


def _untagged(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise TypeError(f"unexpected YAML node {node!r}")


def _timestamp_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    assert isinstance(node, yaml.ScalarNode)
    return loader.construct_scalar(node)


_TaglessLoader.add_multi_constructor("!", _untagged)
_TaglessLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_text)


def read_as_conftest(path: Path) -> Any:
    """The document conftest would pass as input for a YAML or JSON file."""
    text = path.read_text("utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    return yaml.load(text, Loader=_TaglessLoader)


def _bundle_with_data(root: Path, path: Path) -> Path:
    """A copy of the bundle with a --data file's top-level `dspm` keys added as
    data files, as `--data policy --data params/` give conftest."""
    copy = root / "policy"
    shutil.copytree(load_bundle().root, copy)
    document = yaml.safe_load(path.read_text("utf-8"))
    for key, value in document["dspm"].items():
        target = copy / "dspm" / key / "data.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(value), "utf-8")
    return copy


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedEngine]:
    root = _bundle_with_data(tmp_path_factory.mktemp("bundle"), PARAMS)
    opa = EmbeddedEngine(load_bundle(root))
    yield opa
    opa.close()


def _verdicts(engine: EmbeddedEngine, document: Any) -> dict[str, list[str]]:
    return {
        "deny": engine.document("dspm.conftest.deny", document),
        "warn": engine.document("dspm.conftest.warn", document),
    }


SHORT_TAGS = {
    "deny": [
        f"DSPM-EXCESS-001 excess-permission: {STRIPPED_ROLE}: s3:PutObject: "
        f"s3:PutObject in statement 0 of policy dspm-evidence-write {EXCESS}, "
        "such as s3:PutObject",
        f"DSPM-UNRESOLVED-001 unresolved: {STRIPPED_ROLE}: inline policy "
        'conditional could not be read: statement 0 is ["WideOpen",{"Action":"s3:*",'
        '"Effect":"Allow","Resource":"*"},"AWS::NoValue"], not an object',
        f"DSPM-UNRESOLVED-001 unresolved: {STRIPPED_ROLE}: managed policy "
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess could not be read: "
        "its document is not in the input",
        f"DSPM-UNRESOLVED-008 unresolved: {STRIPPED_ROLE}: "
        "arn:${AWS::Partition}:s3:::${EvidenceBucket}/* in statement 0 (Read) of "
        f"policy read-evidence {SCOPE_VARIABLE}",
    ],
    "warn": [],
}

LONG_FORM = {
    "deny": [
        f"DSPM-EXCESS-001 excess-permission: {LOGICAL_ROLE}: s3:PutObject: "
        f"s3:PutObject in statement 0 of policy write-evidence {EXCESS}, "
        "such as s3:PutObject",
        f"DSPM-TRUST-003 trust-policy: {LOGICAL_ROLE}: sts:AssumeRole: trust policy "
        "statement 0 trusts the vendor principal arn:aws:iam::999999999999:root "
        "without an sts:ExternalId condition equal to zs-external-id",
        f"DSPM-UNRESOLVED-008 unresolved: {LOGICAL_ROLE}: "
        "${Fn::Join arn:aws:s3:::${Ref EvidenceBucket}} in statement 0 (Read) of "
        f"policy read-evidence {SCOPE_VARIABLE}",
    ],
    "warn": [
        "dspm: OptionalRole (AWS::IAM::Role) could not be read: its Properties are "
        '${Fn::If WithOptional {"RoleName":"optional"} ${Ref AWS::NoValue}}, '
        "not an object",
    ],
}

PLAN = {
    "deny": [
        f"DSPM-EXCESS-001 excess-permission: {ROLE}: kms:Encrypt: kms:Encrypt in "
        f"statement 0 of policy dspm-evidence-key {EXCESS}, such as kms:Encrypt",
        f"DSPM-EXCESS-001 excess-permission: {ROLE}: s3:PutObject: s3:PutObject in "
        f"statement 0 of policy extra {EXCESS}, such as s3:PutObject",
        f"DSPM-SCOPE-001 resource-scope: {ROLE}: kms:Decrypt: kms:Decrypt in "
        "statement 0 of policy dspm-evidence-key reaches *, beyond the "
        "evidence-key scope the contract documents",
        f"DSPM-UNRESOLVED-001 unresolved: {ROLE}: managed policy "
        "arn:aws:iam::aws:policy/SecurityAudit could not be read: "
        "its document is not in the input",
        f"DSPM-UNRESOLVED-001 unresolved: {ROLE}: managed policy "
        "module.keys.aws_iam_policy.later.arn could not be read: "
        "its policy is known only after apply",
    ],
    "warn": [],
}

UNREADABLE = {
    "deny": [
        "dspm: the CloudFormation template has 2 IAM resource(s) and none could be "
        "read: TargetPolicy: the document is "
        '${Fn::If UseWide {"Statement":[]} {"Statement":[]}}, not an object; '
        "TargetRole: its Properties are ${Fn::If UseWide "
        '{"RoleName":"ZscalerDSPM-Target-Role"} {"RoleName":"ZscalerD..., '
        "not an object",
    ],
    "warn": [],
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param(
            DATA / "good" / "cloudformation-short-tags.yaml",
            SHORT_TAGS,
            id="cloudformation-yaml-short-tags",
        ),
        pytest.param(
            DATA / "good" / "cloudformation-long-form.json",
            LONG_FORM,
            id="cloudformation-json-long-form",
        ),
        pytest.param(DATA / "good" / "terraform-plan.json", PLAN, id="terraform-plan"),
        pytest.param(
            DATA / "bad" / "cloudformation-unreadable.json",
            UNREADABLE,
            id="cloudformation-unreadable",
        ),
    ],
)
def test_messages(
    engine: EmbeddedEngine, path: Path, expected: dict[str, list[str]]
) -> None:
    assert _verdicts(engine, read_as_conftest(path)) == expected


def test_tags_are_dropped_as_conftest_drops_them() -> None:
    template = read_as_conftest(DATA / "good" / "cloudformation-short-tags.yaml")
    role = template["Resources"]["GetEvidenceRole"]["Properties"]

    assert template["AWSTemplateFormatVersion"] == "2010-09-09"
    assert role["RoleName"] == "ZscalerDSPM-GetEvidence-${AWS::Region}"
    assert role["ManagedPolicyArns"][0] == "EvidenceWritePolicy"
    conditional = template["Resources"]["ConditionalPolicy"]["Properties"]
    assert conditional["PolicyDocument"]["Statement"][0][0] == "WideOpen"


@pytest.mark.skipif(
    not DATADOG.is_file(), reason=f"the shared data file {DATADOG} is absent"
)
def test_datadog_integration_role(engine: EmbeddedEngine) -> None:
    role = "role IAMRoleName"
    missing = (
        "is not allowed: 1 action(s) missing, such as {action} (no identity "
        "policy allows it); the role has unresolved policies that may allow it"
    )
    rows = {
        "kms:Decrypt": "r06",
        "s3:GetBucketAcl": "r03",
        "s3:GetBucketLocation": "r04",
        "s3:GetObject": "r02",
        "s3:GetObjectAcl": "r01",
        "s3:ListBucket": "r05",
    }

    verdicts = _verdicts(engine, read_as_conftest(DATADOG))

    assert verdicts["deny"] == [
        f"DSPM-TRUST-002 trust-policy: {role}: sts:AssumeRole: trust policy "
        "statement 0 trusts AWS principal "
        "arn:${AWS::Partition}:iam::${DdAWSAccountId}:root; a get-evidence role "
        "should trust only the vendor principal arn:aws:iam::999999999999:root",
        f"DSPM-UNRESOLVED-001 unresolved: {role}: managed policy AWS::NoValue "
        "could not be read: its document is not in the input",
        f"DSPM-UNRESOLVED-001 unresolved: {role}: managed policy "
        "ShouldInstallSecurityAuditPolicy could not be read: "
        "its document is not in the input",
        f"DSPM-UNRESOLVED-001 unresolved: {role}: managed policy "
        '["arn:${AWS::Partition}:iam::aws:policy/SecurityAudit"] could not be '
        'read: ManagedPolicyArns[1] is ["arn:${AWS::Partition}:iam::aws:policy/'
        'SecurityAudit"], not a policy ARN',
    ]
    assert verdicts["warn"] == [
        f"DSPM-MISSING-001 missing-permission: {role}: {action}: {action} "
        f"(contract row get-evidence-{row}) " + missing.format(action=action)
        for action, row in rows.items()
    ] + [
        f"DSPM-TRUST-004 trust-policy: {role}: the trust policy does not admit the "
        "vendor principal arn:aws:iam::999999999999:root, so DSPM cannot assume "
        "the role",
    ]

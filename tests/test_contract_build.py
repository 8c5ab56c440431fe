"""The contract data is the vendor page, whole, with its mistakes on record."""

from __future__ import annotations

import fnmatch
import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from dspm_iam.contract_build import (
    ContractError,
    build_contract,
    main,
    matching_actions,
    render_contract,
)

REPO = Path(__file__).parents[1]
CONTRACT = REPO / "policy" / "dspm" / "contract" / "data.json"
CATALOG = REPO / "policy" / "dspm" / "catalog" / "data.json"
SHARED = Path(os.environ.get("DSPM_SHARED", REPO.parent / "shared"))
SEED = SHARED / "seed" / "dspm-iam-roles-aws.md"

SMALL_CATALOG = {
    "s3": {"getobject": "GetObject", "putobject": "PutObject"},
    "kms": {"decrypt": "Decrypt"},
}


@pytest.fixture(scope="module")
def seed_text() -> str:
    """The vendor page; skipped only where the shared folder is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"no shared folder at {SHARED}; set DSPM_SHARED to its path")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def contract() -> dict[str, Any]:
    """The committed contract data."""
    result: dict[str, Any] = json.loads(CONTRACT.read_text(encoding="utf-8"))
    return result


@pytest.fixture(scope="module")
def catalog() -> dict[str, dict[str, str]]:
    """The committed catalog's services."""
    result: dict[str, dict[str, str]] = json.loads(CATALOG.read_text("utf-8"))[
        "services"
    ]
    return result


def _seed_table_counts(markdown: str) -> list[int]:
    """Count `| \\`` rows under each '[]The ... role' paragraph, in order."""
    counts: list[int] = []
    for line in markdown.splitlines():
        if line.startswith("[]The "):
            counts.append(0)
        elif line.startswith("| `"):
            counts[-1] += 1
    return counts


def _rows(contract: dict[str, Any], **match: Any) -> list[dict[str, Any]]:
    return [
        row
        for row in contract["rows"]
        if all(row[key] == value for key, value in match.items())
    ]


def _page(table: str, header: str = "| Permission | Effect | Scope | Purpose |") -> str:
    return "\n".join(
        [
            "# IAM Roles and Permissions for AWS",
            "Source: https://example.com/page",
            "[]The resource discovery role is required for DSPM.",
            header,
            "| --- | --- | --- | --- |",
            table,
            "",
        ]
    )


def test_committed_contract_is_what_the_builder_writes(
    seed_text: str, catalog: dict[str, dict[str, str]]
) -> None:
    built = render_contract(build_contract(seed_text, catalog))

    assert built == CONTRACT.read_text(encoding="utf-8")


def test_every_table_row_is_in_the_contract(
    seed_text: str, contract: dict[str, Any]
) -> None:
    seed_counts = _seed_table_counts(seed_text)
    table_rows = Counter(row["role"] for row in _rows(contract, origin="table"))
    roles = list(contract["role_types"])

    assert len(seed_counts) == 7
    assert [table_rows[role] for role in roles] == seed_counts
    assert [contract["role_types"][role]["table_rows"] for role in roles] == (
        seed_counts
    )


def test_row_numbers_and_ids_follow_the_tables(contract: dict[str, Any]) -> None:
    for role in contract["role_types"]:
        rows = _rows(contract, role=role, origin="table")

        assert [row["row"] for row in rows] == list(range(1, len(rows) + 1))
        assert [row["id"] for row in rows] == [
            f"{role}-r{row['row']:02d}" for row in rows
        ]


@pytest.mark.parametrize(
    ("erratum_id", "kind", "written", "corrected"),
    [
        pytest.param(
            "put-evidence-r08",
            "typo",
            "kms:GenerareDataKey",
            ["kms:GenerateDataKey"],
            id="typo-generare",
        ),
        pytest.param(
            "put-evidence-r07",
            "not-an-action",
            "kms:ReEncrypt",
            ["kms:ReEncryptFrom", "kms:ReEncryptTo"],
            id="not-an-action-reencrypt",
        ),
        pytest.param(
            "resource-discovery-r07",
            "duplicate-row",
            "redshift-serverless:GetWorkgroup",
            ["redshift-serverless:GetWorkgroup"],
            id="duplicate-get-workgroup",
        ),
        pytest.param(
            "scanner-header", "table-header", "Allow", ["Effect"], id="scanner-header"
        ),
        pytest.param(
            "target-header",
            "missing-column",
            "Permission | Data Store Type or Managed Policy | Scope | Purpose",
            ["Allow"],
            id="target-no-effect",
        ),
    ],
)
def test_errata_are_found(
    contract: dict[str, Any],
    erratum_id: str,
    kind: str,
    written: str,
    corrected: list[str],
) -> None:
    found = [
        (erratum["kind"], erratum["written"], erratum["corrected"])
        for erratum in contract["errata"]
        if erratum["id"] == erratum_id
    ]

    assert found == [(kind, written, corrected)]


def test_errata_are_only_the_known_ones(contract: dict[str, Any]) -> None:
    found = [(erratum["id"], erratum["kind"]) for erratum in contract["errata"]]

    assert found == [
        ("resource-discovery-r07", "duplicate-row"),
        ("scanner-header", "table-header"),
        ("target-header", "missing-column"),
        ("put-evidence-r07", "not-an-action"),
        ("put-evidence-r08", "typo"),
    ]


def test_corrected_rows_carry_the_correction(contract: dict[str, Any]) -> None:
    rows = {row["id"]: row for row in contract["rows"]}

    assert rows["put-evidence-r08"]["action"] == "kms:GenerareDataKey"
    assert rows["put-evidence-r08"]["actions"] == ["kms:GenerateDataKey"]
    assert rows["put-evidence-r07"]["actions"] == [
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
    ]
    assert rows["resource-discovery-r07"]["duplicate_of"] == "resource-discovery-r04"


def test_every_duplicate_has_an_erratum(contract: dict[str, Any]) -> None:
    duplicates = {row["id"] for row in contract["rows"] if row["duplicate_of"]}
    recorded = {
        erratum["id"]
        for erratum in contract["errata"]
        if erratum["kind"] == "duplicate-row"
    }

    assert duplicates == recorded


def test_bedrock_prose_rows_exist(contract: dict[str, Any]) -> None:
    rows = _rows(contract, origin="prose")

    assert [(row["id"], row["actions"], row["features"]) for row in rows] == [
        ("resource-discovery-p01", ["kms:Decrypt"], ["bedrock_kms"]),
        ("resource-discovery-p02", ["kms:GenerateDataKey"], ["bedrock_kms"]),
    ]
    assert {(row["role"], row["effect"], row["scope"], row["row"]) for row in rows} == {
        ("resource-discovery", "Allow", "monitored-account", None)
    }


def test_every_action_exists_in_the_committed_catalog(
    contract: dict[str, Any], catalog: dict[str, dict[str, str]]
) -> None:
    patterns = {action for row in contract["rows"] for action in row["actions"]}

    unmatched = []
    for pattern in sorted(patterns):
        service, _, name = pattern.lower().partition(":")
        if not fnmatch.filter(catalog.get(service, {}), name):
            unmatched.append(pattern)

    assert unmatched == []


def test_rows_use_only_declared_classes(contract: dict[str, Any]) -> None:
    for row in contract["rows"]:
        assert row["scope"] in contract["scope_classes"], row["id"]
        assert row["effect"] in ("Allow", "Deny"), row["id"]
        assert set(row["features"]) <= set(contract["features"]), row["id"]
        assert (
            row["data_store"] is None or row["data_store"] in contract["data_stores"]
        ), row["id"]


def test_target_rows_are_allow_with_a_data_store(contract: dict[str, Any]) -> None:
    rows = _rows(contract, role="target")

    assert {row["effect"] for row in rows} == {"Allow"}
    assert all(row["data_store"] for row in rows)
    assert all(row["data_store"] is None for row in _rows(contract, role="scanner"))


def test_feature_gated_rows(contract: dict[str, Any]) -> None:
    gated = {
        (row["role"], row["action"]): row["features"]
        for row in contract["rows"]
        if row["features"]
    }
    custom_network = [
        "ec2:CreateNetworkInsightsPath",
        "ec2:DescribeNetworkInsightsPaths",
        "ec2:DeleteNetworkInsightsPath",
        "ec2:StartNetworkInsightsAnalysis",
        "ec2:DescribeNetworkInsightsAnalyses",
        "ec2:DeleteNetworkInsightsAnalysis",
        "tiros:CreateQuery",
        "tiros:ExtendQuery",
        "tiros:GetQueryAnswer",
        "tiros:GetQueryExplanation",
        "tiros:GetQueryExtensionAccounts",
    ]

    assert gated == {
        ("resource-discovery", "kms:Decrypt"): ["bedrock_kms"],
        ("resource-discovery", "kms:GenerateDataKey"): ["bedrock_kms"],
        **{("orchestrator", action): ["custom_network"] for action in custom_network},
        ("target", "secretsmanager:GetSecretValue"): ["custom_network", "unmanaged_db"],
    }


@pytest.mark.parametrize(
    ("table", "message"),
    [
        pytest.param(
            "| `s3:GetObject` | Allow | Somewhere Else | Read |",
            "resource-discovery-r01: unknown scope text 'Somewhere Else'",
            id="unknown-scope",
        ),
        pytest.param(
            "| `s3:GetObject` | Allow | All resources | Read |\n"
            "| `s3:GetObjekt` | Allow | All resources | Read |",
            "resource-discovery-r02: 's3:GetObjekt' matches no IAM action",
            id="unknown-action",
        ),
        pytest.param(
            "| `s3:GetObject` | Permit | All resources | Read |",
            "resource-discovery-r01: effect 'Permit'",
            id="unknown-effect",
        ),
        pytest.param(
            "| s3:GetObject | Allow | All resources | Read |",
            "resource-discovery-r01: expected `service:Action`",
            id="action-not-code",
        ),
        pytest.param(
            "| `s3:GetObject` | Allow | All resources |",
            "resource-discovery-r01: expected 4 cells, found 3",
            id="missing-cell",
        ),
        pytest.param(
            "| `s3:GetObject` | Allow | All resources | Read |",
            "found tables for ['resource-discovery']; expected one table per role",
            id="missing-tables",
        ),
    ],
)
def test_bad_pages_fail_naming_the_row(table: str, message: str) -> None:
    with pytest.raises(ContractError, match="^" + re.escape(message)):
        build_contract(_page(table), SMALL_CATALOG)


def test_unknown_data_store_fails() -> None:
    page = _page(
        "| `s3:GetObject` | Mainframe | All resources | Read |",
        header="| Permission | Data Store Type or Managed Policy | Scope | Purpose |",
    )

    with pytest.raises(ContractError, match="resource-discovery-r01: unknown data"):
        build_contract(page, SMALL_CATALOG)


def test_unknown_header_fails() -> None:
    page = _page(
        "| `s3:GetObject` | Allow | All resources | Read |",
        header="| Permission | Verdict | Scope | Purpose |",
    )

    with pytest.raises(ContractError, match="column 'Verdict'"):
        build_contract(page, SMALL_CATALOG)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        pytest.param("s3:GetObject", ["s3:GetObject"], id="literal"),
        pytest.param("S3:getobject", ["s3:GetObject"], id="any-case"),
        pytest.param("s3:*Object", ["s3:GetObject", "s3:PutObject"], id="star"),
        pytest.param("s3:?etObject", ["s3:GetObject"], id="question-mark"),
        pytest.param("*:Decrypt", ["kms:Decrypt"], id="star-service"),
        pytest.param("s3:Get", [], id="prefix-is-not-a-match"),
        pytest.param("GetObject", [], id="no-service"),
    ],
)
def test_matching_actions(pattern: str, expected: list[str]) -> None:
    assert matching_actions(pattern, SMALL_CATALOG) == expected


def test_main_reports_a_bad_seed_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.md"

    status = main([str(missing), str(tmp_path / "out.json")])

    error = capsys.readouterr().err
    assert status == 2
    assert error.count("\n") == 1
    assert "missing.md: expected a readable UTF-8 file" in error
    assert not (tmp_path / "out.json").exists()

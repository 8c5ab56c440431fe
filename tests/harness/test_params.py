"""Tests for dspm_iam.params: reading, checking and completing the parameters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.harness.cases import BAD_PARAMS_CASES

from dspm_iam.errors import ParamsError
from dspm_iam.params import ROLE_TYPES, check_role_type, fill_defaults, load_params
from dspm_iam.schemas import load_schema, validator

REPO = Path(__file__).resolve().parents[2]
BAD = REPO / "tests" / "data" / "bad" / "params"
ALL_STORES = [
    "dynamodb",
    "eventbridge",
    "rds",
    "s3",
    "bedrock",
    "workload",
    "unmanaged-database",
]
DEFAULT_ROLES = {
    "resource-discovery": ["*dspm*discovery*"],
    "access": ["*dspm*access*"],
    "orchestrator": ["*dspm*orchestrator*"],
    "scanner": ["*dspm*scanner*"],
    "target": ["*dspm*target*"],
    "put-evidence": ["*dspm*put*evidence*"],
    "get-evidence": ["*dspm*get*evidence*"],
}
DEFAULTS: dict[str, Any] = {
    "orchestrator_account_id": None,
    "dspm_tag": {"key": "ZscalerDSPM", "value": "true"},
    "evidence_bucket": None,
    "evidence_kms_key_arn": None,
    "export_bucket": None,
    "dspm_queue_arns": [],
    "vendor_principals": [],
    "external_id": None,
    "features": {
        "custom_network": False,
        "unmanaged_db": False,
        "bedrock_kms": False,
        "data_stores": ALL_STORES,
    },
    "roles": DEFAULT_ROLES,
}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def _schema_objects(schema: dict[str, Any], where: str = "") -> list[tuple[str, Any]]:
    found = [(where or "(top level)", schema)]
    for key, sub in schema.get("properties", {}).items():
        found += _schema_objects(sub, f"{where}.{key}".lstrip("."))
    return found


def test_no_file_gives_every_default() -> None:
    assert load_params(None) == DEFAULTS


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty-file"),
        pytest.param("# only a comment\n", id="comment-only"),
        pytest.param("{}\n", id="empty-mapping"),
    ],
)
def test_empty_file_gives_every_default(tmp_path: Path, text: str) -> None:
    assert load_params(_write(tmp_path, "params.yaml", text)) == DEFAULTS


@pytest.mark.parametrize(
    ("text", "changed"),
    [
        pytest.param(
            "features: {bedrock_kms: true}\n",
            {"features": {**DEFAULTS["features"], "bedrock_kms": True}},
            id="partial-features",
        ),
        pytest.param(
            "features: {data_stores: [s3]}\n",
            {"features": {**DEFAULTS["features"], "data_stores": ["s3"]}},
            id="partial-data-stores",
        ),
        pytest.param(
            "roles: {target: ['acme-*-target']}\n",
            {"roles": {**DEFAULT_ROLES, "target": ["acme-*-target"]}},
            id="partial-roles",
        ),
        pytest.param(
            "dspm_tag: {key: Owner}\n",
            {"dspm_tag": {"key": "Owner", "value": "true"}},
            id="partial-tag",
        ),
        pytest.param(
            'orchestrator_account_id: "012345678901"\nexternal_id: abc\n',
            {"orchestrator_account_id": "012345678901", "external_id": "abc"},
            id="scalars",
        ),
        pytest.param(
            json.dumps({"dspm_queue_arns": ["arn:aws:sqs:us-east-1:1:q"]}),
            {"dspm_queue_arns": ["arn:aws:sqs:us-east-1:1:q"]},
            id="json-file",
        ),
    ],
)
def test_given_values_are_kept_and_the_rest_filled(
    tmp_path: Path, text: str, changed: dict[str, Any]
) -> None:
    assert load_params(_write(tmp_path, "params.yaml", text)) == {
        **DEFAULTS,
        **changed,
    }


@pytest.mark.parametrize(("name", "expected"), BAD_PARAMS_CASES)
def test_bad_params_file(name: str, expected: str) -> None:
    path = BAD / name

    with pytest.raises(ParamsError) as caught:
        load_params(path)

    assert str(caught.value) == f"{path}: {expected}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "- s3\n", "(top level): expected a mapping, found a list", id="a-list"
        ),
        pytest.param(
            "orchestrator_account_id: 111111111111\n",
            "orchestrator_account_id: expected a string or null, found "
            "111111111111 (quote it in YAML to make it a string)",
            id="unquoted-account-id",
        ),
        pytest.param(
            "dspm_tag: {value: true}\n",
            "dspm_tag.value: expected a string, found true "
            "(quote it in YAML to make it a string)",
            id="unquoted-tag-value",
        ),
        pytest.param(
            "features: {data_stores: [s3, redshift]}\n",
            "features.data_stores[1]: expected one of "
            + ", ".join(ALL_STORES)
            + ', found "redshift"',
            id="unknown-data-store",
        ),
        pytest.param(
            "roles: {target: ['']}\n",
            'roles.target[0]: expected a non-empty string, found ""',
            id="empty-glob",
        ),
        pytest.param(
            "vendor_principals: ['999999999999']\n",
            "vendor_principals[0]: expected a string matching ^arn:aws[a-z-]*:, "
            'found "999999999999"',
            id="principal-not-an-arn",
        ),
        pytest.param(
            "features: {colour: true}\n",
            "features.colour: unknown key; expected one of custom_network, "
            "unmanaged_db, bedrock_kms, data_stores",
            id="unknown-nested-key",
        ),
    ],
)
def test_params_failing_the_schema(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path, "params.yaml", text)

    with pytest.raises(ParamsError) as caught:
        load_params(path)

    assert str(caught.value) == f"{path}: {expected}"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        pytest.param(
            "absent.yaml",
            None,
            "expected a readable parameters file (No such file or directory)",
            id="absent",
        ),
        pytest.param(
            "latin1.yaml",
            b"external_id: caf\xe9\n",
            "expected UTF-8 text (invalid continuation byte)",
            id="not-utf8",
        ),
    ],
)
def test_unreadable_params_file(
    tmp_path: Path, name: str, content: bytes | None, expected: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(ParamsError) as caught:
        load_params(path)

    assert str(caught.value) == f"{path}: {expected}"


@pytest.mark.parametrize(
    "role_type", [pytest.param(name, id=name) for name in (*ROLE_TYPES, None)]
)
def test_known_role_types_pass(role_type: str | None) -> None:
    check_role_type(role_type)


def test_unknown_role_type_names_the_valid_ones() -> None:
    with pytest.raises(ParamsError) as caught:
        check_role_type("scaner")

    assert str(caught.value) == (
        "role type 'scaner': expected one of " + ", ".join(ROLE_TYPES)
    )


def test_role_types_are_the_schema_keys() -> None:
    roles = load_schema("params")["properties"]["roles"]

    assert tuple(roles["properties"]) == ROLE_TYPES
    assert roles["additionalProperties"] is False


@pytest.mark.parametrize(
    ("where", "schema"),
    [
        pytest.param(where, schema, id=where)
        for where, schema in _schema_objects(load_schema("params"))
    ],
)
def test_every_schema_property_is_documented_and_defaulted(
    where: str, schema: dict[str, Any]
) -> None:
    assert schema.get("description"), f"{where} has no description"
    assert "default" in schema, f"{where} has no default"
    if schema.get("type") == "object":
        assert schema.get("additionalProperties") is False, where
        filled = fill_defaults(schema, schema["default"])
        assert fill_defaults(schema, {}) == filled, where


def test_defaults_satisfy_the_schema() -> None:
    assert list(validator("params").iter_errors(DEFAULTS)) == []


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(path, id=path.name)
        for path in sorted(
            [
                *(REPO / "tests" / "data" / "params").glob("*.yaml"),
                *(REPO / "examples").rglob("params*.yaml"),
            ]
        )
    ],
)
def test_shipped_params_files_load(path: Path) -> None:
    params = load_params(path)

    assert set(params) == set(DEFAULTS)

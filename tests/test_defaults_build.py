"""The parameters' defaults stored as bundle data, and their builder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dspm_iam.defaults_build import build_defaults, main, read_schema
from dspm_iam.params import load_params

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "schemas" / "params.schema.json"
DEFAULTS = REPO / "policy" / "dspm" / "defaults" / "data.json"


def test_committed_defaults_match_the_schema(tmp_path: Path) -> None:
    out = tmp_path / "data.json"

    assert main([str(SCHEMA), str(out)]) == 0
    assert out.read_text("utf-8") == DEFAULTS.read_text("utf-8")


def test_defaults_are_what_the_harness_fills_in() -> None:
    stored = json.loads(DEFAULTS.read_text("utf-8"))

    assert stored == {"params": load_params(None)}


def test_a_changed_schema_default_changes_the_data(tmp_path: Path) -> None:
    schema = json.loads(SCHEMA.read_text("utf-8"))
    schema["properties"]["dspm_tag"]["default"]["key"] = "OtherTag"
    changed = tmp_path / "params.schema.json"
    changed.write_text(json.dumps(schema), "utf-8")
    out = tmp_path / "data.json"

    assert main([str(changed), str(out)]) == 0
    assert out.read_text("utf-8") != DEFAULTS.read_text("utf-8")
    assert json.loads(out.read_text("utf-8"))["params"]["dspm_tag"] == {
        "key": "OtherTag",
        "value": "true",
    }


def test_nested_defaults_are_filled() -> None:
    schema = {
        "properties": {
            "outer": {
                "type": "object",
                "default": {},
                "properties": {"inner": {"default": 3}},
            },
            "plain": {"type": "string"},
        }
    }

    assert build_defaults(schema) == {"params": {"outer": {"inner": 3}}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(None, "expected a readable schema file", id="missing"),
        pytest.param("{", "expected JSON", id="not-json"),
        pytest.param("[]", "expected a schema object with 'properties'", id="list"),
        pytest.param("{}", "found no 'properties' object", id="no-properties"),
    ],
)
def test_bad_schema_is_one_line_naming_the_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str | None,
    expected: str,
) -> None:
    schema = tmp_path / "params.schema.json"
    if text is not None:
        schema.write_text(text, "utf-8")

    assert main([str(schema), str(tmp_path / "out.json")]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"defaults_build: error: {schema}: ")
    assert expected in error
    assert error.count("\n") == 1
    assert not (tmp_path / "out.json").exists()


def test_read_schema_returns_the_object() -> None:
    assert read_schema(SCHEMA)["$id"] == "urn:dspm-iam:schemas:params"

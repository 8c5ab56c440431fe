"""Read the deployment parameters, check them against their schema, fill defaults."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

import yaml
from jsonschema import ValidationError
from jsonschema.exceptions import best_match

from dspm_iam.errors import ParamsError
from dspm_iam.schemas import load_schema, validator

logger = logging.getLogger(__name__)

ROLE_TYPES = (
    "resource-discovery",
    "access",
    "orchestrator",
    "scanner",
    "target",
    "put-evidence",
    "get-evidence",
)

_JSON_TYPES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "boolean": "true or false",
    "integer": "an integer",
    "number": "a number",
    "null": "null",
}


def load_params(path: Path | None) -> dict[str, Any]:
    """Read parameters from a YAML or JSON file (None: all defaults), completed."""
    raw = {} if path is None else _read(path)
    checker = validator("params")
    error = best_match(checker.iter_errors(raw))
    if error is not None:
        raise ParamsError(f"{path}: {schema_problem(error)}")

    params: dict[str, Any] = fill_defaults(load_schema("params"), raw)
    logger.debug("parameters: %s", json.dumps(params, sort_keys=True))
    return params


def check_role_type(role_type: str | None) -> None:
    """Raise ParamsError unless role_type is None or a known DSPM role type."""
    if role_type is not None and role_type not in ROLE_TYPES:
        raise ParamsError(
            f"role type {role_type!r}: expected one of {', '.join(ROLE_TYPES)}"
        )


def fill_defaults(schema: dict[str, Any], value: Any) -> Any:
    """Return value with every missing property set to its schema default, deeply."""
    if not isinstance(value, dict):
        return copy.deepcopy(value)

    properties: dict[str, dict[str, Any]] = schema.get("properties", {})
    filled = {key: copy.deepcopy(item) for key, item in value.items()}
    for key, subschema in properties.items():
        if key not in filled and "default" in subschema:
            filled[key] = copy.deepcopy(subschema["default"])
        if key in filled:
            filled[key] = fill_defaults(subschema, filled[key])
    return filled


def _read(path: Path) -> Any:
    try:
        text = path.read_text("utf-8")
    except OSError as error:
        reason = error.strerror or str(error)
        raise ParamsError(
            f"{path}: expected a readable parameters file ({reason})"
        ) from None
    except UnicodeDecodeError as error:
        raise ParamsError(f"{path}: expected UTF-8 text ({error.reason})") from None

    # Limitation: a key repeated in the YAML keeps its last value without a
    # word, as PyYAML reads it; a loader that rejects duplicates would lift this.
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ParamsError(
            f"{path}: expected YAML or JSON ({yaml_problem(error)})"
        ) from None
    return {} if raw is None else raw


def yaml_problem(error: yaml.YAMLError) -> str:
    """Where YAML failed to parse and why, on one line."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return f"line {mark.line + 1} column {mark.column + 1}: {error.problem}"
    return str(error).replace("\n", " ")


def schema_problem(error: ValidationError) -> str:
    """A schema error in words: the key path, then what was expected and found."""
    parts = list(error.absolute_path)
    if error.validator == "additionalProperties":
        return _unknown_keys(error, parts)
    return f"{_key_path(parts)}: {_expectation(error)}"


def _key_path(parts: list[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.removeprefix(".") or "(top level)"


def _expectation(error: ValidationError) -> str:
    value: Any = error.validator_value
    if error.validator == "type":
        return _type_mismatch(value, error.instance)
    if error.validator in ("required", "anyOf"):
        return f"expected {_missing_keys(error)}, found none"

    if error.validator == "enum":
        wanted = "one of " + ", ".join(str(choice) for choice in value)
    elif error.validator == "pattern":
        wanted = f"a string matching {value}"
    elif error.validator == "minLength":
        wanted = "a non-empty string"
    elif error.validator == "uniqueItems":
        wanted = "no repeated items"
    else:
        return f"expected {error.message}"
    return f"expected {wanted}, found {_describe(error.instance)}"


def _missing_keys(error: ValidationError) -> str:
    """The key a required rule, or the keys an anyOf of required rules, asks for."""
    value: Any = error.validator_value
    instance: Any = error.instance
    if error.validator == "required":
        missing = [key for key in value if key not in instance]
        return f"the key {', '.join(missing)}"
    keys = [key for choice in value for key in choice.get("required", [])]
    return f"one of the keys {', '.join(keys)}"


def _unknown_keys(error: ValidationError, parts: list[str | int]) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    allowed = list(schema.get("properties", {}))
    instance: Any = error.instance
    unknown = [_key_path([*parts, str(key)]) for key in instance if key not in allowed]
    what = "role type" if parts == ["roles"] else "key"
    return f"{', '.join(unknown)}: unknown {what}; expected one of {', '.join(allowed)}"


def _type_mismatch(expected: str | list[str], instance: Any) -> str:
    names = [expected] if isinstance(expected, str) else expected
    words = " or ".join(_JSON_TYPES.get(name, name) for name in names)
    hint = ""
    if "string" in names and isinstance(instance, bool | int | float):
        hint = " (quote it in YAML to make it a string)"
    return f"expected {words}, found {_describe(instance)}{hint}"


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return json.dumps(value, default=str)

"""Check IAM policy documents for the minimal shape the bundle relies on.

Every source reader hands its documents through policy_document: the bundle
normalises what is written, so only what would make it misread a document is
refused here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from dspm_iam.errors import InputError

_STRING_OR_LIST = ("Action", "NotAction", "Resource", "NotResource")


def policy_document(value: Any, source: str, where: str) -> dict[str, Any]:
    """A policy document (an object or a JSON string) checked for its minimal shape."""
    document = _decoded(value, source, where)
    problem = _shape_problem(document)
    if problem is not None:
        raise InputError(f"{source}: {where}: {problem}")

    checked: dict[str, Any] = document
    return checked


def _decoded(value: Any, source: str, where: str) -> Any:
    if not isinstance(value, str):
        return value

    text = value if value.lstrip().startswith("{") else unquote(value)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{source}: {where}: expected a policy document as a JSON object or "
            f"a URL-encoded JSON string (line {error.lineno} column {error.colno}: "
            f"{error.msg})"
        ) from None


def _shape_problem(document: Any) -> str | None:
    if not isinstance(document, dict):
        return f"expected a policy document (an object), found {describe(document)}"
    if "Statement" not in document:
        return "expected a policy document with a Statement, found none"

    statements = document["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        return (
            "expected Statement to be an object or a list of objects, "
            f"found {describe(statements)}"
        )

    for position, statement in enumerate(statements):
        problem = _statement_problem(statement)
        if problem is not None:
            return f"statement {position}{_sid(statement)}: {problem}"
    return None


def _statement_problem(statement: Any) -> str | None:
    if not isinstance(statement, dict):
        return f"expected an object, found {describe(statement)}"
    if statement.get("Effect") not in ("Allow", "Deny"):
        found = describe(statement["Effect"]) if "Effect" in statement else "no Effect"
        return f"expected Effect Allow or Deny, found {found}"

    present = [key for key in ("Action", "NotAction") if key in statement]
    if len(present) != 1:
        found = "both" if present else "neither"
        return f"expected one of Action or NotAction, found {found}"

    for key in _STRING_OR_LIST:
        if key in statement and not _string_or_strings(statement[key]):
            return (
                f"expected {key} to be a string or a list of strings, "
                f"found {describe(statement[key])}"
            )
    return None


def _sid(statement: Any) -> str:
    sid = statement.get("Sid") if isinstance(statement, dict) else None
    return f" ({sid})" if isinstance(sid, str) and sid else ""


def _string_or_strings(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def describe(
    value: Any, *, mapping: str = "JSON object", sequence: str = "JSON list"
) -> str:
    """What a value is, in words, for error messages; mapping and sequence
    name objects and lists as the source's format calls them."""
    if isinstance(value, dict):
        keys = sorted(str(key) for key in value)
        shown = ", ".join(keys[:5]) + (", ..." if len(keys) > 5 else "")
        return f"a {mapping} with keys {shown}" if keys else f"an empty {mapping}"
    if isinstance(value, list):
        return f"a {sequence}"
    if isinstance(value, str):
        return f"the string {json.dumps(value[:40])}"
    return f"the value {json.dumps(value)}"


def object_list(container: dict[str, Any], key: str, where: str) -> list[Any]:
    """container[key] as a list of objects, empty when the key is absent."""
    value = container.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InputError(
            f"{where}: expected {key} to be a list of objects, found {describe(value)}"
        )
    return value


def required_text(container: dict[str, Any], key: str, where: str) -> str:
    """container[key] as a non-empty string."""
    value = container.get(key)
    if not isinstance(value, str) or not value:
        found = describe(value) if key in container else f"no {key}"
        raise InputError(f"{where}: expected {key} as a string, found {found}")
    return value


def read_text(path: Path) -> str:
    """A file's text, UTF-8 with or without a byte-order mark."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        reason = error.strerror or str(error)
        raise InputError(f"{path}: expected a readable file ({reason})") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: expected UTF-8 text ({error.reason})") from None


def parse_json(name: str, text: str) -> Any:
    """The JSON value of a text read from name."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{name}: expected JSON (line {error.lineno} column {error.colno}: "
            f"{error.msg})"
        ) from None

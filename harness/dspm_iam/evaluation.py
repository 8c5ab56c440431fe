"""Ask the bundle for the report of one input document.

The bundle decides every verdict; this module decides only what the engine is
sent. It asks first which roles the checks look at, sending each role reduced
to its identity, then sends the policies of those roles alone: a large
account's other roles cost the engine no more than their names.

Both questions go to one query, data.dspm.report.answer, with input.ask
saying which answer is wanted: OPA prepares each distinct query once, and
preparing costs more than evaluating a small document.
"""

from __future__ import annotations

from typing import Any

from dspm_iam.engines import Engine
from dspm_iam.errors import EngineError
from dspm_iam.report import build_report, metadata_fields

ANSWER_PATH = "dspm.report.answer"
# What the bundle reads of a role it does not check: enough to classify it and
# to list it in the report. The empty policies keep it a role of the input
# schema.
IDENTITY_KEYS = ("name", "role_type", "arn", "account", "source", "location")
_UNREAD: dict[str, Any] = {
    "trust_policy": None,
    "permissions_boundary": None,
    "policies": [],
}


def evaluate_report(engine: Engine, document: dict[str, Any]) -> dict[str, Any]:
    """The report for one input document, its metadata included."""
    roles = document["roles"]
    identities = [identity(role) for role in roles]
    overview = engine.document(ANSWER_PATH, overview_input(document, identities))
    checked, metadata = _read_overview(overview, len(roles))
    trimmed = [
        role if index in checked else reduced
        for index, (role, reduced) in enumerate(zip(roles, identities, strict=True))
    ]
    result = engine.document(ANSWER_PATH, {**document, "roles": trimmed})
    if not isinstance(result, dict):
        raise EngineError(f"data.{ANSWER_PATH}: expected the report's result")
    return build_report(result, metadata_fields(engine, metadata))


def warm(engine: Engine, params: dict[str, Any]) -> None:
    """Prepare the engine's one query, on a document without roles."""
    empty = {"params": params, "options": {}, "sources": [], "roles": []}
    engine.document(ANSWER_PATH, overview_input(empty, []))


def identity(role: dict[str, Any]) -> dict[str, Any]:
    """The role as the bundle sees a role it does not check."""
    return {**{key: role[key] for key in IDENTITY_KEYS if key in role}, **_UNREAD}


def overview_input(
    document: dict[str, Any], identities: list[dict[str, Any]]
) -> dict[str, Any]:
    """The document that asks for the overview of these roles."""
    return {
        "ask": "overview",
        "params": document["params"],
        "options": document["options"],
        "sources": [],
        "roles": identities,
    }


def _read_overview(overview: Any, total: int) -> tuple[set[int], dict[str, Any]]:
    """The checked role indexes and the metadata of the overview."""
    if not isinstance(overview, dict):
        raise EngineError(f"data.{ANSWER_PATH}: expected the overview, an object")
    checked = overview.get("checked")
    if not isinstance(checked, list) or not all(
        isinstance(index, int) and 0 <= index < total for index in checked
    ):
        raise EngineError(
            f"data.{ANSWER_PATH}: expected checked, a list of indexes below {total}"
        )
    metadata = overview.get("metadata")
    if not isinstance(metadata, dict):
        raise EngineError(f"data.{ANSWER_PATH}: expected metadata, an object")
    return set(checked), metadata

"""Read the waiver file (--waivers) and the baseline report (--baseline).

Both only travel to the bundle: it decides which findings a waiver accepts,
which waivers expired or match nothing, and which findings are new since the
baseline. This module checks their shape, names every waiver and records
the line it is written on.
"""

from __future__ import annotations

import datetime
import json
import logging
from pathlib import Path
from typing import Any

import yaml
from jsonschema import ValidationError
from jsonschema.exceptions import best_match

from dspm_iam.errors import InputError
from dspm_iam.params import schema_problem, yaml_problem
from dspm_iam.schemas import validator

logger = logging.getLogger(__name__)


def load_waivers(path: Path) -> list[dict[str, Any]]:
    """The waivers of a YAML or JSON file, each with its id and location."""
    text = _read(path, "waiver file")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InputError(
            f"{path}: expected YAML or JSON ({yaml_problem(error)})"
        ) from None

    raw = _dates_as_text(raw)
    lines = _entry_lines(node)
    problem = best_match(validator("waivers").iter_errors(raw))
    if problem is not None:
        where = _line_of(problem, lines)
        raise InputError(f"{path}: {where}{schema_problem(problem)}")

    waivers = [
        _named(entry, position, path, lines)
        for position, entry in enumerate(raw["waivers"])
    ]
    _check_unique(path, waivers)
    logger.info("%s: %d waivers", path, len(waivers))
    return waivers


def load_baseline(path: Path) -> dict[str, Any]:
    """The findings of an earlier JSON report, as the bundle's baseline input."""
    text = _read(path, "JSON report")
    try:
        report = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path}: expected a JSON report of dspm-iam (line {error.lineno} "
            f"column {error.colno}: {error.msg})"
        ) from None

    findings = report.get("findings") if isinstance(report, dict) else None
    if not isinstance(findings, list) or not all(isinstance(f, dict) for f in findings):
        raise InputError(
            f"{path}: expected a JSON report of dspm-iam (check --format json) "
            "with a findings list"
        )
    return {"source": str(path), "findings": findings}


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text("utf-8")
    except OSError as error:
        reason = error.strerror or str(error)
        raise InputError(f"{path}: expected a readable {what} ({reason})") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: expected UTF-8 text ({error.reason})") from None


def _dates_as_text(value: Any) -> Any:
    """YAML reads an unquoted 2027-01-31 as a date; the schema wants the text."""
    if isinstance(value, dict):
        return {key: _dates_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(item) for item in value]
    if isinstance(value, datetime.date):
        return value.isoformat()[:10]
    return value


def _entry_lines(node: yaml.Node | None) -> list[int]:
    """The 1-based line of each entry of the waivers list."""
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if key.value == "waivers" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _line_of(error: ValidationError, lines: list[int]) -> str:
    """'line N: ' for an error inside the Nth-line entry of the waivers list."""
    parts = list(error.absolute_path)
    if len(parts) > 1 and isinstance(parts[1], int) and parts[1] < len(lines):
        return f"line {lines[parts[1]]}: "
    return ""


def _named(
    entry: dict[str, Any], position: int, path: Path, lines: list[int]
) -> dict[str, Any]:
    line = lines[position] if position < len(lines) else None
    return {
        "id": f"waiver-{position + 1}",
        **entry,
        "location": {"file": str(path), "line": line, "logical": None},
    }


def _check_unique(path: Path, waivers: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for waiver in waivers:
        if waiver["id"] in seen:
            raise InputError(
                f"{path}: line {waiver['location']['line']}: expected a waiver id "
                f"used once, found {waiver['id']} again"
            )
        seen.add(waiver["id"])

"""Join the JSON reports of shards into the report of one run over them all.

The bundle orders the joined findings and roles and recomputes the summary and
the verdict (data.dspm.report.merge.result); this module reads the reports,
checks that they belong together and joins their collection sections.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dspm_iam.engines import Engine
from dspm_iam.errors import EngineError, InputError
from dspm_iam.report import build_report
from dspm_iam.schemas import validator

logger = logging.getLogger(__name__)

MERGE_PATH = "dspm.report.merge.result"
METADATA_KEYS = ("tool", "engine", "bundle", "catalog", "contract", "checks")
_RESULT_KEYS = ("summary", "roles", "findings")
_JOINED_KEYS = (*METADATA_KEYS, *_RESULT_KEYS, "shard", "collection")
_COLLECTION_LISTS = ("failed", "skipped", "scps_unreadable")
_COLLECTION_COUNTS = ("selected", "collected", "failed", "skipped")


def read_reports(paths: Sequence[Path]) -> list[tuple[str, dict[str, Any]]]:
    """Read and validate each JSON report; (path, report) in the order given."""
    return [(str(path), read_report(path)) for path in paths]


def merge_reports(
    engine: Engine, reports: Sequence[tuple[str, dict[str, Any]]]
) -> dict[str, Any]:
    """The report one run over every shard's inputs would have written."""
    if not reports:
        raise InputError("merge: expected at least one report")
    for name, report in reports:
        _check_sections(name, report)
    first_name, first = reports[0]
    for name, report in reports[1:]:
        _check_same_run(first_name, first, name, report)
    _check_shards(reports)
    _check_disjoint(reports)

    result = engine.document(MERGE_PATH, _merge_input(reports))
    if not isinstance(result, dict):
        raise EngineError(f"data.{MERGE_PATH}: expected an object")
    merged = build_report(result, {key: first[key] for key in METADATA_KEYS})

    collections = [
        report["collection"] for _, report in reports if "collection" in report
    ]
    if collections:
        merged["collection"] = merge_collections(collections)
    logger.info("merged %d reports: %d findings", len(reports), len(merged["findings"]))
    return merged


def merge_collections(collections: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Join collection sections: complete only if all are, counts added, lists
    joined and ordered by account."""
    return {
        "complete": all(collection["complete"] for collection in collections),
        "accounts": {
            key: sum(collection["accounts"][key] for collection in collections)
            for key in _COLLECTION_COUNTS
        },
        **{
            key: sorted(
                (entry for collection in collections for entry in collection[key]),
                key=lambda entry: (entry["account"], json.dumps(entry, sort_keys=True)),
            )
            for key in _COLLECTION_LISTS
        },
    }


def read_report(path: Path) -> dict[str, Any]:
    """Read one JSON report of dspm-iam and check it against the report schema."""
    try:
        report = json.loads(path.read_text("utf-8"))
    except OSError as error:
        reason = error.strerror or str(error)
        raise InputError(f"{path}: expected a readable file ({reason})") from None
    except ValueError as error:
        raise InputError(f"{path}: expected a JSON report ({error})") from None

    problem = next(iter(validator("report").iter_errors(report)), None)
    if problem is not None:
        where = "/".join(str(part) for part in problem.absolute_path) or "the report"
        raise InputError(
            f"{path}: expected a dspm-iam JSON report ({where}: {problem.message})"
        )
    result: dict[str, Any] = report
    return result


def _check_sections(name: str, report: dict[str, Any]) -> None:
    unknown = sorted(set(report) - set(_JOINED_KEYS))
    if unknown:
        raise InputError(
            f"{name}: merge cannot join the section {', '.join(unknown)}; "
            f"expected only {', '.join(_JOINED_KEYS)}"
        )


def _check_same_run(
    first_name: str, first: dict[str, Any], name: str, report: dict[str, Any]
) -> None:
    """Reports merge only when the same tool, engine, bundle and threshold made them."""
    for key in METADATA_KEYS:
        if report[key] != first[key]:
            raise InputError(
                f"{name}: expected the same {key} as {first_name}: "
                f"{_short(report[key])} differs from {_short(first[key])}"
            )
    if report["summary"]["fail_on"] != first["summary"]["fail_on"]:
        raise InputError(
            f"{name}: expected --fail-on {first['summary']['fail_on']} as in "
            f"{first_name}, found {report['summary']['fail_on']}"
        )


def _check_shards(reports: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """Shard reports must be every shard of one split, each once."""
    shards = [(name, report.get("shard")) for name, report in reports]
    if all(shard is None for _, shard in shards):
        return
    missing = [name for name, shard in shards if shard is None]
    if missing:
        raise InputError(
            f"{missing[0]}: expected a shard report (check --shard I/N) like the others"
        )

    counts = {shard["count"] for _, shard in shards if shard is not None}
    if len(counts) > 1:
        raise InputError(
            "merge: expected shards of one split, found counts "
            + ", ".join(str(count) for count in sorted(counts))
        )
    _check_each_shard_once(shards, counts.pop())


def _check_each_shard_once(shards: list[tuple[str, Any]], count: int) -> None:
    seen: dict[int, str] = {}
    for name, shard in shards:
        index = shard["index"]
        if index in seen:
            raise InputError(
                f"{name}: shard {index}/{count} is also in {seen[index]}; "
                "expected each shard once"
            )
        seen[index] = name
    absent = [index for index in range(1, count + 1) if index not in seen]
    if absent:
        raise InputError(
            f"merge: expected all {count} shards; missing shard "
            + ", ".join(f"{index}/{count}" for index in absent)
        )


def _check_disjoint(reports: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """A role may be in one report only, or the merge would count it twice."""
    owner: dict[tuple[Any, ...], int] = {}
    for position, (name, report) in enumerate(reports):
        for role in report["roles"]:
            key = (role["account"], role["name"], role["source"], role["arn"])
            first = owner.setdefault(key, position)
            if first != position:
                raise InputError(
                    f"{name}: role {role['name']} from {role['source']} is also in "
                    f"{reports[first][0]}; expected reports of disjoint shards"
                )


def _merge_input(reports: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    checks = {check for _, report in reports for check in report["summary"]["by_check"]}
    return {
        "findings": [
            finding for _, report in reports for finding in report["findings"]
        ],
        "roles": [role for _, report in reports for role in report["roles"]],
        "checks": sorted(checks),
        "fail_on": reports[0][1]["summary"]["fail_on"],
    }


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."

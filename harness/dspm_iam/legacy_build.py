"""List the actions AWS's own managed policies name but the catalog lacks.

Run as ``python -m dspm_iam.legacy_build MANAGED_POLICIES.json OUT.json``
(`make legacy`). Such actions were removed or renamed by AWS, or the catalog
has not caught up: the unknown-action check uses the list to tell them from
typos. Which actions the catalog knows is decided by the bundle's own Rego.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dspm_iam.build_cli import build_parser, run_build
from dspm_iam.bundle import load_bundle
from dspm_iam.engine import EmbeddedEngine
from dspm_iam.errors import InputError

SOURCE = (
    "iann0036/iam-dataset aws/managedpolicies (MIT License, Copyright (c) 2021 "
    "Ian Mckay): actions named in AWS managed policies"
)
UNKNOWN = (
    "x := [action | some action in input.actions; not data.dspm.lib.iam.known(action)]"
)


def named_actions(policies: list[dict[str, Any]]) -> list[str]:
    """Every Action and NotAction entry of the policies, once each."""
    names: set[str] = set()
    for policy in policies:
        statements = policy.get("document", {}).get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            for key in ("Action", "NotAction"):
                value = statement.get(key, [])
                names.update([value] if isinstance(value, str) else value)
    return sorted(names)


def unknown_actions(actions: list[str], policy: Path) -> list[str]:
    """The actions that match nothing in the bundle's catalog, lower-case."""
    engine = EmbeddedEngine(load_bundle(policy))
    try:
        rows = engine.query(UNKNOWN, {"actions": actions})
    finally:
        engine.close()
    return sorted({str(action).lower() for action in rows})


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: read the managed policies, write the legacy list."""
    parser = build_parser("legacy_build", __doc__)
    parser.add_argument("managed", type=Path, help="managed_policies_compact.json")
    parser.add_argument("output", type=Path, help="the data file to write")
    parser.add_argument("--policy", type=Path, default=Path("policy"))
    args = parser.parse_args(argv)

    def build() -> None:
        policies = _read(args.managed)
        legacy = unknown_actions(named_actions(policies), args.policy)
        document = {"source": SOURCE, "actions": legacy}
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(document, indent=0) + "\n", "utf-8")

    return run_build("legacy_build", args.verbose, build)


def _read(path: Path) -> list[dict[str, Any]]:
    try:
        policies = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(
            f"{path}: expected the managed policies JSON ({error})"
        ) from None
    if not isinstance(policies, list):
        raise InputError(f"{path}: expected a list of managed policies")
    return policies


if __name__ == "__main__":
    sys.exit(main())

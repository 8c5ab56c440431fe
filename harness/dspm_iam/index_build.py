"""Compile the contract's wildcard expansions into bundle data (`make index`).

Expanding every contract row against the catalog, and listing every action
of the catalog (the complement a NotAction statement is taken from), are the
same work on every evaluation; the engine does them once here and the result
is stored as `data.dspm.index`. A Rego unit test compares the stored index
with a fresh expansion and listing, so a stale index fails the tests.
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

EXPANDED_ROWS = "dspm.lib.contract.expanded_rows"
CATALOG_ACTIONS = "dspm.lib.iam.catalog_actions"


def build_index(policy: Path) -> dict[str, Any]:
    """Evaluate the contract's expansions with the bundle at policy."""
    engine = EmbeddedEngine(load_bundle(policy))
    try:
        catalog = engine.document("dspm.catalog.version")
        rows = engine.document(EXPANDED_ROWS)
        actions = engine.document(CATALOG_ACTIONS)
    finally:
        engine.close()
    return {"catalog_version": catalog, "row_actions": rows, "all_actions": actions}


def write_index(index: dict[str, Any], target: Path) -> None:
    """Write the index as compact, deterministic JSON."""
    lines = [
        "{",
        f'"catalog_version": {json.dumps(index["catalog_version"])},',
        '"row_actions": {',
    ]
    rows = sorted(index["row_actions"].items())
    for number, (row_id, actions) in enumerate(rows):
        comma = "," if number < len(rows) - 1 else ""
        lines.append(f"{json.dumps(row_id)}: {json.dumps(actions)}{comma}")
    lines += ["},", '"all_actions": [']
    actions = index["all_actions"]
    lines += [
        f"{json.dumps(action)}{',' if number < len(actions) - 1 else ''}"
        for number, action in enumerate(actions)
    ]
    lines += ["]", "}"]

    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n", "utf-8")


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Per contract row, the actions its patterns newly cover or no longer cover."""
    lines = []
    before, after = old.get("row_actions", {}), new["row_actions"]
    for row_id in sorted(after):
        added = sorted(set(after[row_id]) - set(before.get(row_id, [])))
        removed = sorted(set(before.get(row_id, [])) - set(after[row_id]))
        if added:
            lines.append(f"{row_id}: now also covers {', '.join(added)}")
        if removed:
            lines.append(f"{row_id}: no longer covers {', '.join(removed)}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: python -m dspm_iam.index_build POLICY_DIR OUT.json."""
    parser = build_parser("index_build", __doc__)
    parser.add_argument("policy", type=Path, help="the bundle directory")
    parser.add_argument("output", type=Path, help="the index data file to write")
    args = parser.parse_args(argv)

    def build() -> None:
        old = (
            json.loads(args.output.read_text("utf-8")) if args.output.is_file() else {}
        )
        index = build_index(args.policy)
        write_index(index, args.output)
        print(
            f"contract expanded with catalog {index['catalog_version']} "
            f"(was {old.get('catalog_version', 'none')})"
        )
        for line in changes(old, index):
            print(line)

    return run_build("index_build", args.verbose, build)


if __name__ == "__main__":
    sys.exit(main())

"""The benchmark's floor: parse a dump and walk every policy statement once.

Uses orjson when the interpreter has it, else the standard json module, and
prints the parser's name and the number of statements and action entries.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

try:
    import orjson  # type: ignore[import-not-found, unused-ignore]

    PARSER = "orjson"
    _loads: Callable[[bytes], Any] = orjson.loads
except ImportError:  # pragma: no cover - depends on the environment
    import json

    PARSER = "json"
    _loads = json.loads


def documents(dump: dict[str, Any]) -> Iterator[Any]:
    """Every trust, inline and managed policy version document of the dump."""
    for role in dump.get("RoleDetailList", []):
        yield role.get("AssumeRolePolicyDocument")
        for policy in role.get("RolePolicyList", []):
            yield policy.get("PolicyDocument")
    for policy in dump.get("Policies", []):
        for version in policy.get("PolicyVersionList", []):
            yield version.get("Document")


def walk(dump: dict[str, Any]) -> tuple[int, int]:
    """The number of statements and of Action or NotAction entries."""
    statements = entries = 0
    for document in documents(dump):
        parsed = _loads(document.encode()) if isinstance(document, str) else document
        found = parsed.get("Statement", []) if parsed else []
        for statement in [found] if isinstance(found, dict) else found:
            statements += 1
            actions: Any = statement.get("Action", statement.get("NotAction", []))
            entries += 1 if isinstance(actions, str) else len(actions)
    return statements, entries


def main() -> int:
    """Parse the dump named on the command line and walk it."""
    dump = _loads(Path(sys.argv[1]).read_bytes())
    statements, entries = walk(dump)
    print(f"{PARSER}: {statements} statements, {entries} action entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run Parliament over every inline and managed policy document of a dump.

Runs inside the benchmark environment (`.bench-venv`), where Parliament is
installed. Managed policies are analysed once each, in their default version;
trust policies are not policies Parliament audits. Prints the number of
policies, findings and policies Parliament could not analyse.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from parliament import analyze_policy_string  # type: ignore[import-not-found, unused-ignore]


def policies(dump: dict[str, Any]) -> Iterator[Any]:
    """Every inline policy and every managed policy's default version document."""
    for role in dump.get("RoleDetailList", []):
        for policy in role.get("RolePolicyList", []):
            yield policy.get("PolicyDocument")
    for policy in dump.get("Policies", []):
        for version in policy.get("PolicyVersionList", []):
            if version.get("IsDefaultVersion") is True:
                yield version.get("Document")


def main() -> int:
    """Analyse every policy of the dump named on the command line."""
    dump = json.loads(Path(sys.argv[1]).read_text("utf-8"))
    analysed = findings = errors = 0
    for document in policies(dump):
        text = document if isinstance(document, str) else json.dumps(document)
        try:
            findings += len(analyze_policy_string(text).findings)
        except Exception as error:  # counted; the run goes on
            errors += 1
            print(f"parliament: {type(error).__name__}: {error}", file=sys.stderr)
        analysed += 1
    print(f"parliament: {analysed} policies, {findings} findings, {errors} errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())

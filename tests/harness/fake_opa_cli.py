"""A stand-in for the `opa` command line, for machines without it.

It answers `opa eval --format json --bundle DIR [--stdin-input] QUERY` as OPA
does (the query's value in result[0].expressions[0].value, `{}` when
undefined, `{"errors": [...]}` and exit 1 on an error), evaluating with the
embedded OPA engine. FAKE_OPA_LOG names a file each command line is appended
to, as JSON; FAKE_OPA_ANSWER a recorded answer {"exit", "stdout"} to give
instead.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from opa_bindings import OpaEngine, OpaError, OpaUndefinedError

INSTALL_SCRIPT = """#!{python}
import sys
sys.path.insert(0, {repo!r})
from tests.harness.fake_opa_cli import main
sys.exit(main(sys.argv[1:]))
"""


def install(folder: Path) -> Path:
    """Write an executable `opa` into folder that runs this module."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "opa"
    repo = str(Path(__file__).resolve().parents[2])
    script.write_text(INSTALL_SCRIPT.format(python=sys.executable, repo=repo), "utf-8")
    script.chmod(0o755)
    return script


def main(argv: list[str]) -> int:
    """Run one `opa eval`; return the exit status."""
    _log(argv)
    recorded = os.environ.get("FAKE_OPA_ANSWER")
    if recorded:
        answer = json.loads(Path(recorded).read_text("utf-8"))
        print(json.dumps(answer["stdout"], indent=2))
        return int(answer["exit"])

    args = _parser().parse_args(argv)
    document = json.loads(sys.stdin.read()) if args.stdin_input else None
    try:
        output = _evaluate(Path(args.bundle), args.query, document)
    except OpaError as error:
        print(json.dumps({"errors": [{"code": error.code, "message": error.message}]}))
        return 1
    print(json.dumps(output, indent=2))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="opa")
    parser.add_argument("command", choices=["eval"])
    parser.add_argument("--format", choices=["json"], required=True)
    parser.add_argument("--bundle", required=True)
    parser.add_argument("--stdin-input", action="store_true")
    parser.add_argument("query")
    return parser


def _evaluate(bundle: Path, query: str, document: Any) -> dict[str, Any]:
    engine = OpaEngine()
    try:
        for path in sorted(bundle.rglob("*.rego")):
            engine.add_policy(path.relative_to(bundle).as_posix(), path.read_text())
        for path in sorted(bundle.rglob("data.json")):
            parts = path.parent.relative_to(bundle).parts
            engine.add_data(json.loads(path.read_text()), ".".join(parts))
        value = engine.eval_document(query.removeprefix("data."), document)
    except OpaUndefinedError:
        return {}
    finally:
        engine.close()
    expression = {"value": value, "text": query, "location": {"row": 1, "col": 1}}
    return {"result": [{"expressions": [expression]}]}


def _log(argv: list[str]) -> None:
    log = os.environ.get("FAKE_OPA_LOG")
    if log:
        with Path(log).open("a", encoding="utf-8") as file:
            file.write(json.dumps(argv) + "\n")

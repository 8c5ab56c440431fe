"""Evaluate the bundle with the `opa` command line (`opa eval`).

Each evaluation runs `opa eval --format json --bundle <bundle> --stdin-input
<query>` with the input document on standard input; the real OPA decides.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from typing import Any

from dspm_iam.bundle import Bundle
from dspm_iam.engine import RESULT_PATH, UndefinedError
from dspm_iam.errors import EngineError

logger = logging.getLogger(__name__)

OPA = "opa"
DEFAULT_TIMEOUT = 600.0
_STDERR_SHOWN = 300


class OpaCliEngine:
    """The report evaluated by `opa eval`, one process per evaluation."""

    name = "opa-cli"

    def __init__(
        self, bundle: Bundle, *, opa: str = OPA, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        found = shutil.which(opa)
        if found is None:
            raise EngineError(
                f"{opa}: expected the OPA command line (opa 1.x) on PATH for "
                "--engine opa-cli; install it or use another --engine"
            )
        self.bundle = bundle
        self.executable = found
        self._timeout = timeout

    def command(self, path: str, *, with_input: bool) -> list[str]:
        """The command line that evaluates data.<path>."""
        command = [self.executable, "eval", "--format", "json"]
        command += ["--bundle", str(self.bundle.root)]
        if with_input:
            command.append("--stdin-input")
        return [*command, f"data.{path}"]

    def evaluate(self, document: dict[str, Any]) -> dict[str, Any]:
        """Evaluate the report for one input document and return its result."""
        result = self.document(RESULT_PATH, document)
        if not isinstance(result, dict):
            raise EngineError(f"opa eval: data.{RESULT_PATH}: expected an object")
        return result

    def document(self, path: str, document: dict[str, Any] | None = None) -> Any:
        """Evaluate data.<path>, optionally with an input document."""
        command = self.command(path, with_input=document is not None)
        logger.debug("running %s", " ".join(command))
        stdin = None if document is None else json.dumps(document)
        try:
            done = subprocess.run(
                command,
                input=stdin,
                capture_output=True,
                text=True,
                timeout=self._timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise EngineError(
                f"opa eval: data.{path}: expected an answer within {self._timeout:g} s"
            ) from None
        except OSError as error:
            raise EngineError(
                f"{self.executable}: could not run it ({error})"
            ) from None
        return _value(path, done)

    def close(self) -> None:
        """Nothing to release: every evaluation is its own process."""


def _value(path: str, done: subprocess.CompletedProcess[str]) -> Any:
    """The value of the query's only expression, from opa eval's JSON output."""
    output = _json(done.stdout)
    if done.returncode != 0 or "errors" in output:
        raise EngineError(
            f"opa eval: data.{path}: evaluation failed ({_problem(output, done)})"
        )
    try:
        return output["result"][0]["expressions"][0]["value"]
    except (KeyError, IndexError, TypeError):
        raise UndefinedError(
            f"opa eval: data.{path}: no result: the document is undefined"
        ) from None


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _problem(output: dict[str, Any], done: subprocess.CompletedProcess[str]) -> str:
    messages = [
        str(error.get("message", error))
        for error in output.get("errors") or []
        if isinstance(error, dict)
    ]
    if messages:
        return "; ".join(messages)
    stderr = " ".join(done.stderr.split())
    return stderr[-_STDERR_SHOWN:] or f"exit status {done.returncode}"

"""Evaluate the bundle with OPA embedded in the process.

Rego decides every verdict; this module only loads the bundle into the engine
and passes the gathered input in.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dspm_iam.bundle import Bundle, read_json
from dspm_iam.errors import BundleError, EngineError

logger = logging.getLogger(__name__)

RESULT_PATH = "dspm.report.result"
# The conftest entry point (data.dspm.conftest) serves conftest and opa eval;
# no command of the harness asks for it. Its modules are a fifth of the
# bundle's Rego: leaving them out of the engine the commands use saves their
# compilation at every start.
CONFTEST_MODULES = "dspm/conftest/"


class UndefinedError(EngineError):
    """The document asked for is undefined."""


class EmbeddedEngine:
    """The real OPA engine, built as a shared library and loaded in-process."""

    name = "embedded"

    def __init__(
        self,
        bundle: Bundle,
        *,
        include_tests: bool = False,
        without: tuple[str, ...] = (),
    ) -> None:
        """Load the bundle: its modules (those under the path prefixes of
        `without` left out; tests too, unless asked for) and its data."""
        try:
            from opa_bindings import (  # noqa: PLC0415 - optional native library
                OpaEngine,
                OpaError,
                OpaUndefinedError,
            )
        except ImportError as error:
            raise EngineError(
                "opa_bindings: expected the opa-golib-python-bindings package "
                f"to be installed ({error})"
            ) from None

        self._error_type: type[Exception] = OpaError
        self._undefined_type: type[Exception] = OpaUndefinedError
        self._opa = OpaEngine()
        self.bundle = bundle
        self._load(include_tests=include_tests, without=without)

    def _load(self, *, include_tests: bool, without: tuple[str, ...]) -> None:
        for name, source in self.bundle.modules(include_tests=include_tests):
            if name.startswith(without):
                continue
            try:
                self._opa.add_policy(name, source)
            except self._error_type as error:
                raise BundleError(f"{name}: the engine rejected it ({error})") from None

        for data_path, path in self.bundle.data_paths():
            logger.debug("loading bundle data at data.%s", data_path)
            self._add_data_file(data_path, path)

    def _add_data_file(self, data_path: str, path: Path) -> None:
        """Hand a data file to OPA as it is written: OPA parses the JSON.

        The bindings' public add_data takes a Python value, which it dumps
        again: reading the file into Python only to write it out costs
        interpreter time that competes with reading the input. Their private
        call does the same without it; a version of the bindings without
        that call gets the value through add_data.
        """
        add_raw = self._raw_data_call()
        if add_raw is None:
            self._opa.add_data(read_json(path), data_path)
            return
        try:
            add_raw(data_path.encode("utf-8"), path.read_bytes())
        except (OSError, self._error_type) as error:
            raise BundleError(f"{path}: expected readable JSON ({error})") from None

    def _raw_data_call(self) -> Callable[[bytes, bytes], object] | None:
        """The bindings' call that adds data from JSON text, if they have it."""
        call = getattr(self._opa, "_call", None)
        function = getattr(getattr(self._opa, "_lib", None), "OpaAddData", None)
        if call is None or function is None:
            return None
        return functools.partial(call, function)

    def evaluate(self, document: dict[str, Any]) -> dict[str, Any]:
        """Evaluate the report for one input document and return its result."""
        result = self.document(RESULT_PATH, document)
        if not isinstance(result, dict):
            raise EngineError(f"data.{RESULT_PATH}: expected an object")
        return result

    def document(
        self, path: str, document: dict[str, Any] | None = None, **options: bool
    ) -> Any:
        """Evaluate data.<path>, optionally with an input document."""
        try:
            return self._opa.eval_document(path, document, **options)
        except self._undefined_type:
            raise UndefinedError(f"data.{path}: the document is undefined") from None
        except self._error_type as error:
            raise EngineError(f"data.{path}: evaluation failed ({error})") from None

    def query(self, query: str, document: dict[str, Any] | None = None) -> Any:
        """Evaluate a query that binds x; return x, or raise if undefined."""
        try:
            rows = self._opa.eval_query(query, document)
        except self._error_type as error:
            raise EngineError(f"{query}: evaluation failed ({error})") from None
        if not rows:
            raise UndefinedError(f"{query}: the query is undefined")
        return rows[0]["x"]

    @property
    def last_coverage(self) -> dict[str, Any] | None:
        """Coverage of the most recent evaluation made with coverage=True."""
        coverage: dict[str, Any] | None = self._opa.last_coverage
        return coverage

    def close(self) -> None:
        """Release the engine."""
        self._opa.close()

"""Evaluate the bundle with OPA embedded in the process.

Rego decides every verdict; this module only loads the bundle into the engine
and passes the gathered input in.
"""

from __future__ import annotations

import logging
from typing import Any

from dspm_iam.bundle import Bundle
from dspm_iam.errors import BundleError, EngineError

logger = logging.getLogger(__name__)

RESULT_PATH = "dspm.report.result"


class UndefinedError(EngineError):
    """The document asked for is undefined."""


class EmbeddedEngine:
    """The real OPA engine, built as a shared library and loaded in-process."""

    name = "embedded"

    def __init__(self, bundle: Bundle, *, include_tests: bool = False) -> None:
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
        self._load(include_tests=include_tests)

    def _load(self, *, include_tests: bool) -> None:
        for path, source in self.bundle.modules(include_tests=include_tests):
            try:
                self._opa.add_policy(path, source)
            except self._error_type as error:
                raise BundleError(f"{path}: the engine rejected it ({error})") from None

        for data_path, value in self.bundle.data_files():
            logger.debug("loading bundle data at data.%s", data_path)
            self._opa.add_data(value, data_path)

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

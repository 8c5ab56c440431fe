"""Choose the engine that evaluates the bundle.

Every engine is the real OPA: embedded in the process (the default), a
running OPA server, or the `opa` command line. They take the same input
document and return the same result.
"""

from __future__ import annotations

from typing import Any, Protocol

from dspm_iam.bundle import Bundle
from dspm_iam.engine import EmbeddedEngine
from dspm_iam.errors import EngineError

ENGINES = ("embedded",)


class Engine(Protocol):
    """What the harness needs of an engine."""

    name: str

    def evaluate(self, document: dict[str, Any]) -> dict[str, Any]:
        """The report result (data.dspm.report.result) for one input document."""
        ...

    def document(self, path: str, document: dict[str, Any] | None = None) -> Any:
        """Evaluate data.<path>, optionally with an input document."""
        ...

    def close(self) -> None:
        """Release the engine."""
        ...


def create_engine(name: str, bundle: Bundle, **options: Any) -> Engine:
    """Create the engine called name for the bundle; options are engine-specific."""
    if name == "embedded":
        return EmbeddedEngine(bundle)
    raise EngineError(f"{name}: expected one of the engines {', '.join(ENGINES)}")

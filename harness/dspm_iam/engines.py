"""Choose the engine that evaluates the bundle.

Every engine is the real OPA: embedded in the process (the default), a
running OPA server, or the `opa` command line. They take the same input
document and return the same result.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from dspm_iam.bundle import Bundle
from dspm_iam.engine import CONFTEST_MODULES, EmbeddedEngine
from dspm_iam.errors import EngineError

if TYPE_CHECKING:
    from dspm_iam.engine_server import ServerOptions

ENGINES = ("embedded", "opa-server", "opa-cli")
# The server engine's defaults, here so that the command line can show them
# without importing the HTTP client, which only the server engine needs.
SERVER_TIMEOUT = 300.0
TOKEN_ENV = "DSPM_OPA_TOKEN"
_SERVER_OPTIONS = ("url", "token", "ca_cert", "load_bundle", "timeout")
_CLI_OPTIONS = ("opa", "timeout")


class Engine(Protocol):
    """What the harness needs of an engine."""

    name: str
    bundle: Bundle

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
    """Create the engine called name for the bundle; options are engine-specific.

    embedded takes none; opa-server takes url (required), token, ca_cert,
    load_bundle and timeout; opa-cli takes opa (the command) and timeout.
    Options that are None are ignored.
    """
    given = {key: value for key, value in options.items() if value is not None}
    if name == "embedded":
        _check_options(name, given, ())
        return EmbeddedEngine(bundle, without=(CONFTEST_MODULES,))
    # The other engines are imported when chosen: the server engine's HTTP
    # client alone is a fifth of a second of every start-up otherwise.
    if name == "opa-server":
        from dspm_iam.engine_server import OpaServerEngine  # noqa: PLC0415

        _check_options(name, given, _SERVER_OPTIONS)
        return OpaServerEngine(bundle, _server_options(given))
    if name == "opa-cli":
        from dspm_iam.engine_cli import OpaCliEngine  # noqa: PLC0415

        _check_options(name, given, _CLI_OPTIONS)
        return OpaCliEngine(bundle, **given)
    raise EngineError(f"{name}: expected one of the engines {', '.join(ENGINES)}")


def _check_options(name: str, given: dict[str, Any], known: tuple[str, ...]) -> None:
    unknown = sorted(set(given) - set(known))
    if unknown:
        expected = ", ".join(known) or "no options"
        raise EngineError(
            f"engine {name}: unexpected option {', '.join(unknown)}; "
            f"expected {expected}"
        )


def _server_options(given: dict[str, Any]) -> ServerOptions:
    from dspm_iam.engine_server import ServerOptions  # noqa: PLC0415

    if not given.get("url"):
        raise EngineError("engine opa-server: expected the server's URL (--opa-url)")
    ca_cert = given.get("ca_cert")
    return ServerOptions(
        url=str(given["url"]),
        token=given.get("token"),
        ca_cert=None if ca_cert is None else Path(ca_cert),
        load_bundle=bool(given.get("load_bundle", False)),
        timeout=float(given.get("timeout", SERVER_TIMEOUT)),
    )

"""Evaluate the bundle on a running OPA server, through opa-python-client.

The server is the real OPA (`opa run --server`); this module only sends the
input to its Data API and, on request, pushes the bundle's modules and data
into it first. A response without a result is an error, never a pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from opa_client import OpaClient
from opa_client.errors import (
    DeletePolicyError,
    RegoParseError,
    TypeException,
)
from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest, Response
from urllib3.util.retry import Retry

from dspm_iam.bundle import Bundle
from dspm_iam.engine import RESULT_PATH, UndefinedError
from dspm_iam.engines import SERVER_TIMEOUT, TOKEN_ENV
from dspm_iam.errors import BundleError, EngineError

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = SERVER_TIMEOUT
_DEFAULT_PORTS = {"http": 80, "https": 443}
_CLIENT_ERRORS = (
    requests.RequestException,
    ValueError,
    RegoParseError,
    DeletePolicyError,
    TypeException,
)
T = TypeVar("T")


@dataclass(frozen=True)
class ServerOptions:
    """Where the OPA server is and how to reach it; the token is never shown."""

    url: str
    token: str | None = field(default=None, repr=False)
    ca_cert: Path | None = None
    load_bundle: bool = False
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class _Address:
    """The parts of the server URL opa-python-client takes."""

    host: str
    port: int
    tls: bool


class OpaServerEngine:
    """The report evaluated by an OPA server over its REST API."""

    name = "opa-server"

    def __init__(self, bundle: Bundle, options: ServerOptions) -> None:
        # Limitation: the report names the revision of the local bundle
        # (--bundle, default policy/), while the server may hold another one
        # (catalog and contract, read from the server, do show what it holds).
        # Reading the server's own bundle manifest would lift this.
        self.bundle = bundle
        self._where = options.url.rstrip("/")
        self._client = _client(options, _address(options))
        if options.load_bundle:
            self._load()

    def evaluate(self, document: dict[str, Any]) -> dict[str, Any]:
        """Evaluate the report for one input document and return its result."""
        result = self.document(RESULT_PATH, document)
        if not isinstance(result, dict):
            raise EngineError(f"{self._where}: data.{RESULT_PATH}: expected an object")
        return result

    def document(self, path: str, document: dict[str, Any] | None = None) -> Any:
        """Evaluate data.<path> on the server (POST), optionally with an input."""
        what = f"data.{path}"
        body = self._call(what, partial(self._client.query_rule, document, path))
        if not isinstance(body, dict) or "result" not in body:
            raise UndefinedError(
                f"{self._where}: {what}: the server returned no result: "
                "is the bundle loaded?"
            )
        return body["result"]

    def close(self) -> None:
        """Close the HTTP session."""
        self._client.close_connection()

    def _load(self) -> None:
        modules = dict(self.bundle.modules())
        # A PUT replaces the whole document at its path, so a data file is
        # pushed before the files of the folders below it.
        data = sorted(self.bundle.data_files(), key=lambda item: _depth(item[0]))
        logger.info(
            "loading %d modules and %d data documents into %s",
            len(modules),
            len(data),
            self._where,
        )
        self._delete_stale_modules(set(modules))
        self._put_modules(modules)
        for data_path, value in data:
            self._put_data(data_path, value)

    def _put_modules(self, modules: dict[str, str]) -> None:
        """PUT every module, in as many rounds as their calls between them need.

        OPA compiles all its modules at each PUT, so a module calling a function
        of a module not pushed yet is refused; it is pushed again in the next
        round. A round that adds nothing ends it with the first refusal.
        """
        pending = dict(modules)
        while pending:
            refused: dict[str, BundleError] = {}
            for module_id, source in pending.items():
                put = partial(
                    self._client.update_policy_from_string,
                    source,
                    module_id,
                    rego_compat=False,
                )
                try:
                    self._call(f"policy {module_id}", put, rejected=BundleError)
                except BundleError as error:
                    refused[module_id] = error
            if len(refused) == len(pending):
                raise next(iter(refused.values()))
            logger.debug("%d modules wait for others", len(refused))
            pending = {module_id: modules[module_id] for module_id in refused}

    def _delete_stale_modules(self, current: set[str]) -> None:
        """Delete modules under the bundle's roots that the bundle no longer has."""
        listed = self._call("policies", self._client.get_policies_list)
        prefixes = tuple(f"{root}/" for root in self.bundle.roots)
        for module_id in sorted(set(listed) - current):
            if str(module_id).startswith(prefixes):
                logger.info("deleting module %s, gone from the bundle", module_id)
                delete = partial(self._client.delete_policy, module_id)
                self._call(f"policy {module_id}", delete)

    def _put_data(self, data_path: str, value: Any) -> None:
        if not data_path or not isinstance(value, dict):
            raise BundleError(
                f"{self.bundle.root}: data.{data_path or '<root>'}: expected a JSON "
                "object below the bundle's roots to load into the server"
            )
        endpoint = data_path.replace(".", "/")
        logger.debug("putting data.%s", data_path)
        put = partial(self._client.update_or_create_data, value, endpoint)
        self._call(f"data.{data_path}", put, rejected=BundleError)

    def _call(
        self,
        what: str,
        action: Callable[[], T],
        rejected: type[EngineError | BundleError] = EngineError,
    ) -> T:
        try:
            return action()
        except requests.HTTPError as error:
            raise EngineError(
                f"{self._where}: {what}: {_http_problem(error)}"
            ) from None
        except requests.exceptions.SSLError as error:
            raise EngineError(
                f"{self._where}: expected a server certificate that the CA file "
                f"or the system trusts ({_reason(error)})"
            ) from None
        except requests.Timeout:
            raise EngineError(
                f"{self._where}: {what}: expected an answer within "
                f"{self._client.timeout:g} s"
            ) from None
        except requests.ConnectionError as error:
            raise EngineError(
                f"{self._where}: expected a reachable OPA server ({_reason(error)})"
            ) from None
        except _CLIENT_ERRORS as error:
            raise rejected(
                f"{self._where}: {what}: the server refused it ({_described(error)})"
            ) from None


def _depth(data_path: str) -> tuple[int, str]:
    return (len(data_path.split(".")) if data_path else 0, data_path)


def _address(options: ServerOptions) -> _Address:
    """Check the URL and split it for the client; the URL is never echoed whole."""
    parts = urlsplit(options.url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise EngineError(
            f"--opa-url {options.url}: expected http://HOST[:PORT] or "
            "https://HOST[:PORT]"
        )
    if parts.username is not None or parts.password is not None:
        raise EngineError(
            "--opa-url: expected no user or password in the URL; pass a bearer "
            f"token with --opa-token or {TOKEN_ENV}"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        # Limitation: opa-python-client builds every URL as
        # scheme://host:port/v1/..., so an OPA server published under a path
        # prefix (behind a reverse proxy) cannot be reached; publish it at the
        # root of a host name or port instead.
        raise EngineError(
            f"--opa-url {options.url}: expected no path, query or fragment: "
            "OPA's API is reached at the root of the server"
        )
    tls = parts.scheme == "https"
    if options.ca_cert is not None and not tls:
        raise EngineError(f"--opa-ca-cert {options.ca_cert}: expected an https URL")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return _Address(host, parts.port or _DEFAULT_PORTS[parts.scheme], tls)


def _client(options: ServerOptions, address: _Address) -> OpaClient:
    client = OpaClient(
        host=address.host,
        port=address.port,
        ssl=address.tls,
        token=options.token or None,
        timeout=options.timeout,
    )
    if options.ca_cert is not None:
        if not options.ca_cert.is_file():
            client.close_connection()
            raise EngineError(
                f"--opa-ca-cert {options.ca_cert}: expected a readable PEM file"
            )
        _trust_only(client._session, str(options.ca_cert))
    return client


def _trust_only(session: requests.Session, ca_file: str) -> None:
    """Verify the server with ca_file, on the session opa-python-client wraps.

    opa-python-client has no option for a CA file (its `ssl` flag only turns
    verification on, `cert` is a client certificate). Setting session.verify
    is not enough either: requests lets REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE
    override it. So the https adapter is replaced by one that always verifies
    with ca_file, keeping the client's retries.
    """
    retries = session.get_adapter("https://").max_retries  # type: ignore[attr-defined]
    session.mount("https://", _CAFileAdapter(ca_file, retries))


class _CAFileAdapter(HTTPAdapter):
    """An adapter that verifies certificates with one CA file, whatever is asked."""

    def __init__(self, ca_file: str, max_retries: Retry) -> None:
        super().__init__(max_retries=max_retries)
        self._ca_file = ca_file

    def send(  # noqa: PLR0917 - the signature of HTTPAdapter.send
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        """Send the request, verifying the server with the CA file."""
        return super().send(
            request,
            stream=stream,
            timeout=timeout,
            verify=self._ca_file,
            cert=cert,
            proxies=proxies,
        )


def _http_problem(error: requests.HTTPError) -> str:
    """OPA's error body ({"code", "message"}) if there is one, else the status."""
    response = error.response
    status = response.status_code if response is not None else "error"
    try:
        body = response.json() if response is not None else None
    except ValueError:
        body = None
    if isinstance(body, dict) and "message" in body:
        code = body.get("code", "error")
        return f"the server answered HTTP {status} ({code}: {body['message']})"
    return f"the server answered HTTP {status}"


def _described(error: Exception) -> str:
    code = getattr(error, "expression", None)
    message = getattr(error, "message", None)
    details = [
        str(item.get("message"))
        for item in getattr(error, "errors", None) or []
        if isinstance(item, dict) and item.get("message")
    ]
    if message is None:
        return _reason(error)
    return ": ".join(str(part) for part in (code, message, *details) if part)


def _reason(error: Exception) -> str:
    """The innermost cause of a requests error, without URLs or headers."""
    cause: BaseException = error
    while cause.__cause__ is not None or cause.__context__ is not None:
        cause = cause.__cause__ or cause.__context__  # type: ignore[assignment]
    reason = getattr(cause, "reason", None)
    return str(reason or cause or type(cause).__name__)

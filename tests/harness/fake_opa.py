"""An OPA-compatible HTTP server for the tests, on 127.0.0.1 only.

It speaks the parts of OPA's REST API the harness uses: the Policy API (PUT,
GET and DELETE /v1/policies/{id}, GET /v1/policies) and the Data API (PUT
/v1/data/{path}, GET and POST /v1/data/{path}, with no `result` in the answer
when the document is undefined). Evaluation is the embedded OPA engine.
Recorded answers can be served instead for one method and path.
"""

from __future__ import annotations

import json
import ssl
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from opa_bindings import OpaEngine, OpaError, OpaUndefinedError

RESPONSES = Path(__file__).resolve().parents[1] / "data" / "opa" / "responses"


@dataclass(frozen=True)
class Recorded:
    """An answer as OPA gave it: status and JSON body."""

    status: int
    body: Any

    @classmethod
    def load(cls, name: str) -> Recorded:
        """tests/data/opa/responses/<name>.json: {"status", "body"}."""
        raw = json.loads((RESPONSES / f"{name}.json").read_text("utf-8"))
        return cls(raw["status"], raw["body"])


@dataclass(frozen=True)
class Request:
    """What the server saw of one request (the token only as present or not)."""

    method: str
    path: str
    authorised: bool | None


class FakeOpa:
    """The server, its modules and data, and the requests it answered."""

    def __init__(
        self, *, token: str | None = None, tls: ssl.SSLContext | None = None
    ) -> None:
        self.token = token
        self.modules: dict[str, str] = {}
        self.data: dict[str, Any] = {}
        self.recorded: dict[tuple[str, str], Recorded] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._engine: OpaEngine | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._scheme = "https" if tls is not None else "http"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The server's base URL."""
        host, port = self._server.server_address[:2]
        return f"{self._scheme}://{host!s}:{port}"

    def start(self) -> FakeOpa:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the engine."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        if self._engine is not None:
            self._engine.close()

    def put_policy(self, module_id: str, source: str) -> tuple[int, Any]:
        """Add or replace a module, refusing one that does not compile."""
        with self._lock:
            problem = _compile_problem({**self.modules, module_id: source})
            if problem is not None:
                return 400, problem
            self.modules[module_id] = source
            self._invalidate()
        return 200, {}

    def delete_policy(self, module_id: str) -> tuple[int, Any]:
        """Remove a module."""
        with self._lock:
            if module_id not in self.modules:
                return 404, _not_found(f'policy id "{module_id}"')
            del self.modules[module_id]
            self._invalidate()
        return 200, {}

    def put_data(self, path: list[str], value: Any) -> tuple[int, Any]:
        """Create or replace the document at path."""
        with self._lock:
            if not path:
                self.data = value
            else:
                node = self.data
                for key in path[:-1]:
                    node = node.setdefault(key, {})
                node[path[-1]] = value
            self._invalidate()
        return 204, None

    def evaluate(self, path: list[str], document: Any) -> tuple[int, Any]:
        """{"result": value}, or {} when the document is undefined."""
        with self._lock:
            engine = self._ready_engine()
            try:
                value = engine.eval_document(".".join(path), document)
            except OpaUndefinedError:
                return 200, {}
            except OpaError as error:
                return 500, {"code": "internal_error", "message": error.message}
        return 200, {"result": value}

    def _ready_engine(self) -> OpaEngine:
        if self._engine is None:
            engine = OpaEngine()
            for module_id, source in sorted(self.modules.items()):
                engine.add_policy(module_id, source)
            engine.add_data(self.data)
            self._engine = engine
        return self._engine

    def _invalidate(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None


def _compile_problem(modules: dict[str, str]) -> dict[str, Any] | None:
    """OPA compiles every module at each PUT: a parse error, a type error or a
    call of a function no module defines refuses the new module."""
    engine = OpaEngine()
    try:
        for module_id, source in sorted(modules.items()):
            engine.add_policy(module_id, source)
        engine.eval_query("x := 1")  # compiles the modules, as OPA's PUT does
    except OpaError as error:
        return {
            "code": "invalid_parameter",
            "message": "error(s) occurred while compiling module(s)",
            "errors": [{"code": error.code, "message": error.message}],
        }
    finally:
        engine.close()
    return None


def _not_found(what: str) -> dict[str, Any]:
    return {"code": "resource_not_found", "message": f"storage_not_found_error: {what}"}


def _handler(opa: FakeOpa) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        """Routes one request to the Policy or Data API."""

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read self.requests instead."""

        def do_GET(self) -> None:
            self._serve("GET")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

        def _serve(self, method: str) -> None:
            path = urlsplit(self.path).path
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            authorised = self._authorised()
            opa.requests.append(Request(method, path, authorised))
            if authorised is False:
                self._answer(401, {"code": "unauthorized", "message": "missing token"})
                return
            recorded = opa.recorded.get((method, path))
            if recorded is not None:
                self._answer(recorded.status, recorded.body)
                return
            self._answer(*_route(opa, method, path, body))

        def _authorised(self) -> bool | None:
            if opa.token is None:
                return None
            return self.headers.get("Authorization") == f"Bearer {opa.token}"

        def _answer(self, status: int, body: Any) -> None:
            payload = b"" if body is None else json.dumps(body).encode("utf-8")
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def _route(opa: FakeOpa, method: str, path: str, body: bytes) -> tuple[int, Any]:
    parts = [unquote(part) for part in path.split("/") if part]
    if parts[:2] == ["v1", "policies"]:
        return _policies(opa, method, "/".join(parts[2:]), body)
    if parts[:2] == ["v1", "data"]:
        return _data(opa, method, parts[2:], body)
    return 404, {"code": "resource_not_found", "message": f"{path} not found"}


def _policies(
    opa: FakeOpa, method: str, module_id: str, body: bytes
) -> tuple[int, Any]:
    if method == "GET" and not module_id:
        listed = [{"id": key, "raw": raw} for key, raw in sorted(opa.modules.items())]
        return 200, {"result": listed}
    if method == "GET":
        if module_id not in opa.modules:
            return 404, _not_found(f'policy id "{module_id}"')
        return 200, {"result": {"id": module_id, "raw": opa.modules[module_id]}}
    if method == "PUT":
        return opa.put_policy(module_id, body.decode("utf-8"))
    if method == "DELETE":
        return opa.delete_policy(module_id)
    return 405, {"code": "method_not_allowed", "message": method}


def _data(opa: FakeOpa, method: str, path: list[str], body: bytes) -> tuple[int, Any]:
    if method == "PUT":
        return opa.put_data(path, json.loads(body))
    if method == "GET":
        return opa.evaluate(path, None)
    if method == "POST":
        request = json.loads(body) if body else {}
        return opa.evaluate(path, request.get("input"))
    return 405, {"code": "method_not_allowed", "message": method}

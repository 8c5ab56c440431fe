"""Tests for the engines: the same inputs give the same result on each of them.

The OPA server is tests/harness/fake_opa.py (OPA's Policy and Data APIs on
127.0.0.1, evaluated by the embedded OPA engine) and recorded OPA answers; the
`opa` command line is the real one where it is on PATH, else
tests/harness/fake_opa_cli.py. No traffic leaves 127.0.0.1.
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from tests.harness import fake_opa_cli
from tests.harness.fake_opa import FakeOpa, Recorded

from dspm_iam.bundle import Bundle, load_bundle
from dspm_iam.cli import cli
from dspm_iam.engine import EmbeddedEngine, UndefinedError
from dspm_iam.engine_cli import OpaCliEngine
from dspm_iam.engine_server import OpaServerEngine, ServerOptions
from dspm_iam.engines import ENGINES, create_engine
from dspm_iam.errors import BundleError, EngineError
from dspm_iam.loaders import load_inputs
from dspm_iam.params import load_params

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
GOOD = DATA / "roles" / "good"
BAD = DATA / "policies" / "bad"
ALL_FEATURES = DATA / "params" / "all-features.yaml"
DEMO = REPO / "examples" / "demo"
CLI_ANSWERS = DATA / "opa" / "cli"
RESULT = "/v1/data/dspm/report/result"
TOKEN = "s3cr3t-t0ken-for-tests"
REAL_OPA = shutil.which("opa")
# The engines other than the embedded one, with the option that points at each.
OTHER_ENGINES = pytest.mark.parametrize(
    ("engine", "options"),
    [
        pytest.param("opa-server", ["--opa-url"], id="opa-server"),
        pytest.param("opa-cli", [], id="opa-cli"),
    ],
)


def _document(
    paths: list[Path], params: Path, role_type: str | None = None
) -> dict[str, Any]:
    inputs = load_inputs([str(path) for path in paths], role_type)
    return {
        "params": load_params(params),
        "options": {"fail_on": "high"},
        "sources": inputs.sources,
        "roles": inputs.roles,
    }


Case = tuple[list[Path], Path, str | None]


def _cases() -> list[Any]:
    """The compared inputs (paths, params, role type): every good role, every
    bad policy, the demo."""
    cases = [
        pytest.param(([path], ALL_FEATURES, path.name.split(".")[0]), id=path.name)
        for path in sorted(GOOD.glob("*.policy.json"))
    ]
    roles = sorted(GOOD.glob("*.role.json"))
    cases.append(pytest.param((roles, ALL_FEATURES, None), id="good-roles"))
    expected = yaml.safe_load((BAD / "expected.yaml").read_text("utf-8"))["cases"]
    cases += [
        pytest.param(([BAD / case["file"]], ALL_FEATURES, case["role_type"]), id=name)
        for name, case in sorted(expected.items())
    ]
    demo = ([DEMO / "accounts"], DEMO / "params.yaml", None)
    cases.append(pytest.param(demo, id="demo"))
    return cases


CASES = _cases()
CLI_CASES = [case for case in CASES if case.id in {"demo", "good-roles"}]


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    return load_bundle()


@pytest.fixture(scope="module")
def embedded(bundle: Bundle) -> Iterator[EmbeddedEngine]:
    engine = EmbeddedEngine(bundle)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def loaded_server(bundle: Bundle) -> Iterator[FakeOpa]:
    """A server the bundle was pushed into by --opa-load-bundle."""
    server = FakeOpa().start()
    OpaServerEngine(bundle, ServerOptions(server.url, load_bundle=True)).close()
    yield server
    server.stop()


@pytest.fixture
def server() -> Iterator[FakeOpa]:
    """An empty server, for one test."""
    server = FakeOpa().start()
    yield server
    server.stop()


@pytest.fixture
def token_server() -> Iterator[FakeOpa]:
    """An empty server that wants the bearer token TOKEN."""
    server = FakeOpa(token=TOKEN).start()
    yield server
    server.stop()


@pytest.fixture
def fake_opa(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tests/harness/fake_opa_cli.py as the only `opa` on PATH; its log file."""
    fake_opa_cli.install(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    log = tmp_path / "opa-calls.jsonl"
    monkeypatch.setenv("FAKE_OPA_LOG", str(log))
    return log


def _server_engine(server: FakeOpa, bundle: Bundle, **options: Any) -> OpaServerEngine:
    return OpaServerEngine(bundle, ServerOptions(server.url, **options))


def _run(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, [str(arg) for arg in args], env=env)


# The same result on every engine.


@pytest.mark.parametrize("case", CASES)
def test_server_engine_gives_the_embedded_result(
    embedded: EmbeddedEngine, loaded_server: FakeOpa, bundle: Bundle, case: Case
) -> None:
    document = _document(*case)
    engine = _server_engine(loaded_server, bundle)

    assert engine.evaluate(document) == embedded.evaluate(document)
    engine.close()


@pytest.mark.parametrize("case", CLI_CASES)
def test_cli_engine_gives_the_embedded_result(
    embedded: EmbeddedEngine, bundle: Bundle, fake_opa: Path, case: Case
) -> None:
    document = _document(*case)

    result = OpaCliEngine(bundle).evaluate(document)

    assert result == embedded.evaluate(document)
    assert result["roles"]


@pytest.mark.skipif(
    REAL_OPA is None,
    reason="no opa binary on PATH: the opa-cli engine is compared through "
    "tests/harness/fake_opa_cli.py instead (test_cli_engine_gives_the_embedded_result)",
)
@pytest.mark.parametrize("case", CASES)
def test_real_opa_cli_gives_the_embedded_result(
    embedded: EmbeddedEngine, bundle: Bundle, case: Case
) -> None:
    document = _document(*case)

    assert OpaCliEngine(bundle).evaluate(document) == embedded.evaluate(document)


@OTHER_ENGINES
def test_check_reports_the_same_on_every_engine(
    loaded_server: FakeOpa, fake_opa: Path, engine: str, options: list[str]
) -> None:
    common = ["check", "--format", "json", "--params", DEMO / "params.yaml"]
    paths = [DEMO / "accounts"]
    values = [loaded_server.url] if options else []

    embedded = _run(*common, *paths)
    other = _run(*common, "--engine", engine, *options, *values, *paths)

    assert other.exit_code == embedded.exit_code == 1, other.output
    expected = json.loads(embedded.stdout)
    assert json.loads(other.stdout) == {**expected, "engine": engine}


EXPLAIN = ["explain", "--format", "json", "--params", DEMO / "params.yaml"]


@OTHER_ENGINES
@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["spec", "lint", "--format", "json"], id="spec-lint"),
        pytest.param(["contract", "--format", "json"], id="contract"),
        pytest.param(
            [*EXPLAIN, "ZscalerDSPM-PutEvidence-Role", "s3:PutObject"], id="explain"
        ),
        pytest.param([*EXPLAIN, "NoSuchRole", "s3:PutObject"], id="explain-no-role"),
    ],
)
def test_the_other_commands_answer_the_same_on_every_engine(
    loaded_server: FakeOpa,
    fake_opa: Path,
    engine: str,
    options: list[str],
    command: list[str | Path],
) -> None:
    paths = [DEMO / "accounts"] if command[0] == "explain" else []
    values = [loaded_server.url] if options else []
    loaded_server.requests.clear()

    embedded = _run(*command, *paths)
    other = _run(*command, "--engine", engine, *options, *values, *paths)

    assert other.exit_code == embedded.exit_code, other.output
    assert other.stdout == embedded.stdout
    assert other.stderr == embedded.stderr
    # The other engine answered: asked over HTTP, or run as `opa eval`.
    package = {"spec": "lint", "contract": "contract"}.get(str(command[0]), "explain")
    assert _asked(engine, loaded_server, fake_opa, package)


def _asked(engine: str, server: FakeOpa, fake_opa: Path, package: str) -> bool:
    """Whether the engine other than the embedded one was asked for the package."""
    if engine == "opa-server":
        return any(
            request.path.startswith(f"/v1/data/dspm/{package}")
            for request in server.requests
        )
    return any(
        f"data.dspm.{package}" in line
        for line in fake_opa.read_text("utf-8").splitlines()
    )


@OTHER_ENGINES
def test_merge_gives_the_same_report_on_every_engine(
    loaded_server: FakeOpa,
    fake_opa: Path,
    tmp_path: Path,
    engine: str,
    options: list[str],
) -> None:
    shards = [tmp_path / "shard-1.json", tmp_path / "shard-2.json"]
    for index, shard in enumerate(shards, start=1):
        checked = _run(
            *["check", "--format", "json", "--params", DEMO / "params.yaml"],
            *["--shard", f"{index}/2", "--output", shard, DEMO / "accounts"],
        )
        assert checked.exit_code in (0, 1), checked.output
    values = [loaded_server.url] if options else []
    loaded_server.requests.clear()

    embedded = _run("merge", "--format", "json", *shards)
    other = _run(
        "merge", "--format", "json", "--engine", engine, *options, *values, *shards
    )

    assert other.exit_code == embedded.exit_code == 1, other.output
    assert other.stdout == embedded.stdout
    assert _asked(engine, loaded_server, fake_opa, "report")


def test_spec_lint_takes_the_server_options_only_with_the_server_engine() -> None:
    result = _run("spec", "lint", "--opa-url", "http://127.0.0.1:1")

    assert result.exit_code == 2
    assert "--opa-url: expected --engine opa-server" in result.stderr


# The OPA server engine.


def test_load_bundle_pushes_modules_and_data(server: FakeOpa, bundle: Bundle) -> None:
    server.modules["dspm/old/gone.rego"] = "package dspm.old\n"
    server.modules["other/kept.rego"] = "package other\n"

    _server_engine(server, bundle, load_bundle=True).close()

    assert set(server.modules) == {path for path, _ in bundle.modules()} | {
        "other/kept.rego"
    }
    for data_path, value in bundle.data_files():
        node = server.data
        for key in data_path.split("."):
            node = node[key]
        assert {key: node[key] for key in value} == value
    assert ("DELETE", "/v1/policies/dspm/old/gone.rego") in {
        (request.method, request.path) for request in server.requests
    }


def test_load_bundle_puts_parent_data_before_its_folders(
    server: FakeOpa, tmp_path: Path
) -> None:
    root = _bundle_dir(tmp_path, {"dspm/x/x.rego": "package dspm.x\n"})
    (root / "dspm" / "data" / "a").mkdir(parents=True)
    (root / "dspm" / "data" / "data.json").write_text('{"parent": 1}')
    (root / "dspm" / "data" / "a" / "data.json").write_text('{"child": 2}')

    _server_engine(server, load_bundle(root), load_bundle=True).close()

    assert server.data == {"dspm": {"data": {"parent": 1, "a": {"child": 2}}}}


def _bundle_dir(tmp_path: Path, modules: dict[str, str]) -> Path:
    root = tmp_path / "bundle"
    root.mkdir()
    (root / ".manifest").write_text('{"revision": "x", "roots": ["dspm"]}')
    for name, source in modules.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(source)
    return root


def test_load_bundle_pushes_a_module_after_the_functions_it_calls(
    server: FakeOpa, tmp_path: Path
) -> None:
    caller = "package dspm.a\n\nimport data.dspm.z\n\nresult := z.double(21)\n"
    callee = "package dspm.z\n\ndouble(x) := x * 2\n"
    root = _bundle_dir(tmp_path, {"dspm/a.rego": caller, "dspm/z.rego": callee})
    alone = server.put_policy("dspm/a.rego", caller)

    engine = _server_engine(server, load_bundle(root), load_bundle=True)

    assert alone[0] == 400
    assert "undefined function data.dspm.z.double" in json.dumps(alone[1])
    assert engine.document("dspm.a.result") == 42
    puts = [r.path for r in server.requests if r.method == "PUT"]
    first, second = "/v1/policies/dspm/a.rego", "/v1/policies/dspm/z.rego"
    assert puts == [first, second, first]


def test_load_bundle_names_a_module_the_server_rejects(
    server: FakeOpa, tmp_path: Path
) -> None:
    root = _bundle_dir(
        tmp_path, {"dspm/broken.rego": "package dspm.broken\n\nallow if {\n"}
    )

    with pytest.raises(BundleError) as raised:
        _server_engine(server, load_bundle(root), load_bundle=True)

    message = str(raised.value)
    assert message.startswith(f"{server.url}: policy dspm/broken.rego: ")
    assert "error(s) occurred while compiling module(s)" in message


def test_no_result_is_an_error_not_a_pass(server: FakeOpa, bundle: Bundle) -> None:
    engine = _server_engine(server, bundle)

    with pytest.raises(UndefinedError) as raised:
        engine.evaluate(
            _document([GOOD / "target.policy.json"], ALL_FEATURES, "target")
        )

    assert str(raised.value) == (
        f"{server.url}: data.dspm.report.result: the server returned no result: "
        "is the bundle loaded?"
    )


@pytest.mark.parametrize(
    ("recorded", "expected"),
    [
        pytest.param(
            "undefined",
            "data.dspm.report.result: the server returned no result: "
            "is the bundle loaded?",
            id="undefined",
        ),
        pytest.param(
            "error",
            "data.dspm.report.result: the server answered HTTP 500 (internal_error: "
            "1 error occurred: dspm/report/report.rego:17: eval_conflict_error: "
            "complete rules must not produce multiple outputs)",
            id="error",
        ),
        pytest.param(
            "bad-request",
            "data.dspm.report.result: the server answered HTTP 400 "
            "(invalid_parameter: body contains malformed input document: invalid "
            "character 'x' looking for beginning of value)",
            id="bad-request",
        ),
    ],
)
def test_recorded_failures(
    server: FakeOpa, bundle: Bundle, recorded: str, expected: str
) -> None:
    server.recorded[("POST", RESULT)] = Recorded.load(recorded)
    engine = _server_engine(server, bundle)

    with pytest.raises(EngineError) as raised:
        engine.evaluate({"roles": []})

    assert str(raised.value) == f"{server.url}: {expected}"


def test_recorded_success(server: FakeOpa, bundle: Bundle) -> None:
    recorded = Recorded.load("success")
    server.recorded[("POST", RESULT)] = recorded

    result = _server_engine(server, bundle).evaluate({"roles": []})

    assert result == recorded.body["result"]


def test_token_is_sent_and_required(token_server: FakeOpa, bundle: Bundle) -> None:
    token_server.recorded[("POST", RESULT)] = Recorded.load("success")

    _server_engine(token_server, bundle, token=TOKEN).evaluate({"roles": []})
    with pytest.raises(EngineError) as raised:
        _server_engine(token_server, bundle).evaluate({"roles": []})

    assert [request.authorised for request in token_server.requests] == [True, False]
    assert str(raised.value) == (
        f"{token_server.url}: data.dspm.report.result: the server answered "
        "HTTP 401 (unauthorized: missing token)"
    )


def test_token_from_the_environment_is_never_shown(token_server: FakeOpa) -> None:
    result = _run(
        "-vv",
        "check",
        "--engine",
        "opa-server",
        "--opa-url",
        token_server.url,
        "--opa-load-bundle",
        "--format",
        "json",
        GOOD / "target.role.json",
        env={"DSPM_OPA_TOKEN": TOKEN},
    )

    assert result.exit_code in (0, 1), result.output
    assert json.loads(result.stdout)["engine"] == "opa-server"
    assert "DEBUG" in result.stderr
    assert TOKEN not in result.output
    assert {request.authorised for request in token_server.requests} == {True}
    assert repr(ServerOptions("http://x", token=TOKEN)).count(TOKEN) == 0


def test_unreachable_server(bundle: Bundle) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    engine = _server_engine_at(url, bundle)

    with pytest.raises(EngineError) as raised:
        engine.evaluate({"roles": []})

    assert str(raised.value).startswith(f"{url}: expected a reachable OPA server (")


def _server_engine_at(url: str, bundle: Bundle, **options: Any) -> OpaServerEngine:
    return OpaServerEngine(bundle, ServerOptions(url, **options))


@pytest.mark.parametrize(
    ("url", "ca_cert", "expected"),
    [
        pytest.param(
            "ftp://127.0.0.1:8181",
            None,
            "--opa-url ftp://127.0.0.1:8181: expected http://HOST[:PORT] or "
            "https://HOST[:PORT]",
            id="scheme",
        ),
        pytest.param(
            "http://user:pw@127.0.0.1:8181",
            None,
            "--opa-url: expected no user or password in the URL; pass a bearer "
            "token with --opa-token or DSPM_OPA_TOKEN",
            id="credentials",
        ),
        pytest.param(
            "http://127.0.0.1:8181/opa",
            None,
            "--opa-url http://127.0.0.1:8181/opa: expected no path, query or "
            "fragment: OPA's API is reached at the root of the server",
            id="path-prefix",
        ),
        pytest.param(
            "http://127.0.0.1:8181",
            "ca.pem",
            "--opa-ca-cert ca.pem: expected an https URL",
            id="ca-without-https",
        ),
        pytest.param(
            "https://127.0.0.1:8181",
            "absent.pem",
            "--opa-ca-cert absent.pem: expected a readable PEM file",
            id="ca-absent",
        ),
    ],
)
def test_bad_server_options(
    bundle: Bundle, url: str, ca_cert: str | None, expected: str
) -> None:
    options = ServerOptions(url, ca_cert=None if ca_cert is None else Path(ca_cert))

    with pytest.raises(EngineError) as raised:
        OpaServerEngine(bundle, options)

    assert str(raised.value) == expected


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made by openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl command to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_server(tls_files: tuple[Path, Path]) -> Iterator[FakeOpa]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls_files)
    server = FakeOpa(tls=context).start()
    server.recorded[("POST", RESULT)] = Recorded.load("success")
    yield server
    server.stop()


def test_ca_cert_trusts_the_server(
    tls_server: FakeOpa, tls_files: tuple[Path, Path], bundle: Bundle
) -> None:
    engine = _server_engine(tls_server, bundle, ca_cert=tls_files[0])

    result = engine.evaluate({"roles": []})

    assert result == Recorded.load("success").body["result"]
    assert tls_server.url.startswith("https://")


def test_untrusted_server_certificate(tls_server: FakeOpa, bundle: Bundle) -> None:
    engine = _server_engine(tls_server, bundle)

    with pytest.raises(EngineError) as raised:
        engine.evaluate({"roles": []})

    assert str(raised.value).startswith(
        f"{tls_server.url}: expected a server certificate that the CA file or the "
        "system trusts ("
    )


# The opa command line engine.


def test_cli_command_line(bundle: Bundle, fake_opa: Path) -> None:
    engine = OpaCliEngine(bundle)

    engine.evaluate(_document([GOOD / "scanner.policy.json"], ALL_FEATURES, "scanner"))

    executable = str(Path(engine.executable))
    assert engine.command("dspm.report.result", with_input=True) == [
        executable,
        "eval",
        "--format",
        "json",
        "--bundle",
        str(bundle.root),
        "--stdin-input",
        "data.dspm.report.result",
    ]
    assert engine.command("dspm.catalog.version", with_input=False) == [
        executable,
        "eval",
        "--format",
        "json",
        "--bundle",
        str(bundle.root),
        "data.dspm.catalog.version",
    ]
    calls = [json.loads(line) for line in fake_opa.read_text().splitlines()]
    assert calls == [
        [
            *("eval", "--format", "json", "--bundle", str(bundle.root)),
            *("--stdin-input", "data.dspm.report.result"),
        ]
    ]


def test_cli_missing_opa(
    bundle: Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(EngineError) as raised:
        create_engine("opa-cli", bundle)
    result = _run("check", "--engine", "opa-cli", GOOD / "target.role.json")

    expected = (
        "opa: expected the OPA command line (opa 1.x) on PATH for --engine "
        "opa-cli; install it or use another --engine"
    )
    assert str(raised.value) == expected
    assert result.exit_code == 2
    assert result.stderr == f"dspm-iam: error: {expected}\n"


@pytest.mark.parametrize(
    ("answer", "failure"),
    [
        pytest.param(
            "undefined",
            (
                UndefinedError,
                "opa eval: data.dspm.report.result: no result: the document is "
                "undefined",
            ),
            id="undefined",
        ),
        pytest.param(
            "error",
            (
                EngineError,
                "opa eval: data.dspm.report.result: evaluation failed (var "
                "unknown_name is unsafe)",
            ),
            id="error",
        ),
    ],
)
def test_cli_recorded_failures(
    bundle: Bundle,
    fake_opa: Path,
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    failure: tuple[type[EngineError], str],
) -> None:
    error, expected = failure
    monkeypatch.setenv("FAKE_OPA_ANSWER", str(CLI_ANSWERS / f"{answer}.json"))

    with pytest.raises(error) as raised:
        OpaCliEngine(bundle).evaluate({"roles": []})

    assert str(raised.value) == expected


# Choosing the engine.


@pytest.mark.parametrize(
    ("name", "options", "expected"),
    [
        pytest.param(
            "opa-wasm",
            {},
            "opa-wasm: expected one of the engines " + ", ".join(ENGINES),
            id="unknown",
        ),
        pytest.param(
            "embedded",
            {"url": "http://127.0.0.1:8181"},
            "engine embedded: unexpected option url; expected no options",
            id="embedded-with-url",
        ),
        pytest.param(
            "opa-server",
            {},
            "engine opa-server: expected the server's URL (--opa-url)",
            id="server-without-url",
        ),
    ],
)
def test_create_engine_errors(
    bundle: Bundle, name: str, options: dict[str, Any], expected: str
) -> None:
    with pytest.raises(EngineError) as raised:
        create_engine(name, bundle, **options)

    assert str(raised.value) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["--opa-url", "http://127.0.0.1:8181"],
            "--opa-url: expected --engine opa-server",
            id="url-without-server",
        ),
        pytest.param(
            ["--engine", "opa-server"],
            "--engine opa-server: expected --opa-url URL",
            id="server-without-url",
        ),
    ],
)
def test_engine_usage_errors(args: list[str], expected: str) -> None:
    result = _run("check", *args, GOOD / "target.role.json")

    assert result.exit_code == 2
    assert expected in result.stderr


def test_token_in_environment_is_ignored_by_other_engines() -> None:
    result = _run(
        "check",
        "--format",
        "json",
        GOOD / "target.role.json",
        env={"DSPM_OPA_TOKEN": "x"},
    )

    assert result.exit_code in (0, 1), result.output
    assert json.loads(result.stdout)["engine"] == "embedded"


def test_the_embedded_engine_starts_without_the_http_client() -> None:
    """A check on the default engine never pays for importing the server engine."""
    probe = (
        "import sys, dspm_iam.cli; "
        "print(sorted(m for m in ('opa_client', 'aiohttp', 'dspm_iam.engine_server') "
        "if m in sys.modules))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "[]"


def test_check_starts_without_the_aws_sdk() -> None:
    """The scan command, and with it boto3, is imported only when asked for."""
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from dspm_iam.cli import cli\n"
        "assert 'boto3' not in sys.modules\n"
        "assert CliRunner().invoke(cli, ['check', '--help']).exit_code == 0\n"
        "assert 'boto3' not in sys.modules\n"
        "assert CliRunner().invoke(cli, ['scan', '--help']).exit_code == 0\n"
        "assert 'boto3' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _bundle_copy(tmp_path: Path, bundle: Bundle) -> Path:
    root = tmp_path / "policy"
    shutil.copytree(bundle.root, root)
    return root


def test_embedded_engine_names_a_data_file_it_cannot_parse(
    tmp_path: Path, bundle: Bundle
) -> None:
    root = _bundle_copy(tmp_path, bundle)
    broken = root / "dspm" / "trust" / "data.json"
    broken.write_text('{"orchestrator": ', "utf-8")

    with pytest.raises(BundleError) as raised:
        EmbeddedEngine(load_bundle(root))

    assert str(raised.value).startswith(f"{broken}: expected readable JSON (")


def test_embedded_engine_reads_the_data_files_as_python_reads_them(
    bundle: Bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file handed to OPA whole gives the data that add_data would."""
    direct = EmbeddedEngine(bundle)
    monkeypatch.setattr(EmbeddedEngine, "_raw_data_call", lambda self: None)
    through_python = EmbeddedEngine(bundle)
    try:
        for data_path, value in bundle.data_files():
            # A folder's document also holds its subfolders' data.
            loaded = direct.document(data_path)
            assert {key: loaded[key] for key in value} == value
            assert through_python.document(data_path) == loaded
    finally:
        direct.close()
        through_python.close()


def test_the_commands_engine_leaves_the_conftest_entry_point_out(
    bundle: Bundle,
) -> None:
    """No command asks for data.dspm.conftest, so its modules are not compiled."""
    engine = create_engine("embedded", bundle)
    whole = EmbeddedEngine(bundle)
    try:
        with pytest.raises(UndefinedError):
            engine.document("dspm.conftest.deny", {})
        assert isinstance(whole.document("dspm.conftest.deny", {}), list)
        assert engine.document("dspm.report.checks") == whole.document(
            "dspm.report.checks"
        )
    finally:
        engine.close()
        whole.close()

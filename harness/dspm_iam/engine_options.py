"""Command-line options that choose the engine: --engine and the --opa-* options.

Shared by the commands that evaluate; the engines themselves live in
engines.py and know nothing of the command line.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from dspm_iam.bundle import load_bundle
from dspm_iam.engines import ENGINES, SERVER_TIMEOUT, TOKEN_ENV, Engine, create_engine
from dspm_iam.evaluation import warm

F = TypeVar("F", bound=Callable[..., Any])
_SERVER_ONLY = ("opa_url", "opa_token", "opa_ca_cert", "opa_load_bundle", "opa_timeout")

_OPTIONS = (
    click.option(
        "--engine",
        type=click.Choice(ENGINES),
        default=ENGINES[0],
        show_default=True,
        help="Where OPA evaluates the bundle: embedded in this process, a "
        "running OPA server, or the opa command line.",
    ),
    click.option(
        "--opa-url",
        metavar="URL",
        help="OPA server address, e.g. http://127.0.0.1:8181 (--engine opa-server).",
    ),
    click.option(
        "--opa-token",
        metavar="TOKEN",
        envvar=TOKEN_ENV,
        show_envvar=True,
        help="Bearer token for the OPA server; never logged.",
    ),
    click.option(
        "--opa-ca-cert",
        type=click.Path(path_type=Path, dir_okay=False),
        help="PEM file of the CA that signed the OPA server's certificate.",
    ),
    click.option(
        "--opa-load-bundle",
        is_flag=True,
        help="Push the bundle's modules (Policy API) and data (Data API) into "
        "the OPA server before evaluating.",
    ),
    click.option(
        "--opa-timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=SERVER_TIMEOUT,
        show_default=True,
        help="Seconds to wait for each answer of the OPA server.",
    ),
)


def engine_options(command: F) -> F:
    """Add --engine and the --opa-* options to a command."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


@dataclass(frozen=True)
class EngineChoice:
    """The engine a command line asked for, with its options."""

    name: str
    options: dict[str, Any] = field(default_factory=dict, repr=False)


def engine_choice(ctx: click.Context, values: dict[str, Any]) -> EngineChoice:
    """The engine and options from the command's parameter values.

    The --opa-* options need --engine opa-server; a token from the
    environment is ignored by the other engines.
    """
    name = values["engine"]
    if name != "opa-server":
        for key in _SERVER_ONLY:
            if ctx.get_parameter_source(key) == ParameterSource.COMMANDLINE:
                option = "--" + key.replace("_", "-")
                raise click.UsageError(f"{option}: expected --engine opa-server")
        return EngineChoice(name)

    if not values["opa_url"]:
        raise click.UsageError("--engine opa-server: expected --opa-url URL")
    return EngineChoice(
        name,
        {
            "url": values["opa_url"],
            "token": values["opa_token"],
            "ca_cert": values["opa_ca_cert"],
            "load_bundle": values["opa_load_bundle"],
            "timeout": values["opa_timeout"],
        },
    )


@contextmanager
def open_engine(choice: EngineChoice, bundle_dir: Path | None) -> Iterator[Engine]:
    """The chosen engine on the bundle (default: the shipped one), closed after."""
    engine = create_engine(choice.name, load_bundle(bundle_dir), **choice.options)
    try:
        yield engine
    finally:
        engine.close()


@contextmanager
def starting_engine(
    choice: EngineChoice, bundle_dir: Path | None, params: dict[str, Any]
) -> Iterator[Callable[[], Engine]]:
    """Start the chosen engine while the caller goes on; closed after.

    Yields a function that returns the engine, waiting for it if need be. The
    embedded engine starts at once in a thread of its own: loading the bundle
    and preparing the query happen inside OPA, which lets the interpreter read
    the input meanwhile. The other engines open when first asked for, so that
    an input error is still reported before a server is contacted. An engine
    that failed to start raises when asked for, not when never asked for.
    """
    if choice.name != "embedded":
        opened: list[Engine] = []
        with ExitStack() as stack:

            def on_demand() -> Engine:
                if not opened:
                    opened.append(stack.enter_context(open_engine(choice, bundle_dir)))
                return opened[0]

            yield on_demand
        return

    future: Future[Engine] = Future()
    # A daemon thread: a run that stops early (an input error) exits at once
    # instead of waiting for an engine it will not use.
    threading.Thread(
        target=_start_embedded, args=(future, bundle_dir, params), daemon=True
    ).start()
    try:
        yield future.result
    finally:
        future.add_done_callback(_close_started)


def _start_embedded(
    future: Future[Engine], bundle_dir: Path | None, params: dict[str, Any]
) -> None:
    engine: Engine | None = None
    try:
        engine = create_engine("embedded", load_bundle(bundle_dir))
        warm(engine, params)
    except BaseException as error:  # handed to whoever asks for the engine
        if engine is not None:
            engine.close()
        future.set_exception(error)
        return
    future.set_result(engine)


def _close_started(future: Future[Engine]) -> None:
    """Close the engine once it has started, now or when it does."""
    if future.exception() is None:
        future.result().close()

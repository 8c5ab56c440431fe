"""The dspm-iam command line: check roles against the contract, show the contract.

Exit status: 0 clean, 1 findings at or above --fail-on (the bundle decides),
2 usage or input error.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from dspm_iam import __version__
from dspm_iam.bundle import load_bundle
from dspm_iam.contract_report import (
    contract_view,
    render_contract_json,
    render_contract_text,
)
from dspm_iam.engine import EmbeddedEngine
from dspm_iam.errors import DspmIamError, EngineError
from dspm_iam.loaders import load_inputs
from dspm_iam.params import ROLE_TYPES, load_params
from dspm_iam.report import (
    TOOL_NAME,
    build_report,
    render_json,
    render_text,
    report_metadata,
)

logger = logging.getLogger(__name__)

FAIL_ON = ("critical", "high", "medium", "low", "info", "never")
FORMATS = ("text", "json")
EXIT_FAILED = 1
EXIT_ERROR = 2
_LOG_LEVELS = (logging.WARNING, logging.INFO, logging.DEBUG)


class UserError(click.ClickException):
    """A DspmIamError shown as one line on stderr, exiting with status 2."""

    exit_code = EXIT_ERROR

    def show(self, file: Any = None) -> None:
        """Print `dspm-iam: error: <message>` on stderr."""
        click.echo(f"{TOOL_NAME}: error: {self.format_message()}", err=True)


class _Group(click.Group):
    """A group that turns the project's own errors into one-line messages."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DspmIamError as error:
            raise UserError(" ".join(str(error).split("\n"))) from None


_bundle_option = click.option(
    "--bundle",
    "bundle_dir",
    type=click.Path(path_type=Path),
    help="OPA bundle directory (default: the shipped policy/).",
)
_format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format.",
)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name=TOOL_NAME, message="%(prog)s %(version)s")
@click.option("-v", "--verbose", count=True, help="-v for INFO logs, -vv for DEBUG.")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """Check deployed Zscaler DSPM IAM roles against the vendor's contract.

    Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage or input
    error.
    """
    ctx.call_on_close(_configure_logging(verbose))


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--params",
    "params_path",
    type=click.Path(path_type=Path),
    help="Deployment parameters (YAML or JSON).",
)
@click.option(
    "--role-type",
    type=click.Choice(ROLE_TYPES),
    help="The DSPM role type of every role read (needed for bare policies).",
)
@_format_option
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default="high",
    show_default=True,
    help="Lowest severity that makes the check fail (exit 1).",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    help="Write the report to this file instead of standard output.",
)
@_bundle_option
@click.pass_context
def check(
    ctx: click.Context,
    *,
    paths: tuple[str, ...],
    params_path: Path | None,
    role_type: str | None,
    output_format: str,
    fail_on: str,
    output: Path | None,
    bundle_dir: Path | None,
) -> None:
    """Check IAM documents: policy files, role files, authorization dumps.

    PATHS are files, directories (every *.json below them) or - for standard
    input.
    """
    params = load_params(params_path)
    inputs = load_inputs(paths, role_type, sys.stdin)
    document = {
        "params": params,
        "options": {"fail_on": fail_on},
        "sources": inputs.sources,
        "roles": inputs.roles,
    }
    with _engine(bundle_dir) as engine:
        report = build_report(engine.evaluate(document), report_metadata(engine))

    if output_format == "json":
        text = render_json(report)
    else:
        text = render_text(report, colour=output is None and sys.stdout.isatty())
    _write(text, output)
    ctx.exit(EXIT_FAILED if _failed(report) else 0)


@cli.command()
@click.option(
    "--role-type", type=click.Choice(ROLE_TYPES), help="Show only this role type."
)
@_format_option
@_bundle_option
def contract(
    role_type: str | None, output_format: str, bundle_dir: Path | None
) -> None:
    """Print the vendor contract held in the bundle, with its errata."""
    with _engine(bundle_dir) as engine:
        view = contract_view(engine.document("dspm.contract"), role_type)

    if output_format == "json":
        click.echo(render_contract_json(view), nl=False)
    else:
        click.echo(render_contract_text(view), nl=False)


def main() -> None:
    """Console script entry point."""
    cli.main(prog_name=TOOL_NAME)


@contextmanager
def _engine(bundle_dir: Path | None) -> Iterator[EmbeddedEngine]:
    engine = EmbeddedEngine(load_bundle(bundle_dir))
    try:
        yield engine
    finally:
        engine.close()


def _failed(report: dict[str, Any]) -> bool:
    failed = report["summary"].get("failed")
    if not isinstance(failed, bool):
        raise EngineError("data.dspm.report.result: expected summary.failed boolean")
    return failed


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, "utf-8")
    except OSError as error:
        reason = error.strerror or str(error)
        raise DspmIamError(f"{output}: expected a writable file ({reason})") from None
    logger.info("wrote the report to %s", output)


def _configure_logging(verbosity: int) -> Callable[[], None]:
    package = logging.getLogger("dspm_iam")
    previous_level = package.level
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    package.addHandler(handler)
    package.setLevel(_LOG_LEVELS[min(verbosity, len(_LOG_LEVELS) - 1)])

    def undo() -> None:
        package.removeHandler(handler)
        package.setLevel(previous_level)

    return undo

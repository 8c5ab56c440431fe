"""The dspm-iam command line: check roles against the contract, show the contract.

Exit status: 0 clean, 1 findings at or above --fail-on (the bundle decides),
2 usage or input error; scan and merge also 3 when a collection is incomplete
(3 takes precedence over 1).
"""

from __future__ import annotations

import datetime
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from dspm_iam import __version__
from dspm_iam.cli_options import (
    attach_scps,
    baseline_option,
    bundle_option,
    cfn_parameters_option,
    fail_on_option,
    format_option,
    output_option,
    params_option,
    report_format_option,
    role_type_option,
    scp_option,
    waivers_option,
)
from dspm_iam.cloudformation import load_parameters
from dspm_iam.contract_report import (
    contract_view,
    render_contract_json,
    render_contract_text,
)
from dspm_iam.engine_options import (
    engine_choice,
    engine_options,
    open_engine,
    starting_engine,
)
from dspm_iam.errors import EXIT_ERROR, DspmIamError, EngineError
from dspm_iam.evaluation import evaluate_report
from dspm_iam.explain_cli import explain
from dspm_iam.loaders import load_inputs
from dspm_iam.merge import merge_reports, read_report, read_reports
from dspm_iam.params import ROLE_TYPES, load_params
from dspm_iam.report import (
    TOOL_NAME,
    render_json,
    render_text,
)
from dspm_iam.report_github import render_github
from dspm_iam.report_html import render_html
from dspm_iam.report_junit import render_junit
from dspm_iam.report_markdown import render_markdown
from dspm_iam.report_sarif import render_sarif
from dspm_iam.shards import Shard, select_shard, shard_option
from dspm_iam.spec_cli import spec
from dspm_iam.waivers import load_baseline, load_waivers

logger = logging.getLogger(__name__)
_LAZY_SCAN = "scan"

EXIT_FAILED = 1
EXIT_INCOMPLETE = 3
_LOG_LEVELS = (logging.WARNING, logging.INFO, logging.DEBUG)


class UserError(click.ClickException):
    """A DspmIamError shown as one line on stderr, exiting with status 2."""

    exit_code = EXIT_ERROR

    def show(self, file: Any = None) -> None:
        """Print `dspm-iam: error: <message>` on stderr."""
        click.echo(f"{TOOL_NAME}: error: {self.format_message()}", err=True)


class _Group(click.Group):
    """A group that turns the project's own errors into one-line messages.

    The scan command is imported when it is asked for (or listed): it needs
    the AWS SDK, a tenth of a second of every other command's start-up.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DspmIamError as error:
            raise UserError(" ".join(str(error).split("\n"))) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), _LAZY_SCAN})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == _LAZY_SCAN and cmd_name not in self.commands:
            from dspm_iam.scan_cli import scan  # noqa: PLC0415 - see the class

            self.add_command(scan)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name=TOOL_NAME, message="%(prog)s %(version)s")
@click.option("-v", "--verbose", count=True, help="-v for INFO logs, -vv for DEBUG.")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """Check deployed Zscaler DSPM IAM roles against the vendor's contract.

    Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage or input
    error, 3 (scan, merge) incomplete collection, before 1.
    """
    ctx.call_on_close(_configure_logging(verbose))


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@params_option
@role_type_option
@report_format_option
@fail_on_option
@output_option
@bundle_option
@scp_option
@cfn_parameters_option
@waivers_option
@baseline_option
@click.option(
    "--shard",
    metavar="I/N",
    callback=shard_option,
    help="Check only the roles of shard I of N of the accounts (see merge).",
)
@engine_options
@click.pass_context
def check(
    ctx: click.Context,
    /,
    *,
    paths: tuple[str, ...],
    params_path: Path | None,
    role_type: str | None,
    output_format: str,
    fail_on: str,
    output: Path | None,
    bundle_dir: Path | None,
    scp_path: Path | None,
    cfn_parameters_path: Path | None,
    waivers_path: Path | None,
    baseline_path: Path | None,
    shard: Shard | None,
    **engine_values: Any,
) -> None:
    """Check IAM documents: policy files, role files, authorization dumps,
    CloudFormation templates and Terraform plans.

    PATHS are files, directories (every *.json, *.yaml, *.yml and *.template
    below them) or - for standard input.
    """
    choice = engine_choice(ctx, engine_values)
    params = load_params(params_path)
    # The engine starts while the input is read: the two overlap.
    with starting_engine(choice, bundle_dir, params) as started:
        document = _check_document(
            paths,
            params,
            role_type,
            fail_on,
            scp_path=scp_path,
            cfn_parameters_path=cfn_parameters_path,
            waivers_path=waivers_path,
            baseline_path=baseline_path,
            shard=shard,
        )
        report = evaluate_report(started(), document)
    if shard is not None:
        report["shard"] = {"index": shard.index, "count": shard.count}

    _write(_render(report, output_format, output), output)
    ctx.exit(EXIT_FAILED if _failed(report) else 0)


def _check_document(
    paths: tuple[str, ...],
    params: dict[str, Any],
    role_type: str | None,
    fail_on: str,
    *,
    scp_path: Path | None,
    cfn_parameters_path: Path | None,
    waivers_path: Path | None,
    baseline_path: Path | None,
    shard: Shard | None,
) -> dict[str, Any]:
    """The input document of check: what was read, with the run's options."""
    cfn_parameters = (
        {} if cfn_parameters_path is None else load_parameters(cfn_parameters_path)
    )
    inputs = load_inputs(paths, role_type, sys.stdin, cfn_parameters)
    attach_scps(inputs, scp_path)
    if shard is not None:
        inputs = select_shard(inputs, shard)
    document: dict[str, Any] = {
        "params": params,
        "options": {"fail_on": fail_on, "today": _today()},
        "sources": inputs.sources,
        "roles": inputs.roles,
    }
    if waivers_path is not None:
        document["waivers"] = load_waivers(waivers_path)
    if baseline_path is not None:
        document["baseline"] = load_baseline(baseline_path)
    return document


@cli.command()
@click.argument("reports", nargs=-1, required=True, type=click.Path(path_type=Path))
@report_format_option
@output_option
@bundle_option
@engine_options
@click.pass_context
def merge(
    ctx: click.Context,
    /,
    *,
    reports: tuple[Path, ...],
    output_format: str,
    output: Path | None,
    bundle_dir: Path | None,
    **engine_values: Any,
) -> None:
    """Join the JSON reports of check --shard I/N into the report of one run.

    Every shard of the split must be given once; the bundle orders the
    findings and recomputes the summary and verdict, as one run would.
    """
    choice = engine_choice(ctx, engine_values)
    read = read_reports(reports)
    with open_engine(choice, bundle_dir) as engine:
        report = merge_reports(engine, read)

    _write(_render(report, output_format, output), output)
    collection = report.get("collection")
    if collection is not None and not collection["complete"]:
        ctx.exit(EXIT_INCOMPLETE)
    ctx.exit(EXIT_FAILED if _failed(report) else 0)


@cli.command()
@click.argument("report_path", metavar="REPORT", type=click.Path(path_type=Path))
@report_format_option
@output_option
def render(*, report_path: Path, output_format: str, output: Path | None) -> None:
    """Write the JSON report of an earlier check in another format.

    Exit status 0 once written: the verdict was check's to give, and the
    report keeps it (summary.failed).
    """
    report = read_report(report_path)

    _write(_render(report, output_format, output), output)


@cli.command()
@click.option(
    "--role-type", type=click.Choice(ROLE_TYPES), help="Show only this role type."
)
@format_option
@bundle_option
@engine_options
@click.pass_context
def contract(
    ctx: click.Context,
    /,
    *,
    role_type: str | None,
    output_format: str,
    bundle_dir: Path | None,
    **engine_values: Any,
) -> None:
    """Print the vendor contract held in the bundle, with its errata."""
    choice = engine_choice(ctx, engine_values)
    with open_engine(choice, bundle_dir) as engine:
        view = contract_view(engine.document("dspm.contract"), role_type)

    if output_format == "json":
        click.echo(render_contract_json(view), nl=False)
    else:
        click.echo(render_contract_text(view), nl=False)


cli.add_command(explain)
cli.add_command(spec)


def main() -> None:
    """Console script entry point."""
    cli.main(prog_name=TOOL_NAME)


_RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "json": render_json,
    "html": render_html,
    "sarif": render_sarif,
    "junit": render_junit,
    "github": render_github,
    "markdown": render_markdown,
}


def _render(report: dict[str, Any], output_format: str, output: Path | None) -> str:
    if output_format in _RENDERERS:
        return _RENDERERS[output_format](report)
    return render_text(report, colour=output is None and sys.stdout.isatty())


def _today() -> str:
    """Today's date in UTC, the day waivers are judged on."""
    return datetime.datetime.now(datetime.UTC).date().isoformat()


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

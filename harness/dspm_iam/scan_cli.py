"""The `dspm-iam scan` command: collect from AWS, evaluate, report.

Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage or input
error, 3 incomplete collection (an account could not be collected or
evaluated). 3 takes precedence over 1.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from dspm_iam.cli_options import (
    bundle_option,
    fail_on_option,
    output_option,
    params_option,
    report_format_option,
)
from dspm_iam.collect import (
    DEFAULT_ROLE_NAME,
    DEFAULT_SESSION_NAME,
    AssumeOptions,
    AwsCollector,
    AwsOptions,
)
from dspm_iam.engine_options import engine_choice, engine_options, open_engine
from dspm_iam.errors import DspmIamError
from dspm_iam.params import load_params
from dspm_iam.scan import ScanResult, ScanSettings, run_scan
from dspm_iam.scan_output import Write, write_html, write_json, write_text
from dspm_iam.shards import shard_option
from dspm_iam.snapshots import OutputFolder

logger = logging.getLogger(__name__)

EXIT_FINDINGS = 1
EXIT_INCOMPLETE = 3
_ORGANIZATION_ONLY = ("assume_role_name", "external_id", "session_name", "shard")
_POSITIVE = click.FloatRange(min=0, min_open=True)


@click.command()
@click.option(
    "--organization",
    is_flag=True,
    help="Scan every active account of the Organization (default: the "
    "caller's own account).",
)
@click.option("--profile", help="AWS profile (default: the default credential chain).")
@click.option("--region", help="AWS region (default: the profile's, else us-east-1).")
@click.option(
    "--endpoint-url",
    help="Send every AWS call to this endpoint: an AWS-compatible service "
    "or a private endpoint.",
)
@click.option(
    "--assume-role-name",
    default=DEFAULT_ROLE_NAME,
    show_default=True,
    help="Role assumed in each member account (with --organization).",
)
@click.option("--external-id", help="sts:ExternalId passed when assuming the role.")
@click.option(
    "--session-name",
    default=DEFAULT_SESSION_NAME,
    show_default=True,
    help="Role session name, as CloudTrail records it.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Accounts collected at once.",
)
@click.option(
    "--max-attempts",
    type=click.IntRange(1, 50),
    default=8,
    show_default=True,
    help="Attempts per AWS call, with adaptive retries on throttling.",
)
@click.option(
    "--connect-timeout",
    type=_POSITIVE,
    default=10.0,
    show_default=True,
    help="Seconds to wait for a connection.",
)
@click.option(
    "--read-timeout",
    type=_POSITIVE,
    default=60.0,
    show_default=True,
    help="Seconds to wait for an answer.",
)
@click.option(
    "--account-timeout",
    type=_POSITIVE,
    default=300.0,
    show_default=True,
    help="Seconds one account may take before it is reported as failed.",
)
@click.option(
    "--output-dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for snapshots, SCPs, per-account reports and run.json.",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Continue the run in --output-dir: skip accounts already collected.",
)
@click.option(
    "--shard",
    metavar="I/N",
    callback=shard_option,
    help="Scan only shard I of N of the Organization's accounts.",
)
@params_option
@report_format_option
@fail_on_option
@output_option
@bundle_option
@engine_options
@click.pass_context
def scan(ctx: click.Context, /, **options: Any) -> None:
    """Collect IAM roles from AWS, read-only, and check them against the contract.

    Each account's snapshot is written to --output-dir as soon as it is
    collected and can be checked again offline with `dspm-iam check`.

    Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage or input
    error, 3 incomplete collection (takes precedence over 1).
    """
    _check_organization_options(ctx, options)
    choice = engine_choice(ctx, options)
    settings = ScanSettings(
        params=load_params(options["params_path"]),
        fail_on=options["fail_on"],
        concurrency=options["concurrency"],
        account_timeout=options["account_timeout"],
        shard=options["shard"],
    )
    folder = OutputFolder(options["output_dir"], resume=options["resume"])
    collector = _collector(options)

    with open_engine(choice, options["bundle_dir"]) as engine:
        result = run_scan(collector, folder, engine, settings)

    _emit(result, folder, options["output_format"], options["output"])
    ctx.exit(exit_status(result))


def exit_status(result: ScanResult) -> int:
    """3 when the collection is incomplete, else 1 when the scan failed, else 0."""
    if not result.complete:
        return EXIT_INCOMPLETE
    return EXIT_FINDINGS if result.summary["failed"] else 0


def _check_organization_options(ctx: click.Context, options: dict[str, Any]) -> None:
    if options["organization"]:
        return
    for name in _ORGANIZATION_ONLY:
        if ctx.get_parameter_source(name) not in (None, ParameterSource.DEFAULT):
            option = "--" + name.replace("_", "-")
            raise click.UsageError(f"{option}: expected --organization with it")


def _collector(options: dict[str, Any]) -> AwsCollector:
    aws = AwsOptions(
        profile=options["profile"],
        region=options["region"],
        endpoint_url=options["endpoint_url"],
        max_attempts=options["max_attempts"],
        connect_timeout=options["connect_timeout"],
        read_timeout=options["read_timeout"],
    )
    if not options["organization"]:
        return AwsCollector(aws, None)

    assume = AssumeOptions(
        role_name=options["assume_role_name"],
        external_id=options["external_id"],
        session_name=options["session_name"],
    )
    return AwsCollector(aws, assume)


def _emit(
    result: ScanResult, folder: OutputFolder, output_format: str, output: Path | None
) -> None:
    if output is None:
        _render(_echo, result, folder, output_format, sys.stdout.isatty())
        return

    temporary: str | None = None
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=output.parent, prefix=f".{output.name}.", suffix=".partial"
        )
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            _render(stream.write, result, folder, output_format, False)
        os.replace(temporary, output)
    except OSError as error:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        reason = error.strerror or str(error)
        raise DspmIamError(f"{output}: expected a writable file ({reason})") from None
    logger.info("wrote the combined report to %s", output)


def _echo(text: str) -> None:
    click.echo(text, nl=False)


def _render(
    write: Write,
    result: ScanResult,
    folder: OutputFolder,
    output_format: str,
    colour: bool,
) -> None:
    if output_format == "json":
        write_json(write, folder, result)
    elif output_format == "html":
        write_html(write, folder, result)
    else:
        write_text(write, folder, result, colour=colour)

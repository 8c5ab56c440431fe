"""Command-line options shared by several commands, defined once."""

from __future__ import annotations

from pathlib import Path

import click

from dspm_iam.loaders import Inputs, load_scps
from dspm_iam.params import ROLE_TYPES

FAIL_ON = ("critical", "high", "medium", "low", "info", "never")
FORMATS = ("text", "json")
REPORT_FORMATS = ("text", "json", "html", "sarif", "junit", "github", "markdown")

bundle_option = click.option(
    "--bundle",
    "bundle_dir",
    type=click.Path(path_type=Path),
    help="OPA bundle directory (default: the shipped policy/).",
)
format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format.",
)
report_format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(REPORT_FORMATS),
    default="text",
    show_default=True,
    help=(
        "Output format: html is one self-contained page, sarif is SARIF 2.1.0, "
        "github is workflow-command annotations, markdown a pull-request summary."
    ),
)
output_option = click.option(
    "--output",
    type=click.Path(path_type=Path),
    help="Write the report to this file instead of standard output.",
)
params_option = click.option(
    "--params",
    "params_path",
    type=click.Path(path_type=Path),
    help="Deployment parameters (YAML or JSON).",
)
role_type_option = click.option(
    "--role-type",
    type=click.Choice(ROLE_TYPES),
    help="The DSPM role type of every role read (needed for bare policies).",
)
fail_on_option = click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default="high",
    show_default=True,
    help="Lowest severity that makes the run fail (exit 1).",
)
waivers_option = click.option(
    "--waivers",
    "waivers_path",
    type=click.Path(path_type=Path),
    help="Waiver file (YAML): accepted deviations, each with an owner and expiry.",
)
baseline_option = click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(path_type=Path),
    help="JSON report of an earlier run: only findings new since it fail the run.",
)
cfn_parameters_option = click.option(
    "--cfn-parameters",
    "cfn_parameters_path",
    type=click.Path(path_type=Path),
    help="CloudFormation parameter values (JSON or YAML), pseudo parameters too.",
)
scp_option = click.option(
    "--scp",
    "scp_path",
    type=click.Path(path_type=Path),
    help="Service Control Policies (JSON) that apply to every role checked.",
)


def attach_scps(inputs: Inputs, scp_path: Path | None) -> None:
    """Give every role read the SCPs of the --scp file, if one was given."""
    if scp_path is None:
        return

    scps = load_scps(scp_path)
    for role in inputs.roles:
        role["scps"] = scps

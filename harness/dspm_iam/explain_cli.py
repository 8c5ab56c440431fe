"""`dspm-iam explain`: every statement that allows, denies or bounds one action."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from dspm_iam.cli_options import (
    attach_scps,
    bundle_option,
    format_option,
    params_option,
    role_type_option,
    scp_option,
)
from dspm_iam.engine import UndefinedError
from dspm_iam.engine_options import engine_choice, engine_options, open_engine
from dspm_iam.engines import Engine
from dspm_iam.errors import InputError
from dspm_iam.loaders import load_inputs
from dspm_iam.params import load_params
from dspm_iam.report import wrap

EXPLAIN = "dspm.explain"


@click.command()
@click.argument("role")
@click.argument("action")
@click.argument("paths", nargs=-1, required=True)
@params_option
@role_type_option
@scp_option
@format_option
@bundle_option
@engine_options
@click.pass_context
def explain(
    ctx: click.Context,
    /,
    *,
    role: str,
    action: str,
    paths: tuple[str, ...],
    params_path: Path | None,
    role_type: str | None,
    scp_path: Path | None,
    output_format: str,
    bundle_dir: Path | None,
    **engine_values: Any,
) -> None:
    """Explain why ROLE may or may not perform ACTION, read from PATHS.

    Lists every statement of the role's policies, permissions boundary and
    SCPs that names the action, and the final decision.
    """
    choice = engine_choice(ctx, engine_values)
    inputs = load_inputs(paths, role_type, sys.stdin)
    attach_scps(inputs, scp_path)
    document = {
        "params": load_params(params_path),
        "options": {"fail_on": "never"},
        "sources": inputs.sources,
        "roles": inputs.roles,
        "explain": {"role": role, "action": action},
    }

    with open_engine(choice, bundle_dir) as engine:
        result = _explanation(engine, document)

    if output_format == "json":
        click.echo(json.dumps(result, indent=2, sort_keys=True))
    else:
        click.echo(render_explanation(result), nl=False)


def _explanation(engine: Engine, document: dict[str, Any]) -> Any:
    try:
        return engine.document(f"{EXPLAIN}.result", document)
    except UndefinedError:
        raise InputError(engine.document(f"{EXPLAIN}.error", document)) from None


def render_explanation(result: dict[str, Any]) -> str:
    """The explanation as text: the decision, then each statement."""
    rows = ", ".join(result["contract_rows"]) or "none"
    lines = [
        f"Role {result['role']} ({result['role_type']}), action {result['action']}: "
        f"{result['decision'].upper()}",
        f"  allowed by the contract: {'yes' if result['documented'] else 'no'}"
        f" (contract rows naming it: {rows})",
    ]
    if result["reason"]:
        lines.append(f"  why: {result['reason']}")
    if not result["statements"]:
        lines.append("  no statement names the action")
    lines += [_statement_line(statement) for statement in result["statements"]]
    return "\n".join(lines) + "\n"


def _statement_line(statement: dict[str, Any]) -> str:
    place = statement["statement"]
    sid = f" ({place['sid']})" if place["sid"] else ""
    layer = statement["layer"]
    if statement["target"] and statement["layer"] == "scp":
        layer = f"scp at {statement['target']}"
    text = (
        f"{layer} policy {statement['policy']} statement {place['index']}{sid}: "
        f"{statement['part']}; resources "
        f"{', '.join(statement['resources']) or 'none'}"
    )
    if statement["condition"]:
        text += f"; condition {json.dumps(statement['condition'], sort_keys=True)}"
    return wrap(text, "  ", "      ")

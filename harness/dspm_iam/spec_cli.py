"""`dspm-iam spec lint`: the vendor contract's own defects, judged by the bundle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from dspm_iam.cli_options import bundle_option, format_option
from dspm_iam.engine_options import engine_choice, engine_options, open_engine
from dspm_iam.report import wrap

LINT = "dspm.lint.result"
SHOWN = 5


@click.group()
def spec() -> None:
    """Inspect the vendor contract the bundle holds."""


@spec.command()
@format_option
@bundle_option
@engine_options
@click.pass_context
def lint(
    ctx: click.Context,
    /,
    *,
    output_format: str,
    bundle_dir: Path | None,
    **engine_values: Any,
) -> None:
    """Report the contract's defects: unknown actions, repeated and redundant
    rows, wildcards and their reach today, and contradictions between roles.

    Exit status 0: the defects are the vendor's, reported for a person to
    weigh; the checks already use the corrected contract.
    """
    choice = engine_choice(ctx, engine_values)
    with open_engine(choice, bundle_dir) as engine:
        result = engine.document(LINT)

    if output_format == "json":
        click.echo(json.dumps(result, indent=2, sort_keys=True))
    else:
        click.echo(render_lint(result), nl=False)


def render_lint(result: dict[str, Any]) -> str:
    """Lint items as text, most severe first, then the counts."""
    order = {"error": 0, "warning": 1, "info": 2}
    items = sorted(
        result["items"], key=lambda item: (order[item["severity"]], item["rows"])
    )
    lines = [_item_line(item) for item in items]
    counts = result["summary"]
    lines.append(
        f"Contract lint with catalog {result['catalog']}: {counts['error']} error(s), "
        f"{counts['warning']} warning(s), {counts['info']} note(s)"
    )
    return "\n".join(lines) + "\n"


def _item_line(item: dict[str, Any]) -> str:
    text = (
        f"{item['severity'].upper()} {item['kind']} [{', '.join(item['rows'])}]: "
        f"{item['message']}"
    )
    if item["kind"] == "wildcard" and len(item["actions"]) > SHOWN:
        shown = ", ".join(item["actions"][:SHOWN])
        text += f" ({shown} and {len(item['actions']) - SHOWN} more)"
    return wrap(text, "", "    ")

"""`dspm-iam spec lint` reports the vendor contract's own defects."""

from __future__ import annotations

import json

from click.testing import CliRunner

from dspm_iam.cli import cli


def test_json_lists_errata_wildcards_and_contradictions() -> None:
    result = CliRunner().invoke(cli, ["spec", "lint", "--format", "json"])
    lint = json.loads(result.stdout)
    kinds = {item["kind"] for item in lint["items"]}

    assert result.exit_code == 0
    assert {"typo", "not-an-action", "duplicate-row", "wildcard"} <= kinds
    assert {"redundant-row", "contradiction"} <= kinds
    assert lint["summary"]["error"] == 2


def test_text_puts_errors_first_and_counts_last() -> None:
    result = CliRunner().invoke(cli, ["spec", "lint"])
    lines = result.stdout.splitlines()

    assert lines[0].startswith("ERROR ")
    assert lines[-1].startswith("Contract lint with catalog ")
    assert "ec2:Describe* (access) expands to" in " ".join(result.stdout.split())
    assert max(len(line) for line in lines) <= 80

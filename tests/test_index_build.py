"""The compiled index of the contract's expansions, and its refresh report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dspm_iam.index_build import changes, main

REPO = Path(__file__).resolve().parents[1]
INDEX = REPO / "policy" / "dspm" / "index" / "data.json"


def test_changes_name_what_each_row_gains_and_loses() -> None:
    old = {"row_actions": {"r1": ["ec2:A", "ec2:B"], "r2": ["s3:X"]}}
    new = {"row_actions": {"r1": ["ec2:A", "ec2:C"], "r2": ["s3:X"]}}

    assert changes(old, new) == [
        "r1: now also covers ec2:C",
        "r1: no longer covers ec2:B",
    ]


def test_rebuild_matches_the_committed_index_and_reports_a_refresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "index.json"
    stale = json.loads(INDEX.read_text("utf-8"))
    stale["catalog_version"] = "old"
    stale_first = stale["row_actions"]["access-r03"][0]
    stale["row_actions"]["access-r03"] = stale["row_actions"]["access-r03"][1:]
    out.write_text(json.dumps(stale))

    assert main([str(REPO / "policy"), str(out)]) == 0
    assert out.read_text("utf-8") == INDEX.read_text("utf-8")
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].endswith("(was old)")
    assert printed[1:] == [f"access-r03: now also covers {stale_first}"]

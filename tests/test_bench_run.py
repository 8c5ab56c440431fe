"""The benchmark's command line: how many runs each tool gets."""

from __future__ import annotations

import argparse

import pytest
from bench.run import runs_of, tool_runs


def test_a_tool_gets_its_own_run_count() -> None:
    args = argparse.Namespace(runs=5, tool_runs=[tool_runs("cloudsplaining=1")])

    assert runs_of("cloudsplaining", args) == 1
    assert runs_of("dspm-iam check", args) == 5


@pytest.mark.parametrize("text", ["cloudsplaining", "nobody=2", "check=0", "check=x"])
def test_a_malformed_tool_run_count_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=r"expected TOOL=N"):
        tool_runs(text)

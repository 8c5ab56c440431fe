"""Test-session hooks: the Rego coverage summary at the end of the run."""

from __future__ import annotations

import pytest

from dspm_iam.regotest import Coverage

REGO_COVERAGE = pytest.StashKey[Coverage]()


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Print line coverage of each policy module the Rego tests reached."""
    coverage = config.stash.get(REGO_COVERAGE, None)
    if coverage is None or not coverage.seen:
        return

    terminalreporter.section("Rego coverage (embedded OPA)")
    for path in sorted(coverage.seen):
        terminalreporter.write_line(f"{coverage.percent(path):6.1f}%  {path}")
    terminalreporter.write_line(f"{coverage.percent():6.1f}%  total")

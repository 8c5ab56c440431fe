"""What the bundle's build commands share: their parser, logging and exit status.

Each `python -m dspm_iam.NAME` build writes part of the bundle (or the
archive of it). An error it can name, a DspmIamError, a file that cannot be
read or written, JSON that does not parse, becomes one line on stderr,
`NAME: error: ...`, and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from dspm_iam.errors import EXIT_ERROR, DspmIamError

BUILD_ERRORS = (DspmIamError, OSError, ValueError)


def build_parser(name: str, doc: str | None) -> argparse.ArgumentParser:
    """The parser of `python -m dspm_iam.<name>`, described by doc's first
    paragraph."""
    summary = (doc or name).strip().split("\n\n")[0]
    parser = argparse.ArgumentParser(
        prog=f"python -m dspm_iam.{name}", description=" ".join(summary.split())
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log what was built (-v) and how (-vv)",
    )
    return parser


def run_build(name: str, verbosity: int, build: Callable[[], None]) -> int:
    """Run one build; 0 when it wrote its output, 2 after a one-line error."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        build()
    except BUILD_ERRORS as error:
        print(f"{name}: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    return 0

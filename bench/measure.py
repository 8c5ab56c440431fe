"""Run one command and report its wall time and peak memory as one JSON line.

Used by `bench/run.py` so that each figure is the timed command's alone: the
peak resident set size is read from `RUSAGE_CHILDREN` of this small wrapper,
whose only child is the command. Standard library only, so that it runs under
any interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path


def measure(
    command: Sequence[str], timeout: float, log: Path | None
) -> dict[str, object]:
    """Run `command` once; its status, wall seconds and peak memory in KiB."""
    sink = log.open("wb") if log else subprocess.DEVNULL
    started = time.perf_counter()
    child = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=sink, start_new_session=True
    )
    try:
        returncode = child.wait(timeout=timeout)
        status = "ok" if returncode == 0 else "failed"
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        returncode = child.wait()
        status = "timeout"
    seconds = time.perf_counter() - started

    if log:
        sink.close()  # type: ignore[union-attr]

    # Limitation: RUSAGE_CHILDREN gives the largest peak of any one process
    # below this wrapper, not the sum, so a tool that forks workers is
    # under-reported. Sampling the process tree's memory would lift this.
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "status": status,
        "returncode": returncode,
        "seconds": seconds,
        "peak_kib": peak_kib,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `--timeout`, `--log` and the command after `--`; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("--log", type=Path)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args(argv)

    print(json.dumps(measure(args.command, args.timeout, args.log)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

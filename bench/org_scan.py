"""Benchmark: `dspm-iam scan --organization` over a simulated Organization.

Builds an Organization of N member accounts in moto's server mode (a real
HTTP endpoint on 127.0.0.1, fake credentials, nothing sent anywhere else),
then runs the scan end to end as a separate process, several times, and
reports the median wall time, accounts per second and the scan's peak
memory. Run with `make bench-org` (N=1000 by default); not part of the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.harness.aws_org import aws_environment, build_organization, moto_server

REPO = Path(__file__).resolve().parents[1]
DSPM_IAM = REPO / ".venv" / "bin" / "dspm-iam"
PARAMS = REPO / "tests" / "data" / "params" / "all-features.yaml"


def scan_once(endpoint: str, workdir: Path, concurrency: int) -> tuple[float, int]:
    """One whole scan; its wall time in seconds and the exit status."""
    output = workdir / f"scan-{time.monotonic_ns()}"
    command = [
        str(DSPM_IAM),
        "scan",
        "--organization",
        "--endpoint-url",
        endpoint,
        "--params",
        str(PARAMS),
        "--output-dir",
        str(output),
        "--concurrency",
        str(concurrency),
        "--format",
        "json",
        "--output",
        str(output.with_suffix(".json")),
    ]
    environment = {**os.environ, **aws_environment()}
    started = time.perf_counter()
    completed = subprocess.run(command, env=environment, check=False)
    return time.perf_counter() - started, completed.returncode


def main() -> int:
    """Build the Organization, time the scans, print and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--output", type=Path, default=REPO / "dist" / "bench-org.json")
    args = parser.parse_args()

    with moto_server() as endpoint, tempfile.TemporaryDirectory() as workdir:
        os.environ.update(aws_environment())
        started = time.perf_counter()
        build_organization(endpoint, args.accounts)
        built = time.perf_counter() - started

        times, statuses = [], set()
        for _ in range(args.runs):
            seconds, status = scan_once(endpoint, Path(workdir), args.concurrency)
            times.append(seconds)
            statuses.add(status)

    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    median = statistics.median(times)
    figures = {
        "accounts": args.accounts + 1,
        "runs": args.runs,
        "build_seconds": round(built, 1),
        "scan_seconds_median": round(median, 2),
        "accounts_per_second": round((args.accounts + 1) / median, 1),
        "scan_peak_memory_mib": round(peak_kib / 1024, 1),
        "exit_statuses": sorted(statuses),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(figures, indent=2) + "\n", "utf-8")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

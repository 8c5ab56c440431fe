"""Benchmark `dspm-iam check` against the floor, Parliament and Cloudsplaining.

For each size N, generates the dump (`bench/generate.py`), then times each
tool as a whole process, several runs each, every run under `bench/measure.py`
so that the peak memory is that command's alone. Prints a table (median
seconds, roles per second, peak memory, ratios to the floor and to
`dspm-iam check`) and writes it as JSON. Parliament, Cloudsplaining and orjson
live in the benchmark environment `.bench-venv/`, never in `.venv/`. Run with
`make bench`; not part of the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from bench.generate import SEED, SIZES, dump_bytes, generate

REPO = Path(__file__).resolve().parents[1]
BENCH_VENV = Path(".bench-venv")
TOOLS = ("floor", "dspm-iam check", "parliament", "cloudsplaining")
_SHORT = {"floor": "floor", "check": "dspm-iam check"}
_SHORT.update({"parliament": "parliament", "cloudsplaining": "cloudsplaining"})


@dataclass
class Row:
    """The figures of one tool at one size."""

    tool: str
    roles: int
    status: str
    runs: list[float] = field(default_factory=list)
    median_seconds: float | None = None
    roles_per_second: float | None = None
    peak_mib: float | None = None
    ratio_to_floor: float | None = None
    ratio_to_check: float | None = None


def bench_python() -> Path:
    """The benchmark environment's interpreter, or this one if it is missing."""
    candidate = BENCH_VENV / "bin" / "python"
    return candidate if (REPO / candidate).exists() else Path(sys.executable)


def command(tool: str, dump: Path, workdir: Path) -> list[str]:
    """The command line of one tool over one dump, relative to the repository."""
    if tool == "floor":
        return [str(bench_python()), "bench/floor.py", str(dump)]
    if tool == "dspm-iam check":
        return [
            ".venv/bin/dspm-iam",
            "check",
            "--params",
            "tests/data/params/all-features.yaml",
            "--format",
            "json",
            "--output",
            os.devnull,
            "--fail-on",
            "never",
            str(dump),
        ]
    if tool == "parliament":
        return [
            str(BENCH_VENV / "bin" / "python"),
            "bench/parliament_all.py",
            str(dump),
        ]
    return [
        str(BENCH_VENV / "bin" / "cloudsplaining"),
        "scan",
        "--input-file",
        str(dump),
        "--output",
        str(workdir),
        "--skip-open-report",
    ]


def run_once(argv: list[str], timeout: float, log: Path) -> dict[str, object]:
    """One timed run under the measuring wrapper."""
    wrapper = [sys.executable, "bench/measure.py", "--timeout", str(timeout)]
    wrapper += ["--log", str(log), "--", *argv]
    completed = subprocess.run(
        wrapper, cwd=REPO, capture_output=True, text=True, check=True
    )
    figures: dict[str, object] = json.loads(completed.stdout)
    return figures


def measure_tool(tool: str, dump: Path, roles: int, args: argparse.Namespace) -> Row:
    """Every run of one tool at one size; stops at the first timeout or failure."""
    row = Row(tool=tool, roles=roles, status="ok")
    peak_kib = 0
    log = Path("dist", "bench", "logs", f"{tool.replace(' ', '-')}-{roles}.log")
    (REPO / log.parent).mkdir(parents=True, exist_ok=True)
    for _ in range(runs_of(tool, args)):
        with tempfile.TemporaryDirectory() as workdir:
            figures = run_once(command(tool, dump, Path(workdir)), args.timeout, log)
        if figures["status"] != "ok":
            row.status = f"{figures['status']} (see {log})"
            if figures["status"] == "timeout":
                row.status = f"timeout after {args.timeout:g} s"
            return row
        row.runs.append(round(float(str(figures["seconds"])), 3))
        peak_kib = max(peak_kib, int(str(figures["peak_kib"])))

    median = statistics.median(row.runs)
    row.median_seconds = round(median, 3)
    row.roles_per_second = round(roles / median, 1)
    row.peak_mib = round(peak_kib / 1024, 1)
    return row


def runs_of(tool: str, args: argparse.Namespace) -> int:
    """How many runs a tool gets: --runs, or its own count from --tool-runs."""
    for name, count in args.tool_runs:
        if _SHORT[name] == tool:
            return count
    return int(args.runs)


def tool_runs(text: str) -> tuple[str, int]:
    """Read TOOL=N, the runs one tool gets; ArgumentTypeError otherwise."""
    name, _, count = text.partition("=")
    if name not in _SHORT or not count.isdigit() or int(count) < 1:
        raise argparse.ArgumentTypeError(
            f"{text}: expected TOOL=N, TOOL one of {', '.join(sorted(_SHORT))}"
        )
    return name, int(count)


def add_ratios(rows: list[Row]) -> None:
    """Each row's median over the floor's and over dspm-iam check's at its size."""
    for row in rows:
        if row.median_seconds is None:
            continue
        floor = _median_of(rows, "floor", row.roles)
        check = _median_of(rows, "dspm-iam check", row.roles)
        if floor:
            row.ratio_to_floor = round(row.median_seconds / floor, 1)
        if check:
            row.ratio_to_check = round(row.median_seconds / check, 2)


def _median_of(rows: list[Row], tool: str, roles: int) -> float | None:
    for row in rows:
        if row.tool == tool and row.roles == roles:
            return row.median_seconds
    return None


def table(rows: list[Row]) -> str:
    """The rows as a fixed-width text table."""
    header = (
        f"{'tool':<16}{'roles':>6}{'median s':>10}{'roles/s':>10}"
        f"{'peak MiB':>10}{'x floor':>9}{'x check':>9}  status"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row.tool:<16}{row.roles:>6}{_cell(row.median_seconds, 10)}"
            f"{_cell(row.roles_per_second, 10)}{_cell(row.peak_mib, 10)}"
            f"{_cell(row.ratio_to_floor, 9)}{_cell(row.ratio_to_check, 9)}"
            f"  {row.status}"
        )
    return "\n".join(lines)


def _cell(value: float | None, width: int) -> str:
    return f"{'-' if value is None else f'{value:g}':>{width}}"


def versions() -> dict[str, str]:
    """The versions of dspm-iam and of the tools in the benchmark environment."""
    found = {"dspm-iam": metadata.version("dspm-iam")}
    script = (
        "import importlib.metadata as m, json\n"
        "names = ('parliament', 'cloudsplaining', 'orjson')\n"
        "found = {}\n"
        "for name in names:\n"
        "    try:\n"
        "        found[name] = m.version(name)\n"
        "    except m.PackageNotFoundError:\n"
        "        pass\n"
        "print(json.dumps(found))\n"
    )
    completed = subprocess.run(
        [str(bench_python()), "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    found.update(json.loads(completed.stdout))
    return found


def compile_harness() -> None:
    """Compile the package's bytecode, as installing it from a wheel does.

    The benchmark venv installs the package in editable mode; where
    PYTHONDONTWRITEBYTECODE is set, every run would otherwise compile the
    harness's sources again, a cost an installed package does not pay.
    """
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "harness")], check=True
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the dumps, time every tool, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--tool-runs",
        type=tool_runs,
        action="append",
        default=[],
        metavar="TOOL=N",
        help="runs of one tool instead of --runs (cloudsplaining=1: minutes a run)",
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--timeout", type=float, default=3600.0, help="seconds per run of a tool"
    )
    parser.add_argument("--tools", nargs="+", choices=sorted(_SHORT), default=None)
    parser.add_argument("--output", type=Path, default=Path("dist", "bench.json"))
    args = parser.parse_args(argv)
    tools = [_SHORT[name] for name in args.tools] if args.tools else list(TOOLS)
    compile_harness()

    rows: list[Row] = []
    timed_out: set[str] = set()
    dump_sizes: dict[int, int] = {}
    for roles in sorted(args.sizes):
        dump = Path("dist", "bench", f"roles-{roles}.json")
        (REPO / dump.parent).mkdir(parents=True, exist_ok=True)
        (REPO / dump).write_bytes(dump_bytes(generate(roles, args.seed)))
        dump_sizes[roles] = (REPO / dump).stat().st_size
        print(f"{dump}: {roles} roles, {dump_sizes[roles]} bytes")

        for tool in tools:
            if tool in timed_out:
                rows.append(Row(tool, roles, "skipped: timed out at a smaller N"))
                continue
            row = measure_tool(tool, dump, roles, args)
            if row.status.startswith("timeout"):
                timed_out.add(tool)
            rows.append(row)
            print(f"  {tool}: {row.median_seconds} s median, {row.status}")

    add_ratios(rows)
    print(table(rows))
    report = {
        "seed": args.seed,
        "runs": args.runs,
        "tool_runs": dict(args.tool_runs),
        "timeout_seconds": args.timeout,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "versions": versions(),
        "dump_bytes": dump_sizes,
        "rows": [asdict(row) for row in rows],
    }
    output = REPO / args.output
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

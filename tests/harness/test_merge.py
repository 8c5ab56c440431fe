"""Tests for check --shard and merge: shards merged equal one run, byte for byte."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dspm_iam.bundle import load_bundle
from dspm_iam.cli import cli
from dspm_iam.engine import EmbeddedEngine
from dspm_iam.errors import InputError
from dspm_iam.merge import merge_collections, merge_reports
from dspm_iam.report import render_text
from dspm_iam.report_html import render_html
from dspm_iam.shards import shard_of

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo"
PARAMS = DEMO / "params.yaml"
DSPM_IAM = Path(sys.executable).parent / "dspm-iam"
SHARDS = 4
TEMPLATE_ACCOUNT = "333333333333"


@dataclass(frozen=True)
class Runs:
    """Four shard reports and the report of one run over the same accounts."""

    accounts: Path
    shards: list[Path]
    single: Path
    single_status: int


def _generated_accounts(folder: Path) -> list[str]:
    """Copies of a demo account under new ids, until every shard has two."""
    template = (DEMO / "accounts" / f"monitored-{TEMPLATE_ACCOUNT}.json").read_text()
    demo_ids = ["111111111111", "222222222222", TEMPLATE_ACCOUNT]
    per_shard = {index: 0 for index in range(SHARDS)}
    for account in demo_ids:
        per_shard[shard_of(account, SHARDS)] += 1

    created: list[str] = []
    number = 444444444400
    while min(per_shard.values()) < 2:
        account = str(number)
        number += 1
        if per_shard[shard_of(account, SHARDS)] >= 2:
            continue
        per_shard[shard_of(account, SHARDS)] += 1
        dump = json.loads(template.replace(TEMPLATE_ACCOUNT, account))
        dump["IsTruncated"] = not created  # one source-level finding too
        (folder / f"generated-{account}.json").write_text(json.dumps(dump, indent=1))
        created.append(account)
    return created


def _start(args: list[str | Path]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(DSPM_IAM), *map(str, args)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """Each shard and the single run, as separate processes at once."""
    root = tmp_path_factory.mktemp("shards")
    accounts = root / "accounts"
    accounts.mkdir()
    for path in (DEMO / "accounts").glob("*.json"):
        (accounts / path.name).write_text(path.read_text())
    assert len(_generated_accounts(accounts)) >= 3

    common: list[str | Path] = ["check", "--format", "json", "--params", PARAMS]
    shards = [root / f"shard-{index}.json" for index in range(1, SHARDS + 1)]
    single = root / "single.json"
    processes = [
        _start([*common, "--shard", f"{index}/{SHARDS}", "--output", path, accounts])
        for index, path in enumerate(shards, start=1)
    ]
    processes.append(_start([*common, "--output", single, accounts]))

    statuses = []
    for process in processes:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode in (0, 1), stderr.decode()
        statuses.append(process.returncode)
    return Runs(accounts, shards, single, statuses[-1])


@pytest.fixture(scope="module")
def engine() -> Iterator[EmbeddedEngine]:
    engine = EmbeddedEngine(load_bundle())
    yield engine
    engine.close()


def _report(path: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return report


def _write(path: Path, report: dict[str, Any]) -> Path:
    path.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    return path


def _merge(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["merge", *map(str, args)])


def test_every_shard_has_roles(runs: Runs) -> None:
    for index, path in enumerate(runs.shards, start=1):
        report = _report(path)

        assert report["shard"] == {"index": index, "count": SHARDS}
        assert report["roles"], f"shard {index} is empty"
        assert {role["account"] for role in report["roles"]} == {
            role["account"]
            for role in report["roles"]
            if shard_of(role["account"], SHARDS) == index - 1
        }


def test_merged_shards_equal_one_run(runs: Runs) -> None:
    merged = subprocess.run(
        [str(DSPM_IAM), "merge", "--format", "json", *map(str, runs.shards)],
        capture_output=True,
        check=False,
    )

    assert merged.stderr == b""
    assert merged.stdout == runs.single.read_bytes()
    assert merged.returncode == runs.single_status == 1
    single = _report(runs.single)
    assert single["summary"]["roles_total"] == sum(
        _report(path)["summary"]["roles_total"] for path in runs.shards
    )
    assert None in {finding["account"] for finding in single["findings"]}


def test_merge_order_of_reports_does_not_matter(runs: Runs) -> None:
    result = _merge("--format", "json", *reversed(runs.shards))

    assert result.stdout == runs.single.read_text("utf-8")


@pytest.mark.parametrize(
    ("output_format", "render"),
    [
        pytest.param("text", render_text, id="text"),
        pytest.param("html", render_html, id="html"),
    ],
)
def test_merged_shards_render_as_one_run(
    runs: Runs, output_format: str, render: Any, tmp_path: Path
) -> None:
    output = tmp_path / f"merged.{output_format}"

    result = _merge("--format", output_format, "--output", output, *runs.shards)

    assert result.exit_code == 1, result.output
    assert output.read_text("utf-8") == render(_report(runs.single))


def _changed(report: dict[str, Any], keys: list[str], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(report)
    node = changed
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    return changed


def test_merge_refusals(runs: Runs, tmp_path: Path) -> None:
    first, second, third, fourth = runs.shards
    report = _report(first)
    other_revision = _write(
        tmp_path / "revision.json", _changed(report, ["bundle", "revision"], "9.9")
    )
    other_threshold = _write(
        tmp_path / "fail-on.json", _changed(report, ["summary", "fail_on"], "low")
    )
    other_split = _write(
        tmp_path / "split.json", _changed(report, ["shard"], {"index": 1, "count": 2})
    )
    no_report = tmp_path / "not-a-report.json"
    no_report.write_text('{"findings": []}')
    cases = [
        ([first, second, third], "merge: expected all 4 shards; missing shard 4/4"),
        (
            [first, first, second, third, fourth],
            f"{first}: shard 1/4 is also in {first}; expected each shard once",
        ),
        (
            [first, runs.single],
            f"{runs.single}: expected a shard report (check --shard I/N) like the "
            "others",
        ),
        (
            [first, other_split],
            "merge: expected shards of one split, found counts 2, 4",
        ),
        (
            [second, other_revision],
            f'{other_revision}: expected the same bundle as {second}: {{"revision": '
            f'"9.9"}} differs from {{"revision": "0.1.0"}}',
        ),
        (
            [second, other_threshold],
            f"{other_threshold}: expected --fail-on high as in {second}, found low",
        ),
        (
            [runs.single, runs.single],
            f"{runs.single}: role OrganizationAccountAccessRole from "
            f"{runs.accounts}/orchestrator-111111111111.json is also in {runs.single}; "
            "expected reports of disjoint shards",
        ),
    ]
    for reports, expected in cases:
        result = _merge("--format", "json", *reports)

        assert result.exit_code == 2, (reports, result.output)
        assert result.stderr == f"dspm-iam: error: {expected}\n", reports

    result = _merge(no_report)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"dspm-iam: error: {no_report}: expected a dspm-iam JSON report ("
    )


def test_merge_refuses_a_section_it_cannot_join(
    runs: Runs, engine: EmbeddedEngine
) -> None:
    report = {**_report(runs.single), "resolved": []}

    with pytest.raises(InputError) as raised:
        merge_reports(engine, [("with-baseline.json", report)])

    assert str(raised.value).startswith(
        "with-baseline.json: merge cannot join the section resolved; expected only "
    )


def _collection(account: str, complete: bool) -> dict[str, Any]:
    failed = (
        [] if complete else [{"account": account, "name": None, "reason": "denied"}]
    )
    return {
        "complete": complete,
        "accounts": {
            "selected": 2,
            "collected": 2 - len(failed),
            "failed": len(failed),
            "skipped": 0,
        },
        "failed": failed,
        "skipped": [],
        "scps_unreadable": [{"account": account, "name": "x", "reason": "denied"}],
    }


def test_merge_collections() -> None:
    merged = merge_collections(
        [_collection("999999999999", False), _collection("100000000000", True)]
    )

    assert merged == {
        "complete": False,
        "accounts": {"selected": 4, "collected": 3, "failed": 1, "skipped": 0},
        "failed": [{"account": "999999999999", "name": None, "reason": "denied"}],
        "skipped": [],
        "scps_unreadable": [
            {"account": "100000000000", "name": "x", "reason": "denied"},
            {"account": "999999999999", "name": "x", "reason": "denied"},
        ],
    }


def test_merge_of_scan_shards_exits_3_when_incomplete(
    runs: Runs, tmp_path: Path
) -> None:
    paths = []
    for index, path in enumerate(runs.shards):
        report = _report(path)
        report["collection"] = _collection(f"10000000000{index}", index != 2)
        paths.append(_write(tmp_path / path.name, report))

    result = _merge("--format", "json", *paths)

    assert result.exit_code == 3, result.output
    merged = json.loads(result.stdout)
    assert list(merged)[-1] == "collection"
    assert merged["collection"]["complete"] is False
    assert {key: value for key, value in merged.items() if key != "collection"} == (
        _report(runs.single)
    )

"""Tests for dspm_iam.shards: a stable split of the accounts, and I/N."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from dspm_iam.loaders import Inputs, load_inputs
from dspm_iam.shards import Shard, parse_shard, select_shard, shard_of

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"


@pytest.mark.parametrize(
    ("account", "count", "expected"),
    [
        # Pinned: the split must not change between runs, machines or versions.
        pytest.param("111111111111", 4, 2, id="111111111111-of-4"),
        pytest.param("222222222222", 4, 3, id="222222222222-of-4"),
        pytest.param("333333333333", 4, 0, id="333333333333-of-4"),
        pytest.param("123456789012", 7, 1, id="123456789012-of-7"),
        pytest.param("333333333333", 16, 12, id="333333333333-of-16"),
        pytest.param("123456789012", 1, 0, id="one-shard"),
    ],
)
def test_shard_of_is_pinned(account: str, count: int, expected: int) -> None:
    digest = hashlib.sha256(account.encode()).digest()

    assert shard_of(account, count) == expected
    assert int.from_bytes(digest[:8], "big") % count == expected


def test_shard_of_spreads_accounts_evenly() -> None:
    accounts = [f"{number:012d}" for number in range(100000000000, 100000004000)]

    sizes = Counter(shard_of(account, 4) for account in accounts)

    assert sorted(sizes) == [0, 1, 2, 3]
    assert all(900 <= size <= 1100 for size in sizes.values())


def test_shard_of_needs_a_count() -> None:
    with pytest.raises(ValueError, match="0: expected a shard count of 1 or more"):
        shard_of("111111111111", 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1/4", Shard(1, 4), id="first"),
        pytest.param("4/4", Shard(4, 4), id="last"),
        pytest.param(" 2 / 3 ", Shard(2, 3), id="spaces"),
        pytest.param("1/1", Shard(1, 1), id="one"),
    ],
)
def test_parse_shard(text: str, expected: Shard) -> None:
    assert parse_shard(text) == expected
    assert str(parse_shard(text)) == f"{expected.index}/{expected.count}"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("0/4", id="zero-based"),
        pytest.param("5/4", id="beyond"),
        pytest.param("1/0", id="no-shards"),
        pytest.param("1", id="no-count"),
        pytest.param("a/b", id="words"),
        pytest.param("-1/4", id="negative"),
    ],
)
def test_parse_shard_refuses(text: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_shard(text)

    assert str(raised.value) == f"{text!r}: expected I/N with 1 <= I <= N, e.g. 2/4"


def _role(name: str, account: str | None, source: str) -> dict[str, Any]:
    return {"name": name, "account": account, "source": source}


def _source(path: str) -> dict[str, Any]:
    return {"path": path, "kind": "dump", "truncated": True}


MIXED = Inputs(
    sources=[_source("a.json"), _source("mixed.json"), _source("policy.json")],
    roles=[
        _role("a1", "111111111111", "a.json"),
        _role("a2", "111111111111", "a.json"),
        _role("m1", "222222222222", "mixed.json"),
        _role("m2", "333333333333", "mixed.json"),
        _role("bare", None, "policy.json"),
    ],
)


@pytest.mark.parametrize(
    "inputs",
    [
        pytest.param(MIXED, id="mixed"),
        pytest.param(load_inputs([str(DEMO / "accounts")]), id="demo"),
    ],
)
@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_select_shard_partitions_roles_and_sources(inputs: Inputs, count: int) -> None:
    shards = [
        select_shard(inputs, Shard(index, count)) for index in range(1, count + 1)
    ]

    roles = [role for shard in shards for role in shard.roles]
    sources = [source for shard in shards for source in shard.sources]
    assert sorted(map(repr, roles)) == sorted(map(repr, inputs.roles))
    assert sorted(map(repr, sources)) == sorted(map(repr, inputs.sources))


@pytest.mark.parametrize("count", [2, 3, 4, 7])
def test_select_shard_keys(count: int) -> None:
    for index in range(1, count + 1):
        shard = Shard(index, count)
        selected = select_shard(MIXED, shard)

        assert [role["name"] for role in selected.roles] == [
            role["name"]
            for role in MIXED.roles
            if shard_of(role["account"] or role["source"], count) == index - 1
        ]
        # A source goes with its one account, or by its path.
        expected_sources = [
            path
            for path, key in (
                ("a.json", "111111111111"),
                ("mixed.json", "mixed.json"),
                ("policy.json", "policy.json"),
            )
            if shard_of(key, count) == index - 1
        ]
        assert [source["path"] for source in selected.sources] == expected_sources

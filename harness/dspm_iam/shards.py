"""Split the accounts of a run into shards that several machines check apart.

An account's shard comes from the SHA-256 of its id, so it is the same on
every run, machine and Python version, and needs no coordination: shard I of
N (1 <= I <= N) holds the accounts with shard_of(account, N) == I - 1.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any

import click

from dspm_iam.loaders import Inputs

logger = logging.getLogger(__name__)

_SHARD = re.compile(r"^\s*([0-9]+)\s*/\s*([0-9]+)\s*$")
_HASH_BYTES = 8


@dataclass(frozen=True)
class Shard:
    """Shard `index` (1-based) of `count`."""

    index: int
    count: int

    def holds(self, key: str) -> bool:
        """Whether the account id (or source path) key falls in this shard."""
        return shard_of(key, self.count) == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_of(account_id: str, count: int) -> int:
    """The 0-based shard, below count, that an account id (or any key) falls in."""
    if count < 1:
        raise ValueError(f"{count}: expected a shard count of 1 or more")
    digest = hashlib.sha256(account_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:_HASH_BYTES], "big") % count


def parse_shard(text: str) -> Shard:
    """Read "I/N", shard I of N with 1 <= I <= N; ValueError otherwise."""
    match = _SHARD.match(text)
    if match is None or not 1 <= int(match[1]) <= int(match[2]):
        raise ValueError(f"{text!r}: expected I/N with 1 <= I <= N, e.g. 2/4")
    return Shard(int(match[1]), int(match[2]))


def shard_option(
    _ctx: click.Context, param: click.Parameter, value: str | None
) -> Shard | None:
    """Click callback: the Shard an I/N option names, or a usage error (exit 2)."""
    if value is None:
        return None
    try:
        return parse_shard(value)
    except ValueError as error:
        raise click.BadParameter(str(error), param=param) from None


def select_shard(inputs: Inputs, shard: Shard) -> Inputs:
    """The roles and sources of inputs that fall in the shard.

    A role goes by its account, or by its source path when it has none. A
    source goes by the one account its roles belong to, or by its path when
    they belong to none or to several.
    """
    roles = [role for role in inputs.roles if shard.holds(_role_key(role))]
    accounts = _accounts_by_source(inputs.roles)
    sources = [
        source
        for source in inputs.sources
        if shard.holds(_source_key(source["path"], accounts))
    ]
    logger.info(
        "shard %s: %d of %d roles, %d of %d sources",
        shard,
        len(roles),
        len(inputs.roles),
        len(sources),
        len(inputs.sources),
    )
    return Inputs(sources=sources, roles=roles)


def _role_key(role: dict[str, Any]) -> str:
    account = role.get("account")
    return str(account if account is not None else role.get("source"))


def _accounts_by_source(roles: list[dict[str, Any]]) -> dict[str, set[str | None]]:
    accounts: dict[str, set[str | None]] = {}
    for role in roles:
        accounts.setdefault(str(role.get("source")), set()).add(role.get("account"))
    return accounts


def _source_key(path: str, accounts: dict[str, set[str | None]]) -> str:
    found = accounts.get(path, set())
    if len(found) == 1 and None not in found:
        return str(next(iter(found)))
    return path

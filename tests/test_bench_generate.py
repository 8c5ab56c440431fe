"""The benchmark's dump generator: deterministic, complete and readable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench.generate import dump_bytes, generate, shared_dir

from dspm_iam.loaders import load_inputs

ROLES = 50
GOOD_KINDS = {
    "access",
    "get-evidence",
    "orchestrator",
    "put-evidence",
    "resource-discovery",
    "scanner",
    "target",
}

pytestmark = pytest.mark.skipif(
    not shared_dir().is_dir(),
    reason="no shared folder beside the repository; set DSPM_SHARED to its path",
)


@pytest.fixture(scope="module")
def dump() -> bytes:
    """The dump of 50 roles for the default seed."""
    return dump_bytes(generate(ROLES))


def test_same_seed_gives_same_bytes(dump: bytes) -> None:
    assert dump_bytes(generate(ROLES)) == dump


def test_other_seed_gives_other_bytes(dump: bytes) -> None:
    assert dump_bytes(generate(ROLES, seed=1)) != dump


def test_role_count_is_n(dump: bytes) -> None:
    assert len(json.loads(dump)["RoleDetailList"]) == ROLES


def test_every_managed_policy_resolves(dump: bytes, tmp_path: Path) -> None:
    path = tmp_path / "dump.json"
    path.write_bytes(dump)

    roles = load_inputs([str(path)]).roles

    assert len(roles) == ROLES
    managed = [policy for role in roles for policy in role["policies"]]
    managed = [policy for policy in managed if policy["kind"] == "managed"]
    assert managed
    assert all("document" in policy for policy in managed)


@pytest.mark.parametrize(
    "prefix",
    [
        pytest.param("ZscalerDSPM-Access-Role-", id="access"),
        pytest.param("ZscalerDSPM-Target-Role-", id="target"),
        pytest.param("ZscalerDSPM-ResourceDiscovery-Role-", id="discovery"),
    ],
)
def test_dspm_roles_are_present(dump: bytes, prefix: str) -> None:
    names = [role["RoleName"] for role in json.loads(dump)["RoleDetailList"]]

    assert any(name.startswith(prefix) for name in names)


def test_broken_variants_are_present(dump: bytes) -> None:
    roles = json.loads(dump)["RoleDetailList"]
    cases = {
        tag["Value"]
        for role in roles
        for tag in role["Tags"]
        if tag["Key"] == "bench-case"
    }

    assert cases - GOOD_KINDS

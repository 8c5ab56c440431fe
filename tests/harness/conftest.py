"""Shared test parameters: the real authorization dumps in ../shared/data/."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("DSPM_SHARED", REPO.parent / "shared"))
AUTHZ = SHARED / "data" / "authz-details"


def _shared_dumps() -> list[Any]:
    if not AUTHZ.is_dir():
        reason = f"no shared data at {AUTHZ}; set DSPM_SHARED to the shared folder"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="absent")]
    return [
        pytest.param(path, id=path.relative_to(AUTHZ).as_posix())
        for path in sorted(AUTHZ.rglob("*.json"))
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that asks for `shared_dump` once per real dump."""
    if "shared_dump" in metafunc.fixturenames:
        metafunc.parametrize("shared_dump", _shared_dumps())

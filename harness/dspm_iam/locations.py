"""Where the shipped OPA bundle and JSON Schemas are.

A wheel carries them in the package, under shipped/ (see setup.py); a
checkout, installed editable, has them beside harness/, where they are read
in place so that an edit to the policy is seen at once.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """The folder policy/ or schemas/: installed with the package, or the checkout's."""
    installed = PACKAGE / "shipped" / name
    if installed.is_dir():
        return installed
    return PACKAGE.parents[1] / name

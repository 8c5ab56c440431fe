"""Packaging: the wheel carries the OPA bundle and the JSON Schemas.

The harness finds policy/ and schemas/ beside its own folder in a checkout
(an editable install). An installed wheel has no checkout around it, so the
build copies both folders into the package, as dspm_iam/shipped/; the
harness looks there first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("policy", "schemas")


class BuildWithBundle(build_py):
    """build_py, then the bundle and the schemas into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # the checkout's own folders are read in place
        target = Path(self.build_lib, "dspm_iam", "shipped")
        for name in SHIPPED:
            shutil.rmtree(target / name, ignore_errors=True)
            shutil.copytree(Path(__file__).resolve().parent / name, target / name)


setup(cmdclass={"build_py": BuildWithBundle})

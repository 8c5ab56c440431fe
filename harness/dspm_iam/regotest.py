"""Run the bundle's Rego unit tests through the embedded engine.

`opa test` discovers rules named test_* in every module and evaluates each;
this does the same with the embedded engine, which has no test runner of its
own. Use `opa test policy/` wherever an opa binary is installed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from dspm_iam.bundle import Bundle
from dspm_iam.engine import EmbeddedEngine, UndefinedError

_PACKAGE = re.compile(r"^package\s+([\w.]+)", re.MULTILINE)
_TEST_RULE = re.compile(r"^(test_\w+)\s+if\b", re.MULTILINE)


@dataclass(frozen=True)
class RegoTest:
    """One test rule: its module, package and name."""

    module: str
    package: str
    name: str

    @property
    def path(self) -> str:
        """The rule's data path, as the engine addresses it."""
        return f"{self.package}.{self.name}"


@dataclass
class Coverage:
    """Line coverage of the policy modules, merged over several evaluations."""

    covered: dict[str, set[int]] = field(default_factory=dict)
    seen: dict[str, set[int]] = field(default_factory=dict)

    def add(self, report: dict[str, Any] | None) -> None:
        """Merge one evaluation's coverage report; test modules are left out."""
        for path, lines in (report or {}).get("files", {}).items():
            if path.endswith("_test.rego"):
                continue
            covered = _rows(lines.get("covered"))
            self.covered.setdefault(path, set()).update(covered)
            self.seen.setdefault(path, set()).update(
                covered | _rows(lines.get("not_covered"))
            )

    def percent(self, path: str | None = None) -> float:
        """Covered lines as a percentage, of one module or of all of them."""
        paths = [path] if path else list(self.seen)
        seen = sum(len(self.seen[name]) for name in paths)
        covered = sum(len(self.covered[name]) for name in paths)
        return 100.0 * covered / seen if seen else 0.0

    def uncovered(self, path: str) -> list[int]:
        """The lines of a module no evaluation reached."""
        return sorted(self.seen[path] - self.covered[path])


def _rows(ranges: Any) -> set[int]:
    return {
        row
        for span in ranges or []
        for row in range(span["start"]["row"], span["end"]["row"] + 1)
    }


def discover(bundle: Bundle) -> Iterator[RegoTest]:
    """Yield every test_* rule of the bundle's *_test.rego modules."""
    for module, source in bundle.modules(include_tests=True):
        if not module.endswith("_test.rego"):
            continue

        package = _PACKAGE.search(source)
        if package is None:
            continue

        for name in dict.fromkeys(_TEST_RULE.findall(source)):
            yield RegoTest(module=module, package=package.group(1), name=name)


def run(engine: EmbeddedEngine, test: RegoTest, *, coverage: bool = False) -> bool:
    """Evaluate one test rule; true when it holds, false when undefined or false."""
    try:
        value: Any = engine.document(test.path, coverage=coverage)
    except UndefinedError:
        return False
    return value is True


def run_package(
    engine: EmbeddedEngine, package: str, coverage: Coverage | None = None
) -> dict[str, bool]:
    """Evaluate a whole test package at once: each test rule's outcome by name.

    One query per package instead of one per rule: the engine prepares each
    distinct query once, which costs far more than evaluating a test. A rule
    that does not hold is undefined in the package document, hence false.
    """
    try:
        document: Any = engine.document(package, coverage=coverage is not None)
    except UndefinedError:
        document = {}
    if coverage is not None:
        coverage.add(engine.last_coverage)
    if not isinstance(document, dict):
        return {}
    return {
        name: value is True
        for name, value in document.items()
        if name.startswith("test_")
    }

"""Tests for dspm_iam.evaluation: the engine is sent less, the report is the same.

Each optimised evaluation is compared with one plain pass of the whole
document through data.dspm.report.result, on the bundled examples, on the
benchmark's own generated dump and on the real authorization dumps.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bench.generate import dump_bytes, generate, shared_dir

from dspm_iam.bundle import load_bundle
from dspm_iam.engine import EmbeddedEngine
from dspm_iam.engine_options import EngineChoice, starting_engine
from dspm_iam.errors import BundleError, EngineError
from dspm_iam.evaluation import (
    ANSWER_PATH,
    IDENTITY_KEYS,
    evaluate_report,
    identity,
)
from dspm_iam.loaders import load_inputs
from dspm_iam.params import load_params
from dspm_iam.report import build_report, report_metadata
from dspm_iam.schemas import validator
from dspm_iam.waivers import load_waivers

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo"
ALL_FEATURES = REPO / "tests" / "data" / "params" / "all-features.yaml"
TODAY = "2026-12-03"
# Enough roles for every kind of DSPM role and broken variant to appear.
GENERATED_ROLES = 300
needs_shared = pytest.mark.skipif(
    not shared_dir().is_dir(),
    reason="no shared folder beside the repository; set DSPM_SHARED to its path",
)


@pytest.fixture(scope="module")
def engine() -> Iterator[EmbeddedEngine]:
    engine = EmbeddedEngine(load_bundle())
    yield engine
    engine.close()


def _document(
    paths: list[Path], params: Path, role_type: str | None = None, **extra: Any
) -> dict[str, Any]:
    inputs = load_inputs([str(path) for path in paths], role_type)
    return {
        "params": load_params(params),
        "options": {"fail_on": "high", "today": TODAY},
        "sources": inputs.sources,
        "roles": inputs.roles,
        **extra,
    }


def _one_pass(engine: EmbeddedEngine, document: dict[str, Any]) -> dict[str, Any]:
    """The report of the whole document in one plain query."""
    return build_report(engine.evaluate(document), report_metadata(engine))


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    """The demo's accounts with its waivers: checked, unchecked and waived roles."""
    return _document(
        sorted((DEMO / "accounts").glob("*.json")),
        DEMO / "params.yaml",
        waivers=load_waivers(DEMO / "waivers.yaml"),
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The benchmark's own dump: DSPM roles among ordinary ones."""
    if not shared_dir().is_dir():
        pytest.skip("no shared folder beside the repository; set DSPM_SHARED")
    path = tmp_path_factory.mktemp("bench") / "roles.json"
    path.write_bytes(dump_bytes(generate(GENERATED_ROLES)))
    return _document([path], ALL_FEATURES)


def test_demo_report_equals_one_pass(
    engine: EmbeddedEngine, demo: dict[str, Any]
) -> None:
    report = evaluate_report(engine, demo)

    assert report == _one_pass(engine, demo)
    assert 0 < report["summary"]["roles_checked"] < report["summary"]["roles_total"]
    assert report["summary"]["suppressed"] > 0


def test_demo_report_with_a_baseline_equals_one_pass(
    engine: EmbeddedEngine, demo: dict[str, Any]
) -> None:
    earlier = evaluate_report(engine, demo)["findings"]
    document = {**demo, "baseline": {"source": "earlier.json", "findings": earlier[1:]}}

    report = evaluate_report(engine, document)

    assert report == _one_pass(engine, document)
    assert report["summary"]["baseline"]["new"] == 1


@needs_shared
def test_generated_dump_report_equals_one_pass(
    engine: EmbeddedEngine, generated: dict[str, Any]
) -> None:
    report = evaluate_report(engine, generated)

    assert report == _one_pass(engine, generated)
    summary = report["summary"]
    assert summary["roles_total"] == GENERATED_ROLES
    assert 0 < summary["roles_checked"] < GENERATED_ROLES
    assert summary["findings"] > 0


@pytest.mark.parametrize("role_type", [None, "target"])
def test_real_dump_report_equals_one_pass(
    engine: EmbeddedEngine, shared_dump: Path, role_type: str | None
) -> None:
    document = _document([shared_dump], ALL_FEATURES, role_type)

    assert evaluate_report(engine, document) == _one_pass(engine, document)


class _Recording:
    """An engine that keeps every document it is asked about."""

    def __init__(self, engine: EmbeddedEngine) -> None:
        self.engine = engine
        self.name = engine.name
        self.bundle = engine.bundle
        self.asked: list[dict[str, Any]] = []

    def evaluate(self, document: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("evaluate_report asks data.dspm.report.answer only")

    def document(self, path: str, document: dict[str, Any] | None = None) -> Any:
        assert path == ANSWER_PATH
        assert document is not None
        self.asked.append(copy.deepcopy(document))
        return self.engine.document(path, document)

    def close(self) -> None:
        """The wrapped engine is the fixture's to close."""


def test_only_checked_roles_are_sent_whole(
    engine: EmbeddedEngine, demo: dict[str, Any]
) -> None:
    recording = _Recording(engine)

    report = evaluate_report(recording, demo)

    overview, result = recording.asked
    assert overview["ask"] == "overview"
    assert all(role["policies"] == [] for role in overview["roles"])
    assert "ask" not in result
    checked = {role["name"] for role in report["roles"] if role["checked"]}
    for sent, read in zip(result["roles"], demo["roles"], strict=True):
        if read["name"] in checked:
            assert sent == read
        else:
            assert sent == identity(read)
            assert read["policies"]


def test_what_is_sent_fits_the_input_schema(
    engine: EmbeddedEngine, demo: dict[str, Any]
) -> None:
    recording = _Recording(engine)
    evaluate_report(recording, demo)

    for sent in recording.asked:
        validator("input").validate(sent)


def test_identity_keeps_only_what_the_bundle_reads_of_an_unchecked_role() -> None:
    role = {
        "name": "app",
        "arn": "arn:aws:iam::111111111111:role/app",
        "account": "111111111111",
        "source": "dump.json",
        "role_type": None,
        "trust_policy": {"Statement": []},
        "permissions_boundary": {"arn": "arn:aws:iam::aws:policy/B"},
        "policies": [{"name": "p", "document": {"Statement": []}}],
        "scps": [],
    }

    reduced = identity(role)

    assert {key: reduced[key] for key in IDENTITY_KEYS if key in role} == {
        key: role[key] for key in IDENTITY_KEYS if key in role
    }
    assert reduced["policies"] == []
    assert reduced["trust_policy"] is None
    assert reduced["permissions_boundary"] is None
    assert "scps" not in reduced


class _Answering:
    """An engine that answers the overview with what it was given."""

    name = "fake"

    def __init__(self, overview: Any) -> None:
        self.overview = overview
        self.bundle = load_bundle()

    def evaluate(self, document: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("not asked")

    def document(self, path: str, document: dict[str, Any] | None = None) -> Any:
        return self.overview

    def close(self) -> None:
        """Nothing to release."""


@pytest.mark.parametrize(
    ("overview", "expected"),
    [
        pytest.param(None, "expected the overview", id="not-an-object"),
        pytest.param({"metadata": {}}, "expected checked", id="no-checked"),
        pytest.param({"checked": [3], "metadata": {}}, "below 1", id="out-of-range"),
        pytest.param({"checked": ["0"], "metadata": {}}, "indexes", id="not-indexes"),
        pytest.param({"checked": [0]}, "expected metadata", id="no-metadata"),
    ],
)
def test_a_malformed_overview_is_an_error(overview: Any, expected: str) -> None:
    document = {"params": {}, "options": {}, "sources": [], "roles": [{"name": "r"}]}

    with pytest.raises(EngineError, match=expected):
        evaluate_report(_Answering(overview), document)


def test_started_engine_evaluates_and_is_closed_after(demo: dict[str, Any]) -> None:
    with starting_engine(EngineChoice("embedded"), None, demo["params"]) as started:
        engine = started()
        assert started() is engine
        report = evaluate_report(engine, demo)
    assert report["summary"]["roles_total"] == len(demo["roles"])
    with pytest.raises(EngineError, match="closed"):
        engine.document("dspm.report.metadata")


def test_an_engine_that_failed_to_start_raises_when_asked_for(tmp_path: Path) -> None:
    params = load_params(ALL_FEATURES)
    with (
        starting_engine(EngineChoice("embedded"), tmp_path, params) as started,
        pytest.raises(BundleError),
    ):
        started()


def test_an_engine_never_asked_for_raises_nothing(tmp_path: Path) -> None:
    params = load_params(ALL_FEATURES)
    with starting_engine(EngineChoice("embedded"), tmp_path, params):
        pass


def test_other_engines_start_only_when_asked_for() -> None:
    choice = EngineChoice("opa-cli", {"opa": "no-such-opa-command"})
    params = load_params(ALL_FEATURES)
    with (
        starting_engine(choice, None, params) as started,
        pytest.raises(EngineError, match="no-such-opa-command"),
    ):
        started()

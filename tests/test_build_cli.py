"""The build commands' shared command line: one-line errors and exit status 2."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import pytest

from dspm_iam.build_cli import build_parser, run_build
from dspm_iam.errors import InputError
from dspm_iam.index_build import main as index_main

REPO = Path(__file__).resolve().parent.parent

# Arguments that make each build fail on its input or its output.
BAD_ARGUMENTS: dict[str, Callable[[Path], list[str]]] = {
    "bundle_build": lambda tmp: [str(tmp / "missing"), str(tmp / "out.tar.gz")],
    "catalog_build": lambda tmp: [str(tmp / "no-such-folder" / "out.json")],
    "contract_build": lambda tmp: [str(tmp / "missing.md"), str(tmp / "out.json")],
    "defaults_build": lambda tmp: [str(tmp / "missing.json"), str(tmp / "out.json")],
    "index_build": lambda tmp: [str(tmp / "missing"), str(tmp / "out.json")],
    "legacy_build": lambda tmp: [str(tmp / "missing.json"), str(tmp / "out.json")],
}


@pytest.mark.parametrize("name", sorted(BAD_ARGUMENTS))
def test_every_build_names_itself_in_a_one_line_error(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main = importlib.import_module(f"dspm_iam.{name}").main

    status = main(BAD_ARGUMENTS[name](tmp_path))

    error = capsys.readouterr().err
    assert status == 2
    assert error.startswith(f"{name}: error: {tmp_path}")
    assert error.count("\n") == 1


def test_a_previous_index_that_is_not_json_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "index.json"
    output.write_text("{not json", "utf-8")

    status = index_main([str(REPO / "policy"), str(output)])

    error = capsys.readouterr().err
    assert status == 2
    assert error.startswith("index_build: error: ")
    assert error.count("\n") == 1


def test_run_build_lets_a_programming_error_through() -> None:
    def broken() -> None:
        raise KeyError("a bug, not an input error")

    with pytest.raises(KeyError):
        run_build("some_build", 0, broken)


def test_run_build_is_0_after_a_build_and_2_after_an_input_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    written: list[str] = []

    def good() -> None:
        written.append("done")

    def bad() -> None:
        raise InputError("input.json: expected an object")

    assert run_build("some_build", 0, good) == 0
    assert written == ["done"]
    assert run_build("some_build", 0, bad) == 2
    assert (
        capsys.readouterr().err == "some_build: error: input.json: expected an object\n"
    )


def test_the_parser_takes_the_docs_first_paragraph_and_counts_verbose() -> None:
    doc = "\nWrite one thing\nof the bundle.\n\nMore about it.\n"
    parser = build_parser("some_build", doc)

    assert parser.prog == "python -m dspm_iam.some_build"
    assert parser.description == "Write one thing of the bundle."
    assert parser.parse_args(["-vv"]).verbose == 2

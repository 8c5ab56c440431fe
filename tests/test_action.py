"""The GitHub Action (action.yml) and the pre-commit hook, run locally.

The Action's shell steps run in order under bash, with the environment a
runner gives them (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP,
GITHUB_ACTION_PATH) and their `${{ inputs.* }}` and `${{ steps.*.outputs.* }}`
expressions filled in. Steps that fetch from the network are not run: the
`uses:` steps (setup-python, the SARIF upload) and the install step, whose
package pins are compared with the Makefile's instead; the project's own
environment stands in for what the install step would have built.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((REPO / "action.yml").read_text("utf-8"))
HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
DEMO = REPO / "examples" / "demo"
TEMPLATE = REPO / "examples" / "cloudformation" / "dspm-roles.yaml"
TEMPLATE_PARAMETERS = REPO / "examples" / "cloudformation" / "parameters.json"
_EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")
_INSTALL_STEP = "Install dspm-iam"


class _Runner:
    """Runs the Action's shell steps as a runner would, one bash per step."""

    def __init__(self, tmp_path: Path, inputs: dict[str, str]) -> None:
        self.inputs = {
            name: spec.get("default", "") for name, spec in ACTION["inputs"].items()
        }
        self.inputs.update(inputs)
        self.outputs: dict[str, dict[str, str]] = {}
        self.summary = tmp_path / "summary.md"
        self.temp = tmp_path
        self.stdout = ""

    def run(self) -> int:
        """Every shell step in order; the status of the first that fails, or 0."""
        for step in ACTION["runs"]["steps"]:
            if "run" not in step or step.get("name") == _INSTALL_STEP:
                continue
            status = self._step(step)
            if status != 0:
                return status
        return 0

    def _step(self, step: dict[str, Any]) -> int:
        output_file = self.temp / f"output-{len(self.outputs)}"
        output_file.write_text("", "utf-8")
        env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_ACTION_PATH": str(REPO),
            "RUNNER_TEMP": str(self.temp),
        }
        env.update(
            {key: self._fill(value) for key, value in step.get("env", {}).items()}
        )
        done = subprocess.run(
            # As a runner runs a composite step's bash: -e and pipefail on.
            [
                "bash",
                "--noprofile",
                "--norc",
                "-eo",
                "pipefail",
                "-c",
                self._fill(step["run"]),
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        self.stdout += done.stdout
        lines = output_file.read_text("utf-8").splitlines()
        self.outputs[step.get("id", "")] = dict(line.split("=", 1) for line in lines)
        return done.returncode

    def _fill(self, text: str) -> str:
        return _EXPRESSION.sub(lambda match: self._value(match.group(1)), str(text))

    def _value(self, expression: str) -> str:
        parts = expression.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            return self.inputs[parts[1]]
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.outputs[parts[1]][parts[3]]
        raise AssertionError(
            f"action.yml: an expression the test cannot fill: {expression}"
        )


def test_install_step_pins_what_the_makefile_pins() -> None:
    step = next(s for s in ACTION["runs"]["steps"] if s.get("name") == _INSTALL_STEP)
    makefile = (REPO / "Makefile").read_text("utf-8")

    pin = re.search(r"^OPA_BINDINGS := (\S+)$", makefile, re.MULTILINE)

    assert pin is not None
    assert f"--ignore-requires-python {pin.group(1)}" in " ".join(step["run"].split())
    assert '-e "$GITHUB_ACTION_PATH"' in step["run"]


def test_failing_roles_annotate_and_fail(tmp_path: Path) -> None:
    sarif = tmp_path / "out.sarif"
    runner = _Runner(
        tmp_path,
        {
            "paths": str(DEMO / "accounts"),
            "params": str(DEMO / "params.yaml"),
            "sarif-file": str(sarif),
        },
    )

    status = runner.run()

    assert status == 1
    assert runner.outputs["check"]["exit-code"] == "1"
    report = json.loads(Path(runner.outputs["check"]["report"]).read_text("utf-8"))
    failing = [f for f in report["findings"] if f["severity"] in ("critical", "high")]
    assert len(re.findall(r"^::error ", runner.stdout, re.MULTILINE)) == len(failing)
    results = json.loads(sarif.read_text("utf-8"))["runs"][0]["results"]
    assert len(results) == len(report["findings"])
    assert "FAIL" in runner.summary.read_text("utf-8").upper()


def test_clean_template_passes(tmp_path: Path) -> None:
    runner = _Runner(
        tmp_path,
        {
            "paths": str(TEMPLATE),
            "params": str(DEMO / "params.yaml"),
            "cfn-parameters": str(TEMPLATE_PARAMETERS),
            "sarif-file": str(tmp_path / "out.sarif"),
        },
    )

    status = runner.run()

    assert status == 0, runner.stdout
    assert runner.outputs["check"]["exit-code"] == "0"
    assert "::error" not in runner.stdout
    assert runner.summary.read_text("utf-8").strip()


def test_input_error_stops_before_rendering(tmp_path: Path) -> None:
    runner = _Runner(
        tmp_path,
        {
            "paths": str(REPO / "pyproject.toml"),
            "sarif-file": str(tmp_path / "x.sarif"),
        },
    )

    status = runner.run()

    assert status == 2
    assert not (tmp_path / "x.sarif").exists()


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        pytest.param([TEMPLATE], 0, id="compliant-template"),
        pytest.param(
            [DEMO / "accounts" / "orchestrator-111111111111.json"], 1, id="dump"
        ),
    ],
)
def test_pre_commit_hook_entry(paths: list[Path], expected: int) -> None:
    (hook,) = HOOKS
    command = shlex.split(hook["entry"])
    args = ["--params", str(DEMO / "params.yaml")]
    args += ["--cfn-parameters", str(TEMPLATE_PARAMETERS)]

    assert all(re.search(hook["files"], path.name) for path in paths)
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / command[0]),
            *command[1:],
            *args,
            *map(str, paths),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == expected, done.stdout + done.stderr

"""The GitHub Action (action.yml at the repository root), run as GitHub runs a composite action:
its steps in order, `${{ inputs.* }}` put in by the runner, each `run` step in
`bash --noprofile --norc -eo pipefail`, with GITHUB_ACTION_PATH, GITHUB_OUTPUT,
GITHUB_STEP_SUMMARY and the workspace in temporary folders. The `uses` steps are GitHub's own
actions (setup-python, upload-artifact): here a venv stands for the first, and the test checks
what the second would upload. The install step runs as written, from a copy of this checkout,
with pip kept off the network (PIP_NO_INDEX; the build backend comes from the test
environment)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import FIXTURES, ROOT

ACTION = ROOT / "action.yml"
CUT = "fixtures/causes/nginx-idle-60s.tape"
CLEAN = "fixtures/openai/text-answer.sse"


def _action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What setup-python leaves behind (a Python on PATH), and this checkout as the action."""
    base = tmp_path_factory.mktemp("runner")
    action = base / "action"
    action.mkdir()
    for name in ("src", "schemas"):
        shutil.copytree(ROOT / name, action / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "action.yml"):
        shutil.copy2(ROOT / name, action / name)
    venv = base / "python"
    subprocess.run(
        [getattr(sys, "_base_executable", sys.executable), "-m", "venv", str(venv)], check=True
    )
    # The install step builds the wheel without the network: its backend (hatchling) and
    # streamcheck's dependencies come from the environment running this test.
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    site.mkdir(parents=True, exist_ok=True)
    here = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site / "test-environment.pth").write_text("\n".join(sorted(here)) + "\n")
    return {
        "action": str(action),
        "bin": str(venv / "bin"),
        "home": str(base),
    }


def _expand(text: str, inputs: dict[str, str]) -> str:
    """The runner's expression step, for the expressions a run step or its env may hold."""

    def value(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        name = expression.removeprefix("inputs.")
        if name == expression or name not in inputs:
            raise AssertionError(f"an expression the test runner does not know: {expression}")
        return inputs[name]

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def _run_action(
    runner: dict[str, str], workspace: Path, given: dict[str, str]
) -> tuple[list[subprocess.CompletedProcess[str]], dict[str, str], Path]:
    action = _action()
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    inputs.update(given)
    github = workspace.parent / "github"
    github.mkdir(exist_ok=True)
    output, summary = github / "output", github / "step_summary"
    output.write_text("")
    summary.write_text("")
    env = {
        "PATH": runner["bin"] + os.pathsep + os.environ["PATH"],
        "HOME": runner["home"],
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTION_PATH": runner["action"],
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(github),
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "0",  # pip's spelling of "no build isolation"
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "NO_COLOR": "1",
    }
    done = []
    for step in action["runs"]["steps"]:
        if "uses" in step:
            continue
        script = github / "step.sh"
        script.write_text(_expand(step["run"], inputs))
        step_env = {k: _expand(str(v), inputs) for k, v in step.get("env", {}).items()}
        run = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env={**env, **step_env},
            capture_output=True,
            text=True,
            timeout=300,
        )
        done.append(run)
        if run.returncode != 0:
            break  # later steps run only if: always(); the upload step is checked below
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return done, outputs, summary


def _workspace(tmp_path: Path) -> Path:
    workspace = tmp_path / "workspace"
    for name in (CUT, CLEAN):
        (workspace / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, workspace / name)
    return workspace


def test_the_action_installs_from_its_checkout_and_uses_github_actions_for_the_rest() -> None:
    steps = _action()["runs"]["steps"]
    assert _action()["runs"]["using"] == "composite"
    uses = [step["uses"] for step in steps if "uses" in step]
    assert uses == ["actions/setup-python@v5", "actions/upload-artifact@v4"]
    install = next(step for step in steps if "Install" in step.get("name", ""))
    assert '"$GITHUB_ACTION_PATH"' in install["run"]  # never `pip install streamcheck` (PyPI)
    upload = steps[-1]
    assert "always()" in upload["if"]  # reports are kept when the check fails
    assert upload["with"]["path"] == "${{ inputs.reports }}"
    for step in steps:  # inputs reach scripts as environment variables, never as shell text
        assert "${{" not in step.get("run", "")


def test_a_cut_stream_fails_the_step_with_annotations_summary_and_reports(
    runner: dict[str, str], tmp_path: Path
) -> None:
    workspace = _workspace(tmp_path)
    steps, outputs, summary = _run_action(runner, workspace, {"paths": f"{CUT}\n{CLEAN}"})
    install, check = steps
    assert install.returncode == 0, install.stderr[-2000:]
    assert check.returncode == 1, check.stderr[-2000:]
    assert outputs["exit-code"] == "1"
    annotation = re.search(
        r"^::error file=([^,]+),.*title=SC301 missing-terminator::", check.stdout, re.M
    )
    assert annotation and annotation.group(1) == CUT
    assert CLEAN not in re.findall(r"^::\w+ file=([^,]+)", check.stdout, re.M)
    assert "SC301" in summary.read_text()  # the job's summary page
    reports = workspace / "streamcheck-reports"  # what the upload step takes
    sarif = json.loads((reports / "streamcheck.sarif").read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} >= {"SC301", "SC504"}
    suites = ET.parse(reports / "streamcheck.xml").getroot()
    assert suites.iter("failure") is not None and any(True for _ in suites.iter("failure"))
    page = (reports / "streamcheck.html").read_text()
    assert 'data-code="SC301"' in page and '<rect class="frame"' in page


def test_inputs_are_arguments_not_shell_text(runner: dict[str, str], tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    given = {
        "paths": f"{CLEAN} $(touch pwned) `touch pwned2`",
        "select": "SC3,SC4",
        "fail-on": "warning",
        "reports": "out dir",
    }
    steps, outputs, _ = _run_action(runner, workspace, given)
    check = steps[-1]
    assert not (workspace / "pwned").exists() and not (workspace / "pwned2").exists()
    assert check.returncode == 2  # `$(touch` is no file: one line, exit 2
    assert outputs["exit-code"] == "2"
    assert "streamcheck: error:" in check.stderr and "Traceback" not in check.stderr


def test_a_clean_folder_passes(runner: dict[str, str], tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    (workspace / CUT).unlink()
    steps, outputs, _ = _run_action(runner, workspace, {"paths": "fixtures/"})
    assert [s.returncode for s in steps] == [0, 0]
    assert outputs["exit-code"] == "0"
    assert "::error" not in steps[-1].stdout
    assert (workspace / "streamcheck-reports" / "streamcheck.html").is_file()
    assert FIXTURES.is_dir()

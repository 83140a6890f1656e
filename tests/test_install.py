"""What a user installs works: the README's two commands, and the package as installed.

The quick start runs for real: a fresh venv, the wheel built from this tree, the README's
command with only the install source swapped for that wheel, and its report asserted. .ci/run
runs the README's test command itself, so neither command can drift from what works.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import streamcheck
from tests.conftest import ROOT, run_streamcheck

README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_commands() -> tuple[str, str]:
    """(quick start, test command): the two indented command lines of the Quick start."""
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^    (\S.*)$", section, re.MULTILINE)
    assert len(commands) == 2, commands
    return commands[0], commands[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel .ci/run built (STREAMCHECK_WHEEL), else one built from this tree now."""
    given = os.environ.get("STREAMCHECK_WHEEL")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", str(out), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    [built] = out.glob("streamcheck-*.whl")
    return built


@pytest.mark.skipif(
    not os.environ.get("STREAMCHECK_WHEEL"), reason="only .ci/run installs the wheel"
)
def test_ci_tests_the_installed_wheel_not_the_checkout() -> None:
    where = Path(streamcheck.__file__).resolve()
    assert ROOT / "src" not in where.parents
    assert Path(sys.prefix).resolve() in where.parents


def test_readme_quick_start_installs_only_the_runtime_and_reports_the_error_body(
    wheel: Path, tmp_path: Path
) -> None:
    quick, _ = readme_commands()
    assert " pip install . " in quick  # no test extras for the main job
    fixture = re.search(r"streamcheck check (\S+)$", quick)
    assert fixture is not None
    target = tmp_path / fixture.group(1)
    target.parent.mkdir(parents=True)
    target.write_bytes((ROOT / fixture.group(1)).read_bytes())
    command = quick.replace(" pip install . ", f" pip install --quiet {shlex.quote(str(wheel))} ")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(sys.prefix)
    )
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=tmp_path,
        env={**env, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stderr
    assert "model_not_found" in done.stdout
    assert "SC4" in done.stdout  # an error body where a stream was expected
    assert "internal error" not in done.stderr
    installed = subprocess.run(
        [str(tmp_path / ".venv" / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.lower()
    for test_only in ("pytest", "openai", "anthropic", "starlette", "hypothesis"):
        assert f"\n{test_only}==" not in "\n" + installed, test_only
    # The extra-less install names the missing extra in one line, exit 2.
    serve = subprocess.run(
        [str(tmp_path / ".venv" / "bin" / "streamcheck"), "serve", str(target.parent)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert serve.returncode == 2
    [line] = serve.stderr.splitlines()
    assert "starlette" in line and "pip install" in line and "[serve]" in line
    assert "ModuleNotFoundError" not in line


def test_ci_runs_the_readme_test_command_exactly() -> None:
    _, test_command = readme_commands()
    assert test_command.endswith("python -m pytest -W error")
    assert "--require-hashes -r requirements/ci.lock" in test_command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert any(line.strip() == test_command for line in ci.splitlines())


def test_version_has_one_source() -> None:
    done = run_streamcheck("--version")
    assert done.returncode == 0
    assert done.stdout == f"streamcheck {streamcheck.__version__}\n"
    from importlib.metadata import version

    assert version("streamcheck") == streamcheck.__version__

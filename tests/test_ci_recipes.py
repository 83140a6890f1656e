"""The CI recipes users copy: README's GitHub Actions step and the pre-commit hook."""

from __future__ import annotations

import json
import re
import shlex
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

from tests.conftest import ROOT, run_streamcheck
from tests.streams import CLEAN, CUT, write


def readme_workflow_step() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## CI integration", 1)[1]
    # The step of one's own (the block before it uses the repository's action: test_action.py).
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    [step] = next(
        loaded
        for loaded in map(yaml.safe_load, blocks)
        if loaded[0].get("name") == "Check recorded LLM streams"
    )
    lines: list[str] = step["run"].strip().splitlines()
    return lines


def test_readme_github_actions_step_fails_the_job_with_a_readable_report(tmp_path: Path) -> None:
    install, command = readme_workflow_step()
    assert install.startswith("pip install ")
    assert "pip install streamcheck" not in install  # that PyPI name is another project
    write(tmp_path, {"fixtures/ok.sse": CLEAN, "fixtures/cut.sse": CUT})
    argv = shlex.split(command)
    assert argv[0] == "streamcheck"
    done = run_streamcheck(*argv[1:], cwd=tmp_path)
    assert done.returncode == 1  # the job fails
    assert done.stdout.splitlines()[0] == (
        "::error file=fixtures/cut.sse,title=SC301 missing-terminator::"
        "the stream ended without data: [DONE] (exchange 0)"
    )
    reports = [a.split(":", 1) for a in argv if re.match(r"^(sarif|junit|json|github|text):", a)]
    assert {kind for kind, _ in reports} >= {"sarif"}
    for kind, path in reports:
        text = (tmp_path / path).read_text()
        if kind == "sarif":
            [result] = json.loads(text)["runs"][0]["results"]
            assert result["ruleId"] == "SC301"
        if kind == "junit":
            assert ET.fromstring(text).get("failures") == "1"
    # Fixed fixture, green job.
    write(tmp_path, {"fixtures/cut.sse": CLEAN})
    assert run_streamcheck(*argv[1:], cwd=tmp_path).returncode == 0


def test_pre_commit_hook(tmp_path: Path) -> None:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "streamcheck"
    assert hook["language"] == "python"
    pattern = re.compile(hook["files"])
    for name in ("a.sse", "x/b.ndjson", "dump.http", "run.tape", "export.har", "c.jsonl"):
        assert pattern.search(name), name
    for name in ("pyproject.toml", "app.py", "README.md", "data.json"):
        assert not pattern.search(name), name
    write(tmp_path, {"ok.sse": CLEAN, "cut.sse": CUT})
    entry = shlex.split(hook["entry"])
    assert entry[:2] == ["streamcheck", "check"]
    # pre-commit appends the staged file names to the entry.
    assert run_streamcheck(*entry[1:], "ok.sse", cwd=tmp_path).returncode == 0
    failed = run_streamcheck(*entry[1:], "ok.sse", "cut.sse", cwd=tmp_path)
    assert failed.returncode == 1 and "SC301 missing-terminator" in failed.stdout


def test_pytest_plugin_entry_point_is_declared() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["pytest11"] == {"streamcheck": "streamcheck.pytest_plugin"}
    __import__("streamcheck.pytest_plugin")
    assert "pytest_addoption" in dir(sys.modules["streamcheck.pytest_plugin"])

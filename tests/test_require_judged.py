"""Never pass silently what could not be judged (issue 21): an exchange no protocol recognises
(SC901) is counted in every summary, and `--require-judged` (config `require-judged = true`)
makes it fail the run, the pytest items and the GitHub output alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT, run_in_process

UNKNOWN = FIXTURES / "rules" / "SC901" / "bad.sse"  # a stream no known API sends
KNOWN = FIXTURES / "openai" / "text-answer.sse"


def test_an_unjudged_exchange_is_counted_in_the_summary_even_when_it_passes() -> None:
    done = run_in_process("check", str(UNKNOWN), str(KNOWN))
    assert done.returncode == 0
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("OK: 2 files, 2 exchanges")
    assert "1 of 2 exchanges not judged (SC901)" in last


def test_require_judged_fails_the_run() -> None:
    done = run_in_process("check", str(UNKNOWN), str(KNOWN), "--require-judged")
    assert done.returncode == 1
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("FAIL:") and "failing: --require-judged" in last
    judged = run_in_process("check", str(KNOWN), "--require-judged")
    assert judged.returncode == 0 and "not judged" not in judged.stdout


def test_the_config_can_require_it(tmp_path: Path) -> None:
    (tmp_path / "streamcheck.toml").write_text("require-judged = true\n")
    (tmp_path / "unknown.sse").write_bytes(UNKNOWN.read_bytes())
    done = run_in_process("check", "unknown.sse", cwd=tmp_path)
    assert done.returncode == 1, done.stdout
    (tmp_path / "streamcheck.toml").write_text('require-judged = "yes"\n')
    bad = run_in_process("check", "unknown.sse", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "require-judged must be true or false" in (
        bad.stderr
    )


def test_json_and_github_outputs_say_it() -> None:
    done = run_in_process("check", str(UNKNOWN), "--format", "json", "--require-judged")
    summary = json.loads(done.stdout)["summary"]
    assert summary["unjudged"] == 1 and summary["require_judged"] is True
    assert summary["failed"] is True
    github = run_in_process("check", str(UNKNOWN), "--format", "github", "--require-judged")
    assert github.returncode == 1
    assert "::error" in github.stdout and "SC901" in github.stdout
    assert "1 of 1 exchanges not judged" in github.stdout


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    (pytester.path / "fx").mkdir()
    (pytester.path / "fx" / "unknown.sse").write_bytes(UNKNOWN.read_bytes())
    (pytester.path / "fx" / "ok.sse").write_bytes(KNOWN.read_bytes())
    return pytester


def test_the_pytest_plugin_shows_them(project: pytest.Pytester) -> None:
    project.makepyprojecttoml("[tool.streamcheck]\npaths = ['fx']\n")
    result = project.runpytest_subprocess("--streamcheck", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*1 exchanges not judged (SC901*fx/unknown.sse exchange[[]0[]]*"])


def test_the_pytest_plugin_fails_them_when_required(project: pytest.Pytester) -> None:
    project.makepyprojecttoml("[tool.streamcheck]\npaths = ['fx']\nrequire-judged = true\n")
    result = project.runpytest_subprocess("--streamcheck", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*not judged (require-judged)*", "*SC901*"])

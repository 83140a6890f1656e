"""The pytest plugin, end to end on temporary projects (pytester).

`-p no:streamcheck` blocks the `pytest11` entry point (present once streamcheck is installed) and
`-p streamcheck.pytest_plugin` loads this checkout's plugin, so the runs are the same whether or
not the package is installed. Runs are in subprocesses: an in-process run drops the modules it
imported from sys.modules afterwards while the `streamcheck` package keeps them as attributes,
and the next run would mix two generations of the same module.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT
from tests.streams import CLEAN, CUT, NO_ROLE

PLUGIN = ("-p", "no:streamcheck", "-p", "streamcheck.pytest_plugin", "-p", "no:cacheprovider")


def tape(*bodies: str) -> str:
    header = {
        "streamcheck_tape": 1,
        "provider": "openai",
        "api": "chat-completions",
        "request": {"method": "POST", "url": "https://api.openai.com/v1/chat/completions"},
        "response": {"status": 200, "headers": {"content-type": "text/event-stream"}},
    }
    lines = []
    for body in bodies:
        lines += [header, {"t": 0.1, "text": body}, {"end": "eof", "t": 0.2}]
    return "".join(json.dumps(line) + "\n" for line in lines)


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyprojecttoml("[tool.streamcheck]\npaths = ['fx']\n")
    for name, text in {
        "fx/cut.sse": CUT,
        "fx/ok.sse": CLEAN,
        "fx/role.sse": NO_ROLE,
        "fx/two.tape": tape(CLEAN, CUT),
    }.items():
        path = pytester.path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    pytester.makepyfile(test_app="def test_app():\n    assert True\n")
    return pytester


def test_without_the_flag_it_collects_nothing_and_imports_nothing(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_modules="""
        import sys

        def test_streamcheck_not_imported():
            loaded = sorted(m for m in sys.modules if m.startswith("streamcheck"))
            assert loaded == ["streamcheck", "streamcheck.pytest_plugin"], loaded
        """
    )
    result = project.runpytest_subprocess(*PLUGIN)
    result.assert_outcomes(passed=2)
    assert "fx/" not in result.stdout.str()


def test_one_item_per_exchange_with_readable_failures(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(*PLUGIN, "--streamcheck", "-rA")
    result.assert_outcomes(passed=4, failed=2)  # test_app, ok, role (a warning), tape #0
    result.stdout.fnmatch_lines(
        [
            "*_ streamcheck fx/cut.sse::exchange[[]0] _*",
            "1 finding(s) at or above error in fx/cut.sse, exchange 0:",
            "error SC301 missing-terminator (exchange 0): the stream ended without data: [DONE]",
            "*_ streamcheck fx/two.tape::exchange[[]1] _*",
            "PASSED fx/ok.sse::exchange[[]0]",
            "PASSED fx/role.sse::exchange[[]0]",
            "PASSED fx/two.tape::exchange[[]0]",
            "FAILED fx/cut.sse::exchange[[]0] - 1 finding(s) at or above error*",
            "FAILED fx/two.tape::exchange[[]1] - *",
        ],
        consecutive=False,
    )
    assert "Traceback" not in result.stdout.str()


def test_config_decides_threshold_and_overrides(project: pytest.Pytester) -> None:
    project.makepyprojecttoml(
        "[tool.streamcheck]\npaths = ['fx']\nfail-on = 'warning'\n"
        "[[tool.streamcheck.overrides]]\npaths = ['*.tape']\nignore = ['SC301']\n"
    )
    result = project.runpytest_subprocess(*PLUGIN, "--streamcheck")
    result.assert_outcomes(passed=4, failed=2)  # cut.sse and, at warning, role.sse
    result.stdout.fnmatch_lines(["*warning SC306 missing-role (exchange 0, frame 0, line 1*"])
    assert "two.tape::exchange[1] - " not in result.stdout.str()


def test_paths_from_the_option_and_from_arguments(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(
        *PLUGIN, "--streamcheck", "--streamcheck-path", "fx/ok.sse"
    )
    result.assert_outcomes(passed=2)  # test_app and ok.sse
    # Explicit arguments narrow the run to the configured recordings among them.
    result = project.runpytest_subprocess(*PLUGIN, "--streamcheck", "fx/cut.sse")
    result.assert_outcomes(failed=1)
    result = project.runpytest_subprocess(*PLUGIN, "--streamcheck", "fx/cut.sse::exchange[0]", "fx")
    result.assert_outcomes(passed=3, failed=2)  # no item twice


def test_unreadable_recording_fails_alone(project: pytest.Pytester) -> None:
    (project.path / "fx" / "junk.bin").write_bytes(b"\x00\x01\x02\x03" * 64)
    result = project.runpytest_subprocess(*PLUGIN, "--streamcheck")
    result.assert_outcomes(passed=4, failed=3)
    result.stdout.fnmatch_lines(["*cannot check: fx/junk.bin: not a recording*"])


def test_bad_configuration_is_a_usage_error(project: pytest.Pytester) -> None:
    project.makepyprojecttoml("[tool.streamcheck]\npaths = ['fx']\nfail_on = 'x'\n")
    result = project.runpytest_subprocess(*PLUGIN, "--streamcheck")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*streamcheck: *pyproject.toml: unknown key 'fail_on'*"])
    project.makepyprojecttoml("[tool.other]\n")
    result = project.runpytest_subprocess(*PLUGIN, "--streamcheck")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no recordings to check: give --streamcheck-path*"])
    result = project.runpytest_subprocess(*PLUGIN, "--streamcheck", "--streamcheck-path", "nope")
    result.stderr.fnmatch_lines(["*streamcheck: nope: no such file or folder*"])
    project.makepyprojecttoml("[tool.streamcheck]\npaths = ['fx']\nschemas = ['missing']\n")
    result = project.runpytest_subprocess(*PLUGIN, "--streamcheck")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*streamcheck: *missing: not a folder*"])


def test_pytest_junitxml_carries_the_findings(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(*PLUGIN, "--streamcheck", "--junitxml=out.xml")
    result.assert_outcomes(passed=4, failed=2)
    text = (project.path / "out.xml").read_text()
    assert "error SC301 missing-terminator (exchange 0)" in text

"""`streamcheck check PATH...` with no option runs without typer (`cli._bare_check`, start-up,
issue 22): the same implementation (`cli/checking.run`) with the typer command's defaults, and
the same output, exit code and error lines as through typer. `--format text` (the default,
said) sends the same check through typer, so each case here is run both ways, in a real
process, and compared."""

from __future__ import annotations

import inspect
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from streamcheck.cli import _bare_check, _command, checking, main
from streamcheck.cli import check as check_command
from streamcheck.cli.checking import run
from streamcheck.exceptions import StreamcheckError
from tests.conftest import FIXTURES, ROOT, run_in_process
from tests.streams import CLEAN, CUT, NO_ROLE, write


def _check_command() -> Any:
    return _command(["check"]).commands["check"]


def test_the_lane_has_the_typer_commands_parameters_and_defaults() -> None:
    # The lane calls run(paths) and nothing else: every other parameter takes run's default,
    # which must be what the typer command gives an option that is not on the command line.
    declared = {param.name: param.default for param in _check_command().params}
    lane = {name: p.default for name, p in inspect.signature(run).parameters.items()}
    assert list(declared) == list(lane)
    assert declared == lane
    assert lane["format"] == "text" and lane["jobs"] == 1  # the comparison reads real values


def test_typer_passes_run_the_defaults_of_every_option_not_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Beyond the declared defaults: what typer's conversions deliver (None stays None, not an
    # empty list) is what the lane passes.
    seen: dict[str, Any] = {}

    def record(**given: Any) -> int:
        seen.update(given)
        return 0

    monkeypatch.setattr(check_command, "run", record)
    with pytest.raises(SystemExit) as exited:
        main(["check", "--", "a.sse"])  # `--`: through typer, no option given
    assert exited.value.code == 0
    lane = {name: p.default for name, p in inspect.signature(run).parameters.items()}
    assert seen == {**lane, "paths": ["a.sse"]}


@pytest.mark.parametrize(
    ("args", "lane"),
    [
        (["check", "a.sse"], (["a.sse"], 1)),
        (["check", "a.sse", "b/", "*.sse", ""], (["a.sse", "b/", "*.sse", ""], 1)),
        (["check", "a.sse", "--jobs", "0"], (["a.sse"], 0)),
        (["check", "--jobs", "2", "a.sse", "b/"], (["a.sse", "b/"], 2)),
        (["check", "--jobs=3", "a.sse"], (["a.sse"], 3)),
        (["check", "-j", "4", "a.sse"], (["a.sse"], 4)),
        (["check", "-j07", "a.sse"], (["a.sse"], 7)),
        (["check", "--jobs", "1", "2"], (["2"], 1)),  # the value, then a path named 2
        (["check"], None),  # no path: the config's paths, typer's `check` answers
        (["check", "--jobs", "2"], None),
        (["check", "-"], None),  # standard input
        (["check", "a.sse", "-q"], None),
        (["check", "a.sse", "--jobs"], None),  # no value: typer's error
        (["check", "a.sse", "--jobs", "-1"], None),  # typer's conversion, run's error
        (["check", "a.sse", "--jobs", "+2"], None),
        (["check", "a.sse", "--jobs", "\u0662"], None),  # a digit, not ASCII
        (["check", "a.sse", "--jobs="], None),
        (["check", "a.sse", "-j", "1", "-j", "2"], None),  # twice: typer takes the last
        (["check", "a.sse", "--jobs", "2", "-q"], None),
        (["check", "--", "a.sse"], None),
        (["check", "-x.sse"], None),
        (["check", "--help"], None),
        (["rules", "a.sse"], None),
        (["a.sse"], None),
    ],
)
def test_only_check_with_paths_and_at_most_jobs_takes_the_lane(
    args: list[str], lane: tuple[list[str], int] | None
) -> None:
    assert _bare_check(args) == lane


def run_cli(
    *args: str,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    shell: str | None = None,
    python: tuple[str, ...] = ("-m", "streamcheck"),
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED",)}
    environment.update({"PYTHONPATH": str(ROOT), "NO_COLOR": "1", **(env or {})})
    environment = {k: v for k, v in environment.items() if v != ""}  # "" unsets
    command = [sys.executable, *python, *args]
    if shell is not None:  # `shell` holds `{}` where the command goes
        line = shell.format(" ".join(shlex.quote(part) for part in command))
        command = ["bash", "-o", "pipefail", "-c", line]
    return subprocess.run(
        command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=120
    )


def both_ways(
    *paths: str, cwd: Path = ROOT, env: dict[str, str] | None = None, shell: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`check PATHS` (the lane) and `check --format text PATHS` (typer): the same result.
    `--jobs N` among the paths rides the lane too."""
    lane = run_cli("check", *paths, cwd=cwd, env=env, shell=shell)
    typed = run_cli("check", "--format", "text", *paths, cwd=cwd, env=env, shell=shell)
    assert (lane.returncode, lane.stdout, lane.stderr) == (
        typed.returncode,
        typed.stdout,
        typed.stderr,
    )
    return lane


@pytest.mark.parametrize("jobs", [(), ("--jobs", "2"), ("-j0",)])
def test_the_lane_loads_no_typer_and_the_option_does(jobs: tuple[str, ...]) -> None:
    path = str(FIXTURES / "openai" / "text-answer.sse")
    timed = ("-X", "importtime", "-m", "streamcheck")
    lane = run_cli("check", path, *jobs, python=timed)
    typed = run_cli("check", "-q", path, *jobs, python=timed)
    assert lane.returncode == typed.returncode == 0
    assert "typer" not in modules(lane.stderr) and "streamcheck.cli.checking" in modules(
        lane.stderr
    )
    assert "typer" in modules(typed.stderr)


def modules(importtime: str) -> set[str]:
    return {line.rsplit("|", 1)[1].strip() for line in importtime.splitlines() if "|" in line}


@pytest.mark.parametrize("jobs", [(), ("--jobs", "2"), ("--jobs=0",), ("-j", "1")])
def test_every_fixture_in_one_folder_run(jobs: tuple[str, ...]) -> None:
    done = both_ways("fixtures", *jobs)
    assert done.returncode == 1 and done.stdout.count("\n") > 300, done.stderr[-500:]


def test_jobs_reaches_run_from_the_lane(monkeypatch: pytest.MonkeyPatch) -> None:
    # The lane hands the count to run (the comparison above holds only its output).
    seen: dict[str, Any] = {}

    def record(paths: list[str], **given: Any) -> int:
        seen.update(given, paths=paths)
        return 0

    monkeypatch.setattr(checking, "run", record)
    with pytest.raises(SystemExit) as exited:
        main(["check", "a.sse", "-j", "3"])
    assert exited.value.code == 0 and seen == {"paths": ["a.sse"], "jobs": 3}


@pytest.mark.parametrize(
    "fixture",
    [
        "openai/text-answer.sse",  # clean: exit 0
        "rules/SC301/bad.sse",  # a grammar finding: exit 1
        "openai/gpt4-no-model-access.http",  # an error body
        "rules/SC104/good.yaml",  # a cassette
    ],
)
def test_one_file(fixture: str) -> None:
    done = both_ways(str(FIXTURES / fixture))
    assert done.stdout and done.returncode in (0, 1)


def test_several_paths_a_glob_and_a_folder(tmp_path: Path) -> None:
    write(tmp_path, {"a.sse": CLEAN, "b.sse": CUT, "sub/c.sse": NO_ROLE, "sub/notes.txt": "x"})
    done = both_ways("a.sse", "*.sse", "sub", cwd=tmp_path)
    assert done.returncode == 1 and "b.sse" in done.stdout and "sub/c.sse" in done.stdout


@pytest.mark.parametrize(
    "path",
    [
        "missing.sse",
        "",
        "empty-folder",
        "no-match-*.sse",
        "sk-proj-" + "A1b2" * 10 + "\x1b[31m.sse",  # masked, escaped
        "not-utf8-\udcff.sse",
    ],
)
def test_bad_paths_are_the_same_one_line(tmp_path: Path, path: str) -> None:
    (tmp_path / "empty-folder").mkdir()
    done = both_ways(path, cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "A1b2A1b2" not in done.stderr and "\x1b" not in done.stderr


@pytest.mark.parametrize(
    ("config", "name"),
    [
        ('fail-on = "warning"\n', "streamcheck.toml"),
        ('ignore = ["SC301"]\n', "streamcheck.toml"),
        ('select = ["SC3"]\nfail-on = "info"\n', "streamcheck.toml"),
        ('[tool.streamcheck]\nfail-on = "warning"\n', "pyproject.toml"),
        ('[[overrides]]\npaths = ["sub"]\nignore = ["SC306"]\n', "streamcheck.toml"),
        ("max-gap = -1\n", "streamcheck.toml"),  # bad: one line, exit 2
        ("fail-on = [\n", "streamcheck.toml"),  # not TOML
        ('colour = "red"\n', "streamcheck.toml"),  # an unknown key
    ],
)
def test_a_config_found_upwards_applies_the_same(tmp_path: Path, config: str, name: str) -> None:
    write(tmp_path, {name: config, "sub/cut.sse": CUT, "sub/no-role.sse": NO_ROLE})
    done = both_ways("cut.sse", "no-role.sse", cwd=tmp_path / "sub")
    assert done.returncode in (0, 1, 2) and (done.stdout or done.stderr)


def test_a_baseline_named_by_the_config(tmp_path: Path) -> None:
    write(tmp_path, {"rec/cut.sse": CUT})
    made = run_cli("check", "rec", "--write-baseline", "base.json", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    write(tmp_path, {"streamcheck.toml": 'baseline = "base.json"\n', "rec/no-role.sse": NO_ROLE})
    (tmp_path / "streamcheck.toml").write_text('baseline = "base.json"\nfail-on = "warning"\n')
    done = both_ways("rec", cwd=tmp_path)
    assert done.returncode == 1 and "no-role.sse" in done.stdout


def test_colour_forced_goes_through_rich_the_same() -> None:
    done = both_ways(
        str(FIXTURES / "rules" / "SC301" / "bad.sse"), env={"NO_COLOR": "", "FORCE_COLOR": "1"}
    )
    assert "\x1b[" in done.stdout


@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "unbuffered"])
def test_a_reader_that_goes_away_is_exit_141(tmp_path: Path, unbuffered: str) -> None:
    write(tmp_path, {f"rec/cut{n:03}.sse": CUT for n in range(400)})
    done = both_ways(
        "rec", cwd=tmp_path, env={"PYTHONUNBUFFERED": unbuffered}, shell="{} | head -1"
    )
    assert done.returncode == 141 and done.stderr == ""


@pytest.mark.parametrize(("shell", "code"), [("{} >&-", 2), ("{} >/dev/full", 2), ("{} 2>&-", 1)])
def test_closed_or_full_standard_streams(shell: str, code: int) -> None:
    done = both_ways(str(FIXTURES / "rules" / "SC301" / "bad.sse"), shell=shell)
    assert done.returncode == code


def test_a_shell_completion_request_goes_to_typer() -> None:
    # typer answers _STREAMCHECK_COMPLETE before running any command (typer/core.py, _main):
    # here that it does not know the shell, where the check itself would exit 0.
    clean = str(FIXTURES / "openai" / "text-answer.sse")
    done = both_ways(clean, env={"_STREAMCHECK_COMPLETE": "complete_bash"})
    assert done.returncode == 1 and "not supported" in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("error", "code", "stderr"),
    [
        (KeyboardInterrupt(), 130, ""),  # typer: Exit(130), nothing said
        (EOFError(), 130, "\n"),  # typer: a line break, then Abort
        (StreamcheckError("no such thing"), 2, "streamcheck: error: no such thing\n"),
        (OSError(28, "No space left on device"), 2, "cannot write the output"),
        (RuntimeError("boom"), 2, "streamcheck: internal error: RuntimeError: boom\n"),
    ],
)
def test_what_stops_the_check_ends_the_same(
    monkeypatch: pytest.MonkeyPatch, error: BaseException, code: int, stderr: str
) -> None:
    # An interrupt, the end of an input, an error inside the check: each ends the lane as it
    # ends the check through typer, whose Command.main handles the first two its own way.
    def stopped(*args: Any, **kwargs: Any) -> int:
        raise error

    monkeypatch.setattr(checking, "run", stopped)
    monkeypatch.setattr(check_command, "run", stopped)
    lane = run_in_process("check", "a.sse")
    typed = run_in_process("check", "--format", "text", "a.sse")
    assert (lane.returncode, lane.stdout, lane.stderr) == (
        typed.returncode,
        typed.stdout,
        typed.stderr,
    )
    assert lane.returncode == code and stderr in lane.stderr

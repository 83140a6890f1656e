"""The command line end to end: in process with typer's CliRunner, and as a real subprocess.

Exit codes (README, `--help`): 0 clean, 1 findings at or above --fail-on, 2 usage error or
unreadable input. A tool error is one line on stderr, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import psutil
import pytest
from typer.testing import CliRunner

from streamcheck import rules
from streamcheck.cli import app
from streamcheck.exceptions import StreamcheckError
from tests.conftest import FIXTURES, ROOT, run_python, run_streamcheck
from tests.streams import CLEAN, CUT, NO_ROLE, write

RESULT_KEYS = {
    "source", "exchange", "provider", "api", "api_version", "url", "status", "framing", "frames",
    "bytes", "end", "error_class", "timing", "findings",
}  # fmt: skip
FINDING_KEYS = {"code", "name", "severity", "message", "location", "evidence", "hint"}


@pytest.fixture
def files(tmp_path: Path) -> Path:
    return write(tmp_path, {"clean.sse": CLEAN, "cut.sse": CUT, "no-role.sse": NO_ROLE})


def invoke(*args: str, input: bytes | None = None) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(app, list(args), input=input, env={"NO_COLOR": "1"})
    return result.exit_code, result.stdout, result.exception


def assert_one_line_error(done: object, *needles: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)  # type: ignore[attr-defined]
    stderr: str = done.stderr  # type: ignore[attr-defined]
    assert stderr.startswith("streamcheck: error: ") or stderr.startswith("Usage:"), stderr
    assert "Traceback" not in stderr
    if stderr.startswith("streamcheck: error: "):
        assert stderr.count("\n") == 1, stderr
    for needle in needles:
        assert needle in stderr


# -- in process (CliRunner) ----------------------------------------------------------------------


def test_clean_file_exits_0_and_findings_exit_1(files: Path) -> None:
    code, out, _ = invoke("check", str(files / "clean.sse"))
    assert code == 0 and "OK" in out
    code, out, _ = invoke("check", str(files / "cut.sse"))
    assert code == 1 and "SC301" in out


def test_json_report_keys(files: Path) -> None:
    code, out, _ = invoke(
        "check", "--format", "json", str(files / "cut.sse"), str(files / "clean.sse")
    )
    assert code == 1
    report = json.loads(out)
    assert {"version", "summary", "results"} <= set(report)
    assert report["summary"]["failed"] is True
    assert [r["source"].rsplit("/", 1)[-1] for r in report["results"]] == ["cut.sse", "clean.sse"]
    for result in report["results"]:
        assert set(result) >= RESULT_KEYS
    [finding] = report["results"][0]["findings"]
    assert set(finding) >= FINDING_KEYS
    assert (finding["code"], finding["severity"]) == ("SC301", "error")


def test_stdin_with_dash() -> None:
    code, out, _ = invoke("check", "-", "--format", "json", input=CLEAN.encode())
    assert code == 0
    [result] = json.loads(out)["results"]
    assert (result["source"], result["provider"], result["frames"]) == ("<stdin>", "openai", 4)
    code, out, _ = invoke("check", "-", input=CUT.encode())
    assert code == 1 and "SC301" in out


@pytest.mark.parametrize(
    ("flags", "exit_code"),
    [
        ((), 1),
        (("--ignore", "SC301"), 0),
        (("--ignore", "SC3"), 0),
        (("--ignore", "sc3"), 0),
        (("--select", "SC1"), 0),
        (("--select", "SC301"), 1),
        (("--select", "SC3", "--ignore", "SC301"), 0),
        (("--select", "SC1,SC301"), 1),
    ],
)
def test_select_and_ignore_take_codes_and_prefixes(
    files: Path, flags: tuple[str, ...], exit_code: int
) -> None:
    code, out, _ = invoke("check", str(files / "cut.sse"), *flags)
    assert code == exit_code, out
    assert ("SC301" in out) == (exit_code == 1)


def test_fail_on_warning_fails_on_a_warning(files: Path) -> None:
    assert invoke("check", str(files / "no-role.sse"))[0] == 0
    assert invoke("check", str(files / "no-role.sse"), "--fail-on", "warning")[0] == 1


def test_rules_lists_every_rule() -> None:
    code, out, _ = invoke("rules")
    assert code == 0
    # One line per rule starts with its code; its summary may continue on indented lines.
    listed = [line.split()[0] for line in out.splitlines() if line[:1].strip()]
    live = sorted(c for c, r in rules.REGISTRY.items() if not r.retired)
    assert listed == live


def test_explain_prints_every_doc_section() -> None:
    code, out, _ = invoke("explain", "SC301")
    assert code == 0
    assert out.startswith("# SC301 ")
    for section in rules.DOC_SECTIONS:
        assert f"## {section}" in out
    assert invoke("explain", rules.REGISTRY["SC301"].name)[1] == out  # by name too


def test_tool_errors_are_streamcheck_errors_in_process(tmp_path: Path) -> None:
    """In process the command raises the library's error; `main()` turns it into exit 2."""
    for args in (
        ("check", str(tmp_path / "absent.sse")),
        ("check", str(tmp_path)),  # a folder with no recording in it
        ("explain", "SC999"),
    ):
        _, _, exception = invoke(*args)
        assert isinstance(exception, StreamcheckError), args


# -- real subprocesses -------------------------------------------------------------------------


def test_subprocess_exit_codes(files: Path) -> None:
    assert run_streamcheck("check", str(files / "clean.sse")).returncode == 0
    done = run_streamcheck("check", str(files / "cut.sse"))
    assert done.returncode == 1 and "SC301" in done.stdout and done.stderr == ""
    done = run_streamcheck("check", str(files / "clean.sse"), str(files / "cut.sse"))
    assert done.returncode == 1


def test_missing_file(tmp_path: Path) -> None:
    assert_one_line_error(run_streamcheck("check", str(tmp_path / "absent.sse")), "absent.sse")


def test_unreadable_file(tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root reads any mode bits; this file refuses every read
        path = "/proc/self/mem"
    else:
        locked = tmp_path / "locked.sse"
        locked.write_text(CLEAN)
        locked.chmod(0)
        path = str(locked)
    assert_one_line_error(run_streamcheck("check", path), "cannot read")


def test_folder_of_nothing(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert_one_line_error(run_streamcheck("check", str(tmp_path / "empty")), "no recordings")
    write(tmp_path / "notes", {"README.md": "nothing to check", ".hidden.sse": CUT})
    assert_one_line_error(run_streamcheck("check", str(tmp_path / "notes")), "no recordings")


def test_binary_junk(tmp_path: Path) -> None:
    junk = bytes(range(256)) * 16
    (tmp_path / "junk.bin").write_bytes(junk)
    assert_one_line_error(run_streamcheck("check", str(tmp_path / "junk.bin")), "not a recording")
    assert_one_line_error(run_streamcheck("check", "-", input=junk), "not a recording")


def test_invalid_provider_and_fail_on(files: Path) -> None:
    clean = str(files / "clean.sse")
    assert_one_line_error(run_streamcheck("check", clean, "--provider", "nope"), "unknown provider")
    assert_one_line_error(run_streamcheck("check", clean, "--fail-on", "bogus"), "--fail-on")
    assert_one_line_error(run_streamcheck("check", clean, "--format", "xml"), "--format")
    assert_one_line_error(run_streamcheck("check", clean, "--select", "SC7"), "--select")
    assert_one_line_error(run_streamcheck("explain", "SC999"), "unknown rule")
    assert_one_line_error(run_streamcheck("check", clean, "--no-such-flag"))
    assert_one_line_error(run_streamcheck("check", clean, "--max-line", "0"), "--max-line 0")
    assert_one_line_error(run_streamcheck("check", clean, "--max-gap", "-1"), "positive number")


def test_an_unknown_api_lists_each_known_api_once(files: Path) -> None:
    done = run_streamcheck("check", str(files / "clean.sse"), "--api", "nope")
    assert_one_line_error(done, "unknown api 'nope'")
    known = done.stderr.split("known here: ", 1)[1].rstrip().rstrip(")").split(", ")
    assert len(known) == len(set(known)) and {"chat-completions", "messages"} <= set(known)


def test_stdin_subprocess() -> None:
    done = run_streamcheck("check", "-", "--format", "json", input=CUT.encode())
    assert done.returncode == 1
    assert json.loads(done.stdout)["results"][0]["source"] == "<stdin>"


def test_100_mb_single_line_is_a_finding_in_bounded_memory(tmp_path: Path) -> None:
    """One 100 MB line: reported (SC104, exit 1), no crash, and the process stays small."""
    big = tmp_path / "one-line.sse"
    with big.open("wb") as out:
        out.write(b"data: ")
        piece = b"x" * (1024 * 1024)
        for _ in range(100):
            out.write(piece)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "streamcheck", "check", "--format", "json", str(big)]
    proc = psutil.Popen(command, stdout=-1, stderr=-1, cwd=ROOT, env=env)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.01)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1, stderr
    assert b"Traceback" not in stderr
    codes = [f["code"] for f in json.loads(stdout)["results"][0]["findings"]]
    assert "SC104" in codes
    # The default --max-line is 16 MiB: the line is held up to that, then skipped.
    assert peak < 160 * 1024 * 1024, peak


def test_never_a_traceback_on_odd_inputs(tmp_path: Path) -> None:
    odd = {
        "bom-only.sse": b"\xef\xbb\xbf",
        "cr-only.sse": b"\r" * 1000,
        "nul.sse": b"data: \x00\x00\n\n",
        "cut-utf8.sse": b'data: {"t":"\xe2\x80',
        "half-curl.http": b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n",
        "empty.sse": b"",
        "tape-like.tape": b'{"streamcheck_tape": 1, "provider"',
    }
    for name, data in odd.items():
        (tmp_path / name).write_bytes(data)
        done = run_streamcheck("check", str(tmp_path / name))
        assert done.returncode in (0, 1, 2), name
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr, name


@pytest.mark.parametrize("args", [["check", "--bogus"], ["explain"], ["nonsense"]])
def test_usage_errors_need_no_click_install(args: list[str]) -> None:
    """A new typer vendors click and no longer depends on it; without click installed a usage
    error is still one line and exit 2."""
    code = (
        "import sys; sys.modules['click'] = None\n"
        "from streamcheck.cli import main\n"
        f"main({args!r})\n"
    )
    done = run_python(code)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("streamcheck: error: ")
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_check_help_names_the_config_table() -> None:
    """Help text goes through rich markup; a bare [tool.streamcheck] would vanish as a tag."""
    done = run_streamcheck("check", "--help", env={"COLUMNS": "200"})
    assert done.returncode == 0
    assert "[tool.streamcheck] in pyproject.toml" in done.stdout


@pytest.mark.parametrize(("recording", "code"), [(CLEAN, 0), (CUT, 1)])
def test_the_program_exit_keeps_output_and_exit_code(
    tmp_path: Path, recording: str, code: int
) -> None:
    """`program()` skips the exit-time garbage collection: the report, a --report file and the
    exit code must all still be complete."""
    path = write(tmp_path, {"s.sse": recording}) / "s.sse"
    junit = tmp_path / "out.xml"
    run = "import sys; from streamcheck.cli import program; sys.argv[0] = 'streamcheck'; program()"
    done = run_python(run, "check", str(path), "--report", f"junit:{junit}", "-f", "json")
    assert done.returncode == code, done.stderr
    assert json.loads(done.stdout)["summary"]
    assert junit.read_text().rstrip().endswith("</testsuites>")


def test_the_program_runs_atexit_handlers() -> None:
    run = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('handler ran'))\n"
        "from streamcheck.cli import program\n"
        "sys.argv[0] = 'streamcheck'\n"
        "program()\n"
    )
    done = run_python(run, "rules")
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("handler ran")


@pytest.mark.parametrize(("entry", "frozen"), [("program", True), ("main", False)])
def test_the_program_leaves_the_heap_frozen_and_main_does_not(entry: str, frozen: bool) -> None:
    run = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 1000))\n"
        f"from streamcheck.cli import {entry}\n"
        "sys.argv[0] = 'streamcheck'\n"
        f"{entry}()\n"
    )
    done = run_python(run, "rules")
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith(f"frozen {frozen}")


# A script that runs the program (or main) and says, when start-up freezes its heap and when the
# recording is opened, whether the collector is on and whether any collection ran before.
_COLLECTOR_SEEN = """\
import gc, sys
def collections():
    return sum(s['collections'] for s in gc.get_stats())
def say(when):
    print(when, gc.isenabled(), 'some' if collections() > before else 'none')
freeze = gc.freeze
def freezing():
    say('freezing')
    freeze()
gc.freeze = freezing
def seen(event, args):
    if event == 'open' and args[0] == {fixture!r}:
        say('reading')
    if event == 'import' and args[0] == 'streamcheck.cli.catalog':
        say('loading the command')
sys.addaudithook(seen)
from streamcheck.cli import {entry}
sys.argv[0] = 'streamcheck'
before = collections()
{entry}()
"""


@pytest.mark.parametrize(
    ("entry", "options", "seen"),
    [
        # No collection through start-up; on before the first file.
        ("program", [], ["freezing False none", "reading True"]),
        # typer's lane: on before typer loads (it makes garbage of its own).
        ("program", ["--format", "json"], ["freezing True some", "reading True"]),
        # main() leaves the collector as its caller set it, and freezes nothing.
        ("main", [], ["reading True"]),
    ],
)
def test_the_program_starts_up_without_the_collector_and_reads_files_with_it(
    entry: str, options: list[str], seen: list[str]
) -> None:
    # Start-up (imports, the config) makes next to no garbage: the program runs a check's with
    # the collector off and turns it on once it has frozen what start-up made, before the first
    # file is read.
    fixture = str(FIXTURES / "openai" / "text-answer.sse")
    done = run_python(
        _COLLECTOR_SEEN.format(fixture=fixture, entry=entry), "check", *options, fixture
    )
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stdout.splitlines() if line.startswith(("freezing", "reading"))]
    # When the file is read, collections may have run since the freeze: not asked. (The
    # program freezes again on its way out.)
    shown = [line if line.startswith("freezing") else line[:12] for line in said]
    assert shown[: len(seen)] == seen


def test_a_command_other_than_check_runs_with_the_collector() -> None:
    # On before typer builds the command (and so before the command runs); on again after an
    # exit that came before start-up ended, for a caller that carries on in the same process.
    script = _COLLECTOR_SEEN.format(fixture="", entry="program")
    done = run_python(script, "rules")
    assert done.returncode == 0, done.stderr
    assert "loading the command True some" in done.stdout.splitlines()
    version = run_python(
        "import gc, sys\n"
        "from streamcheck.cli import program\n"
        "sys.argv[0] = 'streamcheck'\n"
        "try:\n"
        "    program()\n"
        "except SystemExit:\n"
        "    print('after', gc.isenabled())\n",
        "--version",
    )
    assert version.stdout.splitlines()[-1] == "after True"


@pytest.mark.parametrize(
    ("entry", "jobs", "frozen"),
    [("program", "1", True), ("program", "2", True), ("main", "1", False)],
)
def test_check_in_the_program_freezes_start_up_before_the_first_file(
    entry: str, jobs: str, frozen: bool
) -> None:
    # What start-up made lives to the end of a check: the program freezes it before the first
    # file (its collections then skip it), and a parallel run does not thaw it; main(), which
    # callers run in their own process, leaves the collector alone.
    run = (
        "import gc, sys\n"
        "import streamcheck.run as run\n"
        "checked = run.iter_files\n"
        "def iter_files(*args, **kwargs):\n"
        "    print('before the files', gc.get_freeze_count() > 1000)\n"
        "    yield from checked(*args, **kwargs)\n"
        "    print('after the files', gc.get_freeze_count() > 1000)\n"
        "run.iter_files = iter_files\n"
        f"from streamcheck.cli import {entry}\n"
        "sys.argv[0] = 'streamcheck'\n"
        f"{entry}()\n"
    )
    done = run_python(run, "check", "-q", "--jobs", jobs, str(FIXTURES / "openai"))
    assert done.returncode in (0, 1), done.stderr
    lines = [line for line in done.stdout.splitlines() if "the files" in line]
    assert lines == [f"before the files {frozen}", f"after the files {frozen}"]

"""`--jobs N`: files checked in N processes give the same report, in the same order, as one."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest

from streamcheck import check_paths, run
from tests.conftest import FIXTURES, run_streamcheck


def test_cli_output_is_identical_with_jobs() -> None:
    one = run_streamcheck("check", "fixtures", "--format", "json", "--quiet")
    two = run_streamcheck("check", "fixtures", "--format", "json", "--quiet", "--jobs", "2")
    assert one.returncode == two.returncode == 1  # the fixtures include bad recordings
    assert one.stdout == two.stdout
    assert two.stdout.count('"source"') > 50


def test_library_report_is_identical_with_jobs() -> None:
    paths = [str(FIXTURES / "openai"), str(FIXTURES / "anthropic"), str(FIXTURES / "rules")]
    one = check_paths(paths)
    three = check_paths(paths, jobs=3)
    assert [r.to_dict() for r in three.results] == [r.to_dict() for r in one.results]
    assert three.failed == one.failed


def test_unreadable_file_is_one_line_and_exit_2_with_jobs(tmp_path: Path) -> None:
    for fixture in sorted((FIXTURES / "openai").glob("*.sse"))[:3]:
        shutil.copy(fixture, tmp_path / fixture.name)
    (tmp_path / "zz-junk.bin").write_bytes(b"\x00\x01\x02binary\xff\xfe junk")
    one = run_streamcheck("check", str(tmp_path), "--quiet")
    two = run_streamcheck("check", str(tmp_path), "--quiet", "--jobs", "2")
    assert one.returncode == two.returncode == 2
    assert two.stderr == one.stderr
    assert two.stderr.count("\n") == 1 and "zz-junk.bin: not a recording" in two.stderr
    assert "Traceback" not in two.stderr


_KILLED = """
import os, signal, sys
from streamcheck import run
from streamcheck.cli import program

check_file = run._check_file


def killed(job):
    if job[0].endswith("killed.sse"):
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
    return check_file(job)


run._check_file = killed
sys.argv = ["streamcheck", "check", *sys.argv[1:], "--jobs", "2", "--quiet"]
program()
"""


def test_a_worker_killed_is_one_line_and_exit_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    if not hasattr(os, "fork"):
        pytest.skip("the workers fork only where the platform forks")
    for fixture in sorted((FIXTURES / "openai").glob("*.sse"))[:6]:
        shutil.copy(fixture, tmp_path / fixture.name)
    shutil.copy(FIXTURES / "openai" / "text-answer.sse", tmp_path / "killed.sse")
    done = subprocess.run(
        [sys.executable, "-c", _KILLED, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "ended before its work did" in done.stderr
    assert "fewer --jobs" in done.stderr and "Traceback" not in done.stderr


def test_negative_jobs_is_a_usage_error() -> None:
    done = run_streamcheck("check", "fixtures/openai", "--jobs", "-1")
    assert done.returncode == 2
    assert "--jobs -1" in done.stderr


def _files(folder: Path, count: int, size: int) -> list[str]:
    folder.mkdir()
    paths = []
    for number in range(count):
        path = folder / f"{number:04d}.sse"
        path.write_bytes(b"x" * size)
        paths.append(str(path))
    return paths


def _loadavg(folder: Path, runnable: int) -> str:
    """A /proc/loadavg whose 1-minute load average says busy (a serial run just ended) and
    whose count of the tasks runnable now is `runnable`, this process among them."""
    path = folder / f"loadavg-{runnable}"
    path.write_text(f"2.40 1.10 0.50 {runnable}/180 4242\n")
    return str(path)


def test_jobs_0_runs_in_one_process_when_the_files_are_little_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An idle 2-CPU machine: a few small files are less work than a pool's start.
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(run, "LOADAVG", _loadavg(tmp_path, 1))
    assert run.auto_jobs(_files(tmp_path / "few", 40, 2_000)) == 1
    many = _files(tmp_path / "many", 40, 2_000_000)
    assert run.auto_jobs(many) == 2
    # The same files with both CPUs taken by other work now: a second process would only queue.
    monkeypatch.setattr(run, "LOADAVG", _loadavg(tmp_path, 3))
    assert run.auto_jobs(many) == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    monkeypatch.setattr(run, "LOADAVG", _loadavg(tmp_path, 1))
    assert run.auto_jobs(many) == 1  # one CPU to run on


def test_jobs_0_reads_the_cpus_busy_now_not_the_minute_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A run right after another: the 1-minute load average (2.40) still counts the last one,
    # while nothing but this process is runnable now. Both CPUs are free.
    monkeypatch.setattr(run, "LOADAVG", _loadavg(tmp_path, 1))
    assert run.busy_cpus() == 0.0
    monkeypatch.setattr(run, "LOADAVG", _loadavg(tmp_path, 4))
    assert run.busy_cpus() == 3.0
    # Without the file (not Linux), the load average less this process.
    monkeypatch.setattr(run, "LOADAVG", str(tmp_path / "absent"))
    monkeypatch.setattr(os, "getloadavg", lambda: (2.2, 2.0, 1.5))
    assert run.busy_cpus() == pytest.approx(1.2)
    garbled = tmp_path / "garbled"
    garbled.write_text("not a load average\n")
    monkeypatch.setattr(run, "LOADAVG", str(garbled))
    assert run.busy_cpus() == pytest.approx(1.2)


@pytest.mark.parametrize(
    ("runnable", "reads", "busy"),
    [
        ([1, 1, 1, 3, 3], 3, 0.0),  # three alike: the median, whatever the last two say
        ([3, 3, 3, 1, 1], 3, 2.0),
        ([1, 3, 3, 1, 1], 5, 0.0),  # a burst: all five, and their median
        ([3, 3, 1, 3, 1], 5, 2.0),
    ],
)
def test_busy_cpus_is_the_median_of_up_to_five_looks(
    monkeypatch: pytest.MonkeyPatch, runnable: list[int], reads: int, busy: float
) -> None:
    looks = iter(runnable)
    opened: list[str] = []

    def loadavg(path: str, mode: str) -> io.BytesIO:
        opened.append(path)
        return io.BytesIO(f"0.50 0.40 0.30 {next(looks)}/180 4242\n".encode())

    monkeypatch.setattr(run, "open", loadavg, raising=False)
    assert run.busy_cpus() == busy
    assert opened == [run.LOADAVG] * reads


def test_jobs_0_gives_the_same_report_as_one_process() -> None:
    paths = [str(FIXTURES / "openai"), str(FIXTURES / "anthropic")]
    auto = check_paths(paths, jobs=0)
    one = check_paths(paths)
    assert [r.to_dict() for r in auto.results] == [r.to_dict() for r in one.results]
    assert len(one.results) > 10


# A process of its own: only there is no other thread running, which is when workers fork
# (with one, say a server a test left running, they start from a fork server instead).
_NOTED = """
import gc, sys
from pathlib import Path
from streamcheck import check_paths, run

check_file = run._check_file


def noted(job):
    Path(str(job[0]) + ".frozen").write_text(str(gc.get_freeze_count()))
    return check_file(job)


noted.__module__, noted.__qualname__ = run.__name__, "_check_file"  # pickled by that name
run._check_file = noted
before = gc.get_freeze_count()
report = check_paths(sys.argv[1:], jobs=2)
print(len(report.results), before, gc.get_freeze_count())
"""


def test_workers_fork_with_what_they_inherit_frozen_and_the_caller_collects_as_before(
    tmp_path: Path,
) -> None:
    import multiprocessing
    import subprocess
    import sys

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("workers fork only where the platform forks")
    paths = []
    for fixture in sorted((FIXTURES / "openai").glob("*.sse"))[:4]:
        shutil.copy(fixture, tmp_path / fixture.name)
        paths.append(str(tmp_path / fixture.name))
    done = subprocess.run(
        [sys.executable, "-c", _NOTED, *paths], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["4", "0", "0"]  # the caller's collector: as it was
    counts = [int(Path(p + ".frozen").read_text()) for p in paths]
    assert all(count > 10_000 for count in counts), counts  # the checker's modules and schemas

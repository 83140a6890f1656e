"""forked.ordered_map: `check --jobs N`'s workers. Results come in the inputs' order; an error
raises at its place after the results before it; a worker that dies, an early stop or Ctrl-C
leaves no process behind; a worker never writes what the parent had buffered, nor runs its
exit handlers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ROOT

if not hasattr(os, "fork"):
    pytest.skip("workers fork only where the platform forks", allow_module_level=True)

from streamcheck import forked
from streamcheck.exceptions import StreamcheckError

CHILDREN = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children")


@pytest.fixture
def no_worker_left() -> Iterator[None]:
    """The test's workers are all reaped when it ends (Linux: /proc lists a process's
    children; any of pytest's own from before the test are left out)."""
    if not CHILDREN.is_file():
        pytest.skip("needs /proc/PID/task/TID/children to list child processes")
    before = set(CHILDREN.read_text().split())
    yield
    assert set(CHILDREN.read_text().split()) <= before


@given(st.integers(0, 300), st.integers(1, 8))
def test_spans_cover_every_index_once_in_order_and_shrink_to_one(count: int, jobs: int) -> None:
    found = forked.spans(count, jobs)
    assert [i for a, b in found for i in range(a, b)] == list(range(count))
    assert all(1 <= b - a <= 32 for a, b in found)
    if found:
        assert found[-1][1] - found[-1][0] == 1


@pytest.mark.usefixtures("no_worker_left")
@pytest.mark.parametrize(("count", "jobs"), [(0, 2), (1, 2), (3, 8), (100, 2), (257, 3)])
def test_results_come_in_the_order_of_the_inputs(count: int, jobs: int) -> None:
    squares = list(forked.ordered_map(lambda i: [i * i, os.getpid()], count, jobs))
    assert [square for square, _ in squares] == [i * i for i in range(count)]
    assert os.getpid() not in {pid for _, pid in squares}  # computed in the workers


def test_jobs_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="jobs must be 1 or more"):
        next(forked.ordered_map(lambda i: i, 4, 0))


@pytest.mark.usefixtures("no_worker_left")
def test_work_is_shared_by_the_workers() -> None:
    def slow(i: int) -> int:
        time.sleep(0.002)
        return os.getpid()

    assert len(set(forked.ordered_map(slow, 200, 2))) == 2


@pytest.mark.usefixtures("no_worker_left")
def test_a_result_bigger_than_a_pipe_comes_back_whole() -> None:
    big = list(forked.ordered_map(lambda i: bytes([i]) * 300_000, 6, 2))
    assert big == [bytes([i]) * 300_000 for i in range(6)]


def _fails_at_7(i: int) -> int:
    if i == 7:
        raise ValueError("input 7 is bad")
    return i


@pytest.mark.usefixtures("no_worker_left")
def test_an_error_raises_at_its_place_after_the_results_before_it() -> None:
    got: list[int] = []
    with pytest.raises(ValueError, match="input 7 is bad"):
        for result in forked.ordered_map(_fails_at_7, 100, 2):
            got.append(result)
    assert got == list(range(7))  # 0-6 were in the failing task with it


class _NeedsTwo(Exception):
    """Pickles, but cannot be unpickled: its __init__ wants two arguments, args holds one."""

    def __init__(self, what: str, why: str) -> None:
        super().__init__(f"{what}: {why}")


@pytest.mark.usefixtures("no_worker_left")
@pytest.mark.parametrize(
    ("error", "words"),
    [
        (lambda: type("Local", (Exception,), {})("no pickle for me"), "Local: no pickle for me"),
        (lambda: _NeedsTwo("frame", "broken"), "_NeedsTwo: frame: broken"),
    ],
)
def test_an_error_that_cannot_make_the_way_back_is_raised_in_its_words(
    error: object, words: str
) -> None:
    def fails(i: int) -> int:
        if i == 2:
            raise error()  # type: ignore[operator]
        return i

    got: list[int] = []
    with pytest.raises(RuntimeError) as raised:
        for result in forked.ordered_map(fails, 4, 2):
            got.append(result)
    assert str(raised.value) == words
    assert got == [0, 1]


@pytest.mark.usefixtures("no_worker_left")
def test_a_worker_that_dies_is_an_error() -> None:
    def dies(i: int) -> int:
        if i == 50:
            os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
        return i

    # Whether the parent meets the end of its results or of its task pipe first (it dies
    # while holding a task it was given, or before this process gives it the next): the same
    # error, never a broken pipe.
    for _ in range(10):
        with pytest.raises(forked.WorkerDied, match="ended before its work did"):
            list(forked.ordered_map(dies, 200, 2))


@pytest.mark.usefixtures("no_worker_left")
def test_a_worker_gone_before_its_next_task_is_handed_out_is_the_same_error() -> None:
    # One worker holds tasks (0, 2) and (2, 3): it sends the first's big result and dies on
    # input 2 while this process is still reading it, so handing it task (3, 4) meets a pipe
    # nobody reads (a broken pipe, were it not caught).
    def dies_after_a_big_result(i: int) -> bytes:
        if i == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        return b"x" * 20_000_000 if i == 1 else b""

    assert forked.spans(8, 1)[:3] == [(0, 2), (2, 3), (3, 4)]
    got = []
    with pytest.raises(forked.WorkerDied):
        for result in forked.ordered_map(dies_after_a_big_result, 8, 1):
            got.append(len(result))
    assert got == [0, 20_000_000]


@pytest.mark.usefixtures("no_worker_left")
def test_an_early_stop_ends_the_workers_mid_task(tmp_path: Path) -> None:
    done = tmp_path / "done"

    def slow(i: int) -> int:
        time.sleep(0.05)
        with open(done, "a") as file:
            file.write(f"{i}\n")
        return i

    results = forked.ordered_map(slow, 1000, 2)
    assert next(results) == 0
    results.close()
    computed = len(done.read_text().split())
    time.sleep(0.2)
    # Stopped, not left to finish the tasks they held (32 inputs each, 1.6 s of work).
    assert len(done.read_text().split()) == computed


@pytest.mark.usefixtures("no_worker_left")
def test_maps_running_side_by_side_both_end() -> None:
    # The second map's workers must not hold the first one's task pipes open: its workers
    # would never see their end, and stopping them would wait for ever.
    first = forked.ordered_map(lambda i: ("first", i), 50, 2)
    second = forked.ordered_map(lambda i: ("second", i), 50, 2)
    pairs = list(zip(first, second, strict=True))
    assert pairs == [(("first", i), ("second", i)) for i in range(50)]


def test_a_worker_cannot_start_is_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    opened = len(os.listdir("/proc/self/fd")) if Path("/proc/self/fd").is_dir() else None
    monkeypatch.setattr(os, "fork", no_fork)
    with pytest.raises(StreamcheckError, match=r"cannot start a worker process .*fewer --jobs"):
        next(forked.ordered_map(lambda i: i, 10, 2))
    if opened is not None:
        assert len(os.listdir("/proc/self/fd")) == opened  # its pipes closed again


_SCRIPT = """
import atexit, os, sys, time
from streamcheck import forked
atexit.register(lambda: print("exit handler"))
sys.stdout.write("before the workers\\n")  # buffered: stdout is a pipe
# A worker writing (and flushing) what it inherited would write the line above again.
print(sum(forked.ordered_map(lambda i: sys.stdout.write("W") and sys.stdout.flush() or i, 10, 2)))
if sys.argv[1:] == ["interrupt"]:
    results = forked.ordered_map(lambda i: time.sleep(0.05) or i, 1000, 2)
    next(results)
    print("ready", flush=True)
    for _ in results:
        pass
"""


def test_a_worker_never_writes_what_the_parent_had_buffered_nor_runs_its_exit() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("W") == 10  # one a worker's input, in any order
    assert done.stdout.replace("W", "") == "before the workers\n45\nexit handler\n"


def test_ctrl_c_stops_the_workers_with_the_parent() -> None:
    with subprocess.Popen(
        [sys.executable, "-c", _SCRIPT, "interrupt"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    ) as child:
        assert child.stdout is not None
        for line in child.stdout:  # to its "ready", or its end if it failed before
            if "ready" in line:
                break
        os.killpg(child.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends: the whole group
        _, errors = child.communicate(timeout=30)
    assert child.returncode != 0
    assert "KeyboardInterrupt" in errors  # the parent's, once: no worker's traceback
    assert errors.count("Traceback") == 1
    leftover = subprocess.run(
        ["pgrep", "-g", str(child.pid)], capture_output=True, text=True, check=False
    )
    assert leftover.stdout == ""  # no worker outlives it

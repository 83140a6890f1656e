"""forked.ordered_map: `check --jobs N`'s workers. Results come in the inputs' order; an error
raises at its place after the results before it; a worker that dies, an early stop or Ctrl-C
leaves no process behind; a worker never writes what the parent had buffered."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ROOT

if not hasattr(os, "fork"):
    pytest.skip("workers fork only where the platform forks", allow_module_level=True)

from streamcheck import forked


def _children() -> list[int]:
    """This process's child processes still running or not reaped (Linux)."""
    path = f"/proc/{os.getpid()}/task/{os.getpid()}/children"
    with open(path) as file:
        return [int(pid) for pid in file.read().split()]


@given(st.integers(0, 300), st.integers(1, 8))
def test_spans_cover_every_index_once_in_order_and_shrink_to_one(count: int, jobs: int) -> None:
    found = forked.spans(count, jobs)
    assert [i for a, b in found for i in range(a, b)] == list(range(count))
    assert all(1 <= b - a <= 32 for a, b in found)
    if found:
        assert found[-1][1] - found[-1][0] == 1


@pytest.mark.parametrize(("count", "jobs"), [(0, 2), (1, 2), (3, 8), (100, 2), (257, 3)])
def test_results_come_in_the_order_of_the_inputs(count: int, jobs: int) -> None:
    squares = list(forked.ordered_map(lambda i: [i * i, os.getpid()], count, jobs))
    assert [square for square, _ in squares] == [i * i for i in range(count)]
    assert os.getpid() not in {pid for _, pid in squares}  # computed in the workers
    assert _children() == []


def test_work_is_shared_by_the_workers() -> None:
    def slow(i: int) -> int:
        time.sleep(0.002)
        return os.getpid()

    assert len(set(forked.ordered_map(slow, 200, 2))) == 2


def _fails_at_7(i: int) -> int:
    if i == 7:
        raise ValueError("input 7 is bad")
    return i


def test_an_error_raises_at_its_place_after_the_results_before_it() -> None:
    got: list[int] = []
    with pytest.raises(ValueError, match="input 7 is bad"):
        for result in forked.ordered_map(_fails_at_7, 100, 2):
            got.append(result)
    assert got == list(range(7))  # 0-6 were in the failing task with it
    assert _children() == []


def test_an_error_that_cannot_be_pickled_is_raised_in_its_words() -> None:
    class Local(Exception):  # a local class: pickle cannot name it
        pass

    def fails(i: int) -> int:
        raise Local("no pickle for me")

    with pytest.raises(RuntimeError, match="Local: no pickle for me"):
        list(forked.ordered_map(fails, 4, 2))
    assert _children() == []


def test_a_worker_that_dies_is_an_error_and_leaves_no_process() -> None:
    def dies(i: int) -> int:
        if i == 50:
            os.kill(os.getpid(), signal.SIGKILL)
        return i

    with pytest.raises(forked.WorkerDied, match="ended before its work did"):
        list(forked.ordered_map(dies, 200, 2))
    assert _children() == []


def test_an_early_stop_ends_the_workers() -> None:
    def slow(i: int) -> int:
        time.sleep(0.05)
        return i

    results = forked.ordered_map(slow, 1000, 2)
    assert next(results) == 0
    started = time.monotonic()
    results.close()
    assert _children() == []
    assert time.monotonic() - started < 5  # not the 50 s the rest would take


_SCRIPT = """
import os, sys, time
from streamcheck import forked
sys.stdout.write("before the workers\\n")  # buffered: stdout is a pipe
print(sum(forked.ordered_map(lambda i: i, 100, 2)))
if sys.argv[1:] == ["interrupt"]:
    results = forked.ordered_map(lambda i: time.sleep(0.05) or i, 1000, 2)
    next(results)
    print("ready", flush=True)
    for _ in results:
        pass
"""


def test_a_worker_never_writes_what_the_parent_had_buffered() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "before the workers\n4950\n"


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
    time.sleep(0.2)
    leftover = subprocess.run(
        ["pgrep", "-g", str(child.pid)], capture_output=True, text=True, check=False
    )
    assert leftover.stdout == ""  # no worker outlives it

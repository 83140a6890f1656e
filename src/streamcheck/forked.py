"""An ordered map over worker processes forked from this one (POSIX), for `check --jobs N`.

What ProcessPoolExecutor does for `--jobs`, with what a fork makes unneeded left out: the
workers inherit the function and its inputs, so a task is two numbers on a pipe (no pickled
arguments, no call queue, no feeder or manager thread, no import of multiprocessing), and
each worker's results come back pickled on a pipe of its own, read here as they come. Tasks
are spans of the inputs' indexes, a few at a time, shrinking toward the end so the workers
finish together (`spans`). The results are given in the inputs' order; an input that raised
raises here at its place, after every result before it.

Only for a process with one thread (`usable`): a fork copies the locks other threads hold.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import select
import signal
import struct
import sys
from collections.abc import Callable, Iterator
from typing import Any

from streamcheck.exceptions import StreamcheckError

__all__ = ["WorkerDied", "ordered_map", "spans", "usable"]

_SPAN = struct.Struct("<QQ")  # a task: the first index and the one past the last
_SIZE = struct.Struct("<Q")  # a result: its pickle's length, then the pickle
_AHEAD = 2  # tasks a worker holds at once: the next is there when it finishes one
# This process's ends of the pipes of every map still running: a worker forked for one map
# closes them all, or a worker of another map would keep this one's task pipes open (its
# workers would never see their end).
_OPEN: set[int] = set()


class WorkerDied(StreamcheckError):
    """A worker ended (killed, out of memory) before giving back all its results."""


def usable() -> bool:
    """Whether workers can fork from this process: os.fork exists and no other thread runs,
    Python's or native (Linux says how many in /proc/self/status)."""
    if not hasattr(os, "fork"):
        return False
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() != 1:
        return False
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"Threads:"):
                    return int(line.split()[1]) == 1
    except (OSError, ValueError, IndexError):
        pass  # not Linux: the Python threads, counted above
    return True


def spans(count: int, jobs: int, most: int = 32) -> list[tuple[int, int]]:
    """Tasks of at most `most` inputs, each a quarter of one worker's share of what is left:
    big while much is left (fewer messages), one input at the end (no worker left alone with
    a big task while the others wait)."""
    found: list[tuple[int, int]] = []
    start = 0
    while start < count:
        size = max(1, min(most, (count - start) // (jobs * 4)))
        found.append((start, start + size))
        start += size
    return found


class _Worker:
    """One forked worker as this process sees it: its pipes and the tasks it holds."""

    __slots__ = ("held", "pid", "results", "tasks")

    def __init__(self, pid: int, tasks: int, results: int) -> None:
        self.pid = pid
        self.tasks = tasks  # the write end of its task pipe; -1 once closed
        self.results = results  # the read end of its result pipe; -1 once closed
        self.held: list[int] = []  # the first index of each task it holds

    def hand_out(self, waiting: Iterator[tuple[int, int]], up_to: int) -> None:
        """Up to `up_to` more tasks; once none is left its task pipe is closed, so it ends
        when it has done the ones it holds. A worker that is gone keeps what it was given:
        its results' end of file says so, in order (`_collect`)."""
        for _ in range(up_to):
            if self.tasks < 0:  # closed: no task taken for it, none lost
                return
            span = next(waiting, None)
            if span is None:
                self.close_tasks()
                return
            self.held.append(span[0])
            try:
                os.write(self.tasks, _SPAN.pack(*span))
            except BrokenPipeError:  # it died after its last result
                self.close_tasks()
                return

    def close_tasks(self) -> None:
        if self.tasks >= 0:
            _close(self.tasks)
            self.tasks = -1

    def close(self) -> None:
        self.close_tasks()
        if self.results >= 0:
            _close(self.results)
            self.results = -1


def _close(fd: int) -> None:
    _OPEN.discard(fd)
    os.close(fd)


def ordered_map(function: Callable[[int], Any], count: int, jobs: int) -> Iterator[Any]:
    """`function(0)`, ..., `function(count - 1)`, computed in `jobs` forked workers, given in
    that order. Closing the iterator early (or an error here) stops the workers.

    What is alive when they fork is their inheritance: it is frozen for the fork, so a
    worker's collections never walk it (a walk writes to every object's page, which
    copy-on-write then copies into that worker); this process collects as before after."""
    if jobs < 1:
        raise ValueError(f"jobs must be 1 or more, not {jobs}")
    tasks = spans(count, jobs)
    sys.stdout.flush()  # what is buffered here must not be written again by a worker
    sys.stderr.flush()
    workers: list[_Worker] = []
    thaw = not gc.get_freeze_count()  # a caller that froze its own start-up keeps it so
    gc.freeze()
    try:
        for _ in range(min(jobs, len(tasks))):
            workers.append(_fork(function))
    except BaseException:
        _stop(workers)
        raise
    finally:
        if thaw:
            gc.unfreeze()
    try:
        yield from _collect(workers, tasks)
    finally:
        _stop(workers)


def _fork(function: Callable[[int], Any]) -> _Worker:
    """One worker, started. Ctrl-C waits while it forks: in the worker it would run this
    program's code as a second copy; here, before the worker is known, it would leave one
    nobody stops."""
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        made: list[int] = []
        try:
            made += os.pipe()
            made += os.pipe()
            pid = os.fork()
        except OSError as exc:  # out of processes or file descriptors
            for fd in made:
                os.close(fd)
            raise StreamcheckError(
                f"cannot start a worker process ({exc.strerror or exc}): run with fewer --jobs"
            ) from None
        task_read, task_write, result_read, result_write = made
        if pid == 0:  # never returns
            _worker(function, task_read, result_write, mask, (task_write, result_read))
        os.close(task_read)
        os.close(result_write)
        _OPEN.update((task_write, result_read))
        return _Worker(pid, task_write, result_read)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _collect(workers: list[_Worker], tasks: list[tuple[int, int]]) -> Iterator[Any]:
    """Hand out the tasks, read the results as they come, give them in order."""
    waiting = iter(tasks)
    # A task's first index: its results, and what the next one raised (the task stops there).
    done: dict[int, tuple[list[Any], BaseException | None]] = {}
    by_fd = {worker.results: worker for worker in workers}
    poller = select.poll()
    for _ in range(_AHEAD):  # one each first: a short list keeps every worker busy
        for worker in workers:
            worker.hand_out(waiting, 1)
    for worker in workers:
        if worker.held:
            poller.register(worker.results, select.POLLIN)
    for start, _ in tasks:
        while start not in done:
            for fd, _ in poller.poll():
                _receive(by_fd[fd], waiting, done, poller)
        results, error = done.pop(start)
        yield from results
        if error is not None:
            raise error


def _receive(
    worker: _Worker,
    waiting: Iterator[tuple[int, int]],
    done: dict[int, tuple[list[Any], BaseException | None]],
    poller: select.poll,
) -> None:
    """A worker's next message, kept in `done`; it gets its next task in return."""
    message = _read_message(worker.results)
    if message is None:  # gone with tasks still held
        raise WorkerDied(
            f"a worker process (pid {worker.pid}) ended before its work did"
            " (killed, or out of memory?): run again with fewer --jobs"
        )
    first, results, error = message
    worker.held.remove(first)
    done[first] = (results, error)
    worker.hand_out(waiting, 1)
    if not worker.held:
        poller.unregister(worker.results)  # nothing more for it: it ends on end of file


def _read_message(fd: int) -> tuple[int, list[Any], BaseException | None] | None:
    size = _read_exactly(fd, _SIZE.size)
    if size is None:
        return None
    body = _read_exactly(fd, _SIZE.unpack(size)[0])
    if body is None:
        return None
    try:
        message: tuple[int, list[Any], BaseException | None] = pickle.loads(body)
    except Exception as exc:  # pickled there, not to be unpickled here: a defect of ours
        raise StreamcheckError(f"a worker's results could not be read back ({exc})") from None
    return message


def _read_exactly(fd: int, size: int) -> bytes | None:
    """`size` bytes from a pipe, or None at its end."""
    parts = []
    while size:
        part = os.read(fd, min(size, 1 << 20))
        if not part:
            return None
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _worker(
    function: Callable[[int], Any],
    task_read: int,
    result_write: int,
    mask: set[int | signal.Signals],
    parents: tuple[int, int],
) -> None:
    """A worker's life: tasks in, results out, until its task pipe ends; then exit without
    running this process's exit handlers or flushing its buffers (the parent's). `parents`
    are the parent's ends of its own pipes: closed here, or its task pipe would never end."""
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops the workers
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for fd in (*_OPEN, *parents):
            os.close(fd)
        while (span := _read_exactly(task_read, _SPAN.size)) is not None:
            first, end = _SPAN.unpack(span)
            results = []
            try:
                for at in range(first, end):
                    results.append(function(at))
                body = pickle.dumps((first, results, None), -1)
            except Exception as exc:  # raised again in the parent, at its place
                body = _pickled_error(first, results, exc)
            _write_all(result_write, _SIZE.pack(len(body)) + body)
        status = 0
    finally:  # a broken pipe (the parent has stopped) or anything else: this process ends
        os._exit(status)


def _pickled_error(first: int, results: list[Any], exc: Exception) -> bytes:
    """The results before an input that raised, and what it raised: in words when it cannot
    make the way back (pickled, then unpickled)."""
    try:
        pickle.loads(pickle.dumps(exc, -1))
    except Exception:
        exc = RuntimeError(f"{type(exc).__name__}: {exc}")
    try:
        return pickle.dumps((first, results, exc), -1)
    except Exception:  # a result that cannot be pickled: the results before it are lost
        return pickle.dumps((first, [], RuntimeError(f"{type(exc).__name__}: {exc}")), -1)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _stop(workers: list[_Worker]) -> None:
    """Close every pipe, end every worker (one still working was stopped early: its results
    are not wanted; the others have ended or are ending) and reap them all."""
    for worker in workers:
        worker.close()
        # Not reaped yet, so its pid is still its own (unless a SIGCHLD set to SIG_IGN by
        # whoever runs this reaps children on its own: then there is nothing to do).
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker.pid, signal.SIGKILL)
    for worker in workers:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(worker.pid, 0)

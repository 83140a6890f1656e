"""Mutation fuzzer: `python fuzz/run.py N` runs N mutated inputs (seeded from fixtures/ and
fuzz/regressions/) through the whole check (fuzz/harness.py) over all CPUs, and prints how many
ran, crashed, hung and went over the memory cap.

Each worker process runs inputs one at a time under a CPU-time cap (SIGPROF; a hang in C code
that never returns to Python is caught by the parent's watchdog, which kills the worker and
starts another) and a memory cap (RLIMIT_AS: its address space at start plus --memory MiB, so a
MemoryError, or a worker killed by the kernel, is "over the memory cap"). Input n of seed s is
always the same bytes (fuzz/mutate.py), so the parent can save any input a worker died on.
Crashers go to --out (default: a folder in the temp directory, outside the repository), one
file per input plus a .txt with the traceback; exit status 1 when anything was found.

    python fuzz/run.py 1000000 --jobs 2 --seed 1    # about an hour per million per CPU
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import resource
import signal
import sys
import tempfile
import time
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mutate  # fuzz/ is a folder of scripts, not a package

BATCH = 200
CRASH, HANG, MEMORY = "crash", "hang", "memory"


class Hang(Exception):
    """The time cap of one input ran out."""


def _alarm(signum: int, frame: Any) -> None:
    raise Hang


# The cap counts CPU time (ITIMER_PROF, SIGPROF), not wall time: on a shared machine a worker
# waiting for a CPU is not hanging.


def _address_space() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def worker(
    conn: Connection, current: Any, since: Any, seed: int, cap: float, memory_mib: int
) -> None:
    """Run the batches the parent sends; reply per batch with (count, [(n, outcome, text)]).
    `current` and `since` say which input runs and since when (the parent's watchdog)."""
    import harness

    corpus = mutate.seeds()
    harness.check("warm-up.sse", b"data: {}\n\n")  # imports and compiled schemas: not capped
    limit = _address_space() + memory_mib * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGPROF, _alarm)
    while True:
        batch = conn.recv()
        if batch is None:
            return
        found: list[tuple[int, str, str]] = []
        for number in batch:
            current.value, since.value = number, time.monotonic()
            name, data = mutate.mutant(corpus, seed, number)
            signal.setitimer(signal.ITIMER_PROF, cap)
            try:
                harness.check(name, data)
            except Hang:
                found.append((number, HANG, f"over the {cap:g} s time cap"))
            except MemoryError:
                found.append((number, MEMORY, "MemoryError"))
            except Exception:
                found.append((number, CRASH, traceback.format_exc(limit=-12)))
            finally:
                signal.setitimer(signal.ITIMER_PROF, 0)
            del data
        current.value = -1
        conn.send((len(batch), found))


class Pool:
    """Worker processes fed batches of input numbers, restarted when one dies or hangs."""

    def __init__(self, jobs: int, seed: int, cap: float, memory: int) -> None:
        self.context = multiprocessing.get_context("fork")
        self.args = (seed, cap, memory)
        # Wall time per input, for hangs in C code that SIGPROF cannot interrupt: generous, as
        # a worker may wait for a CPU.
        self.watchdog = max(120.0, cap * 20)
        self.workers: list[dict[str, Any]] = [self._start() for _ in range(jobs)]

    def _start(self) -> dict[str, Any]:
        parent, child = self.context.Pipe()
        current = self.context.Value("q", -1, lock=False)
        since = self.context.Value("d", time.monotonic(), lock=False)
        process = self.context.Process(
            target=worker, args=(child, current, since, *self.args), daemon=True
        )
        process.start()
        return {
            "process": process,
            "conn": parent,
            "current": current,
            "since": since,
            "batch": None,
        }

    def replace(self, index: int) -> None:
        old = self.workers[index]
        if old["process"].is_alive():
            old["process"].kill()
        old["process"].join()
        self.workers[index] = self._start()


def save(
    out: Path, seed: int, corpus: list[tuple[str, bytes]], number: int, kind: str, text: str
) -> None:
    name, data = mutate.mutant(corpus, seed, number)
    digest = hashlib.sha1(data).hexdigest()[:12]
    suffix = Path(name).suffix or ".bin"
    stem = out / f"{kind}-{digest}"
    stem.with_suffix(suffix).write_bytes(data)
    stem.with_suffix(".txt").write_text(f"seed {seed} input {number} from {name}\n{text}\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, help="how many inputs to run")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=int, default=0, help="first input number")
    parser.add_argument("--time-cap", type=float, default=5.0, help="seconds per input")
    parser.add_argument("--memory", type=int, default=1024, help="MiB over a worker's start")
    parser.add_argument(
        "--out", type=Path, default=Path(tempfile.gettempdir()) / "streamcheck-fuzz"
    )
    parser.add_argument("--progress", type=float, default=60.0, help="seconds between lines")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    corpus = mutate.seeds()
    pool = Pool(max(1, args.jobs), args.seed, args.time_cap, args.memory)
    pending = iter(range(args.start, args.start + args.count))
    counts = {"ran": 0, CRASH: 0, HANG: 0, MEMORY: 0}
    started = last = time.monotonic()

    def feed(slot: dict[str, Any]) -> bool:
        batch = [n for _, n in zip(range(BATCH), pending, strict=False)]
        if not batch:
            slot["batch"] = None
            return False
        slot["batch"] = batch
        slot["since"].value = time.monotonic()
        slot["conn"].send(batch)
        return True

    for slot in pool.workers:
        feed(slot)
    while any(slot["batch"] for slot in pool.workers):
        for index, slot in enumerate(pool.workers):
            if not slot["batch"]:
                continue
            conn: Connection = slot["conn"]
            dead = not slot["process"].is_alive()
            late = time.monotonic() - slot["since"].value > pool.watchdog
            if conn.poll(0.05 if not dead else 0):
                try:
                    done, found = conn.recv()
                except (EOFError, OSError):
                    dead = True
                else:
                    counts["ran"] += done
                    for number, kind, text in found:
                        counts[kind] += 1
                        save(args.out, args.seed, corpus, number, kind, text)
                    feed(slot)
                    continue
            if dead or late:
                # The worker died (killed over RLIMIT_AS, an abort in native code) or hangs
                # in C code: the input it was on is saved; the rest of its batch is rerun.
                number = slot["current"].value
                batch = slot["batch"]
                kind = HANG if late and not dead else MEMORY
                code = slot["process"].exitcode
                pool.replace(index)
                rest = batch[batch.index(number) + 1 :] if number in batch else batch
                if number in batch:
                    counts["ran"] += batch.index(number) + 1
                    counts[kind] += 1
                    save(args.out, args.seed, corpus, number, kind, f"worker {kind} (exit {code})")
                new = pool.workers[index]
                new["batch"] = rest
                new["since"].value = time.monotonic()
                if rest:
                    new["conn"].send(rest)
        now = time.monotonic()
        if now - last >= args.progress:
            last = now
            _line(counts, now - started, file=sys.stderr)
    for slot in pool.workers:
        slot["conn"].send(None)
        slot["process"].join(5)
    _line(counts, time.monotonic() - started)
    print(
        f"inputs {args.start}..{args.start + args.count - 1}, seed {args.seed}, jobs {args.jobs}; "
        f"findings saved in {args.out}"
    )
    return 1 if counts[CRASH] or counts[HANG] or counts[MEMORY] else 0


def _line(counts: dict[str, int], seconds: float, file: Any = None) -> None:
    rate = counts["ran"] / seconds if seconds else 0.0
    print(
        f"ran {counts['ran']:,}  crashed {counts[CRASH]}  hung {counts[HANG]}  "
        f"over memory cap {counts[MEMORY]}  ({seconds:,.0f} s, {rate:,.0f}/s)",
        file=file or sys.stdout,
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())

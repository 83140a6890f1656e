"""Mutation fuzzer: `python fuzz/run.py N` runs N mutated inputs (seeded from fixtures/ and
fuzz/regressions/, plus small generated seeds: fuzz/seeds.py) spread evenly over every surface
(recordings, tapes of both formats, HAR WebSocket and EventSource entries, httprr traces,
protocol files in YAML, TOML and JSON, schema files and `--schemas` folders, config files,
baselines, and what `--client vercel-ai-ui` reads back from node) through the whole check
(fuzz/harness.py) over all CPUs, and prints per surface how many ran, crashed, hung and went
over the memory cap.

Each worker process runs inputs one at a time under a CPU-time cap (SIGPROF; a hang in C code
that never returns to Python is caught by the parent's watchdog, which kills the worker and
starts another) and a memory cap (RLIMIT_AS: its address space at start plus --memory MiB, so a
MemoryError, or a worker killed by the kernel, is "over the memory cap"). Input n of seed s is
always the same bytes (fuzz/mutate.py), so the parent can save any input a worker died on.
Crashers go to --out (default: a folder in the temp directory, outside the repository), one
file per input plus a .txt with the traceback; exit status 1 when anything was found.

    python fuzz/run.py 1000000 --jobs 2 --seed 1
    python fuzz/run.py 20000 --surface protocol-yaml --surface baseline   # only these
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import multiprocessing
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import contextlib

import mutate  # fuzz/ is a folder of scripts, not a package
import seeds

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
    conn: Connection,
    current: Any,
    since: Any,
    seed: int,
    cap: float,
    memory_mib: int,
    folder: str,
) -> None:
    """Run the batches the parent sends; reply per batch with (count, [(n, outcome, text)]).
    `current` and `since` say which input runs and since when (the parent's watchdog). Inputs
    that are files are written under `folder`, this worker's own."""
    import harness

    corpus = seeds.corpus()
    place = Path(folder) / "input"
    harness.check("warm-up.sse", b"data: {}\n\n")  # imports and compiled schemas: not capped
    for surface in seeds.SURFACES[len(seeds.RECORDING_SURFACES) :]:  # their imports too
        with contextlib.suppress(Exception):
            harness.run(corpus[surface][0], corpus[surface][0].data, place, 1)
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
            data = b""
            try:
                try:
                    # Making the input is the fuzzer's cost, not the checker's: outside the cap
                    # (a structure-aware mutation of a large HAR took 4.9 s of CPU).
                    chosen, data = mutate.mutant(corpus, seed, number)
                    signal.setitimer(signal.ITIMER_PROF, cap)
                    if chosen.surface in seeds.RECORDING_SURFACES:
                        harness.check(chosen.name, data)
                    else:
                        harness.run(chosen, data, place, number // len(seeds.SURFACES))
                except Hang:
                    found.append((number, HANG, f"over the {cap:g} s time cap"))
                except MemoryError:
                    found.append((number, MEMORY, "MemoryError"))
                except Exception:
                    found.append((number, CRASH, traceback.format_exc(limit=-12)))
                finally:
                    signal.setitimer(signal.ITIMER_PROF, 0)
            except Hang:
                pass  # the cap ran out as the input ended: it ran within it
            del data
        current.value = -1
        conn.send((len(batch), found))


class Pool:
    """Worker processes fed batches of input numbers, restarted when one dies or hangs."""

    def __init__(self, jobs: int, seed: int, cap: float, memory: int, folder: Path) -> None:
        self.context = multiprocessing.get_context("fork")
        self.args = (seed, cap, memory)
        self.folder = folder
        self.started = 0
        # Wall time per input, for hangs in C code that SIGPROF cannot interrupt: generous, as
        # a worker may wait for a CPU.
        self.watchdog = max(120.0, cap * 20)
        self.workers: list[dict[str, Any]] = [self._start() for _ in range(jobs)]

    def _start(self) -> dict[str, Any]:
        parent, child = self.context.Pipe()
        current = self.context.Value("q", -1, lock=False)
        since = self.context.Value("d", time.monotonic(), lock=False)
        self.started += 1
        own = tempfile.mkdtemp(prefix=f"worker{self.started}-", dir=self.folder)
        process = self.context.Process(
            target=worker, args=(child, current, since, *self.args, own), daemon=True
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
    out: Path,
    seed: int,
    corpus: dict[str, list[seeds.Seed]],
    number: int,
    kind: str,
    text: str,
) -> None:
    chosen, data = mutate.mutant(corpus, seed, number)
    digest = hashlib.sha1(data).hexdigest()[:12]
    suffix = Path(chosen.name).suffix or ".bin"
    stem = out / f"{chosen.surface}-{kind}-{digest}"
    stem.with_suffix(suffix).write_bytes(data)
    beside = ", ".join(name for name, _ in chosen.beside) or "nothing"
    stem.with_suffix(".txt").write_text(
        f"seed {seed} input {number}, surface {chosen.surface}, from {chosen.name}, "
        f"checked with {chosen.recording or 'nothing'}, beside {beside}\n{text}\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, help="how many inputs to run")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=int, default=0, help="first input number")
    parser.add_argument(
        "--surface",
        action="append",
        choices=seeds.SURFACES,
        help="only inputs of this surface (repeatable; default: all, evenly)",
    )
    parser.add_argument("--time-cap", type=float, default=5.0, help="CPU seconds per input")
    parser.add_argument("--memory", type=int, default=1024, help="MiB over a worker's start")
    parser.add_argument(
        "--out", type=Path, default=Path(tempfile.gettempdir()) / "streamcheck-fuzz"
    )
    parser.add_argument("--progress", type=float, default=60.0, help="seconds between lines")
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="start no batch after this many seconds: a run that must end by a time reports "
        "the inputs it ran (all counted, none cut)",
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    corpus = seeds.corpus()
    wanted = set(args.surface or seeds.SURFACES)
    every = len(seeds.SURFACES)
    numbers = (n for n in itertools.count(args.start) if seeds.SURFACES[n % every] in wanted)
    pending = itertools.islice(numbers, args.count)
    # Inputs that are files are written (and their folder removed) per input: in memory when
    # the system has a tmpfs, as a disk-backed /tmp spends milliseconds per folder removed.
    shm = Path("/dev/shm")
    memory = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    scratch = Path(tempfile.mkdtemp(prefix="streamcheck-fuzz-inputs-", dir=memory))
    pool = Pool(max(1, args.jobs), args.seed, args.time_cap, args.memory, scratch)
    counts = {s: {"ran": 0, CRASH: 0, HANG: 0, MEMORY: 0} for s in seeds.SURFACES if s in wanted}
    started = last = time.monotonic()

    def surface(number: int) -> str:
        return seeds.SURFACES[number % every]

    def feed(slot: dict[str, Any]) -> bool:
        late = args.seconds is not None and time.monotonic() - started > args.seconds
        batch = [] if late else [n for _, n in zip(range(BATCH), pending, strict=False)]
        if not batch:
            slot["batch"] = None
            return False
        slot["batch"] = batch
        slot["since"].value = time.monotonic()
        slot["conn"].send(batch)
        return True

    def found_one(number: int, kind: str, text: str) -> None:
        counts[surface(number)][kind] += 1
        save(args.out, args.seed, corpus, number, kind, text)

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
                    for number in slot["batch"][:done]:
                        counts[surface(number)]["ran"] += 1
                    for number, kind, text in found:
                        found_one(number, kind, text)
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
                    for ran in batch[: batch.index(number) + 1]:
                        counts[surface(ran)]["ran"] += 1
                    found_one(number, kind, f"worker {kind} (exit {code})")
                new = pool.workers[index]
                new["batch"] = rest
                new["since"].value = time.monotonic()
                if rest:
                    new["conn"].send(rest)
        now = time.monotonic()
        if now - last >= args.progress:
            last = now
            _line(_total(counts), now - started, file=sys.stderr)
    for slot in pool.workers:
        slot["conn"].send(None)
        slot["process"].join(5)
    shutil.rmtree(scratch, ignore_errors=True)
    _table(counts)
    total = _total(counts)
    _line(total, time.monotonic() - started)
    which = ", ".join(sorted(wanted)) if args.surface else "every surface"
    print(
        f"inputs from {args.start}: {total['ran']:,} of the {args.count:,} asked for, of {which}, "
        f"seed {args.seed}, jobs {args.jobs}; findings saved in {args.out}"
    )
    return 1 if total[CRASH] or total[HANG] or total[MEMORY] else 0


def _total(counts: dict[str, dict[str, int]]) -> dict[str, int]:
    return {key: sum(c[key] for c in counts.values()) for key in ("ran", CRASH, HANG, MEMORY)}


def _table(counts: dict[str, dict[str, int]]) -> None:
    """Per surface, as a Markdown table (README's "Bad input" quotes it)."""
    print("| surface | ran | crashed | hung | over memory cap |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, c in counts.items():
        print(f"| {name} | {c['ran']:,} | {c[CRASH]} | {c[HANG]} | {c[MEMORY]} |")


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

"""Speed and memory of `streamcheck check`, next to a plain parse of the same stream (issue 6).

    python bench/run.py            # the full run (a few minutes; writes a 1 GB temp file)
    python bench/run.py --quick    # tiny sizes, a smoke run of every measurement

Every stream is generated here, deterministically (bench/streams.py). "The floor" is what any
consumer pays: split the SSE body into events and `json.loads` each frame. Each figure is the
median of --repeat runs, timed as CPU time of this process (other load on the machine moves it
less than wall time); start-up and the 1 GB run are subprocesses, timed by wall clock.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the bench package; streamcheck is the installed one


def _missing_sdks() -> list[str]:
    """The bench compares the check with the official SDKs' own stream paths: it needs them."""
    from importlib.util import find_spec

    return [name for name in ("openai", "anthropic") if find_spec(name) is None]


if __name__ == "__main__" and _missing_sdks():
    sys.stderr.write(
        f"bench: needs {', '.join(_missing_sdks())}, not installed:"
        " pip install -r requirements/ci.lock (or pip install openai anthropic)\n"
    )
    sys.exit(2)

import orjson  # noqa: E402

from bench import streams  # noqa: E402
from streamcheck import __file__ as streamcheck_package  # noqa: E402
from streamcheck.check import CheckOptions, check_exchange  # noqa: E402
from streamcheck.model import Exchange, Request  # noqa: E402
from streamcheck.protocols import every  # noqa: E402
from streamcheck.run import check_paths  # noqa: E402
from streamcheck.schemas import Catalog  # noqa: E402

# Modules the `check` start-up path must not import (issue 6): the network half, the replay
# server, YAML, the provider SDKs and python-jsonschema (only failing frames need its messages).
FORBIDDEN = (
    "httpx",
    "starlette",
    "uvicorn",
    "yaml",
    "openai",
    "anthropic",
    "jsonschema",
    "streamcheck.live.serve.server",
    "streamcheck.live.call.client",
    # typer >= 0.22 reads option values through pydantic; check's plain options do not
    # (streamcheck/cli/coerce.py, issue 22).
    "pydantic",
    "pydantic_core",
    "typer._adapters",
    # jsonschema-rs parses its build date with it at init: a stand-in does (schema_engine.py).
    "email.utils",
)
MINIMAL_TYPER = """\
import typer

app = typer.Typer()


@app.command()
def check(path: str) -> None:
    with open(path, "rb") as handle:
        handle.read()


if __name__ == "__main__":
    app()
"""


@dataclass(frozen=True)
class Sizes:
    events: int  # per long stream
    repeat: int  # runs per figure (median)
    sdk_events: int  # the SDK path and naive jsonschema are slow: measured on a prefix
    naive_events: int
    files: int  # the corpus of small recordings
    file_events: int
    big_bytes: int  # the stream whose peak RSS is measured
    small_big_bytes: int  # a smaller one, to show memory does not grow with length
    startup_runs: int


FULL = Sizes(200_000, 5, 20_000, 300, 1000, 200, 1 << 30, 64 << 20, 21)
QUICK = Sizes(3_000, 1, 400, 20, 12, 40, 6 << 20, 2 << 20, 2)


@dataclass
class Row:
    name: str
    events: int
    size: int
    seconds: float
    floor: float | None = None  # seconds of the floor on the same bytes, for the ratio

    @property
    def ratio(self) -> float | None:
        return None if self.floor is None else self.seconds / self.floor

    def cells(self) -> list[str]:
        rate = self.events / self.seconds if self.seconds else float("inf")
        mbs = self.size / self.seconds / 1e6 if self.seconds else float("inf")
        ratio = "" if self.ratio is None else f"{self.ratio:.2f}x"
        return [self.name, f"{rate:,.0f}", f"{mbs:,.1f}", f"{1e6 / rate:.2f}", ratio]


@dataclass
class Target:
    name: str
    measured: str
    limit: str
    ok: bool


# -- the things measured -------------------------------------------------------------------------


def floor(chunks: list[bytes]) -> None:
    """Split SSE into events and json.loads each frame: the cost of merely reading the stream."""
    buf = b""
    for chunk in chunks:
        buf += chunk
        *events, buf = buf.split(b"\n\n")
        for event in events:
            for line in event.split(b"\n"):
                if line.startswith(b"data:"):
                    data = line[5:].strip()
                    if data != b"[DONE]":
                        try:  # noqa: SIM105 (the plain loop a consumer writes)
                            json.loads(data)
                        except ValueError:
                            pass


def orjson_parse(chunks: list[bytes]) -> None:
    buf = b""
    loads, bad = orjson.loads, orjson.JSONDecodeError
    for chunk in chunks:
        buf += chunk
        *events, buf = buf.split(b"\n\n")
        for event in events:
            for line in event.split(b"\n"):
                if line.startswith(b"data:"):
                    data = line[5:].strip()
                    if data != b"[DONE]":
                        try:  # noqa: SIM105 (as in the floor)
                            loads(data)
                        except bad:
                            pass


def check_memory(chunks: list[bytes], catalog: Catalog) -> Any:
    """The full pipeline on an Exchange built from in-memory chunks."""
    exchange = Exchange("bench", 0, Request(), None, {}, ((c, None) for c in chunks))
    return check_exchange(exchange, CheckOptions(), catalog)


def check_file(path: Path) -> Any:
    """The full pipeline through check_paths: file reads, schema compilation, the report."""
    return check_paths([str(path)])


def openai_sdk(chunks: list[bytes]) -> None:
    """What openai-python's Stream does per event: its SSE decoder, json, model construction."""
    from openai._models import construct_type
    from openai._streaming import SSEDecoder
    from openai.types.chat import ChatCompletionChunk

    for sse in SSEDecoder().iter_bytes(iter(chunks)):
        if sse.data.startswith("[DONE]"):
            break
        construct_type(type_=ChatCompletionChunk, value=sse.json())


def anthropic_sdk(chunks: list[bytes]) -> None:
    """What anthropic-sdk-python's Stream does per event."""
    from anthropic._models import construct_type
    from anthropic._streaming import SSEDecoder
    from anthropic.types import RawMessageStreamEvent

    for sse in SSEDecoder().iter_bytes(iter(chunks)):
        if sse.event in (None, "ping") or not sse.data:
            continue
        construct_type(type_=RawMessageStreamEvent, value=sse.json())


SDKS: dict[str, tuple[str, Callable[[list[bytes]], None]]] = {
    "openai": ("openai-python client path", openai_sdk),
    "anthropic": ("anthropic-sdk-python client path", anthropic_sdk),
}


def naive_jsonschema(provider: str, data: bytes, catalog: Catalog) -> Callable[[], None]:
    """jsonschema.validate() per frame with the frame's schema: what a first attempt does."""
    import jsonschema

    protocol = next(p for p in every().values() if p.provider == provider and p.framing == "sse")
    schemas = catalog.get(protocol.provider, protocol.api, None)
    assert schemas is not None
    frames = []
    for block in data.split(b"\n\n"):
        event = None
        for line in block.split(b"\n"):
            if line.startswith(b"event: "):
                event = line[7:].decode()
            elif line.startswith(b"data: ") and line != b"data: [DONE]":
                frames.append((line[6:], event))

    def run() -> None:
        for raw, event in frames:
            value = json.loads(raw)
            kind = protocol.kind(value, event)
            if kind in schemas.files:
                try:  # noqa: SIM105 (as in the floor)
                    jsonschema.validate(value, schemas.schema(kind))
                except jsonschema.ValidationError:
                    pass

    return run


def cpu(run: Callable[[], Any]) -> float:
    start = time.process_time()
    run()
    return time.process_time() - start


def median_runs(runs: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Interleaved runs (a slow moment hits every contender alike), median per contender."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            times[name].append(cpu(run))
    return {name: statistics.median(values) for name, values in times.items()}


# -- sections ------------------------------------------------------------------------------------


def streams_section(sizes: Sizes, workdir: Path) -> tuple[list[Row], list[Target]]:
    rows: list[Row] = []
    targets: list[Target] = []
    catalog = Catalog()
    for provider in ("openai", "anthropic"):
        clean_memory = 0.0
        for label, broken in (("clean", 0), ("1% broken", 100), ("every frame broken", 1)):
            data = streams.body(provider, sizes.events, broken)
            chunks = streams.chunks(data)
            events = data.count(b"\n\n")
            path = workdir / f"{provider}-{broken}.sse"
            path.write_bytes(data)
            result = check_memory(chunks, catalog)
            assert result.frames == events, (result.frames, events)
            times = median_runs(
                {
                    "floor": lambda c=chunks: floor(c),
                    "orjson": lambda c=chunks: orjson_parse(c),
                    "memory": lambda c=chunks: check_memory(c, catalog),
                    "file": lambda p=path: check_file(p),
                },
                sizes.repeat,
            )
            base = times["floor"]
            where = f"{provider}, {label}"
            rows += [
                Row(f"{where}: floor (split + json.loads)", events, len(data), base, base),
                Row(f"{where}: orjson parse", events, len(data), times["orjson"], base),
                Row(f"{where}: full check, in memory", events, len(data), times["memory"], base),
                Row(f"{where}: full check, check_paths", events, len(data), times["file"], base),
            ]
            worst = max(times["memory"], times["file"]) / base
            path.unlink()
            if broken == 1:
                # Every frame fails its schema: past the per-code cap a failing frame pays for
                # jsonschema-rs's keywords and a counter, never for a message (issue 12: 12x;
                # issue 22 asks 1.5x, against a clean check that got faster meanwhile).
                ratio = times["memory"] / clean_memory
                targets.append(
                    Target(
                        f"every frame failing <= 1.5x the clean check ({provider})",
                        f"{ratio:.2f}x",
                        "1.5x",
                        ratio <= 1.5,
                    )
                )
                rows_, target = one_defect(provider, sizes, catalog, clean_memory)
                rows += rows_
                targets.append(target)
                continue
            targets.append(
                Target(f"full check <= 1.0x floor ({where})", f"{worst:.2f}x", "1.0x", worst <= 1.0)
            )
            if not broken:  # issue 22: in process, a quarter under the floor
                targets.append(
                    Target(
                        f"full check <= 0.75x floor, in process ({where})",
                        f"{worst:.2f}x",
                        "0.75x",
                        worst <= 0.75,
                    )
                )
            if not broken:
                clean_memory = times["memory"]
            if broken:
                continue
            # The slow contenders, on a prefix of the same stream, scaled per event.
            sample = streams.body(provider, sizes.sdk_events)
            name, sdk = SDKS[provider]
            sdk(streams.chunks(streams.body(provider, 20)))  # imports, outside the timing
            sample_chunks = streams.chunks(sample)
            sdk_time = cpu(lambda: sdk(sample_chunks))  # noqa: B023 (called right here)
            sample_events = sample.count(b"\n\n")
            per_event = base / events
            rows.append(
                Row(
                    f"{where}: {name}",
                    sample_events,
                    len(sample),
                    sdk_time,
                    per_event * sample_events,
                )
            )
            if provider == "openai":
                speedup = (sdk_time / sample_events) / (times["memory"] / events)
                targets.append(
                    Target(
                        "full check >= 10x faster than the openai client",
                        f"{speedup:.1f}x",
                        "10x",
                        speedup >= 10,
                    )
                )
            naive = streams.body(provider, sizes.naive_events)
            naive_time = median_runs({"n": naive_jsonschema(provider, naive, catalog)}, 1)["n"]
            naive_events = naive.count(b"\n\n")
            rows.append(
                Row(
                    f"{where}: jsonschema.validate() per frame",
                    naive_events,
                    len(naive),
                    naive_time,
                    per_event * naive_events,
                )
            )
    return rows, targets


def one_defect(
    provider: str, sizes: Sizes, catalog: Catalog, clean_memory: float
) -> tuple[list[Row], Target]:
    """A broken compatible server repeats one defect in every frame (here a required member
    missing from every content frame) rather than the rotation above: past the per-code cap
    such frames, when the grammar's hot path takes them, ride a template that only counts them
    (check/repeat.py)."""
    data = streams.body(provider, sizes.events, 1, defect=0)
    chunks = streams.chunks(data)
    events = data.count(b"\n\n")
    times = median_runs(
        {
            "floor": lambda c=chunks: floor(c),
            "memory": lambda c=chunks: check_memory(c, catalog),
        },
        sizes.repeat,
    )
    where = f"{provider}, one defect in every frame"
    rows = [
        Row(
            f"{where}: floor (split + json.loads)",
            events,
            len(data),
            times["floor"],
            times["floor"],
        ),
        Row(f"{where}: full check, in memory", events, len(data), times["memory"], times["floor"]),
    ]
    ratio = times["memory"] / clean_memory
    target = Target(
        f"one defect in every frame <= 1.5x the clean check ({provider})",
        f"{ratio:.2f}x",
        "1.5x",
        ratio <= 1.5,
    )
    return rows, target


def corpus_section(sizes: Sizes, workdir: Path) -> tuple[list[Row], list[Target]]:
    folder = workdir / "corpus"
    files = streams.write_corpus(folder, sizes.files, sizes.file_events)
    size = sum(p.stat().st_size for p in files)
    events = sum(p.read_bytes().count(b"\n\n") for p in files)
    jobs = min(os.cpu_count() or 1, 4)
    chunks = [streams.chunks(p.read_bytes()) for p in files]
    reports: dict[str, Any] = {}

    def run_jobs(n: int) -> None:
        reports[n] = check_paths([str(folder)], jobs=n)

    def floor_all() -> None:
        for c in chunks:
            floor(c)

    times = median_runs({"floor": floor_all, "one": lambda: run_jobs(1)}, sizes.repeat)
    # Worker processes are not CPU time of this process: wall clock for the parallel run, and
    # the CPU time of the workers to tell how many cores they got.
    walls: list[tuple[float, float]] = []
    cores: list[float] = []
    load = os.getloadavg()[0]
    for _ in range(max(1, sizes.repeat // 2)):
        start = time.perf_counter()
        run_jobs(1)
        middle = time.perf_counter()
        before = _cpu_with_children()
        run_jobs(jobs)
        end = time.perf_counter()
        walls.append((middle - start, end - middle))
        cores.append((_cpu_with_children() - before) / (end - middle))
    one_wall = statistics.median(w[0] for w in walls)
    many_wall = statistics.median(w[1] for w in walls)
    same = [r.to_dict() for r in reports[1].results] == [r.to_dict() for r in reports[jobs].results]
    label = f"corpus of {len(files)} files"
    rows = [
        Row(f"{label}: floor", events, size, times["floor"], times["floor"]),
        Row(f"{label}: check_paths, 1 process", events, size, times["one"], times["floor"]),
        Row(f"{label}: check_paths, 1 process (wall)", events, size, one_wall),
        Row(f"{label}: check_paths, --jobs {jobs} (wall)", events, size, many_wall),
    ]
    rows += _small_files_in_process(sizes, workdir)
    speedup = one_wall / many_wall
    cpus = os.cpu_count() or 1
    # With every core already busy (load average >= CPUs) more processes cannot go faster.
    busy = load >= cpus - 0.5
    targets = [
        Target(
            f"--jobs {jobs}: same results in the same order",
            "identical" if same else "DIFFERENT",
            "identical",
            same,
        ),
        Target(
            f"--jobs {jobs} speed-up (wall; {statistics.median(cores):.1f} cores used; "
            f"load {load:.1f} on {cpus} CPUs)",
            f"{speedup:.2f}x",
            "> 1x unless the CPUs are busy",
            speedup > 1.0 or jobs == 1 or busy,
        ),
    ]
    return rows, targets


def _small_files_in_process(sizes: Sizes, workdir: Path) -> list[Row]:
    """The folder of tiny files (a tenth of file_events each) checked in this process, beside
    the floor over the same bytes: the per-file part of the whole-process row of that folder,
    without start-up (issue 22)."""
    events_each = max(sizes.file_events // 10, 8)
    folder = workdir / "corpus-tiny"
    files = streams.write_corpus(folder, sizes.files, events_each)
    size = sum(p.stat().st_size for p in files)
    events = sum(p.read_bytes().count(b"\n\n") for p in files)
    chunks = [streams.chunks(p.read_bytes()) for p in files]

    def floor_all() -> None:
        for c in chunks:
            floor(c)

    times = median_runs(
        {"floor": floor_all, "one": lambda: check_paths([str(folder)])}, sizes.repeat
    )
    label = f"corpus of {len(files)} files of {events_each} events"
    return [
        Row(f"{label}: floor", events, size, times["floor"], times["floor"]),
        Row(f"{label}: check_paths, 1 process", events, size, times["one"], times["floor"]),
    ]


FLOOR_SCRIPT = """\
import json, os, sys


def floor(data):
    for event in data.split(b"\\n\\n"):
        for line in event.split(b"\\n"):
            if line.startswith(b"data:"):
                value = line[5:].strip()
                if value != b"[DONE]":
                    try:
                        json.loads(value)
                    except ValueError:
                        pass


for arg in sys.argv[1:]:
    names = sorted(os.listdir(arg)) if os.path.isdir(arg) else [""]
    for name in names:
        with open(os.path.join(arg, name) if name else arg, "rb") as handle:
            floor(handle.read())
"""


def whole_runs(
    commands: dict[str, list[str]], repeat: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Whole processes, interleaved: median CPU seconds (the child's user + system time, which
    other load on the machine moves less than wall time) and median wall seconds."""
    cpu_times: dict[str, list[float]] = {name: [] for name in commands}
    walls: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():  # warm the page cache and the bytecode
        subprocess.run(command, cwd=ROOT, env=_env(), capture_output=True, check=False)
    for _ in range(repeat):
        for name, command in commands.items():
            before = _children_cpu()
            start = time.perf_counter()
            subprocess.run(
                command, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            walls[name].append(time.perf_counter() - start)
            cpu_times[name].append(_children_cpu() - before)
    median = statistics.median
    return (
        {name: median(v) for name, v in cpu_times.items()},
        {name: median(v) for name, v in walls.items()},
    )


def _children_cpu() -> float:
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


def whole_section(sizes: Sizes, workdir: Path) -> tuple[list[Row], list[Target]]:
    """Whole processes, as users and CI pay for them (issue 22): `streamcheck check` against a
    floor script (a Python process that splits the same bytes and json.loads each frame)."""
    from streamcheck.run import auto_jobs

    script = workdir / "floor.py"
    script.write_text(FLOOR_SCRIPT)
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(Path(streamcheck_package).parent)],
        env={k: v for k, v in _env().items() if k != "PYTHONDONTWRITEBYTECODE"},
        check=True,
    )
    check = [sys.executable, "-m", "streamcheck", "check"]
    floor_cmd = [sys.executable, str(script)]
    rows: list[Row] = []
    targets: list[Target] = []
    load = os.getloadavg()[0]
    # One long stream per provider.
    for provider in ("openai", "anthropic"):
        path = workdir / f"whole-{provider}.sse"
        data = streams.body(provider, sizes.events)
        path.write_bytes(data)
        events = data.count(b"\n\n")
        cpu_s, wall = whole_runs(
            {"floor": [*floor_cmd, str(path)], "check": [*check, str(path)]}, sizes.repeat
        )
        ratio = cpu_s["check"] / cpu_s["floor"]
        label = f"whole process, {provider} {events:,}-event stream"
        rows += [
            Row(f"{label}: floor script (CPU)", events, len(data), cpu_s["floor"], cpu_s["floor"]),
            Row(
                f"{label}: streamcheck check (CPU)",
                events,
                len(data),
                cpu_s["check"],
                cpu_s["floor"],
            ),
        ]
        targets.append(
            Target(
                f"{label}: check <= 0.8x the floor script (CPU; load {load:.1f})",
                f"{ratio:.2f}x (wall {wall['check'] / wall['floor']:.2f}x)",
                "0.8x",
                ratio <= 0.8,
            )
        )
        path.unlink()
    # Folders of small recordings: the bench's corpus (file_events per file) and one of tiny
    # files (a tenth as many events), where the per-file cost is most of the bill.
    for label, events_each in (
        ("small", sizes.file_events),
        ("tiny", max(sizes.file_events // 10, 8)),
    ):
        folder = workdir / f"whole-{label}"
        files = streams.write_corpus(folder, sizes.files, events_each)
        size = sum(p.stat().st_size for p in files)
        events = sum(p.read_bytes().count(b"\n\n") for p in files)
        commands = {
            "floor": [*floor_cmd, str(folder)],
            "one": [*check, str(folder)],
            "auto": [*check, str(folder), "--jobs", "0"],
            # What --jobs 0 would have got had it chosen every CPU: the evidence for its choice.
            "all": [*check, str(folder), "--jobs", str(os.cpu_count() or 1)],
        }
        chosen = auto_jobs([str(p) for p in files])
        cpu_s, wall = whole_runs(commands, sizes.repeat)
        where = f"whole process, {len(files)} files of {events_each} events"
        ratio = cpu_s["one"] / cpu_s["floor"]
        rows += [
            Row(f"{where}: floor script (CPU)", events, size, cpu_s["floor"], cpu_s["floor"]),
            Row(f"{where}: streamcheck check (CPU)", events, size, cpu_s["one"], cpu_s["floor"]),
            Row(f"{where}: streamcheck check --jobs 1 (wall)", events, size, wall["one"]),
            Row(f"{where}: streamcheck check --jobs 0 (wall)", events, size, wall["auto"]),
            Row(
                f"{where}: streamcheck check --jobs {os.cpu_count() or 1} (wall)",
                events,
                size,
                wall["all"],
            ),
        ]
        targets.append(
            Target(
                f"{where}: check <= 2.0x the floor script (CPU)",
                f"{ratio:.2f}x (wall {wall['one'] / wall['floor']:.2f}x)",
                "2.0x",
                ratio <= 2.0,
            )
        )
        jobs_ratio = wall["auto"] / wall["one"]
        all_ratio = wall["all"] / wall["one"]
        cpus = os.cpu_count() or 1
        # Serial is right where every CPU would not have won either (same run, same load);
        # chosen serial, --jobs 0 runs what --jobs 1 runs: their ratio is the machine's noise.
        # Issue 22's 0.65x is the 200-event folder's; of the tiny one, a win when it forks.
        limit = 0.65 if label == "small" else 1.0
        targets.append(
            Target(
                f"{where}: --jobs 0 vs --jobs 1 (wall; chose {chosen} process"
                f"{'es' if chosen > 1 else ''}, --jobs {cpus} got {all_ratio:.2f}x; "
                f"load {os.getloadavg()[0]:.1f} on {cpus} CPUs)",
                f"{jobs_ratio:.2f}x",
                f"{limit}x, or serial where it cannot win",
                jobs_ratio <= limit or (chosen == 1 and all_ratio > limit),
            )
        )
    return rows, targets


def realtime_section(sizes: Sizes, workdir: Path) -> tuple[list[Row], list[Target]]:
    """OpenAI Realtime over WebSocket (a tape of one session, mostly output_text deltas) per
    event, against the OpenAI chat check of as many SSE events: both through check_paths, in
    this process, interleaved (issue 22)."""
    tape = workdir / "realtime.tape"
    tape.write_bytes(streams.realtime_tape(sizes.events))
    chat = workdir / "realtime-chat.sse"
    chat.write_bytes(streams.body("openai", sizes.events))
    tape_frames = check_file(tape).results[0].frames
    chat_frames = check_file(chat).results[0].frames
    times = median_runs(
        {"realtime": lambda: check_file(tape), "chat": lambda: check_file(chat)}, sizes.repeat
    )
    per_rt = times["realtime"] / tape_frames
    per_chat = times["chat"] / chat_frames
    rows = [
        Row(
            "openai chat, check_paths (the anchor)",
            chat_frames,
            chat.stat().st_size,
            times["chat"],
        ),
        Row(
            "openai realtime over WebSocket (tape), check_paths",
            tape_frames,
            tape.stat().st_size,
            times["realtime"],
        ),
    ]
    ratio = per_rt / per_chat
    return rows, [
        Target(
            "realtime per event <= 1.0x the openai chat check",
            f"{ratio:.2f}x",
            "1.0x",
            ratio <= 1.0,
        )
    ]


def _cpu_with_children() -> float:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def peak_rss(path: Path) -> tuple[int, float]:
    """Peak RSS (bytes) and wall seconds of `streamcheck check path` in a child process."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "subprocess.run([sys.executable, '-m', 'streamcheck', 'check', sys.argv[1], '-q'],"
        " stdout=subprocess.DEVNULL)\n"
        "wall = time.perf_counter() - start\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, wall)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(),
        check=True,
    )
    rss, wall = done.stdout.split()
    return int(rss), float(wall)


def memory_section(sizes: Sizes, workdir: Path) -> tuple[list[Row], list[Target]]:
    rows: list[Row] = []
    measured: list[tuple[int, int]] = []
    for size in (sizes.small_big_bytes, sizes.big_bytes):
        path = workdir / f"long-{size}.sse"
        # Written by a child process, so this process never holds the stream either.
        write = (
            "import sys, pathlib; from bench import streams; "
            "print(streams.write_long(pathlib.Path(sys.argv[1]), int(sys.argv[2])))"
        )
        done = subprocess.run(
            [sys.executable, "-c", write, str(path), str(size)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=_env(),
            check=True,
        )
        events = int(done.stdout)
        actual = path.stat().st_size
        rss, wall = peak_rss(path)
        path.unlink()
        measured.append((actual, rss))
        rows.append(
            Row(
                f"streamcheck check, {actual / 2**20:,.0f} MiB stream (CLI, wall)",
                events,
                actual,
                wall,
            )
        )
    (small, small_rss), (big, big_rss) = measured
    return rows, [
        Target(
            f"peak RSS, {big / 2**20:,.0f} MiB stream (vs {small_rss / 2**20:.1f} MiB at "
            f"{small / 2**20:,.0f} MiB)",
            f"{big_rss / 2**20:.1f} MiB",
            "64 MiB",
            big_rss < 64 * 2**20,
        )
    ]


def startup_section(sizes: Sizes, workdir: Path) -> tuple[list[Row], list[Target]]:
    small = workdir / "small.sse"
    small.write_bytes(streams.body("openai", 30))
    minimal = workdir / "minimal_typer.py"
    minimal.write_text(MINIMAL_TYPER)
    ours = [sys.executable, "-m", "streamcheck", "check", str(small)]
    theirs = [sys.executable, str(minimal), str(small)]
    # The interpreter alone: what any Python program pays before its first line (issue 22).
    bare = [sys.executable, "-c", "pass"]
    # The same check through main(), which exits with the interpreter's last full garbage
    # collection (the program freezes the heap first): shown so the saving is not hidden.
    torn = [
        sys.executable,
        "-c",
        "import sys; from streamcheck.cli import main; sys.argv[0] = 'streamcheck'; main()",
        "check",
        str(small),
    ]
    # Installed packages carry compiled bytecode (pip compiles typer, pydantic, ... and this
    # package); a checkout run with PYTHONDONTWRITEBYTECODE would recompile ours every time.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(Path(streamcheck_package).parent)],
        env={k: v for k, v in _env().items() if k != "PYTHONDONTWRITEBYTECODE"},
        check=True,
    )
    commands = {"ours": ours, "theirs": theirs, "torn": torn, "bare": bare}
    for command in commands.values():  # warm the page cache
        subprocess.run(command, cwd=ROOT, env=_env(), capture_output=True, check=False)
    walls: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(sizes.startup_runs):
        for name, command in commands.items():
            start = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, env=_env(), capture_output=True, check=False)
            walls[name].append(time.perf_counter() - start)
            if done.returncode not in (0,):
                raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr}")
    ours_s = statistics.median(walls["ours"])
    theirs_s = statistics.median(walls["theirs"])
    torn_s = statistics.median(walls["torn"])
    bare_s = statistics.median(walls["bare"])
    imported = imported_modules(small)
    heavy = sorted(m for m in imported if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))
    size = small.stat().st_size
    events = small.read_bytes().count(b"\n\n")
    rows = [
        Row("start-up: streamcheck check small.sse (wall)", events, size, ours_s),
        Row("start-up: minimal typer app reading it (wall)", events, size, theirs_s),
        Row(
            f"start-up: the same check with the exit-time GC (wall, {torn_s / theirs_s:.2f}x)",
            events,
            size,
            torn_s,
        ),
        Row("start-up: python -c pass (wall)", events, size, bare_s),
    ]
    ratio = ours_s / theirs_s
    bare_ratio = ours_s / bare_s
    return rows, [
        Target("start-up vs a minimal typer app", f"{ratio:.2f}x", "1.0x", ratio <= 1.0),
        Target("start-up vs python -c pass", f"{bare_ratio:.1f}x", "10x", bare_ratio <= 10),
        Target(
            "check imports no httpx/server/YAML/SDK/python-jsonschema/pydantic",
            ", ".join(heavy) or "none",
            "none",
            not heavy,
        ),
    ]


def imported_modules(path: Path) -> set[str]:
    """Every module `streamcheck check path` imports, from `python -X importtime`."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "streamcheck", "check", str(path)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name and name != "imported package":
                names.add(name)
    return names


def _env() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH")
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT) + (os.pathsep + path if path else ""),
        "NO_COLOR": "1",
    }


# -- output --------------------------------------------------------------------------------------


def table(rows: list[Row]) -> Iterator[str]:
    header = ["measurement", "events/s", "MB/s", "us/event", "x floor"]
    cells = [header] + [r.cells() for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    for number, line in enumerate(cells):
        yield "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        )
        if number == 0:
            yield "  ".join("-" * w for w in widths)


def markdown(rows: list[Row], targets: list[Target]) -> Iterator[str]:
    yield "| measurement | events/s | MB/s | us/event | x floor |"
    yield "| --- | ---: | ---: | ---: | ---: |"
    for row in rows:
        yield "| " + " | ".join(row.cells()) + " |"
    yield ""
    yield "| target | measured | limit | result |"
    yield "| --- | --- | --- | --- |"
    for t in targets:
        yield f"| {t.name} | {t.measured} | {t.limit} | {'PASS' if t.ok else 'FAIL'} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument("--events", type=int, help="events per long stream (default 200,000)")
    parser.add_argument("--repeat", type=int, help="runs per figure, median (default 5)")
    parser.add_argument("--big-mib", type=int, help="size of the peak-RSS stream (default 1024)")
    parser.add_argument("--markdown", action="store_true", help="also print the README tables")
    parser.add_argument(
        "--only",
        choices=("streams", "corpus", "memory", "startup", "whole", "realtime"),
        action="append",
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    changes: dict[str, int] = {}
    if args.events:
        changes["events"] = args.events
    if args.repeat:
        changes["repeat"] = args.repeat
    if args.big_mib:
        changes["big_bytes"] = args.big_mib << 20
    sizes = Sizes(**{**sizes.__dict__, **changes})
    sections = {
        "streams": streams_section,
        "corpus": corpus_section,
        "memory": memory_section,
        "startup": startup_section,
        "whole": whole_section,
        "realtime": realtime_section,
    }
    rows: list[Row] = []
    targets: list[Target] = []
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} CPUs; sizes: {sizes}", flush=True)
    with tempfile.TemporaryDirectory(prefix="streamcheck-bench-") as folder:
        for name, section in sections.items():
            if args.only and name not in args.only:
                continue
            started = time.perf_counter()
            new_rows, new_targets = section(sizes, Path(folder))
            rows += new_rows
            targets += new_targets
            print(f"[{name}: {time.perf_counter() - started:.0f} s]", file=sys.stderr, flush=True)
    print()
    for line in table(rows):
        print(line)
    print()
    width = max(len(t.name) for t in targets)
    for t in targets:
        verdict = "PASS" if t.ok else "FAIL"
        print(f"{verdict}  {t.name.ljust(width)}  {t.measured:>12}  (limit {t.limit})")
    if args.markdown:
        print()
        print("\n".join(markdown(rows, targets)))
    return 0 if all(t.ok for t in targets) else 1


if __name__ == "__main__":
    sys.exit(main())

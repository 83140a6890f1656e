"""Run the checker over paths or bytes and build a Report. What the CLI does, as a library."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from streamcheck.check import CheckOptions, check_exchange
from streamcheck.model import Exchange, ExchangeResult, Report, Request
from streamcheck.schemas import Catalog
from streamcheck.sources import calls, expand, read_path
from streamcheck.sources.raw import from_stream

if TYPE_CHECKING:
    from streamcheck.clients import Located


def iter_results(
    paths: Iterable[str],
    options: CheckOptions,
    input_format: str = "auto",
    catalog: Catalog | None = None,
) -> Iterator[ExchangeResult]:
    yield from iter_files(expand(list(paths)), options, input_format, catalog)


class ClientRun(NamedTuple):
    """`check --client NAME`: replay each exchange through that SDK (`--client-timeout`)."""

    name: str
    timeout: float | None = None
    located: Located | None = None  # the SDK of a client that is no Python package


def iter_files(
    files: Iterable[str],
    options: CheckOptions,
    input_format: str = "auto",
    catalog: Catalog | None = None,
    *,
    options_for: Callable[[str], CheckOptions] | None = None,
    on_file: Callable[[str], None] | None = None,
    jobs: int = 1,
    clients: tuple[ClientRun, ...] = (),
    timeline: bool = False,
) -> Iterator[ExchangeResult]:
    """Check files already expanded (see `sources.expand`).

    `options_for(path)` gives per-file options (config overrides); `on_file(path)` is called
    before each file is read (progress display). `jobs` > 1 checks files in that many worker
    processes; results come back in the same order as with one; 0 lets `auto_jobs` choose.
    `clients` also replay each exchange through official SDKs, one after the other
    (`ExchangeResult.clients`); `timeline` keeps each exchange's frames by arrival time for
    the HTML report (`ExchangeResult.timeline`).
    """
    options.protocols()  # reject an unknown --provider before reading anything
    files = list(files)
    if jobs == 0:
        jobs = auto_jobs(files)
    if jobs > 1 and len(files) > 1 and "-" not in files:
        yield from _parallel(
            files, options, input_format, options_for, on_file, jobs, clients, timeline
        )
        return
    catalog = catalog or Catalog(options.schema_dirs)
    for path in files:
        if on_file is not None:
            on_file(path)
        file_options = options_for(path) if options_for is not None else options
        if file_options is not options:
            file_options.protocols()
        for exchange in read_path(path, input_format):
            result = _check(exchange, file_options, catalog, clients, timeline)
            if file_options.fail_on != options.fail_on:
                result.fail_on = file_options.fail_on
            yield result


# --jobs 0 checks in one process when the work is smaller than this (seconds, estimated): the
# workers' start and the pickling of every result cost about what the second CPU saves. Files
# of 20 events (bench/run.py's tiny folder) on a 2-CPU VM, two forked processes against one:
# 200 files (about 0.05 s estimated) 1.00x, 400 (0.1 s) 0.90x, 1,000 (0.26 s) 0.74x. A
# process pool (where workers cannot fork from here: another thread runs, the progress
# display's) starts a server and compiles the schemas in each worker: 1,000 of those files
# got 0.85x from it, so it waits for more (POOL_WORTH).
PARALLEL_WORTH = 0.1
POOL_WORTH = 0.5
# The estimate: a checked byte and a checked file, in seconds (bench/run.py on a 2-CPU VM, in
# one process: 1,000 files of 200 events (20 KB each) take about 0.93 ms a file, of 20 events
# (5 KB) about 0.22 ms: about 21 MB/s, and little per file beyond its bytes).
SECONDS_PER_BYTE = 1 / 21e6
SECONDS_PER_FILE = 0.02e-3


def auto_jobs(files: list[str]) -> int:
    """`--jobs 0`: how many processes can win on this machine, now. One per CPU this process
    may run on, less the CPUs other work keeps busy (`busy_cpus`: on a machine whose every CPU
    is already taken, more processes only queue behind each other), and one alone when the
    files are too little work for the workers to pay for themselves (PARALLEL_WORTH, or
    POOL_WORTH where they cannot fork from here)."""
    import os

    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cpus = os.cpu_count() or 1
    if cpus < 2 or len(files) < 2 or "-" in files:
        return 1
    from streamcheck import forked

    worth = PARALLEL_WORTH if forked.usable() else POOL_WORTH
    work = len(files) * SECONDS_PER_FILE
    for path in files:
        try:
            work += os.stat(path).st_size * SECONDS_PER_BYTE
        except OSError:
            continue  # the reader says what is wrong with it, in order
        if work >= worth:
            break
    if work < worth:
        return 1
    free = cpus - round(busy_cpus())
    return free if free >= 2 else 1


# Linux's count of the tasks runnable at this instant is the fourth field of this file.
LOADAVG = "/proc/loadavg"


def busy_cpus() -> float:
    """How many CPUs other work keeps busy now. On Linux: the tasks runnable at this instant
    besides this one (LOADAVG's "running/total"), the median of five looks a millisecond
    apart, so one burst is not taken for a busy machine. Not the 1-minute load average: it
    lags a minute behind, so a run that follows another (CI's previous step, a serial run)
    read both CPUs as busy while they sat idle, and stayed serial where two processes took
    0.64x the time (bench/run.py, 1,000 files of 200 events). Where there is no such file, the
    load average it is, this process taken out of it."""
    import os
    import time

    looks: list[int] = []
    try:
        for look in range(5):
            if look == 3 and looks[0] == looks[1] == looks[2]:
                break  # three of five alike: that is the median whatever the last two say
            if look:
                time.sleep(0.001)
            with open(LOADAVG, "rb") as file:
                looks.append(int(file.read().split()[3].split(b"/")[0]) - 1)
    except (OSError, ValueError, IndexError):
        try:
            return max(0.0, os.getloadavg()[0] - 1)
        except OSError:  # no load average (Windows)
            return 0.0
    return float(max(0, sorted(looks)[len(looks) // 2]))


def _check(
    exchange: Exchange,
    options: CheckOptions,
    catalog: Catalog,
    clients: tuple[ClientRun, ...],
    timeline: bool = False,
) -> ExchangeResult:
    """One exchange checked, and replayed through each SDK asked for, and drawn as a timeline
    when asked (the chunks are kept for both: they hold one exchange's body in memory)."""
    if not clients and not timeline:
        return check_exchange(exchange, options, catalog)
    chunks = list(exchange.chunks)
    exchange.chunks = chunks
    messages = None if exchange.messages is None else list(exchange.messages)
    exchange.messages = messages
    result = check_exchange(exchange, options, catalog)
    if timeline:
        from streamcheck import redact
        from streamcheck.timeline import build

        with redact.scope(exchange.secrets):
            result.timeline = build(result, chunks, messages)
    if not clients:
        return result
    from streamcheck.clients import Recording, replay

    recording = Recording(exchange.status, dict(exchange.headers), chunks, exchange.end)
    result.clients = [
        replay(c.name, recording, result, exchange.request.body, c.timeout, c.located)
        for c in clients
    ]
    return result


def _parallel(
    files: list[str],
    options: CheckOptions,
    input_format: str,
    options_for: Callable[[str], CheckOptions] | None,
    on_file: Callable[[str], None] | None,
    jobs: int,
    clients: tuple[ClientRun, ...] = (),
    timeline: bool = False,
) -> Iterator[ExchangeResult]:
    """Files spread over `jobs` processes with an ordered map: output order never changes."""
    work = [
        (path, options_for(path) if options_for else options, input_format, clients, timeline)
        for path in files
    ]
    for file_options in {o for _, o, _, _, _ in work if o is not options}:
        file_options.protocols()
    for (path, file_options, *_), results in zip(
        work, _map(work, jobs, options.schema_dirs), strict=True
    ):
        if on_file is not None:
            on_file(path)
        for result in results:
            if file_options.fail_on != options.fail_on:
                result.fail_on = file_options.fail_on
            yield result


def _map(
    work: list[Any], jobs: int, schema_dirs: tuple[Path, ...]
) -> Iterator[list[ExchangeResult]]:
    """Each file's results, in order, from `jobs` worker processes. They fork from this
    process (cheap: the checker is imported and the schemas compiled already) when no other
    thread runs; with one (the progress display) forking could copy a lock it holds, so they
    fork from a clean server that imports the checker once (a process pool)."""
    from streamcheck import forked

    if forked.usable():
        catalog_for(schema_dirs)  # compiled once here, inherited by every worker
        yield from forked.ordered_map(lambda at: _check_file(work[at]), len(work), jobs)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing.context import BaseContext

    context: BaseContext
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["streamcheck.run"])
    else:
        context = multiprocessing.get_context("spawn")
    # A few files per task: less pickling traffic, still balanced at the end of the run.
    chunksize = max(1, min(32, len(work) // (jobs * 8)))
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context)
    try:
        yield from pool.map(_check_file, work, chunksize=chunksize)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_CATALOGS: dict[tuple[Path, ...], Catalog] = {}  # one per worker process and schema folders


def _check_file(
    job: tuple[str, CheckOptions, str, tuple[ClientRun, ...], bool],
) -> list[ExchangeResult]:
    """One file in a worker process: every exchange's result."""
    path, options, input_format, clients, timeline = job
    catalog = catalog_for(options.schema_dirs)
    return [_check(e, options, catalog, clients, timeline) for e in read_path(path, input_format)]


def catalog_for(schema_dirs: tuple[Path, ...]) -> Catalog:
    catalog = _CATALOGS.get(schema_dirs)
    if catalog is None:
        catalog = _CATALOGS[schema_dirs] = Catalog(schema_dirs)
    return catalog


def check_paths(
    paths: Iterable[str],
    options: CheckOptions | None = None,
    input_format: str = "auto",
    *,
    jobs: int = 1,
) -> Report:
    """Check files, folders and globs; '-' reads standard input. `jobs` > 1: that many
    processes, same report."""
    options = options or CheckOptions()
    results = iter_files(expand(list(paths)), options, input_format, jobs=jobs)
    return Report(list(results), fail_on=options.fail_on)


def check_bytes(
    data: bytes,
    options: CheckOptions | None = None,
    *,
    source: str = "<bytes>",
    status: int | None = None,
    headers: dict[str, str] | None = None,
    url: str | None = None,
    request_body: Any = None,
) -> Report:
    """Check one body held in memory (raw SSE/NDJSON/JSON, or a `curl -i` dump).

    `request_body` is the parsed JSON the request sent, when known: rules that depend on what was
    asked (`stream_options.include_usage`, `stream`) use it.
    """
    options = options or CheckOptions()
    stream = io.BytesIO(data)
    head = stream.read(4096)
    exchange = from_stream(source, stream, head)
    catalog = Catalog(options.schema_dirs)
    named = status is not None or headers or url or request_body is not None
    if not named and exchange.status is None and calls.might_hold_calls(head):
        # payloads of several Responses calls in a row: one exchange each, as `check` reads them
        results = [check_exchange(e, options, catalog) for e in calls.split(exchange)]
        return Report(results, fail_on=options.fail_on)
    if named:
        exchange = Exchange(
            source,
            0,
            Request(url=url, body=request_body),
            status if status is not None else exchange.status,
            headers or exchange.headers,
            exchange.chunks,
            body_offset=exchange.body_offset,
            body_line=exchange.body_line,
        )
    result = check_exchange(exchange, options, catalog)
    return Report([result], fail_on=options.fail_on)

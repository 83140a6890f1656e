"""Load on `streamcheck proxy`, loopback only: what it adds to time to first byte and CPU, next
to a plain pass-through proxy on the same stack (`proxy --no-check`) and to no proxy at all.

    python bench/proxy.py                    # 200 concurrent streams, 10,000 in all, each way
    python bench/proxy.py --quick            # 20 concurrent, 200 in all (a smoke run)
    python bench/proxy.py --speed 1          # the recordings' own timing: 200 streams in
                                             # flight, the proxy below saturation

The upstream is `streamcheck serve --speed 0` replaying fixtures/live (OpenAI chat and Anthropic
messages, alternately); each proxy and the upstream run in their own process. The client is a
minimal asyncio HTTP/1.1 client (one keep-alive connection per concurrent stream), so its own
cost stays small. Every body the client receives is compared with what the upstream sends
directly: a lost or altered byte is counted and fails the run. Time to first byte is measured
from the request's write to the first body byte; CPU per stream is the proxy process's user +
system CPU over the run, divided by the streams; the checker process's own CPU (the proxy's
child, at a lower priority) is given beside it, including its catching up after the load.
Checking may lag the traffic: after the load the bench waits until the checker has accounted
for every exchange (a log line each, or a count of those it let pass unchecked because it was
behind), says how many it still owed when the load ended and how long it took, and stops the
proxy with SIGTERM (which drains the checker) before it reads the log. Nothing is asserted
about time: the figures are printed (and, with --json, written) for README's "Running at
scale".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = {
    "/v1/chat/completions": b'{"model":"gpt-4o-mini","stream":true,'
    b'"messages":[{"role":"user","content":"hi"}]}',
    "/v1/messages": b'{"model":"claude-3-5-haiku-20241022","max_tokens":16,"stream":true,'
    b'"messages":[{"role":"user","content":"hi"}]}',
}
IDLE_STREAMS = 300
KEY = "sk-bench-0123456789abcdef"  # a fake key: it must reach no log line


@dataclass
class Run:
    name: str
    ttfb: list[float] = field(default_factory=list)
    idle_ttfb: list[float] = field(default_factory=list)  # one stream at a time
    altered: int = 0  # a 200 whose body differs from the upstream's
    failed: int = 0  # no answer, a cut one, or an answer other than the upstream's 200
    why: dict[str, int] = field(default_factory=dict)  # each failure's kind, counted
    wall: float = 0.0
    cpu: float | None = None  # CPU seconds of the proxy process over the run
    checker_cpu: float | None = None  # CPU seconds of its checker process over the run
    lag: dict[str, float | int] = field(default_factory=dict)  # how far checking lagged

    def summary(self, streams: int) -> dict[str, Any]:
        ordered = sorted(self.ttfb)
        idle = sorted(self.idle_ttfb)
        return {
            "streams": streams,
            "idle_ttfb_p50_ms": round(1000 * statistics.median(idle), 3) if idle else None,
            "idle_ttfb_p99_ms": round(1000 * idle[int(0.99 * (len(idle) - 1))], 3)
            if idle
            else None,
            "ttfb_p50_ms": round(1000 * statistics.median(ordered), 3) if ordered else None,
            "ttfb_p99_ms": round(1000 * ordered[int(0.99 * (len(ordered) - 1))], 3)
            if ordered
            else None,
            "altered": self.altered,
            "failed": self.failed,
            "streams_per_s": round(streams / self.wall, 1) if self.wall else None,
            "cpu_ms_per_stream": round(1000 * self.cpu / streams, 3) if self.cpu else None,
            "checker_cpu_ms_per_stream": round(1000 * self.checker_cpu / streams, 3)
            if self.checker_cpu
            else None,
            **self.lag,
            "failures": dict(self.why),
        }


def request_bytes(path: str, port: int) -> bytes:
    body = REQUESTS[path]
    return (
        f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: application/json\r\n"
        f"authorization: Bearer {KEY}\r\ncontent-length: {len(body)}\r\n\r\n"
    ).encode() + body


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[float, bytes]:
    """One request on a keep-alive connection: (seconds to the first body byte, the body);
    an answer other than a 200 gives its status and body as the body (b"502 {...}")."""
    start = time.perf_counter()
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    headers = head.lower()
    first: float | None = None
    parts: list[bytes] = []
    if b"transfer-encoding: chunked" in headers:
        while True:
            size = int((await reader.readuntil(b"\r\n"))[:-2].split(b";")[0], 16)
            if first is None:
                first = time.perf_counter() - start
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
    else:
        length = int(headers.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
        parts.append(await reader.readexactly(length))
        first = time.perf_counter() - start
    status = head.split(b" ", 2)[1]
    if status != b"200":
        return first, status + b" " + b"".join(parts)
    return first, b"".join(parts)


async def load(
    port: int,
    total: int,
    concurrency: int,
    expected: dict[str, bytes],
    run: Run,
    rate: float | None = None,
) -> None:
    """`total` streams, at most `concurrency` at once: back to back (closed loop), or with
    `rate`, stream i starts at i / rate seconds (open loop; a stream whose time came while
    every connection was busy starts as soon as one is free)."""
    paths = list(REQUESTS)
    left = iter(range(total))
    requests = {path: request_bytes(path, port) for path in paths}
    loop = asyncio.get_running_loop()
    began = loop.time()

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for number in left:
                if rate:
                    await asyncio.sleep(max(0.0, began + number / rate - loop.time()))
                path = paths[number % len(paths)]
                try:
                    ttfb, body = await exchange(reader, writer, requests[path])
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    run.failed += 1
                    reason = type(exc).__name__
                    run.why[reason] = run.why.get(reason, 0) + 1
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    continue
                run.ttfb.append(ttfb)
                if body != expected[path]:
                    status = int(body[:3]) if body[:3].isdigit() else 0
                    if status == 200:
                        run.altered += 1
                    else:  # the proxy's own answer (a 502: no upstream answered in time)
                        run.failed += 1
                        reason = body[4:].decode("latin-1")[:160]
                        run.why[reason] = run.why.get(reason, 0) + 1
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    run.wall = time.perf_counter() - start


@contextmanager
def process(*args: str, stop_wait: float = 10) -> Iterator[tuple[int, psutil.Process]]:
    """A streamcheck command listening on a free port: (its port, the process). Stopped with
    SIGTERM, given `stop_wait` seconds to end (a proxy drains its checker first)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamcheck", *args, "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        stream = proc.stdout if args[0] == "serve" else proc.stderr
        line = stream.readline()
        if "listening on" not in line:
            raise SystemExit(f"{args[0]} did not start: {line}{proc.stderr.read()}")
        url = line.split("listening on ", 1)[1].split()[0]
        yield int(url.rsplit(":", 1)[1].rstrip("/")), psutil.Process(proc.pid)
    finally:
        proc.terminate()
        proc.wait(stop_wait)


async def direct_bodies(port: int) -> dict[str, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    found = {}
    for path in REQUESTS:
        _, found[path] = await exchange(reader, writer, request_bytes(path, port))
    writer.close()
    return found


def accounted(log: Path) -> tuple[int, int]:
    """(exchanges with a log line, exchanges the checker let pass because it was behind)."""
    checked = behind = 0
    text = log.read_text() if log.is_file() else ""
    for line in text.splitlines():
        if not line.endswith("}"):
            continue  # a line being written
        value = json.loads(line)
        if "verdict" in value:
            checked += 1
        elif value.get("event") == "unchecked-behind":
            behind += int(value["message"].split(" ", 1)[0])
    return checked, behind


def catch_up(log: Path, expected: int, limit: float = 600) -> dict[str, float | int]:
    """Wait (up to `limit` s) until the checker accounted for `expected` exchanges: how many
    it still owed when the load ended, and how long it took to catch up."""
    start = time.perf_counter()
    checked, behind = accounted(log)
    owed = expected - checked - behind
    while checked + behind < expected and time.perf_counter() - start < limit:
        time.sleep(0.05)
        checked, behind = accounted(log)
    return {
        "checker_owed_at_end_of_load": owed,
        "checker_caught_up_s": round(time.perf_counter() - start, 3),
    }


def cpu(*procs: psutil.Process) -> float:
    return float(sum(t.user + t.system for t in (p.cpu_times() for p in procs)))


def measure(
    name: str,
    port: int,
    proc: psutil.Process | None,
    total: int,
    concurrency: int,
    expected: dict[str, bytes],
    log: Path | None = None,
    rate: float | None = None,
) -> Run:
    run = Run(name)
    warm = min(total // 10, 500) or 1
    asyncio.run(load(port, warm, concurrency, expected, Run("warm-up")))
    checker = proc.children() if proc is not None else []  # the checker process
    if log is not None:
        catch_up(log, warm)  # a clean start: the warm-up's lines are written
    before = cpu(proc) if proc is not None else None
    checker_before = cpu(*checker)
    asyncio.run(load(port, total, concurrency, expected, run, rate))
    if proc is not None and before is not None:
        run.cpu = cpu(proc) - before
    if log is not None:
        # Checking may lag the traffic: how far, and for how long (before the idle streams).
        run.lag = catch_up(log, warm + total)
    if checker:
        run.checker_cpu = cpu(*checker) - checker_before
    # Then one stream at a time: the delay the proxy itself adds, without queueing behind
    # other streams for the CPU.
    idle = Run("idle")
    asyncio.run(load(port, IDLE_STREAMS, 1, expected, idle))
    run.idle_ttfb, run.altered, run.failed = (
        idle.ttfb,
        run.altered + idle.altered,
        run.failed + idle.failed,
    )
    for reason, count in idle.why.items():
        run.why[reason] = run.why.get(reason, 0) + count
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--streams", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="20 concurrent, 200 in all")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--speed",
        type=float,
        default=0,
        help="the upstream's `serve --speed`: 0 sends each recording at once (the proxy "
        "saturates), 1 keeps the recordings' own timing (about 0.5 s a stream)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        help="start this many streams per second (open loop) instead of back to back: "
        "time to first byte below saturation, where queueing does not swamp it",
    )
    args = parser.parse_args()
    total, concurrency = (200, 20) if args.quick else (args.streams, args.concurrency)
    load_avg = os.getloadavg()
    results: dict[str, dict[str, Any]] = {}
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-proxy-{os.getpid()}.jsonl"
    speed = f"{args.speed:g}"
    with process("serve", str(ROOT / "fixtures" / "live"), "--speed", speed) as (up, _):
        expected = asyncio.run(direct_bodies(up))
        upstream = f"http://127.0.0.1:{up}"
        rate = args.rate
        runs = [measure("direct (no proxy)", up, None, total, concurrency, expected, rate=rate)]
        with process("proxy", "--upstream", upstream, "--no-check") as (port, proc):
            runs.append(
                measure("pass-through proxy", port, proc, total, concurrency, expected, rate=rate)
            )
        with process(
            "proxy",
            "--upstream",
            upstream,
            "--log",
            str(log),
            "--max-checked",
            str(max(concurrency, 64)),
            "--drain-timeout",
            "600",
            stop_wait=660,
        ) as (port, proc):
            runs.append(
                measure(
                    "streamcheck proxy (checked)",
                    *(port, proc, total, concurrency, expected, log, rate),
                )
            )
    # The proxy has ended: it drained its checker, so every line it owed is written.
    checked_lines = log.read_text().splitlines() if log.is_file() else []
    leaked = sum(KEY in line for line in checked_lines)
    checked_count, behind_count = accounted(log)
    log.unlink(missing_ok=True)
    for run in runs:
        results[run.name] = run.summary(total)
    direct, plain, checked = (results[r.name] for r in runs)
    print(
        f"streamcheck proxy bench: {total} streams, {concurrency} concurrent"
        f"{f', {args.rate:g} started per second' if args.rate else ', back to back'}, "
        f"upstream serve --speed {speed}, loopback; "
        f"load average before {load_avg[0]:.2f} on {os.cpu_count()} CPUs"
    )
    print(
        f"{'':30} {'TTFB p50':>10} {'TTFB p99':>10} {'idle p50':>9} {'idle p99':>9} "
        f"{'streams/s':>9} {'CPU/stream':>10} {'checker':>10} {'altered':>7} {'failed':>6}"
    )
    for name, row in results.items():
        proxy_cpu = f"{row['cpu_ms_per_stream']} ms" if row["cpu_ms_per_stream"] else "-"
        checker_cpu = (
            f"{row['checker_cpu_ms_per_stream']} ms" if row["checker_cpu_ms_per_stream"] else "-"
        )
        print(
            f"{name:30} {row['ttfb_p50_ms']:>7} ms {row['ttfb_p99_ms']:>7} ms "
            f"{row['idle_ttfb_p50_ms']:>6} ms {row['idle_ttfb_p99_ms']:>6} ms "
            f"{row['streams_per_s']:>9} {proxy_cpu:>10} {checker_cpu:>10} "
            f"{row['altered']:>7} {row['failed']:>6}"
        )
        for reason, count in dict(row["failures"] or {}).items():
            print(f"    {count} failed: {reason}")

    through_checked = (min(total // 10, 500) or 1) + total + IDLE_STREAMS  # warm-up, load, idle

    def added(a: dict[str, Any], b: dict[str, Any], key: str) -> float:
        return round(float(a[key] or 0) - float(b[key] or 0), 3)

    summary = {
        "added_by_checking_ttfb_p50_ms": added(checked, plain, "ttfb_p50_ms"),
        "added_by_checking_ttfb_p99_ms": added(checked, plain, "ttfb_p99_ms"),
        "added_by_proxy_ttfb_p50_ms": added(checked, direct, "ttfb_p50_ms"),
        "added_by_proxy_ttfb_p99_ms": added(checked, direct, "ttfb_p99_ms"),
        "idle_added_by_checking_ttfb_p50_ms": added(checked, plain, "idle_ttfb_p50_ms"),
        "idle_added_by_checking_ttfb_p99_ms": added(checked, plain, "idle_ttfb_p99_ms"),
        "idle_added_by_proxy_ttfb_p50_ms": added(checked, direct, "idle_ttfb_p50_ms"),
        "idle_added_by_proxy_ttfb_p99_ms": added(checked, direct, "idle_ttfb_p99_ms"),
        "checking_cpu_ms_per_stream_in_the_proxy": added(checked, plain, "cpu_ms_per_stream"),
        "checker_process_cpu_ms_per_stream": checked["checker_cpu_ms_per_stream"],
        "checker_owed_at_end_of_load": checked.get("checker_owed_at_end_of_load"),
        "checker_caught_up_s": checked.get("checker_caught_up_s"),
        "streams_through_checked_proxy": through_checked,
        "streams_checked": checked_count,
        "streams_unchecked_behind": behind_count,
        "log_lines": len(checked_lines),
        "key_in_log_lines": leaked,
    }
    for key, value in summary.items():
        print(f"  {key}: {value}")
    lost = sum(int(r["altered"] or 0) + int(r["failed"] or 0) for r in results.values())
    ok = lost == 0 and leaked == 0 and checked_count + behind_count == through_checked
    print(
        f"target p99 added TTFB (checked vs pass-through) < 5 ms: "
        f"{'met' if summary['added_by_checking_ttfb_p99_ms'] < 5 else 'NOT met'}; "
        f"lost or altered bytes: {lost} ({'met' if lost == 0 else 'NOT met'})"
    )
    if args.json:
        args.json.write_text(
            json.dumps({"runs": results, "summary": summary, "load_average": load_avg}, indent=2)
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

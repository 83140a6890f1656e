"""Streams per second per core of `streamcheck ext-proc`, for 300-event streams (issue 20).

    python bench/extproc.py              # in process, then over loopback gRPC (a minute or two)
    python bench/extproc.py --quick      # a handful of streams: a smoke run

Each stream is what Envoy's ext_proc filter sends for one OpenAI chat completion of 300 SSE
events (bench/streams.py: content, two tool calls, finish, usage, [DONE]): request headers, the
request body, response headers, then the response body, either one event per message (the
worst case: every upstream write its own data frame) or in 16 KiB messages (writes coalesced).

- "in process": the servicer's `Process` driven in one asyncio loop with the protobuf messages
  already built: the checker, the session and the outputs (log line to /dev/null, metrics into
  a registry), no network. CPU time of this process.
- "loopback gRPC": `python -m streamcheck ext-proc --port 0 --log none` as a subprocess and a
  grpc.aio client here sending N streams, C at a time, over 127.0.0.1. CPU time of the server
  process only (psutil), so the client's cost does not count.

Streams per second per core = streams / CPU seconds spent serving them. The goal (issue 20):
at least 500 per core for 300-event streams.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the bench package; streamcheck is the installed one

import orjson  # noqa: E402
from envoy.config.core.v3 import base_pb2  # noqa: E402
from envoy.service.ext_proc.v3 import external_processor_pb2 as pb  # noqa: E402

from bench.streams import openai_events  # noqa: E402

EVENTS = 300
COALESCED = 16 * 1024
GOAL = 500.0  # streams per second per core


def _headers(values: dict[str, str]) -> Any:
    return base_pb2.HeaderMap(
        headers=[base_pb2.HeaderValue(key=k, raw_value=v.encode()) for k, v in values.items()]
    )


def envoy_messages(per_message: str) -> list[Any]:
    """One exchange as Envoy sends it in observability mode."""
    events = list(openai_events(EVENTS))
    if per_message == "event":
        pieces = events
    else:
        body = b"".join(events)
        pieces = [body[i : i + COALESCED] for i in range(0, len(body), COALESCED)]
    request = {
        "model": "gpt-4o-mini",
        "stream": True,
        "stream_options": {"include_usage": True},
        "messages": [{"role": "user", "content": "What is the weather?"}],
    }
    mode = {"observability_mode": True}
    out = [
        pb.ProcessingRequest(
            request_headers=pb.HttpHeaders(
                headers=_headers(
                    {
                        ":method": "POST",
                        ":path": "/v1/chat/completions",
                        ":authority": "api.openai.com",
                        ":scheme": "https",
                        "authorization": "Bearer sk-FAKE-bench-not-a-real-key-000000000000000000",
                        "content-type": "application/json",
                    }
                )
            ),
            **mode,
        ),
        pb.ProcessingRequest(
            request_body=pb.HttpBody(body=orjson.dumps(request), end_of_stream=True), **mode
        ),
        pb.ProcessingRequest(
            response_headers=pb.HttpHeaders(
                headers=_headers({":status": "200", "content-type": "text/event-stream"})
            ),
            **mode,
        ),
    ]
    for n, piece in enumerate(pieces):
        last = n == len(pieces) - 1
        out.append(
            pb.ProcessingRequest(response_body=pb.HttpBody(body=piece, end_of_stream=last), **mode)
        )
    return out


# -- in process ----------------------------------------------------------------------------------


def in_process(streams: int, per_message: str) -> tuple[float, int]:
    """(CPU seconds, streams checked) for `streams` exchanges through the servicer."""
    from prometheus_client import CollectorRegistry

    from streamcheck.check import CheckOptions
    from streamcheck.live.extproc import server
    from streamcheck.live.extproc.servicer import Processor
    from streamcheck.live.observe import OutputOptions, Outputs

    sent = envoy_messages(per_message)
    with open(os.devnull, "wb") as sink:
        outputs = Outputs(
            OutputOptions(log=None), "ext-proc", registry=CollectorRegistry(), log_stream=sink
        )
        processor = Processor(outputs, server.checker_factory(CheckOptions()), max_checked=10**6)

        async def requests() -> AsyncIterator[Any]:
            for message in sent:
                yield message

        async def one() -> None:
            async for _ in processor.Process(requests(), None):
                pass

        async def run(count: int) -> None:
            for _ in range(count):
                await one()

        asyncio.run(run(3))  # warm: schemas compiled, modules imported
        before = processor.finished
        start = time.process_time()
        asyncio.run(run(streams))
        spent = time.process_time() - start
        outputs.close()
    return spent, processor.finished - before


# -- over loopback gRPC --------------------------------------------------------------------------


def serve_null() -> None:
    """The floor: a grpc.aio ext_proc server that reads every message and does nothing."""
    import grpc
    from envoy.service.ext_proc.v3 import external_processor_pb2_grpc as pb_grpc

    class Null(pb_grpc.ExternalProcessorServicer):  # type: ignore[misc]
        async def Process(self, requests: AsyncIterator[Any], context: Any) -> AsyncIterator[Any]:
            async for _ in requests:
                pass
            return
            yield

    async def run() -> None:
        server = grpc.aio.server()
        pb_grpc.add_ExternalProcessorServicer_to_server(Null(), server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        sys.stderr.write(f"listening on 127.0.0.1:{port}\n")
        sys.stderr.flush()
        await server.wait_for_termination()

    asyncio.run(run())


def loopback(
    streams: int, per_message: str, concurrency: int, null: bool = False
) -> tuple[float, float, int]:
    """(server CPU seconds, wall seconds, streams logged) for `streams` exchanges sent to a
    `streamcheck ext-proc` subprocess on 127.0.0.1 (`null`: to the do-nothing server)."""
    import grpc
    import psutil
    from envoy.service.ext_proc.v3 import external_processor_pb2_grpc as pb_grpc

    sent = envoy_messages(per_message)
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-extproc-{os.getpid()}.jsonl"
    command = [sys.executable, "-m", "streamcheck", "ext-proc", "--port", "0", "--log", str(log)]
    command += ["--max-checked", str(concurrency * 2)]
    if null:
        command = [sys.executable, __file__, "--serve-null"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        found = re.search(r"listening on 127\.0\.0\.1:(\d+)", process.stderr.readline())
        assert found, "ext-proc did not start"
        port = int(found.group(1))
        server = psutil.Process(process.pid)

        async def drive(count: int) -> None:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = pb_grpc.ExternalProcessorStub(channel)
                queue = iter(range(count))

                async def worker() -> None:
                    for _ in queue:
                        async for _ in stub.Process(iter(sent)):
                            pass

                await asyncio.gather(*(worker() for _ in range(concurrency)))

        asyncio.run(drive(concurrency))  # warm
        cpu = server.cpu_times()
        before = cpu.user + cpu.system
        wall = time.perf_counter()
        asyncio.run(drive(streams))
        wall = time.perf_counter() - wall
        cpu = server.cpu_times()
        spent = cpu.user + cpu.system - before
    finally:
        process.terminate()
        process.wait(timeout=60)
    if null:
        return spent, wall, streams
    logged = len(log.read_bytes().splitlines()) - concurrency
    log.unlink(missing_ok=True)
    return spent, wall, logged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a handful of streams")
    parser.add_argument("--streams", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--serve-null", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_null:
        serve_null()
        return 0
    streams = 10 if args.quick else args.streams
    body = sum(len(e) for e in openai_events(EVENTS))
    print(f"ext-proc: {EVENTS}-event OpenAI chat streams ({body:,} body bytes), {streams} streams")
    print("| path | messages per stream | streams/s per core | us per event | goal |")
    print("| --- | ---: | ---: | ---: | --- |")
    failed = False
    for per_message in ("event", "16KiB"):
        count = len(envoy_messages(per_message))
        spent, done = in_process(streams, per_message)
        assert done == streams, f"{done} of {streams} streams checked"
        rate = streams / spent
        failed |= rate < GOAL and per_message == "event"
        verdict = "PASS" if rate >= GOAL else "FAIL"
        print(
            f"| in process | {count} | {rate:,.0f} | {spent / streams / EVENTS * 1e6:.1f} | "
            f">= {GOAL:.0f}: {verdict} |"
        )
    for per_message in ("event", "16KiB"):
        count = len(envoy_messages(per_message))
        for null in (True, False):
            spent, wall, logged = loopback(streams, per_message, args.concurrency, null)
            assert logged == streams, f"{logged} of {streams} streams logged"
            spent = max(spent, 0.01)  # psutil's clock ticks: a tiny run may read 0
            rate = streams / spent
            verdict = "PASS" if rate >= GOAL else "FAIL"
            what = "the floor: a gRPC server that does nothing" if null else "ext-proc"
            print(
                f"| loopback gRPC, {args.concurrency} at a time, {what} | {count} | {rate:,.0f} | "
                f"{spent / streams / EVENTS * 1e6:.1f} | "
                + ("-" if null else f">= {GOAL:.0f}: {verdict}")
                + f" ({streams / wall:,.0f}/s wall) |"
            )
    return 1 if failed and not args.quick else 0


if __name__ == "__main__":
    sys.exit(main())

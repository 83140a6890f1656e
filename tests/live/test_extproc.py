"""`streamcheck ext-proc` fed what Envoy's ext_proc filter sends (tests/live/envoy.py) over a
real gRPC channel on 127.0.0.1, from the recordings in fixtures/: the findings and verdict of
each exchange equal `streamcheck check` on the same recording, wherever the response body's
chunk boundaries fall; the log line, /metrics and the saved tapes say what happened. No
Envoy binary runs here (none can be installed): the client is grpcio's stub."""

from __future__ import annotations

import asyncio
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import orjson
import pytest
from envoy.service.ext_proc.v3 import external_processor_pb2 as pb
from envoy.service.ext_proc.v3 import external_processor_pb2_grpc as pb_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from streamcheck.check import CheckOptions
from streamcheck.live.extproc import server
from streamcheck.live.extproc.servicer import Processor
from streamcheck.live.observe import Observed, OutputOptions, Outputs, verdict
from streamcheck.model import EndReason, ExchangeResult, Finding, Location, Severity
from tests.conftest import FIXTURES, ROOT, run_python, run_streamcheck
from tests.live.envoy import KEY, Recorded, messages, recorded
from tests.test_secrets_sweep import assert_clean

CASES = sorted(
    [
        *FIXTURES.glob("faults/*/*.tape"),
        *FIXTURES.glob("live/*.tape"),
        *FIXTURES.glob("azure-openai/*.tape"),
        FIXTURES / "conform" / "openai-clean" / "chat-tool-call.tape",
        FIXTURES / "conform" / "openai-no-index" / "chat-parallel-tool-calls.tape",
        FIXTURES / "conform" / "anthropic-clean" / "anthropic-tool-use.tape",
        FIXTURES / "conform" / "anthropic-declines" / "anthropic-thinking.tape",
    ]
)
# Findings that depend on when bytes arrived (a replay through gRPC has its own timing) or on
# the file the recording sits in; neither is what ext-proc is about.
TIMING_OR_FILE = {"SC501", "SC502", "SC902"}


class Recording(Outputs):
    """Outputs that also keep what they were handed, for the assertions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[Observed] = []

    def emit(self, observed: Observed) -> str:
        self.seen.append(observed)
        return super().emit(observed)


class Running:
    """ext-proc's servicer on a grpc.aio server in a thread of its own, on 127.0.0.1."""

    def __init__(self, tapes: Path, **processor: Any) -> None:
        self.log = io.BytesIO()
        self.outputs = Recording(
            OutputOptions(tapes=tapes, metrics_port=0),
            "ext-proc",
            registry=CollectorRegistry(),
            log_stream=self.log,
        )
        self.processor = Processor(
            self.outputs, server.checker_factory(CheckOptions()), **processor
        )
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server, self.port = self._await(server.start(self.processor, "127.0.0.1", 0))
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self.stub = pb_grpc.ExternalProcessorStub(self.channel)

    def _await(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    def send(self, requests: list[pb.ProcessingRequest]) -> list[pb.ProcessingResponse]:
        """One gRPC stream: every message, then the end of the stream; the answers."""
        return list(self.stub.Process(iter(requests), timeout=30))

    def lines(self) -> list[dict[str, Any]]:
        return [orjson.loads(line) for line in self.log.getvalue().splitlines()]

    def stop(self) -> None:
        self.channel.close()
        self._await(self.server.stop(0))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.outputs.close()


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    handle = Running(tmp_path_factory.mktemp("tapes"))
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def expected() -> dict[Path, dict[str, Any]]:
    """`streamcheck check --format json` on every case, once."""
    done = run_streamcheck("check", "--format", "json", *map(str, CASES), timeout=180)
    report = orjson.loads(done.stdout)
    return {ROOT / r["source"]: r for r in report["results"]}


def _findings(items: list[dict[str, Any]] | list[Finding]) -> list[tuple[str, str, str]]:
    out = []
    for item in items:
        if isinstance(item, Finding):
            row = (item.code, item.severity.label, item.message)
        else:
            row = (item["code"], item["severity"], item["message"])
        if row[0] not in TIMING_OR_FILE:
            out.append(row)
    return sorted(out)


def _verdict_of(report: dict[str, Any]) -> str:
    """The verdict the outputs give the result `check` reported."""
    findings = [
        Finding(f["code"], f["name"], Severity.parse(f["severity"]), f["message"], Location())
        for f in report["findings"]
        if f["code"] not in TIMING_OR_FILE
    ]
    result = ExchangeResult(
        "",
        0,
        None,
        None,
        None,
        report["status"],
        None,
        0,
        0,
        EndReason(report["end"]),
        findings,
        error_class=report["error_class"],
    )
    return verdict(result)


def _check_case(running: Running, case: Recorded, report: dict[str, Any], **how: Any) -> None:
    before = len(running.outputs.seen)
    complete = case.end is not EndReason.RESET
    answers = running.send(messages(case, complete=complete, **how))
    assert answers == []  # observability mode: Envoy waits for nothing
    assert len(running.outputs.seen) == before + 1
    observed = running.outputs.seen[-1]
    result = observed.result
    assert _findings(result.findings) == _findings(report["findings"]), case.path.name
    assert (result.provider, result.api, result.error_class, result.end.value) == (
        report["provider"],
        report["api"],
        report["error_class"],
        report["end"],
    )
    line = running.lines()[-1]
    assert line["verdict"] == _verdict_of(report)
    codes = {c for c in line["codes"] if c not in TIMING_OR_FILE}
    assert sorted(codes) == sorted({code for code, _, _ in _findings(report["findings"])})
    assert line["status"] == case.status and line["bytes_out"] == len(case.body)


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_each_recording_as_envoy_sends_it_checks_as_check_does(
    running: Running, expected: dict[Path, dict[str, Any]], path: Path
) -> None:
    case = recorded(path)
    _check_case(running, case, expected[path], cuts=case.splits)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_chunk_boundaries_anywhere_give_the_same_findings(
    running: Running, expected: dict[Path, dict[str, Any]], data: st.DataObject
) -> None:
    path = data.draw(st.sampled_from(CASES))
    case = recorded(path)
    size = max(len(case.body), 1)
    cuts = data.draw(st.lists(st.integers(0, size), max_size=24))
    separate_end = data.draw(st.booleans())
    request_cut = data.draw(st.none() | st.integers(0, 10_000))
    _check_case(
        running,
        case,
        expected[path],
        cuts=cuts,
        separate_end=separate_end,
        request_cut=request_cut,
    )


def test_one_byte_chunks(running: Running, expected: dict[Path, dict[str, Any]]) -> None:
    path = FIXTURES / "faults" / "anthropic" / "truncate-mid-frame.tape"
    case = recorded(path)
    _check_case(running, case, expected[path], cuts=range(len(case.body)))


def test_a_stream_that_ends_early_is_a_cut(running: Running, tmp_path: Path) -> None:
    case = recorded(FIXTURES / "faults" / "openai" / "none.tape")
    half = len(case.body) // 2
    case.body = case.body[:half]
    running.send(messages(case, [half // 3], complete=False))
    line = running.lines()[-1]
    assert line["end"] == "reset" and line["verdict"] == "unreachable"
    assert "SC504" in line["codes"]
    assert line["tape"] is not None
    # The saved tape, checked, says the same.
    folder = running.outputs.tapes
    assert folder is not None
    saved = folder.folder / line["tape"]
    done = run_streamcheck("check", "--format", "json", str(saved))
    [result] = orjson.loads(done.stdout)["results"]
    assert result["end"] == "reset"
    assert sorted({f["code"] for f in result["findings"]}) == line["codes"]
    assert_clean("saved tape", saved.read_bytes())


def test_a_cancelled_stream_is_a_cut(running: Running) -> None:
    case = recorded(FIXTURES / "faults" / "openai" / "none.tape")
    sent = messages(case, [40, 200], complete=False)
    release = threading.Event()
    before = running.processor.finished

    def requests() -> Iterator[pb.ProcessingRequest]:
        yield from sent
        release.wait(30)  # Envoy's stream stays open, then Envoy cancels it

    target = running.processor.messages + len(sent)  # before the call: the server is quick
    call = running.stub.Process(requests())
    _until(lambda: running.processor.messages >= target)
    call.cancel()
    release.set()
    _until(lambda: running.processor.finished > before)
    line = running.lines()[-1]
    assert line["end"] == "reset" and "SC504" in line["codes"]
    assert line["bytes_out"] == len(case.body)


def _until(done: Callable[[], bool]) -> None:
    """Wait for the server to get somewhere (bounded: a hang fails, it does not block)."""
    for _ in range(3000):
        if done():
            return
        time.sleep(0.01)
    raise AssertionError("the server never got there")


def test_without_observability_mode_every_message_gets_a_continue(running: Running) -> None:
    case = recorded(FIXTURES / "faults" / "openai" / "none.tape")
    sent = messages(case, [100, 300], observability=False)
    answers = running.send(sent)
    assert [a.WhichOneof("response") for a in answers] == [m.WhichOneof("request") for m in sent]
    for answer in answers:
        part = getattr(answer, answer.WhichOneof("response"))
        assert part.response.status == pb.CommonResponse.CONTINUE
        assert not part.response.HasField("body_mutation")
        assert not part.response.HasField("header_mutation")
    assert running.lines()[-1]["verdict"] == "ok"


def test_metrics_and_tapes_say_what_happened(running: Running) -> None:
    for name in ("none", "http-401", "truncate-after-2"):
        case = recorded(FIXTURES / "faults" / "openai" / f"{name}.tape")
        running.send(messages(case, case.splits))
    port = running.outputs.metrics_port
    text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    assert re.search(r'streamcheck_streams_total\{[^}]*verdict="auth",via="ext-proc"\} [1-9]', text)
    assert re.search(r'streamcheck_findings_total\{code="SC301",severity="error"\} [1-9]', text)
    assert "streamcheck_time_to_first_token_seconds_bucket" in text
    folder = running.outputs.tapes
    assert folder is not None
    names = [p.name for p in folder.folder.iterdir()]
    assert any(n.endswith("-auth.tape") for n in names)
    assert any(n.endswith("-defects.tape") for n in names)
    for tape_file in folder.folder.iterdir():
        assert_clean(tape_file.name, tape_file.read_bytes())
    assert_clean("metrics", text)
    assert_clean("log", running.log.getvalue())
    assert KEY not in running.log.getvalue().decode()


def test_sampling_and_the_cap_leave_streams_unchecked(tmp_path: Path) -> None:
    case = recorded(FIXTURES / "faults" / "openai" / "none.tape")
    none = Running(tmp_path, sample=0.0)
    try:
        none.send(messages(case, case.splits))
        assert none.lines() == [] and none.outputs.seen == []
        text = httpx.get(f"http://127.0.0.1:{none.outputs.metrics_port}/metrics").text
        assert 'streamcheck_streams_unchecked_total{reason="sampled-out"} 1.0' in text
    finally:
        none.stop()
    capped = Running(tmp_path, max_checked=1)
    try:
        release = threading.Event()
        sent = messages(case, case.splits, complete=False)

        def held() -> Iterator[pb.ProcessingRequest]:
            yield from sent
            release.wait(30)

        first = capped.stub.Process(held())  # holds the one checked slot
        _until(lambda: capped.processor.active == 1)
        capped.send(messages(case, case.splits))  # over the cap: passed on unchecked
        release.set()
        list(first)
        text = httpx.get(f"http://127.0.0.1:{capped.outputs.metrics_port}/metrics").text
        assert 'streamcheck_streams_unchecked_total{reason="over-cap"} 1.0' in text
        assert len(capped.outputs.seen) == 1 and capped.lines()[0]["end"] == "reset"
    finally:
        capped.stop()


# -- the command -------------------------------------------------------------------------------


def test_the_command_serves_envoy_and_writes_every_output(tmp_path: Path) -> None:
    log = tmp_path / "exchanges.jsonl"
    tapes = tmp_path / "tapes"
    command = [
        sys.executable,
        "-m",
        "streamcheck",
        "ext-proc",
        "--port",
        "0",
        "--log",
        str(log),
        "--tapes",
        str(tapes),
        "--metrics-port",
        "0",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
        found = re.search(
            r"listening on 127\.0\.0\.1:(\d+) \(gRPC\), /metrics on 127\.0\.0\.1:(\d+)", banner
        )
        assert found, banner
        port, metrics_port = int(found.group(1)), int(found.group(2))
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.ExternalProcessorStub(channel)
            for name in ("none", "reset", "http-429-rate"):
                case = recorded(FIXTURES / "faults" / "openai" / f"{name}.tape")
                complete = case.end is not EndReason.RESET
                list(stub.Process(iter(messages(case, case.splits, complete=complete)), timeout=30))
        metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "streamcheck ext-proc: stopped" in err
    lines = [orjson.loads(x) for x in log.read_bytes().splitlines()]
    assert [x["verdict"] for x in lines] == ["ok", "unreachable", "rate-limit"]
    assert lines[0]["model"] == "gpt-4o-mini" and lines[0]["via"] == "ext-proc"
    assert lines[1]["end"] == "reset" and "SC504" in lines[1]["codes"]
    assert len(list(tapes.iterdir())) == 2
    assert 'verdict="rate-limit"' in metrics
    for output in [log.read_bytes(), metrics, *[p.read_bytes() for p in tapes.iterdir()]]:
        assert_clean("ext-proc output", output)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--sample", "2"), "--sample 2: expected a share from 0 to 1"),
        (("--max-checked", "0"), "--max-checked 0: expected 1 or more"),
        (("--port", "70000"), "--port 70000: expected 0 (any free port) to 65535"),
        (("--fail-on", "fatal"), "--fail-on: unknown severity"),
    ],
)
def test_bad_options_are_one_line_exit_2(args: tuple[str, ...], says: str) -> None:
    done = run_streamcheck("ext-proc", *args)
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert says in line


def test_a_busy_port_is_one_line_exit_2() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_streamcheck("ext-proc", "--port", str(port))
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert f"cannot listen on 127.0.0.1:{port} (Address already in use)" in line


def test_without_grpc_it_says_how_to_install_it() -> None:
    code = (
        "import sys; sys.modules['grpc'] = None; sys.argv = ['streamcheck', 'ext-proc']\n"
        "from streamcheck.cli import program\nprogram()"
    )
    done = run_python(code)
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "streamcheck ext-proc needs grpcio, not installed: pip install 'grpcio>=" in line
    assert "[ext-proc] extra" in line


def test_the_readme_envoy_configuration_parses_as_envoy_config() -> None:
    """README's filter and cluster, read into Envoy's own v3 protobuf types (json_format
    refuses an unknown field or a wrong enum): what Envoy would load, short of running it."""
    import yaml
    from envoy.config.cluster.v3 import cluster_pb2
    from envoy.extensions.filters.http.ext_proc.v3 import ext_proc_pb2, processing_mode_pb2
    from envoy.extensions.filters.http.router.v3 import router_pb2
    from envoy.extensions.filters.network.http_connection_manager.v3 import (
        http_connection_manager_pb2 as hcm,
    )
    from envoy.extensions.upstreams.http.v3 import http_protocol_options_pb2
    from google.protobuf import json_format

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"```yaml\n(# envoy\.yaml.*?)```", text, re.S)
    assert found
    config = yaml.safe_load(found.group(1))
    filters = [json_format.ParseDict(f, hcm.HttpFilter()) for f in config["http_filters"]]
    assert [f.name for f in filters] == ["envoy.filters.http.ext_proc", "envoy.filters.http.router"]
    processor = ext_proc_pb2.ExternalProcessor()
    assert filters[0].typed_config.Unpack(processor)
    assert filters[1].typed_config.Unpack(router_pb2.Router())
    mode = processing_mode_pb2.ProcessingMode
    assert processor.observability_mode and processor.failure_mode_allow
    assert processor.processing_mode.response_body_mode == mode.STREAMED
    assert processor.processing_mode.request_body_mode == mode.STREAMED
    assert processor.processing_mode.response_header_mode == mode.SEND
    [cluster_config] = config["clusters"]
    cluster = json_format.ParseDict(cluster_config, cluster_pb2.Cluster())
    assert processor.grpc_service.envoy_grpc.cluster_name == cluster.name
    options = http_protocol_options_pb2.HttpProtocolOptions()
    [protocol] = cluster.typed_extension_protocol_options.values()
    assert protocol.Unpack(options) and options.explicit_http_config.HasField(
        "http2_protocol_options"
    )
    [group] = cluster.load_assignment.endpoints
    address = group.lb_endpoints[0].endpoint.address.socket_address
    command = re.search(r"streamcheck ext-proc --port (\d+)", text)
    assert command and (address.address, address.port_value) == ("127.0.0.1", int(command.group(1)))


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_a_compressed_body_is_checked_as_the_client_reads_it(
    running: Running, expected: dict[Path, dict[str, Any]], coding: str
) -> None:
    """Content-Encoding undone as chunks arrive (cut anywhere in the compressed bytes): the
    findings are those of the plain recording, and the tape holds the plain body."""
    import zlib

    path = FIXTURES / "faults" / "openai" / "truncate-after-2.tape"
    case = recorded(path)
    wbits = 16 + zlib.MAX_WBITS if coding == "gzip" else zlib.MAX_WBITS
    packer = zlib.compressobj(wbits=wbits)
    case.body = packer.compress(case.body) + packer.flush()
    case.headers = {**case.headers, "content-encoding": coding}
    report = expected[path]
    before = len(running.outputs.seen)
    running.send(messages(case, range(7, len(case.body), 13)))
    assert len(running.outputs.seen) == before + 1
    observed = running.outputs.seen[-1]
    assert _findings(observed.result.findings) == _findings(report["findings"])
    line = running.lines()[-1]
    assert line["bytes_out"] == len(case.body)  # what crossed the wire
    folder = running.outputs.tapes
    assert folder is not None and line["tape"]
    done = run_streamcheck("check", "--format", "json", str(folder.folder / line["tape"]))
    [result] = orjson.loads(done.stdout)["results"]
    assert _findings(result["findings"]) == _findings(report["findings"])


def test_spans_reach_an_otlp_collector(tmp_path: Path) -> None:
    """`--otel-endpoint`: the command exports one span per exchange over OTLP/HTTP (protobuf),
    here to a collector stand-in on 127.0.0.1 that keeps what it is sent."""
    import http.server

    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

    received: list[tuple[str, bytes]] = []

    class Collector(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["Content-Type"], body))
            self.send_response(200)
            self.send_header("Content-Type", self.headers["Content-Type"])
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    collector = http.server.HTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{collector.server_port}/v1/traces"
    command = [
        sys.executable,
        "-m",
        "streamcheck",
        "ext-proc",
        "--port",
        "0",
        "--log",
        "none",
        "--otel-endpoint",
        endpoint,
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stderr is not None
        said = ""
        for _ in range(3):  # the banner, maybe after a note on the exporter
            said += process.stderr.readline()
            found = re.search(r"listening on 127\.0\.0\.1:(\d+)", said)
            if found:
                break
        assert found, said
        with grpc.insecure_channel(f"127.0.0.1:{found.group(1)}") as channel:
            stub = pb_grpc.ExternalProcessorStub(channel)
            for name in ("none", "truncate-after-2"):
                case = recorded(FIXTURES / "faults" / "anthropic" / f"{name}.tape")
                list(stub.Process(iter(messages(case, case.splits)), timeout=30))
    finally:
        process.send_signal(signal.SIGTERM)  # the spans are flushed on the way out
        _, err = process.communicate(timeout=60)
        collector.shutdown()
        collector.server_close()
    assert process.returncode == 0, err
    spans: list[tuple[str, str, dict[str, Any]]] = []  # (trace id, span id, attributes)
    for kind, body in received:
        if kind == "application/json":
            # OTLP/JSON: what goes out where xds-protos broke the protobuf exporter's modules
            # (as in this test environment: grpc/grpc#42926). Ids in hex, ints as strings.
            for resource in orjson.loads(body)["resourceSpans"]:
                for scope in resource["scopeSpans"]:
                    for span in scope["spans"]:
                        values = {
                            a["key"]: next(iter(a["value"].values())) for a in span["attributes"]
                        }
                        spans.append((span["traceId"], span["spanId"], values))
        else:
            request = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
            for resource in request.resource_spans:
                for scope in resource.scope_spans:
                    for one in scope.spans:
                        values = {
                            a.key: a.value.string_value or a.value.int_value for a in one.attributes
                        }
                        spans.append((one.trace_id.hex(), one.span_id.hex(), values))
    assert len(spans) == 2
    values = [v for _, _, v in spans]
    assert [v["gen_ai.provider.name"] for v in values] == ["anthropic", "anthropic"]
    assert [v["streamcheck.verdict"] for v in values] == ["ok", "defects"]
    assert values[0]["gen_ai.request.model"] and int(values[0]["gen_ai.usage.output_tokens"]) > 0
    assert all(len(trace) == 32 and len(span) == 16 for trace, span, _ in spans)
    assert_clean("spans", b"".join(body for _, body in received))


def test_two_processes_share_one_port(tmp_path: Path) -> None:
    """grpc binds with SO_REUSEPORT: a second `ext-proc` on the same port starts too (the
    kernel spreads Envoy's connections over them), and both answer."""
    import socket

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "streamcheck", "ext-proc", "--port", str(port)]
    processes = [
        subprocess.Popen(
            [*command, "--log", str(tmp_path / f"{n}.jsonl")],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    try:
        for process in processes:
            assert process.stderr is not None
            assert f"listening on 127.0.0.1:{port} (gRPC)" in process.stderr.readline()
        case = recorded(FIXTURES / "faults" / "openai" / "none.tape")
        for _ in range(8):  # a connection each: the kernel picks the process
            with grpc.insecure_channel(
                f"127.0.0.1:{port}", options=[("grpc.use_local_subchannel_pool", 1)]
            ) as channel:
                stub = pb_grpc.ExternalProcessorStub(channel)
                list(stub.Process(iter(messages(case, case.splits)), timeout=30))
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=60)
    logged = sum(len((tmp_path / f"{n}.jsonl").read_bytes().splitlines()) for n in range(2))
    assert logged == 8
    assert all(process.returncode == 0 for process in processes)


def test_no_key_envoy_shows_us_reaches_an_output(running: Running) -> None:
    """Keys in every place Envoy shows them (auth headers, a ?key= query, a body member) and
    an error body that echoes them: the log line, the tape and /metrics hold none."""
    from tests.test_secrets_sweep import CANARY

    case = recorded(FIXTURES / "faults" / "openai" / "http-401.tape")
    case.url += f"?api_key={CANARY['query']}"
    case.request_headers.update(
        {
            "authorization": f"Bearer {CANARY['openai']}",
            "x-api-key": CANARY["anthropic"],
            "api-key": CANARY["azure"],
            "x-custom-token": CANARY["custom"],
            "cookie": f"session={CANARY['jwt']}",
        }
    )
    body = orjson.loads(case.request_body)
    case.request_body = orjson.dumps({**body, "client_secret": CANARY["body"]})
    echoed = ", ".join(CANARY[n] for n in ("openai", "azure", "custom", "body", "query"))
    error = {
        "error": {"message": f"Incorrect API key provided: {echoed}", "code": "invalid_api_key"}
    }
    case.body = orjson.dumps(error)
    running.send(messages(case, [17, 60]))
    line = running.lines()[-1]
    assert line["verdict"] == "auth" and line["tape"]
    folder = running.outputs.tapes
    assert folder is not None
    assert_clean("log line", orjson.dumps(line))
    assert_clean("tape", (folder.folder / line["tape"]).read_bytes())
    metrics = httpx.get(f"http://127.0.0.1:{running.outputs.metrics_port}/metrics").text
    assert_clean("metrics", metrics)

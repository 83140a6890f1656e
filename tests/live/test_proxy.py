"""`streamcheck proxy` in front of `serve` (and of small misbehaving servers) on 127.0.0.1: the
app gets exactly the upstream's bytes, and every exchange is checked beside the traffic."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import orjson
import psutil
import pytest
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import connect as ws_connect

from streamcheck.live.observe import OutputOptions, Outputs
from streamcheck.live.proxy.app import Proxy, ProxyOptions
from streamcheck.live.proxy.routes import Router, route
from streamcheck.live.proxy.server import running
from streamcheck.live.serve.server import ServeOptions
from streamcheck.live.serve.server import running as serving
from tests.conftest import FIXTURES, ROOT
from tests.live.conftest import OPENAI_CANARY, assert_no_canary
from tests.live.scripted import HANG, LAST_CHUNK, chunk, closed_port, scripted, sse_head
from tests.live.test_record import EXPECTED

CHAT = {"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
MESSAGES = {
    "model": "claude-3-5-haiku-20241022",
    "max_tokens": 16,
    "stream": True,
    "messages": [{"role": "user", "content": "hi"}],
}
AUTH = {"authorization": f"Bearer {OPENAI_CANARY}"}
EVENT = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": []}


class Log(io.BytesIO):
    """The JSON log the proxy writes, read back line by line."""

    def lines(self) -> list[dict[str, Any]]:
        return [orjson.loads(line) for line in self.getvalue().splitlines() if line.strip()]

    def wait(self, count: int) -> list[dict[str, Any]]:
        """The first `count` lines, once written (the proxy writes after the app's last byte)."""
        for _ in range(500):
            found = self.lines()
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} log lines, got {self.lines()}")


class Proxied:
    def __init__(self, url: str, log: Log, app: Proxy, tapes: Path) -> None:
        self.url, self.log, self.app, self.tapes = url, log, app, tapes


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with serving([str(FIXTURES / "live")], ServeOptions(speed=0)) as url:
        yield url


@pytest.fixture
def proxied(upstream: str, tmp_path: Path) -> Iterator[Proxied]:
    yield from _proxied([route(upstream)], tmp_path)


def _proxied(routes: list[Any], tmp_path: Path, **options: Any) -> Iterator[Proxied]:
    log = Log()
    tapes = tmp_path / "tapes"
    outputs = Outputs(OutputOptions(log=None, tapes=tapes), "proxy", log_stream=log)
    app = Proxy(Router(routes), outputs, ProxyOptions(**options))
    with running(app) as url:
        yield Proxied(url, log, app, tapes)
    outputs.close()


class Tap(httpx.SyncByteStream):
    """The raw body bytes a client's transport received, kept as they pass."""

    def __init__(self, inner: Any, kept: list[bytes]) -> None:
        self.inner, self.kept = inner, kept

    def __iter__(self) -> Iterator[bytes]:
        for data in self.inner:
            self.kept.append(data)
            yield data

    def close(self) -> None:
        self.inner.close()


class Tapped(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.kept: list[bytes] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        response.stream = Tap(response.stream, self.kept)
        return response


def sdk_stream(base: str) -> tuple[bytes, list[str]]:
    """openai-python's streaming chat call: the raw bytes it read and the text it gave."""
    transport = Tapped()
    client = openai.OpenAI(
        api_key=OPENAI_CANARY,
        base_url=f"{base}/v1",
        max_retries=0,
        http_client=httpx.Client(transport=transport),
    )
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    texts = [c.choices[0].delta.content or "" for c in stream if c.choices]
    return b"".join(transport.kept), texts


def test_the_openai_sdk_gets_the_upstreams_bytes(upstream: str, proxied: Proxied) -> None:
    direct, direct_text = sdk_stream(upstream)
    through, through_text = sdk_stream(proxied.url)
    assert through == direct and len(direct) > 1000
    assert through_text == direct_text and "".join(direct_text)
    [line] = proxied.log.wait(1)
    assert line["verdict"] == "ok" and line["codes"] == [] and line["end"] == "eof"
    assert line["provider"] == "openai" and line["model"] == "gpt-4o-mini"
    assert line["bytes_out"] == len(direct) and line["frames"] > 0
    assert_no_canary(proxied.log.getvalue())


def test_status_headers_and_body_are_the_upstreams(upstream: str, proxied: Proxied) -> None:
    for path, body in (("/v1/chat/completions", CHAT), ("/v1/messages", MESSAGES)):
        direct = httpx.post(upstream + path, json=body, headers=AUTH)
        through = httpx.post(proxied.url + path, json=body, headers=AUTH)
        assert (through.status_code, through.content) == (direct.status_code, direct.content)
        # Every header in order and case; the date only to the second it was made.
        assert _undated(through.headers.raw) == _undated(direct.headers.raw)
    assert [line["provider"] for line in proxied.log.wait(2)] == ["openai", "anthropic"]


def _undated(raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [(name, b"" if name.lower() == b"date" else value) for name, value in raw]


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/messages"])
@pytest.mark.parametrize("fault", [f for f in EXPECTED if f is not None])
def test_every_fault_of_serve_is_logged_with_its_class_and_taped(
    upstream: str, tmp_path: Path, path: str, fault: str
) -> None:
    _, end, codes = EXPECTED[fault]
    body = CHAT if path.endswith("completions") else MESSAGES
    for proxied in _proxied([route(upstream)], tmp_path, read_timeout=0.5):
        headers = {**AUTH, "x-streamcheck-fault": fault}
        direct = None
        if end == "eof":
            direct = httpx.post(upstream + path, json=body, headers=headers).content
        try:
            through: bytes | None = httpx.post(
                proxied.url + path, json=body, headers=headers, timeout=10
            ).content
        except httpx.HTTPError:
            through = None  # cut: the proxy passed the cut on
        if end == "eof":
            assert through == direct and through is not None
        else:
            assert through is None  # a clean end the upstream never sent would be a lie
        [line] = proxied.log.wait(1)
        assert line["end"] == end and codes <= set(line["codes"]), line
        # An error event is the provider's: OpenAI's server_error, Anthropic's overloaded_error.
        expected = CLASSES.get(fault, "defects")
        if fault == "error-event":
            expected = "rate-limit" if path == "/v1/messages" else "unreachable"
        assert line["verdict"] == expected, line
        assert line["tape"] and (proxied.tapes / line["tape"]).is_file()
        assert_no_canary(proxied.log.getvalue(), *(p.read_bytes() for p in proxied.tapes.iterdir()))


CLASSES = {
    "http-401": "auth",
    "http-403": "no-access",
    "http-404-model": "no-access",
    "http-429-quota": "billing",
    "http-429-rate": "rate-limit",
    "http-500": "unreachable",
    "http-502-html": "unreachable",
    "stall:2": "unreachable",
    "reset": "unreachable",
}


def test_an_unreachable_upstream_is_a_502_and_logged(tmp_path: Path) -> None:
    for proxied in _proxied([route(f"http://127.0.0.1:{closed_port()}")], tmp_path):
        answer = httpx.post(proxied.url + "/v1/chat/completions", json=CHAT, headers=AUTH)
        assert answer.status_code == 502 and "cannot reach" in answer.json()["error"]["message"]
        [line] = proxied.log.wait(1)
        assert line["verdict"] == "unreachable" and line["status"] is None
        assert line["end"] == "reset"


def test_a_client_that_leaves_closes_the_upstream_response(tmp_path: Path) -> None:
    """The upstream sends one event, then hangs: when the app leaves, the proxy must close
    its upstream connection (the upstream sees it) and log the exchange as interrupted."""
    event = b"data: " + orjson.dumps(EVENT) + b"\n\n"

    def script(_: Any) -> list[Any]:
        return [sse_head(), chunk(event), HANG]

    with scripted(script) as server:
        for proxied in _proxied([route(server.url)], tmp_path):
            with httpx.stream(
                "POST", proxied.url + "/v1/chat/completions", json=CHAT, headers=AUTH
            ) as answer:
                first = next(answer.iter_raw())
                assert first == event
            # The app is gone while the upstream hangs: the line is written only once the proxy
            # has closed its upstream response.
            [line] = proxied.log.wait(1)
            assert line["end"] == "interrupted" and line["bytes_out"] == len(event)
            assert proxied.app.gate.active == 0


def test_a_cut_upstream_connection_is_passed_on_as_a_cut(tmp_path: Path) -> None:
    event = b"data: " + orjson.dumps(EVENT) + b"\n\n"

    def script(_: Any) -> list[Any]:
        return [sse_head(), chunk(event), "reset"]

    with scripted(script) as server:
        for proxied in _proxied([route(server.url)], tmp_path):
            with (
                pytest.raises(httpx.RemoteProtocolError),
                httpx.stream(
                    "POST", proxied.url + "/v1/chat/completions", json=CHAT, headers=AUTH
                ) as answer,
            ):
                for _ in answer.iter_raw():
                    pass
            [line] = proxied.log.wait(1)
            assert line["end"] == "reset" and "SC504" in line["codes"]


def test_routes_by_prefix_send_each_path_to_its_upstream(upstream: str, tmp_path: Path) -> None:
    def script(_: Any) -> list[Any]:
        return [sse_head(), chunk(b"data: [DONE]\n\n"), LAST_CHUNK]

    with scripted(script) as other:
        routes = [route(f"/openai={upstream}"), route(f"/other={other.url}/base")]
        for proxied in _proxied(routes, tmp_path):
            direct = httpx.post(upstream + "/v1/chat/completions", json=CHAT, headers=AUTH)
            via = httpx.post(proxied.url + "/openai/v1/chat/completions", json=CHAT, headers=AUTH)
            assert via.content == direct.content
            httpx.post(proxied.url + "/other/v1/x?y=1", json=CHAT, headers=AUTH)
            assert other.received[0].path == "/base/v1/x?y=1"
            # The key went on to the upstream; it reached no output.
            assert other.received[0].headers["authorization"] == AUTH["authorization"]
            assert httpx.get(proxied.url + "/nowhere").status_code == 404
            proxied.log.wait(2)
            assert_no_canary(proxied.log.getvalue())


def test_sampling_and_the_cap_pass_streams_unchecked(upstream: str, tmp_path: Path) -> None:
    for proxied in _proxied([route(upstream)], tmp_path, sample=0.0):
        answer = httpx.post(proxied.url + "/v1/chat/completions", json=CHAT, headers=AUTH)
        assert answer.status_code == 200 and b"[DONE]" in answer.content
        assert proxied.app.gate.unchecked == 1 and proxied.log.lines() == []


def test_a_websocket_session_is_relayed_and_checked(tmp_path: Path) -> None:
    realtime = FIXTURES / "openai-realtime" / "ga-text.tape"
    sends = ['{"type": "conversation.item.create"}', '{"type": "response.create"}']

    def session(base: str) -> list[str | bytes]:
        url = base.replace("http://", "ws://") + "/v1/realtime?model=gpt-realtime"
        got: list[str | bytes] = []
        with ws_connect(url, additional_headers=AUTH, max_size=None) as ws:
            for text in sends:
                ws.send(text)
            try:
                while True:
                    got.append(ws.recv(timeout=5))
            except Exception:
                pass
        return got

    with serving([str(realtime)], ServeOptions(speed=0)) as base:
        direct = session(base)
        for proxied in _proxied([route(base)], tmp_path):
            through = session(proxied.url)
            [line] = proxied.log.wait(1)
    assert through == direct and len(direct) == 12
    assert line["verdict"] == "ok" and line["frames"] == 12 and line["status"] == 101


GENERATED_MB = 192


def _generator_upstream(stop: threading.Event) -> tuple[str, socket.socket]:
    """An upstream that streams GENERATED_MB of valid chat chunks, made as it goes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    event = orjson.dumps(
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": {"content": "x" * 4000}, "finish_reason": None}],
        }
    )
    first = orjson.dumps(
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}],
        }
    )
    last = first.replace(b'{"role":"assistant"}', b"{}").replace(b"null", b'"stop"')
    block = (b"data: " + event + b"\n\n") * 16

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            # Read the whole request: a socket closed with unread bytes resets (RST), and the
            # kernel drops what it had not sent yet.
            head, _, body = data.partition(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
            while len(body) < length:
                body += conn.recv(65536)
            conn.sendall(sse_head() + chunk(b"data: " + first + b"\n\n"))
            sent = 0
            while sent < GENERATED_MB * 1024 * 1024 and not stop.is_set():
                conn.sendall(chunk(block))
                sent += len(block)
            conn.sendall(chunk(b"data: " + last + b"\n\ndata: [DONE]\n\n") + LAST_CHUNK)

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}", listener


@pytest.mark.parametrize("checker", ["inline", "process"])
def test_a_stream_larger_than_memory_passes_with_memory_bounded(
    tmp_path: Path, checker: str
) -> None:
    """GENERATED_MB through a proxy in its own process: what it holds stays far below, with
    the checker in the proxy's process and with the checker process (whose backlog is capped:
    a checker slower than loopback lets go of the stream, counted and logged as behind)."""
    stop = threading.Event()
    url, listener = _generator_upstream(stop)
    log = tmp_path / "log.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamcheck",
            "proxy",
            "--upstream",
            url,
            "--port",
            "0",
            "--log",
            str(log),
            "--checker",
            checker,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        ready = proc.stderr.readline()
        assert "listening on" in ready, ready
        base = ready.split("listening on ", 1)[1].split(" ", 1)[0]
        processes = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children()]
        assert len(processes) == (2 if checker == "process" else 1)

        def rss() -> int:
            return sum(p.memory_info().rss for p in processes)

        before = rss()
        peak = before
        received = 0
        with httpx.stream(
            "POST", base + "/v1/chat/completions", json=CHAT, headers=AUTH, timeout=60
        ) as answer:
            for data in answer.iter_raw(65536):
                received += len(data)
                if received % (4 * 1024 * 1024) < 65536:
                    peak = max(peak, rss())
        assert received > GENERATED_MB * 1024 * 1024
        assert peak - before < 64 * 1024 * 1024, (before, peak)
        for _ in range(500):
            if log.is_file() and log.read_text().strip():
                break
            time.sleep(0.02)
        line = orjson.loads(log.read_text().splitlines()[0])
        if checker == "process" and "event" in line:
            assert line["event"] == "unchecked-behind", line
            assert line["message"].startswith("1 exchange(s) passed unchecked"), line
        else:
            assert line["verdict"] == "ok" and line["bytes_out"] == received, line
    finally:
        stop.set()
        proc.terminate()
        proc.communicate(timeout=10)  # waits and closes its stderr pipe
        listener.close()


def test_bad_options_are_one_line() -> None:
    from tests.conftest import run_streamcheck

    for args, said in (
        (["--upstream", "ftp://x"], "expected an http:// or https:// URL"),
        ([], "no upstream"),
        (["--upstream", "http://127.0.0.1:1", "--sample", "2"], "--sample 2"),
    ):
        done = run_streamcheck("proxy", *args)
        assert done.returncode == 2 and said in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


def test_keys_pass_to_the_upstream_and_reach_no_output(tmp_path: Path) -> None:
    """The canary sweep through the proxy: keys in headers, the query and the body go on to
    the upstream untouched; an upstream that echoes them (in an error event and a model name)
    reaches the app as sent, and no log line, tape, metric or label shows them."""
    from tests.test_secrets_sweep import CANARY, leaks

    echoed = orjson.dumps(
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": CANARY["openai-project"],
            "choices": [
                {"index": 0, "delta": {"content": f"key {CANARY['openai']}"}, "finish_reason": 7}
            ],
        }
    )

    def script(_: Any) -> list[Any]:
        return [sse_head(), chunk(b"data: " + echoed + b"\n\n"), LAST_CHUNK]

    with scripted(script) as server:
        log = Log()
        outputs = Outputs(
            OutputOptions(log=None, tapes=tmp_path / "tapes", metrics_port=0),
            "proxy",
            log_stream=log,
        )
        app = Proxy(Router([route(server.url)]), outputs)
        with running(app) as url:
            body = {**CHAT, "model": CANARY["anthropic"], "client_secret": CANARY["body"]}
            answer = httpx.post(
                f"{url}/v1/chat/completions?api_key={CANARY['query']}",
                json=body,
                headers={
                    "authorization": f"Bearer {CANARY['openai']}",
                    "x-custom-token": CANARY["custom"],
                    "api-key": CANARY["azure"],
                },
            )
            [line] = log.wait(1)
            metrics = httpx.get(f"http://127.0.0.1:{outputs.metrics_port}/metrics").text
        outputs.close()
    assert CANARY["openai"].encode() in answer.content  # the app gets what the upstream sent
    sent = server.received[0]
    assert sent.headers["authorization"] == f"Bearer {CANARY['openai']}"
    assert sent.headers["x-custom-token"] == CANARY["custom"]
    assert CANARY["query"] in sent.path and CANARY["body"].encode() in sent.body
    assert line["verdict"] == "defects" and line["tape"]
    tapes = [p.read_bytes() for p in (tmp_path / "tapes").iterdir()]
    assert tapes and "streamcheck_streams_total" in metrics
    for output in (log.getvalue(), metrics, *tapes):
        assert leaks(output) == []


def test_a_compressed_stream_passes_compressed_and_is_checked_inflated(
    upstream: str, tmp_path: Path
) -> None:
    """An upstream that gzips its stream (the app asked for it): the app gets the compressed
    bytes as sent, the checker the stream the app's HTTP library inflates."""
    import gzip

    plain = httpx.post(upstream + "/v1/chat/completions", json=CHAT, headers=AUTH).content
    packed = gzip.compress(plain)

    def script(_: Any) -> list[Any]:
        head = sse_head().replace(b"\r\n\r\n", b"\r\ncontent-encoding: gzip\r\n\r\n")
        half = len(packed) // 2
        return [head, chunk(packed[:half]), 0.05, chunk(packed[half:]), LAST_CHUNK]

    with scripted(script) as server:
        for proxied in _proxied([route(server.url)], tmp_path):
            headers = {**AUTH, "accept-encoding": "gzip"}
            with httpx.stream(
                "POST", proxied.url + "/v1/chat/completions", json=CHAT, headers=headers
            ) as answer:
                raw = b"".join(answer.iter_raw())
            assert raw == packed and answer.headers["content-encoding"] == "gzip"
            [line] = proxied.log.wait(1)
    assert line["verdict"] == "ok" and line["frames"] > 3 and line["codes"] == [], line


def test_a_request_goes_again_only_when_sending_it_twice_is_safe(tmp_path: Path) -> None:
    """An upstream connection closed before any answer (a kept-alive one the server was
    closing): a GET goes again on a new connection; a POST (an LLM call) is not sent twice."""
    calls: list[str] = []

    def script(received: Any) -> list[Any]:
        calls.append(received.line.split(" ")[0])
        if len(calls) % 2 == 1:
            return []  # closed without a word
        return [sse_head(), chunk(b"data: [DONE]\n\n"), LAST_CHUNK]

    with scripted(script) as server:
        for proxied in _proxied([route(server.url)], tmp_path):
            got = httpx.get(proxied.url + "/v1/models")
            assert got.status_code == 200 and calls == ["GET", "GET"]
            posted = httpx.post(proxied.url + "/v1/chat/completions", json=CHAT, headers=AUTH)
            assert posted.status_code == 502 and calls == ["GET", "GET", "POST"]


def test_a_refused_websocket_upgrade_reaches_the_app_as_refused(tmp_path: Path) -> None:
    """The upstream answers the upgrade with 401 and an error body: the app gets that status
    and body (not an accepted socket), and the log line classes it."""
    from websockets.exceptions import InvalidStatus

    realtime = FIXTURES / "openai-realtime" / "ga-text.tape"
    headers = {**AUTH, "x-streamcheck-fault": "http-401"}

    def refused(base: str) -> tuple[int, bytes]:
        url = base.replace("http://", "ws://") + "/v1/realtime?model=gpt-realtime"
        with pytest.raises(InvalidStatus) as caught:
            ws_connect(url, additional_headers=headers)
        answer = caught.value.response
        return answer.status_code, bytes(answer.body or b"")

    with serving([str(realtime)], ServeOptions(speed=0)) as base:
        direct = refused(base)
        for proxied in _proxied([route(base)], tmp_path):
            through = refused(proxied.url)
            [line] = proxied.log.wait(1)
    assert through == direct and direct[0] == 401
    assert line["status"] == 401 and line["verdict"] == "auth", line


def test_a_websocket_upstream_lost_without_a_close_frame_is_lost_for_the_app_too(
    tmp_path: Path,
) -> None:
    """serve drops the socket mid-session (fault reset): the app's socket is dropped the same
    way, after the same messages (no close frame the upstream never sent), and it is logged."""
    realtime = FIXTURES / "openai-realtime" / "ga-text.tape"
    sends = ['{"type": "conversation.item.create"}', '{"type": "response.create"}']

    def session(base: str) -> tuple[list[str | bytes], object]:
        url = base.replace("http://", "ws://") + "/v1/realtime?model=gpt-realtime"
        got: list[str | bytes] = []
        headers = {**AUTH, "x-streamcheck-fault": "reset"}
        with ws_connect(url, additional_headers=headers, max_size=None) as ws:
            for text in sends:
                ws.send(text)
            with pytest.raises(ConnectionClosedError):
                while True:
                    got.append(ws.recv(timeout=5))
            return got, ws.protocol.close_rcvd

    with serving([str(realtime)], ServeOptions(speed=0)) as base:
        direct = session(base)
        for proxied in _proxied([route(base)], tmp_path):
            through = session(proxied.url)
            [line] = proxied.log.wait(1)
    assert through == direct and direct[1] is None and 0 < len(direct[0]) < 12
    assert line["end"] == "reset" and "SC601" in line["codes"], line

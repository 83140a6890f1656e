"""WebSocket live: `record --ws` against WebSocket servers started here on 127.0.0.1, `serve`
replaying WebSocket tapes with faults, and openai-python's realtime client against `serve`."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from websockets.sync.server import ServerConnection
from websockets.sync.server import serve as ws_serve

from streamcheck.live.serve.faults import parse_fault
from streamcheck.live.serve.server import ServeOptions, running
from tests.conftest import FIXTURES, run_python, run_streamcheck
from tests.live.conftest import CANARY_ENV, OPENAI_CANARY, assert_no_canary

GA = FIXTURES / "openai-realtime" / "ga-text.tape"


def chunk(content: str | None, finish: str | None = None) -> str:
    delta = {} if content is None else {"content": content}
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1764720000,
            "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
    )


CUT = [chunk("Hel"), chunk("lo")]
WHOLE = [*CUT, chunk(None, "stop"), "[DONE]"]


@contextlib.contextmanager
def ws_server(handler: Callable[[ServerConnection], None]) -> Iterator[str]:
    """A WebSocket server on a free port of 127.0.0.1, in a thread; yields its ws:// URL."""
    with ws_serve(handler, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        port = server.socket.getsockname()[1]
        try:
            yield f"ws://127.0.0.1:{port}/ws/chat"
        finally:
            server.shutdown()
            thread.join(timeout=10)


def relay(frames: list[str], close: str) -> Callable[[ServerConnection], None]:
    """An app's relay: wait for the question, send `frames`, then close as `close` says."""

    def handler(conn: ServerConnection) -> None:
        conn.recv()
        for frame in frames:
            conn.send(frame)
        if close == "no-status":
            with conn.send_context():
                conn.protocol.send_close()  # a close frame with no status code: 1005
        elif close == "drop":
            conn.close_socket()  # no close frame at all: 1006
        else:
            conn.close(int(close))

    return handler


def record(url: str, tmp_path: Path, *extra: str) -> tuple[int, str, list[dict[str, Any]]]:
    send = tmp_path / "send.json"
    if not send.exists():
        send.write_text('{"question": "Say hello"}')
    tape = tmp_path / "out.tape"
    tape.unlink(missing_ok=True)
    done = run_streamcheck(
        "record",
        "--ws",
        url,
        "--send",
        str(send),
        "-o",
        str(tape),
        "--read-timeout",
        "5",
        "--linger",
        "0.2",
        *extra,
        env=CANARY_ENV,
    )
    assert "Traceback" not in done.stderr, done.stderr
    lines = [json.loads(line) for line in tape.read_text().splitlines()] if tape.exists() else []
    return done.returncode, done.stdout + done.stderr, lines


def test_a_cut_relay_behind_a_no_status_close_fails_and_names_1005(tmp_path: Path) -> None:
    with ws_server(relay(CUT, "no-status")) as url:
        code, out, lines = record(url, tmp_path)
    assert code == 1, out
    assert "SC603" in out and "1005" in out and "SC303" in out
    assert lines[0]["streamcheck_tape"] == 2 and lines[0]["transport"] == "websocket"
    assert [line["dir"] for line in lines[1:-1]] == ["sent", "received", "received"]
    assert lines[-1]["close"] == {"code": None, "reason": "", "by": "server"}


def test_the_whole_relay_passes(tmp_path: Path) -> None:
    with ws_server(relay(WHOLE, "1000")) as url:
        code, out, lines = record(url, tmp_path)
    assert code == 0, out
    assert lines[-1]["close"]["code"] == 1000
    # The tape replays to the same verdict.
    assert run_streamcheck("check", str(tmp_path / "out.tape")).returncode == 0


@pytest.mark.parametrize(("close", "rule"), [("drop", "SC601"), ("1011", "SC602")])
def test_a_dropped_or_failed_relay_is_reported(tmp_path: Path, close: str, rule: str) -> None:
    with ws_server(relay(CUT, close)) as url:
        code, out, _ = record(url, tmp_path)
    assert code == 1 and rule in out, out


def test_the_client_closes_once_the_stream_has_ended(tmp_path: Path) -> None:
    """A server that keeps the session open (as the Realtime API does): the recorder closes
    normally after --linger once the answer is whole, and that is no finding."""

    def handler(conn: ServerConnection) -> None:
        conn.recv()
        for frame in WHOLE:
            conn.send(frame)
        with contextlib.suppress(Exception):
            conn.recv()  # until the client closes

    with ws_server(handler) as url:
        code, out, lines = record(url, tmp_path)
    assert code == 0, out
    assert lines[-1]["close"]["by"] == "client" and lines[-1]["end"] == "eof"


def test_keys_in_the_environment_and_the_url_are_never_written(tmp_path: Path) -> None:
    seen: list[str] = []

    def handler(conn: ServerConnection) -> None:
        assert conn.request is not None
        seen.append(conn.request.headers.get("Authorization", ""))
        relay(WHOLE, "1000")(conn)

    with ws_server(handler) as url:
        code, out, _ = record(
            f"{url}?api_key={OPENAI_CANARY}", tmp_path, "--key-env", "OPENAI_API_KEY"
        )
    assert code == 0, out
    assert seen == [f"Bearer {OPENAI_CANARY}"]  # the key was sent ...
    assert_no_canary(out, (tmp_path / "out.tape").read_bytes())  # ... and never kept


def test_send_takes_json_lines(tmp_path: Path) -> None:
    got: list[str] = []

    def handler(conn: ServerConnection) -> None:
        got.extend(str(conn.recv()) for _ in range(2))
        for frame in WHOLE:
            conn.send(frame)
        conn.close()

    (tmp_path / "send.json").write_text('{"a": 1}\n\n{"b": 2}\n')
    with ws_server(handler) as url:
        code, out, _ = record(url, tmp_path)
    assert code == 0, out
    assert [json.loads(m) for m in got] == [{"a": 1}, {"b": 2}]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--ws", "http://127.0.0.1:9/x"], "expected a ws:// or wss:// URL"),
        (["--ws", "wss://api.openai.com/v1/realtime"], "OPENAI_API_KEY is not set"),
        (["--ws", "ws://127.0.0.1:9/x", "--send", "/nonexistent.json"], "cannot read"),
        (["--ws", "ws://127.0.0.1:9/x"], "cannot open a WebSocket"),
    ],
)
def test_usage_errors_are_one_line(args: list[str], error: str) -> None:
    env = {"OPENAI_API_KEY": ""}
    done = run_streamcheck("record", *args, "--connect-timeout", "2", env=env)
    assert done.returncode == 2
    assert error in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_record_ws_without_websockets_names_the_install_command() -> None:
    code = (
        "import sys; sys.modules['websockets'] = None\n"
        "from streamcheck.cli import program\n"
        "sys.argv = ['streamcheck', 'record', '--ws', 'ws://127.0.0.1:9/x']\n"
        "program()\n"
    )
    done = run_python(code)
    assert done.returncode == 2
    assert "pip install 'websockets" in done.stderr and "[ws]" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("fault", "rules"),
    [
        (None, set()),
        ("close:1005", {"SC350", "SC603"}),
        ("close:1006", {"SC350", "SC601"}),
        ("close:1011", {"SC350", "SC602"}),
        ("drop-terminator", {"SC350", "SC603"}),
        ("reset", {"SC350", "SC601"}),
        ("stall:0.2", set()),
    ],
)
def test_serve_replays_websocket_tapes_with_faults(
    tmp_path: Path, fault: str | None, rules: set[str]
) -> None:
    # The tape's client sent two events; the replay waits for as many before answering.
    (tmp_path / "send.json").write_text(
        '{"type": "conversation.item.create"}\n{"type": "response.create"}\n'
    )
    with running([str(GA)], ServeOptions(speed=0)) as base:
        url = base.replace("http://", "ws://") + "/v1/realtime?model=gpt-realtime"
        extra = ["-H", f"x-streamcheck-fault: {fault}"] if fault else []
        code, out, lines = record(url, tmp_path, *extra)
    found = {word for word in out.split() if word.startswith("SC") and word[2:].isdigit()}
    assert found == rules, out
    assert code == (1 if rules else 0)
    received = [line for line in lines if line.get("dir") == "received"]
    assert (len(received) == 12) is (not rules)  # the whole session, or a cut one


def realtime_session(base: str, fault: str | None) -> tuple[list[str], Exception | None]:
    """openai-python's realtime client against `serve`: the event types it yields, and what
    it raised."""
    client = openai.OpenAI(api_key=OPENAI_CANARY, base_url=f"{base}/v1", max_retries=0)
    headers = {"x-streamcheck-fault": fault} if fault else {}
    types: list[str] = []
    try:
        with client.realtime.connect(model="gpt-realtime", extra_headers=headers) as conn:
            conn.conversation.item.create(
                item={
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "hi"}],
                }
            )
            conn.response.create()
            for event in conn:
                types.append(event.type)
                if event.type == "response.done":
                    break
    except Exception as exc:
        return types, exc
    return types, None


# openai-python calls websockets' connect() without a `with` block, which websockets 14+ warns
# about (a DeprecationWarning of the library pair, not of streamcheck).
@pytest.mark.filterwarnings("ignore:connect\\(\\) must be used as a context manager")
def test_the_openai_realtime_client_reads_what_serve_replays() -> None:
    """What README's table of the realtime client says, fault by fault."""
    with running([str(GA)], ServeOptions(speed=0)) as base:
        whole, raised = realtime_session(base, None)
        assert raised is None and whole[-1] == "response.done"
        assert whole.count("response.output_text.delta") == 3
        # A cut behind a clean-looking close: the SDK's iteration just ends, without
        # response.done and without an exception (the app must notice by itself).
        for fault in ("close:1005", "drop-terminator", "truncate-after:2"):
            cut, raised = realtime_session(base, fault)
            assert raised is None and "response.done" not in cut and cut, fault
        # A server error close, or no close frame at all: websockets' ConnectionClosedError.
        for fault, said in (
            ("close:1011", "1011"),
            ("close:1006", "no close frame"),
            ("reset", "no close frame"),
        ):
            _, raised = realtime_session(base, fault)
            assert type(raised).__name__ == "ConnectionClosedError", fault
            assert said in str(raised), (fault, raised)
        # A refused upgrade raises websockets' InvalidStatus with the HTTP status.
        _, raised = realtime_session(base, "http-401")
        assert type(raised).__name__ == "InvalidStatus" and "401" in str(raised)


def test_a_websocket_fault_on_an_http_request_is_refused() -> None:
    import httpx

    with running([str(GA), str(FIXTURES / "live")], ServeOptions(speed=0)) as base:
        reply = httpx.post(
            f"{base}/v1/chat/completions",
            json={"model": "gpt-4o-mini", "stream": True},
            headers={"x-streamcheck-fault": "close:1011"},
        )
    assert reply.status_code == 400 and "WebSockets only" in reply.text
    assert parse_fault("close:1005").arg == 1005


# -- serve: close codes a frame cannot carry, stalls, SIGTERM (issue 18) -----------------------


@contextlib.contextmanager
def serve_process(*args: str) -> Iterator[tuple[str, list[str]]]:
    """`streamcheck serve ARGS --port 0` in a subprocess: yields its base URL and a list that
    holds, once the block ends, its stdout and stderr. The block ends with SIGTERM (what CI
    and containers send), and the server must then stop (a hang fails the test)."""
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamcheck", "serve", *args, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    said: list[str] = []
    try:
        assert process.stdout is not None
        first = process.stdout.readline().decode()
        assert "listening on http://" in first, process.stderr.read() if process.stderr else ""
        yield first.rsplit(" ", 1)[1].strip(), said
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            out, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise AssertionError("serve did not stop on SIGTERM") from None
        said.extend([first + out.decode(), err.decode()])
    assert process.returncode == 0, said
    assert "Traceback" not in said[1], said[1]


def tape_closing_with(tmp_path: Path, code: int, reason: str = "") -> Path:
    lines = GA.read_text().splitlines()
    end = json.loads(lines[-1])
    end["close"] = {"code": code, "reason": reason, "by": "server"}
    path = tmp_path / f"closes-{code}.tape"
    path.write_text("\n".join([*lines[:-1], json.dumps(end)]) + "\n")
    return path


def close_seen(url: str, fixture: str | None = None, fault: str | None = None) -> Any:
    """What a websockets client sees at the end of the GA session: the close frame it
    received (None: no close frame), after sending the tape's two client events."""
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    headers = {"x-streamcheck-fixture": fixture} if fixture else {}
    if fault:
        headers["x-streamcheck-fault"] = fault
    with connect(url + "/v1/realtime", additional_headers=headers, open_timeout=10) as ws:
        ws.send('{"type": "conversation.item.create"}')
        ws.send('{"type": "response.create"}')
        with contextlib.suppress(ConnectionClosed):
            while True:
                ws.recv(timeout=20)
        return ws.protocol.close_rcvd


@pytest.mark.parametrize(
    "fault", ["close:99999", "close:1015", "close:0", "close:1000.5", "stall:1e309", "stall:3601"]
)
def test_a_fault_no_server_could_play_is_refused_at_start_up(fault: str) -> None:
    done = run_streamcheck("serve", str(GA), "--port", "0", "--fault", fault, timeout=30)
    assert done.returncode == 2, done.stdout
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert f"fault {fault.split(':')[0]}" in done.stderr


def test_recorded_close_codes_no_frame_can_carry_are_played_as_a_server_would(
    tmp_path: Path,
) -> None:
    """A tape may hold any code; a frame cannot: 1005 becomes a frame with no status, 1015 no
    frame at all (a TLS failure), 70000 the 1011 a server's library fails with, each said in
    the log; a reason over 123 bytes is cut to fit. The header fault close:99999 is a 400."""
    tapes = [
        tape_closing_with(tmp_path, 1005),
        tape_closing_with(tmp_path, 1015),
        tape_closing_with(tmp_path, 70000),
        tape_closing_with(tmp_path, 4000, "é" * 200),
    ]
    with serve_process(*map(str, tapes), "--speed", "0") as (base, said):
        url = base.replace("http://", "ws://")
        no_status = close_seen(url, "closes-1005")
        assert no_status is not None and no_status.code == 1005  # an empty close frame
        assert close_seen(url, "closes-1015") is None  # the connection dropped, no frame
        failed = close_seen(url, "closes-70000")
        assert failed is not None and failed.code == 1011
        long = close_seen(url, "closes-4000")
        assert long is not None and long.code == 4000 and long.reason == "é" * 61
        from websockets.exceptions import InvalidStatus

        with pytest.raises(InvalidStatus, match="400"):
            close_seen(url, "closes-4000", fault="close:99999")
    log = said[1]
    assert "recorded close code 70000 cannot be sent in a frame" in log and "1011" in log
    assert "recorded close code 1015" in log and "recorded close code 1005" in log
    assert "cut to 123 bytes" in log


def test_sigterm_ends_serve_during_a_stall() -> None:
    """A stall whose WebSocket client left ends with it; one whose HTTP client is still
    connected is cancelled at shutdown: SIGTERM stops serve either way (it waited out the
    stall before)."""
    import socket
    from urllib.parse import urlsplit

    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    with serve_process(str(GA), str(FIXTURES / "live"), "--fault", "stall:3600") as (base, said):
        with connect(base.replace("http://", "ws://") + "/v1/realtime", open_timeout=10) as ws:
            ws.send('{"type": "conversation.item.create"}')
            ws.send('{"type": "response.create"}')
            with pytest.raises(TimeoutError), contextlib.suppress(ConnectionClosed):
                while True:
                    ws.recv(timeout=2)  # the stall: the client gives up and leaves
        # An HTTP client that stays connected through the stall, and through SIGTERM.
        where = urlsplit(base)
        sock = socket.create_connection((where.hostname, where.port), 10)
        body = b'{"model": "gpt-4o-mini", "stream": true, "messages": []}'
        sock.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json"
            + f"\r\ncontent-length: {len(body)}\r\n\r\n".encode()
            + body
        )
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")  # the stall holds the rest
    sock.close()
    assert "stopped" in said[0]


def test_serve_of_a_websocket_tape_without_websockets_names_the_extra() -> None:
    """Without the websockets package uvicorn would answer each upgrade 405 and advise
    uvicorn[standard]; serve says which extra of streamcheck it needs, one line, exit 2."""
    code = (
        "import sys; sys.modules['websockets'] = None; sys.argv = ['streamcheck', 'serve', "
        f"{str(GA)!r}, '--port', '0']\n"
        "from streamcheck.cli import program\nprogram()"
    )
    done = run_python(code)
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "WebSocket recording needs websockets, not installed: pip install 'websockets" in line
    assert "[ws] extra" in line and "uvicorn" not in line


def test_record_ws_ends_a_responses_session_at_response_completed(tmp_path: Path) -> None:
    """Regression: a Responses WebSocket session stays open for the next turn; the recorder
    waited out --read-timeout (then ended `timeout`, SC503) instead of taking
    response.completed as the end and closing after --linger."""
    tape = FIXTURES / "openai-responses-ws" / "two-turns.tape"
    events = [
        json.loads(line)["text"]
        for line in tape.read_text().splitlines()
        if json.loads(line).get("dir") == "received"
    ]
    first = events[: events.index(next(e for e in events if "response.completed" in e)) + 1]

    def handler(conn: ServerConnection) -> None:
        conn.recv()  # response.create
        for event in first:
            conn.send(event)
        with contextlib.suppress(Exception):
            conn.recv()  # the socket stays open until the client closes it

    with ws_server(handler) as url:
        url = url.replace("/ws/chat", "/v1/responses")
        (tmp_path / "send.json").write_text('{"type": "response.create", "input": "hi"}')
        code, out, lines = record(url, tmp_path, "--read-timeout", "30")
    assert code == 0, out
    assert "SC503" not in out
    assert lines[-1]["end"] == "eof" and lines[-1]["close"]["by"] == "client"
    assert len([line for line in lines if line.get("dir") == "received"]) == len(first)

"""`streamcheck serve`: a real server on 127.0.0.1 replaying tapes, with faults."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import httpx
import orjson
import pytest

from streamcheck.check import CheckOptions
from streamcheck.live.call.client import Timeouts
from streamcheck.live.call.smoke import run_target
from streamcheck.live.proxy.server import bind as proxy_bind
from streamcheck.live.serve.server import ReplayResponse, ServeOptions, load_fixtures, running
from streamcheck.live.serve.server import bind as serve_bind
from streamcheck.live.targets import Target
from streamcheck.schemas import Catalog
from streamcheck.sources import read_path
from tests.conftest import ROOT, run_streamcheck
from tests.live.conftest import LIVE_FIXTURES, OPENAI_CANARY


def _body(name: str) -> bytes:
    for exchange in read_path(str(LIVE_FIXTURES / name)):
        return b"".join(data for data, _ in exchange.chunks)
    raise AssertionError(name)


def _post(url: str, path: str, **headers: str) -> httpx.Response:
    with httpx.Client(timeout=10) as client:
        return client.post(url + path, json={"model": "m", "stream": True}, headers=headers)


@pytest.mark.parametrize(
    ("path", "tape"),
    [
        ("/v1/chat/completions", "openai-chat.tape"),
        ("/chat/completions", "openai-chat.tape"),
        ("/openai/deployments/gpt4/chat/completions?api-version=2024-10-21", "openai-chat.tape"),
        ("/v1/messages", "anthropic-messages.tape"),
    ],
)
def test_replays_the_recording_byte_for_byte(served: str, path: str, tape: str) -> None:
    response = _post(served, path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-streamcheck-fixture"] == tape.removesuffix(".tape")
    assert response.content == _body(tape)


@pytest.mark.parametrize("bind", [serve_bind, proxy_bind], ids=["serve", "proxy"])
def test_accepted_connections_send_without_delay(bind: Any) -> None:
    """TCP_NODELAY on every accepted connection: without it each body chunk after the head
    waited for the client's delayed ACK, 40 ms on every keep-alive replay's first byte."""
    sock = bind("127.0.0.1", 0)
    nodelay: list[int] = []

    async def main() -> None:
        class Note(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                peer = transport.get_extra_info("socket")
                nodelay.append(peer.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Note, sock=sock)
        _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        for _ in range(100):
            if nodelay:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()

    asyncio.run(main())
    assert nodelay and nodelay[0] != 0


def test_fixture_header_picks_the_recording(served: str) -> None:
    response = _post(
        served, "/v1/chat/completions", **{"x-streamcheck-fixture": "anthropic-messages"}
    )
    assert response.content == _body("anthropic-messages.tape")
    missing = _post(served, "/v1/chat/completions", **{"x-streamcheck-fixture": "nope"})
    assert missing.status_code == 400
    assert "no fixture named 'nope'" in missing.json()["error"]["message"]


def test_unknown_path_and_bad_fault_header(served: str) -> None:
    assert _post(served, "/v1/embeddings").status_code == 404
    bad = _post(served, "/v1/messages", **{"x-streamcheck-fault": "explode"})
    assert bad.status_code == 400 and "unknown fault" in bad.text


def test_models_listing(served: str) -> None:
    listed = httpx.get(served + "/v1/models").json()
    assert {m["id"] for m in listed["data"]} == {"gpt-4o-mini", "claude-3-5-haiku-20241022"}
    assert httpx.get(served + "/v1/models/gpt-4o-mini").status_code == 200
    assert httpx.get(served + "/v1/models/gpt-9").json()["error"]["code"] == "model_not_found"


def test_original_timing_and_speed(monkeypatch: pytest.MonkeyPatch) -> None:
    # The OpenAI tape's last chunk arrived 0.491 s after the request. What the server waits
    # for is read from the waits it schedules (each one's deadline on the loop's monotonic
    # clock), not from how long the request took: a loaded machine changes the latter only.
    deadlines: list[float] = []
    wait = ReplayResponse._gone_within

    async def recorded(self: ReplayResponse, receive: Any, seconds: float) -> bool:
        deadlines.append(asyncio.get_running_loop().time() + seconds)
        return await wait(self, receive, seconds)

    monkeypatch.setattr(ReplayResponse, "_gone_within", recorded)
    with running([str(LIVE_FIXTURES)], ServeOptions(speed=1)) as url:
        start = time.monotonic()
        assert _post(url, "/v1/chat/completions").content == _body("openai-chat.tape")
        assert deadlines and max(deadlines) - start >= 0.49  # the last chunk waits for 0.491 s
        deadlines.clear()
        fast = _post(url, "/v1/chat/completions", **{"x-streamcheck-speed": "0"})
        assert fast.content == _body("openai-chat.tape")
        assert deadlines == []  # speed 0: nothing waited for


def test_stall_waits_mid_stream(served: str) -> None:
    with httpx.stream(
        "POST",
        served + "/v1/chat/completions",
        json={},
        headers={"x-streamcheck-fault": "stall:0.6"},
    ) as response:
        arrivals = []
        start = time.monotonic()
        for _ in response.iter_raw():
            arrivals.append(time.monotonic() - start)
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert max(gaps) >= 0.55


def test_reset_aborts_the_body(served: str) -> None:
    received = b""
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream(
            "POST", served + "/v1/messages", json={}, headers={"x-streamcheck-fault": "reset"}
        ) as response,
    ):
        for data in response.iter_raw():
            received += data
    assert received.startswith(b"event: message_start") and b"message_stop" not in received


def test_error_event_shapes(served: str) -> None:
    openai = _post(served, "/v1/chat/completions", **{"x-streamcheck-fault": "error-event"})
    last = openai.content.rstrip().split(b"\n\n")[-1]
    assert orjson.loads(last.removeprefix(b"data: "))["error"]["type"] == "server_error"
    anthropic = _post(served, "/v1/messages", **{"x-streamcheck-fault": "error-event"})
    event, data = anthropic.content.rstrip().split(b"\n\n")[-1].split(b"\n")
    assert event == b"event: error"
    assert orjson.loads(data.removeprefix(b"data: "))["error"]["type"] == "overloaded_error"


def test_serve_command_port_zero_and_ctrl_c() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamcheck",
            "serve",
            str(LIVE_FIXTURES),
            "--port",
            "0",
            "--speed",
            "0",
            "--fault",
            "http-429-rate",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        assert line.startswith("streamcheck serve: listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1].strip()
        response = _post(url, "/v1/messages")
        assert response.status_code == 429
        assert response.json()["error"]["type"] == "rate_limit_error"
        assert response.headers["retry-after"] == "20"
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert b"stopped" in out and b"Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "fixtures/live", "--fault", "explode"], "unknown fault 'explode'"),
        (["serve", "no/such/dir"], "no such file or folder"),
        (["serve", "fixtures/live", "--fixture", "nope"], "no fixture named 'nope'"),
        (["serve", "fixtures/live", "--port", "99999"], "--port 99999: expected 0"),
        (["serve", "fixtures/live", "--speed", "-1"], "--speed -1: expected 0"),
    ],
)
def test_serve_usage_errors(args: list[str], message: str) -> None:
    done = run_streamcheck(*args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "internal error" not in done.stderr


def test_serving_the_whole_fixtures_folder_picks_clean_recordings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STREAMCHECK_TEST_KEY", OPENAI_CANARY)
    fixtures = load_fixtures([str(ROOT / "fixtures")])
    names = [f.name for f in fixtures]
    assert "live/openai-chat" in names and "rules/SC301/bad" in names
    assert len(names) == len(set(names))
    options = CheckOptions()
    with running([str(ROOT / "fixtures")], ServeOptions(speed=0)) as url:
        for provider, model in (("openai", "gpt-4o-mini"), ("anthropic", "claude-3-5-haiku")):
            target = Target(provider, model, url, key_env="STREAMCHECK_TEST_KEY")
            assert run_target(target, options, Timeouts(), Catalog()).klass == "ok"
            faulty = Target(
                provider,
                model,
                url,
                key_env="STREAMCHECK_TEST_KEY",
                headers=(("x-streamcheck-fault", "drop-terminator"),),
            )
            assert run_target(faulty, options, Timeouts(), Catalog()).klass == "defects"

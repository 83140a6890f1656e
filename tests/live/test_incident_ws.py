"""The incident of weaviate/Verba#194, end to end over a WebSocket: a relay of
`{"message": ..., "finish_reason": ...}` frames, recorded from a server started here with
`record --ws`, judged by a user-defined protocol file. Cut before its end frame behind a close
frame with no status (1005), it is truncated and the close code is named (exit 1); with its end
frame it passes (exit 0). The saved tape gets the same verdict from `check`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from websockets.sync.server import ServerConnection

from tests.conftest import FIXTURES, run_streamcheck
from tests.live.test_websocket import ws_server

PROTOCOL = FIXTURES / "declared" / "verba-relay.yaml"
FRAMES = [
    {"message": "Verba is ", "finish_reason": None},
    {"message": "a RAG app", "finish_reason": None},
]
END = {"message": "", "finish_reason": "stop"}


def backend(frames: list[dict[str, object]], no_status_close: bool) -> Callable[..., None]:
    def handler(conn: ServerConnection) -> None:
        conn.recv()  # the browser's question
        for frame in frames:
            conn.send(json.dumps(frame))
        if no_status_close:
            # What the app's socket did when its generator crashed on `finish_reason`: a close
            # frame with no status code, which the browser reports as 1005.
            with conn.send_context():
                conn.protocol.send_close()
        else:
            conn.close(1000)

    return handler


def record(url: str, tmp_path: Path) -> tuple[int, str, Path]:
    question = tmp_path / "question.json"
    question.write_text('{"query": "What is Verba?"}')
    tape = tmp_path / "relay.tape"
    done = run_streamcheck(
        "record",
        "--ws",
        url,
        "--send",
        str(question),
        "--protocol",
        str(PROTOCOL),
        "-o",
        str(tape),
        "--read-timeout",
        "5",
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout, tape


def test_a_relay_cut_behind_a_1005_close_is_truncated_and_names_the_close(tmp_path: Path) -> None:
    with ws_server(backend(FRAMES, no_status_close=True)) as url:
        code, out, tape = record(url.replace("/ws/chat", "/api/generate_stream"), tmp_path)
    assert code == 1, out
    assert "SC380" in out  # the protocol's grammar: the stream ended before its end frame
    assert "SC603" in out and "no status, 1005" in out  # behind a clean-looking close
    again = run_streamcheck("check", str(tape), "--protocol", str(PROTOCOL), "--format", "json")
    assert again.returncode == 1
    [result] = json.loads(again.stdout)["results"]
    assert result["api"] == "verba-relay" and result["framing"] == "websocket"
    findings = {f["code"]: f for f in result["findings"]}
    assert {"SC380", "SC603"} <= set(findings)
    assert "1005" in findings["SC603"]["message"]


def test_the_same_relay_with_its_end_frame_passes(tmp_path: Path) -> None:
    with ws_server(backend([*FRAMES, END], no_status_close=False)) as url:
        code, out, tape = record(url.replace("/ws/chat", "/api/generate_stream"), tmp_path)
    assert code == 0, out
    assert "0 errors, 0 warnings" in out
    assert run_streamcheck("check", str(tape), "--protocol", str(PROTOCOL)).returncode == 0

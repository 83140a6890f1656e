"""`record --ws` of a Gemini Live session from `serve`: the setup handshake (serve answers
only once the client's `setup` came), binary frames kept as such, a cut turn found while
recording, and the Gemini API key from GEMINI_API_KEY (never printed or written)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from streamcheck.live.serve.server import ServeOptions, running
from tests.conftest import FIXTURES, run_streamcheck

TAPE = FIXTURES / "gemini-live" / "text-turn.tape"
PATH = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
SETUP = {"setup": {"model": "models/gemini-live-2.5-flash"}}
ASK = {"clientContent": {"turns": [{"role": "user", "parts": [{"text": "Hi"}]}]}}
CANARY = "AIzaCANARY-record-live23"


def record(url: str, tmp_path: Path, *extra: str) -> tuple[int, str, list[dict[str, Any]]]:
    send = tmp_path / "send.jsonl"
    send.write_text(json.dumps(SETUP) + "\n" + json.dumps(ASK) + "\n")
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
        "--key-env",
        "LIVE23_KEY",
        *extra,
        env={"LIVE23_KEY": CANARY},
    )
    assert CANARY not in done.stdout + done.stderr
    text = tape.read_text() if tape.exists() else ""
    assert CANARY not in text
    return done.returncode, done.stdout, [json.loads(line) for line in text.splitlines()]


@pytest.mark.parametrize(("fault", "codes"), [(None, set()), ("truncate-after:2", {"SC391"})])
def test_record_a_gemini_live_session_from_serve(
    tmp_path: Path, fault: str | None, codes: set[str]
) -> None:
    with running([str(TAPE)], ServeOptions(speed=0)) as base:
        extra = ["-H", f"x-streamcheck-fault: {fault}"] if fault else []
        code, out, lines = record(base.replace("http://", "ws://") + PATH, tmp_path, *extra)
    found = {word for word in out.split() if word.startswith("SC") and word[2:].isdigit()}
    assert codes <= found, out
    assert code == (1 if codes else 0), out
    assert "gemini/live" in out
    received = [line for line in lines if line.get("dir") == "received"]
    end = lines[-1]
    if fault is None:
        # The whole turn, in binary frames as the Live API sends them, then a clean close.
        assert len(received) == 6 and all("b64" in line for line in received)
        assert end["close"]["code"] == 1000
    else:
        assert len(received) == 2


def test_the_gemini_key_is_sent_as_x_goog_api_key_and_must_be_set() -> None:
    url = f"wss://generativelanguage.googleapis.com{PATH}"
    done = run_streamcheck("record", "--ws", url, env={"GEMINI_API_KEY": ""})
    assert done.returncode == 2
    assert "GEMINI_API_KEY is not set" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1

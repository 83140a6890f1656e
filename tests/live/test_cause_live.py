"""The cause of a cut, from live calls: `serve` on 127.0.0.1 stalls mid-stream and `record` /
`smoke` with a short read timeout say that the client's own read timeout ended it (and the
tape `record` wrote says it again through `check`)."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.conftest import run_streamcheck
from tests.live.conftest import CANARY_ENV

READ_TIMEOUT = "0.5"
CAUSE = "the recording client gave up: its own read timeout (0.5 s) expired"


def _words(text: str) -> str:
    return " ".join(text.split())


def test_record_shows_the_client_timeout_cause(served: str, tmp_path: Path) -> None:
    tape = tmp_path / "stalled.tape"
    done = run_streamcheck(
        "record",
        "--provider",
        "openai",
        "--model",
        "gpt-4o-mini",
        "--base-url",
        served,
        "-H",
        "x-streamcheck-fault: stall:30",
        "-o",
        str(tape),
        "--read-timeout",
        READ_TIMEOUT,
        env=CANARY_ENV,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    words = _words(done.stdout)
    assert CAUSE in words
    assert "try: raise the client's read timeout (`--read-timeout`" in words
    # Under the read-timeout finding it explains.
    assert words.index("SC503") < words.index("cause: ") < words.index("SC301")
    end = orjson.loads(tape.read_bytes().splitlines()[-1])
    assert end["end"] == "timeout" and end["read_timeout"] == 0.5
    again = run_streamcheck("check", str(tape), "--format", "json")
    cause = orjson.loads(again.stdout)["results"][0]["cause"]
    assert cause["kind"] == "client-timeout" and cause["finding"] == "SC503"
    assert CAUSE in cause["summary"]


def test_smoke_shows_the_client_timeout_cause(served: str) -> None:
    done = run_streamcheck(
        "smoke",
        "--provider",
        "openai",
        "--model",
        "gpt-4o-mini",
        "--base-url",
        served,
        "-H",
        "x-streamcheck-fault: stall:30",
        "--read-timeout",
        READ_TIMEOUT,
        env=CANARY_ENV,
    )
    assert done.returncode != 0, done.stdout + done.stderr
    assert CAUSE in _words(done.stdout)

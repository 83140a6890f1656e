"""The tape: write then read back (chunks, times, end), secrets never written, bad tapes."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import orjson
import pytest

from streamcheck import InputError, check_paths
from streamcheck.model import EndReason, Request
from streamcheck.sources import read_path
from streamcheck.sources.tape import TapeWriter, dumps
from tests.conftest import run_streamcheck
from tests.streams import CLEAN

SSE = CLEAN.encode()
CANARY = "sk-canary-tape-000000000000000000000"
URL = "https://api.openai.com/v1/chat/completions"


def pieces(data: bytes, *cuts: int) -> list[bytes]:
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def read_back(
    path: Path,
) -> list[tuple[Request, int | None, list[tuple[bytes, float | None]], EndReason]]:
    out = []
    for exchange in read_path(str(path)):
        chunks = list(exchange.chunks)  # consumed before `end` is known
        out.append((exchange.request, exchange.status, chunks, exchange.end))
    return out


@pytest.mark.parametrize("end", list(EndReason))
def test_round_trip_keeps_chunks_times_and_end(tmp_path: Path, end: EndReason) -> None:
    path = tmp_path / "t.tape"
    writer = TapeWriter.create(path)
    writer.header(
        provider="openai",
        api="chat-completions",
        api_version="2.3.0",
        request=Request(url=URL, headers={"Content-Type": "application/json"}, body={"n": 1}),
        status=200,
        headers={"content-type": "text/event-stream"},
    )
    # A cut inside a frame, inside a multi-byte character, and a binary chunk.
    sent = [(p, 0.25 * i) for i, p in enumerate(pieces(SSE, 7, 100, 101, 300))]
    sent.insert(2, ("é".encode()[:1], 0.3))
    sent.insert(3, ("é".encode()[1:], 0.31))
    sent.append((b"\xff\x00binary", 1.5))
    for data, time in sent:
        writer.chunk(data, time)
    writer.end(end, 1.75)
    [(request, status, chunks, got_end)] = read_back(path)
    assert chunks == sent
    assert got_end is end
    assert (request.url, request.body, status) == (URL, {"n": 1}, 200)


def test_round_trip_of_several_exchanges_and_missing_times(tmp_path: Path) -> None:
    path = tmp_path / "many.tape"
    path.write_bytes(
        dumps(
            [
                ({"provider": "openai"}, [(SSE, None)], EndReason.EOF),
                ({"status": 500}, [(b'{"error": "boom"}', 0.1)], EndReason.RESET),
            ]
        )
    )
    first, second = read_back(path)
    assert first[2] == [(SSE, None)] and first[3] is EndReason.EOF
    assert second[1] == 500 and second[3] is EndReason.RESET
    results = check_paths([str(path)]).results
    assert [r.index for r in results] == [0, 1]
    assert [f.code for f in results[0].findings] == []


def test_secrets_are_redacted_on_write(tmp_path: Path) -> None:
    path = tmp_path / "secret.tape"
    writer = TapeWriter.create(path)
    writer.header(
        provider="openai",
        api=None,
        api_version=None,
        request=Request(
            url=f"https://generativelanguage.googleapis.com/v1beta/x?alt=sse&key={CANARY}",
            headers={"Authorization": f"Bearer {CANARY}", "x-api-key": CANARY, "api-key": "k"},
            body={"api_key": CANARY, "messages": [{"content": f"my key is {CANARY}"}]},
        ),
        status=200,
        headers={"set-cookie": "session=canary", "x-echo": CANARY},
    )
    writer.chunk(f'data: {{"echo": "{CANARY}"}}\n\n'.encode(), 0.1)
    writer.end(EndReason.EOF, 0.2)
    text = path.read_text()
    assert "canary" not in text
    header = orjson.loads(text.splitlines()[0])
    assert header["request"]["headers"] == {
        "Authorization": "[REDACTED]",
        "x-api-key": "[REDACTED]",
        "api-key": "[REDACTED]",
    }
    assert (
        "key=%5BREDACTED%5D" in header["request"]["url"]
        or "key=[REDACTED]" in (header["request"]["url"])
    )
    assert header["request"]["body"]["api_key"] == "[REDACTED]"


def test_create_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "t.tape"
    path.write_text("x")
    with pytest.raises(InputError, match="already exists"):
        TapeWriter.create(path)
    TapeWriter.create(path, overwrite=True).end(EndReason.EOF, None)


def test_tape_without_end_record_is_a_note(tmp_path: Path) -> None:
    path = tmp_path / "cut.tape"
    data = dumps([({}, [(SSE, 0.1)], EndReason.EOF)])
    path.write_bytes(data.rsplit(b"\n", 2)[0] + b"\n")  # drop the end record
    [result] = check_paths([str(path)]).results
    assert [f.code for f in result.findings] == ["SC902"]


HEADER = json.dumps({"streamcheck_tape": 1, "request": {}, "response": {"status": 200}})
DEEP = "[" * 1000 + '"GET"' + "]" * 1000  # repr() of it was a RecursionError


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEADER + "\n{not json\n", "tape line 2 is not JSON"),
        (HEADER + "\n[1, 2]\n", "tape line 2 is not a JSON object"),
        (HEADER + '\n{"t": 0.1}\n', "line 2: chunk without text or b64"),
        (HEADER + '\n{"t": 0.1, "b64": "%%%"}\n', "line 2: bad base64"),
        (HEADER + '\n{"t": 0.1, "b64": 5}\n', "line 2: b64 must be a string"),
        (HEADER + '\n{"t": 0.1, "text": 5}\n', "line 2: text must be a string"),
        (HEADER + '\n{"t": "soon", "text": "a"}\n', "line 2: t must be a number of seconds"),
        (HEADER + '\n{"end": "exploded"}\n', "line 2: unknown end 'exploded'"),
        ('{"streamcheck_tape": 99}\n', "line 1 is not a tape header"),
        ('{"streamcheck_tape": 1, "request": [1], "response": {}}\n', "tape header at line 1"),
        ('{"streamcheck_tape": 1, "request": {"headers": "x"}}\n', "tape header at line 1"),
        ('{"streamcheck_tape": 1, "response": {"status": "200"}}\n', "tape header at line 1"),
        ('{"streamcheck_tape": 1, "request": {"url": 5}}\n', "tape header at line 1"),
        ('{"streamcheck_tape": 1, "provider": 5}\n', "tape header at line 1"),
        (
            '{"streamcheck_tape": 1, "response": {"headers": {"content-type": 5}}}\n',
            "tape header at line 1 is malformed",
        ),
        ('{"streamcheck_tape": 1, "response": {"status": true}}\n', "tape header at line 1"),
        # Every field of both formats' headers is type-checked, and the message names it.
        (
            '{"streamcheck_tape": 1, "request": {"method": ' + DEEP + "}}\n",
            "malformed: request.method must be a string",
        ),
        (
            '{"streamcheck_tape": 2, "transport": "websocket", "request": {"method": '
            + DEEP
            + '}}\n{"end": "eof", "close": "unknown"}\n',
            "malformed: request.method must be a string",
        ),
        ('{"streamcheck_tape": 1, "request": {"method": {"a": 1}}}\n', "request.method must"),
        ('{"streamcheck_tape": 1, "transport": ["http"]}\n', "malformed: transport must be"),
        ('{"streamcheck_tape": 1, "api": ' + DEEP + "}\n", "malformed: api must be a string"),
        ('{"streamcheck_tape": 1, "response": {"status": 70000}}\n', "response.status must"),
        ('{"streamcheck_tape": 1, "response": ' + DEEP + "}\n", "response must be an object"),
        # Times: seconds since the request, from 0 (1e308 printed 300 digits in SC501).
        (HEADER + '\n{"t": 1e308, "text": "a"}\n', "line 2: t must be seconds since the request"),
        (HEADER + '\n{"t": -1e308, "text": "a"}\n', "not -1e\\+308"),
        (HEADER + '\n{"t": -0.5, "text": "a"}\n', "from 0 up to 1e\\+09, not -0.5"),
    ],
)
def test_malformed_tape_is_one_line_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.tape"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        check_paths([str(path)])
    done = run_streamcheck("check", str(path))
    assert done.returncode == 2, done.stdout
    assert done.stderr.count("\n") == 1 and "bad.tape" in done.stderr
    assert "Traceback" not in done.stderr


def test_tape_from_stdin() -> None:
    data = dumps([({}, [(SSE, 0.1)], EndReason.EOF)])
    done = run_streamcheck("check", "--format", "json", "-", input=data)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["results"][0]["end"] == "eof"


@pytest.mark.parametrize("transport", ["http", "websocket"])
def test_times_going_backwards_are_noted_and_measure_no_silence(
    tmp_path: Path, transport: str
) -> None:
    """A recorder whose clock went back (5 s, then 1 s, then 900 s): a note, and no SC501 from
    times that are no evidence of a silence."""
    header: dict[str, object] = {"streamcheck_tape": 1, "request": {}, "response": {"status": 200}}
    direction: dict[str, str] = {}
    if transport == "websocket":
        header = {**header, "streamcheck_tape": 2, "transport": "websocket"}
        direction = {"dir": "received"}
    frames = [f'data: {{"n": {n}}}\n\n' for n in range(3)]
    lines = [header] + [
        {"t": t, **direction, "text": text}
        for t, text in zip([5.0, 1.0, 900.0], frames, strict=True)
    ]
    lines.append({"end": "eof", "t": 900.0})
    path = tmp_path / "clock.tape"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    done = run_streamcheck("check", str(path), "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    [result] = json.loads(done.stdout)["results"]
    found = {f["code"]: f["message"] for f in result["findings"]}
    assert "SC501" not in found
    assert "arrival times go backwards (line 3: 1 s after 5 s)" in found["SC902"]

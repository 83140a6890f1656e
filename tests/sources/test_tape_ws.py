"""Tape format 2: WebSocket messages and the close round-trip; version 1 tapes still read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streamcheck import InputError
from streamcheck.model import Close, CloseState, Direction, EndReason, Message, Request
from streamcheck.sources import read_path
from streamcheck.sources.tape import TapeWriter
from streamcheck.sources.tape_ws import dumps
from tests.conftest import run_streamcheck

CANARY = "sk-canary-ws-tape-00000000000000000000"
URL = "ws://127.0.0.1:8000/ws/chat"

MESSAGES = [
    Message(Direction.SENT, b'{"question": "hi"}', time=0.0),
    Message(Direction.RECEIVED, '{"message": "héllo"}'.encode(), time=0.25),
    Message(Direction.RECEIVED, b"\x00\xffaudio", binary=True, time=0.5),
    Message(Direction.SENT, b"\x01\x02", binary=True, time=0.75),
]


def read_back(path: Path) -> list[tuple[str, list[Message], Close | None, EndReason]]:
    out = []
    for exchange in read_path(str(path)):
        assert exchange.messages is not None
        got = list(exchange.messages)  # consumed before `close` is known
        out.append((exchange.transport, got, exchange.close, exchange.end))
    return out


@pytest.mark.parametrize(
    "close",
    [
        Close(CloseState.CLOSED, 1000, "bye", "server", 1.0),
        Close(CloseState.CLOSED, None, "", "client", 1.0),
        Close(CloseState.NO_CLOSE_FRAME, time=1.0),
        Close(CloseState.UNKNOWN, time=1.0),
    ],
)
def test_messages_and_close_round_trip(tmp_path: Path, close: Close) -> None:
    path = tmp_path / "ws.tape"
    path.write_bytes(dumps([({"request": Request("GET", URL)}, MESSAGES, close, EndReason.EOF)]))
    [(transport, got, got_close, end)] = read_back(path)
    assert transport == "websocket"
    assert got == MESSAGES
    assert got_close == close
    assert end is EndReason.EOF
    header = json.loads(path.read_bytes().splitlines()[0])
    assert header["streamcheck_tape"] == 2 and header["transport"] == "websocket"


def test_several_exchanges_and_a_cut_tape(tmp_path: Path) -> None:
    one = dumps([({}, MESSAGES[:2], Close(CloseState.CLOSED, 1000), EndReason.EOF)])
    cut = dumps([({}, MESSAGES[:2], Close(), EndReason.EOF)]).rsplit(b"\n", 2)[0] + b"\n"
    path = tmp_path / "two.tape"
    path.write_bytes(cut + one)
    exchanges = read_path(str(path))
    first = next(exchanges)  # an exchange's messages are read before the next header
    assert first.messages is not None and len(list(first.messages)) == 2
    assert first.close == Close(CloseState.UNKNOWN)
    assert "no end record" in first.notes[0]
    second = next(exchanges)
    assert second.messages is not None and len(list(second.messages)) == 2
    assert second.close is not None and second.close.code == 1000
    assert next(exchanges, None) is None


def test_version_1_tapes_still_read(tmp_path: Path) -> None:
    path = tmp_path / "old.tape"
    header = {"streamcheck_tape": 1, "request": {}, "response": {"status": 200}}
    lines = [header, {"t": 0.1, "text": "data: [DONE]\n\n"}, {"end": "eof", "t": 0.2}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    exchange = next(read_path(str(path)))
    assert exchange.transport == "http"
    assert list(exchange.chunks) == [(b"data: [DONE]\n\n", 0.1)]
    assert exchange.end is EndReason.EOF


def test_http_tapes_are_still_written_as_version_1(tmp_path: Path) -> None:
    path = tmp_path / "http.tape"
    writer = TapeWriter.create(path)
    writer.header(
        provider=None, api=None, api_version=None, request=Request(), status=200, headers={}
    )
    writer.chunk(b"data: {}\n\n", 0.1)
    writer.end(EndReason.EOF, 0.2)
    lines = [json.loads(line) for line in path.read_bytes().splitlines()]
    assert lines[0]["streamcheck_tape"] == 1 and "transport" not in lines[0]
    assert "close" not in lines[-1]


def test_secrets_in_messages_and_url_are_never_written(tmp_path: Path) -> None:
    path = tmp_path / "secret.tape"
    messages = [
        Message(Direction.SENT, f'{{"api_key": "{CANARY}"}}'.encode(), time=0.0),
        Message(Direction.RECEIVED, f'{{"echo": "{CANARY}"}}'.encode(), time=0.1),
    ]
    request = Request("GET", f"{URL}?api_key={CANARY}", {"Authorization": f"Bearer {CANARY}"})
    path.write_bytes(dumps([({"request": request}, messages, Close(), EndReason.EOF)]))
    assert CANARY not in path.read_text()


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ({"t": 0.1, "dir": "up", "text": "x"}, "dir must be 'sent' or 'received'"),
        ({"t": 0.1, "text": "x"}, "dir must be"),
        ({"t": "soon", "dir": "sent", "text": "x"}, "t must be a number"),
        ({"t": 0.1, "dir": "sent", "b64": "%%%"}, "bad base64"),
        ({"end": "eof", "close": {"code": "1000"}}, "malformed close"),
        ({"end": "eof", "close": 1000}, "malformed close"),
        ({"end": "eof", "close": {"code": 1000, "by": "proxy"}}, "malformed close"),
    ],
)
def test_malformed_websocket_lines_are_one_line_errors(
    tmp_path: Path, line: dict[str, object], error: str
) -> None:
    header = {"streamcheck_tape": 2, "transport": "websocket", "request": {}, "response": {}}
    path = tmp_path / "bad.tape"
    path.write_text(json.dumps(header) + "\n" + json.dumps(line) + "\n")
    with pytest.raises(InputError, match=error):
        for exchange in read_path(str(path)):
            list(exchange.messages or ())
    done = run_streamcheck("check", str(path))
    assert done.returncode == 2
    assert error.split("'")[0] in done.stderr and "Traceback" not in done.stderr


def test_unknown_transport_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "t.tape"
    path.write_text(json.dumps({"streamcheck_tape": 2, "transport": "carrier-pigeon"}) + "\n")
    with pytest.raises(InputError, match="malformed"):
        list(read_path(str(path)))

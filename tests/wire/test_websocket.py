"""WebSocket messages to frames (one text message = one frame) and the close judged (SC6xx)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streamcheck.model import Close, CloseState, Direction, Location, Message, Severity
from streamcheck.wire import decoder_for
from streamcheck.wire.websocket import WebSocketDecoder, close_findings
from tests.conftest import FIXTURES, run_streamcheck

HERE = Location(source="t", exchange=0)


def test_one_text_message_is_one_frame_and_binary_is_counted() -> None:
    decoder = decoder_for("websocket", HERE)
    assert isinstance(decoder, WebSocketDecoder)
    frames = decoder.message(Message(Direction.RECEIVED, b'{"a": 1}\n{"b": 2}', time=0.5))
    assert [(f.index, f.offset, f.data, f.time) for f in frames] == [
        (0, 0, b'{"a": 1}\n{"b": 2}', 0.5)
    ]
    assert decoder.message(Message(Direction.RECEIVED, b"\x00\x01", binary=True)) == []
    [second] = decoder.message(Message(Direction.RECEIVED, b"{}", time=0.7))
    assert (second.index, second.offset) == (1, 19)  # after 17 text + 2 binary bytes
    assert decoder.flush() == [] and decoder.buffered == 0
    assert [f.code for f in decoder.findings] == ["SC125"]


def codes(close: Close, finished: bool | None) -> list[tuple[str, Severity]]:
    return [(f.code, f.severity) for f in close_findings(close, finished, HERE)]


def closed(code: int | None, reason: str = "") -> Close:
    return Close(CloseState.CLOSED, code, reason, "server")


E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


@pytest.mark.parametrize(
    ("close", "finished", "expected"),
    [
        (Close(CloseState.UNKNOWN), False, []),  # devtools HAR: never a finding
        (Close(CloseState.NO_CLOSE_FRAME), False, [("SC601", E)]),
        (Close(CloseState.NO_CLOSE_FRAME), None, [("SC601", E)]),
        (Close(CloseState.NO_CLOSE_FRAME), True, [("SC601", W)]),
        (closed(1011), True, [("SC602", E)]),
        (closed(None), False, [("SC603", E)]),
        (closed(1000), False, [("SC603", E)]),
        (closed(None), True, []),
        (Close(CloseState.CLOSED, 1000, "", "client"), False, []),  # the client chose to stop
        (closed(1000), True, []),
        (closed(1000), None, []),  # a protocol that cannot tell: a clean close is clean
        (closed(1001), True, [("SC604", W)]),
        (closed(1001), False, [("SC604", E)]),
        (closed(1012), None, [("SC605", W)]),
        (closed(1013), None, [("SC606", W)]),
        (closed(1008), True, [("SC607", E)]),
        (closed(4000), True, [("SC608", INFO)]),
        (closed(4000), False, [("SC608", E)]),
        (closed(1004), True, [("SC609", E)]),
        (closed(999), True, [("SC609", E)]),
        # Codes an endpoint reports and never sends: in a frame, a protocol violation.
        (closed(1015), True, [("SC609", E)]),
        (closed(1005), True, [("SC609", E)]),
        (closed(1006), True, [("SC609", E)]),
        (closed(70000), True, [("SC609", E)]),
    ],
)
def test_close_codes(close: Close, finished: bool | None, expected: list[object]) -> None:
    assert codes(close, finished) == expected


def test_the_close_finding_names_the_code_and_who_closed() -> None:
    [finding] = close_findings(closed(None, "done"), False, HERE)
    assert "1005" in finding.message and "by the server" in finding.message
    assert "'done'" in finding.message
    assert Close(CloseState.CLOSED).reported_code == 1005
    assert Close(CloseState.NO_CLOSE_FRAME).reported_code == 1006
    assert Close(CloseState.UNKNOWN).reported_code is None


@pytest.mark.parametrize("code", [1015, 1005, 1006, 70000])
def test_a_recorded_frame_with_a_code_never_sent_is_a_protocol_violation(
    tmp_path: Path, code: int
) -> None:
    """1015 in a close frame was SC607 'TLS handshake failure'; RFC 6455 7.4.1 says 1015 (and
    1005, 1006) are never sent in a frame: such a frame is SC609, through the CLI."""
    lines = (FIXTURES / "rules" / "SC607" / "bad.tape").read_text().splitlines()
    end = json.loads(lines[-1])
    end["close"]["code"] = code
    tape = tmp_path / "closed.tape"
    tape.write_text("\n".join([*lines[:-1], json.dumps(end)]) + "\n")
    done = run_streamcheck("check", str(tape), "--format", "json")
    assert done.returncode == 1, done.stderr
    [result] = json.loads(done.stdout)["results"]
    found = {f["code"]: f["message"] for f in result["findings"]}
    assert "SC609" in found and "SC607" not in found
    assert str(code) in found["SC609"]
    assert ("TLS" in found["SC609"]) == (code == 1015)

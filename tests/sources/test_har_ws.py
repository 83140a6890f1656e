"""Chrome/Edge devtools HAR: `_webSocketMessages` become WebSocket exchanges (close unknown),
`_eventSourceMessages` become the SSE body that carried them; both are checked by the CLI."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

from streamcheck.model import CloseState, Direction
from streamcheck.sources import read_path
from tests.conftest import FIXTURES, run_streamcheck

HAR = FIXTURES / "har" / "chrome_websocket_eventsource.har"


def har(tmp_path: Path, *entries: dict[str, Any]) -> Path:
    path = tmp_path / "page.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": list(entries)}}))
    return path


def socket(messages: list[dict[str, Any]], url: str = "ws://127.0.0.1:9/ws") -> dict[str, Any]:
    return {
        "_resourceType": "websocket",
        "startedDateTime": "2025-12-03T00:00:00.000Z",
        "request": {"method": "GET", "url": url, "headers": []},
        "response": {"status": 101, "headers": [], "content": {"size": 0}},
        "_webSocketMessages": messages,
    }


def test_the_chrome_fixture_is_checked_through_the_cli() -> None:
    done = run_streamcheck("check", str(HAR), "--format", "json")
    assert done.returncode == 1, done.stderr
    results = {r["exchange"]: r for r in json.loads(done.stdout)["results"]}
    assert sorted(results) == [1, 2]  # the script entry (0) is not an LLM call
    events, relay = results[1], results[2]
    # The EventSource of OpenAI chunks is judged like an SSE body: whole, so clean.
    assert (events["framing"], events["api"], events["frames"]) == ("sse", "chat-completions", 5)
    assert events["findings"] == []
    # The WebSocket relay's answer has no finish_reason; devtools saw no close: no SC6xx.
    assert relay["framing"] == "websocket" and relay["status"] == 101
    codes = {f["code"] for f in relay["findings"]}
    assert "SC303" in codes
    assert not any(code.startswith("SC6") for code in codes)
    assert "canary-cookie" not in done.stdout


def test_messages_keep_direction_time_and_binary(tmp_path: Path) -> None:
    path = har(
        tmp_path,
        socket(
            [
                {"type": "send", "time": 1764720000.5, "opcode": 1, "data": '{"q": 1}'},
                {"type": "receive", "time": 1764720001.25, "opcode": 1, "data": '{"a": "é"}'},
                {
                    "type": "receive",
                    "time": 1764720001.5,
                    "opcode": 2,
                    "data": base64.b64encode(b"\x00\xff").decode(),
                },
            ]
        ),
    )
    exchange = next(read_path(str(path)))
    assert exchange.messages is not None
    got = [(m.direction, m.data, m.binary, m.time) for m in exchange.messages]
    assert got == [
        (Direction.SENT, b'{"q": 1}', False, 0.5),
        (Direction.RECEIVED, '{"a": "é"}'.encode(), False, 1.25),
        (Direction.RECEIVED, b"\x00\xff", True, 1.5),
    ]
    assert exchange.close is not None and exchange.close.state is CloseState.UNKNOWN


def test_an_error_item_is_a_connection_the_browser_failed(tmp_path: Path) -> None:
    path = har(
        tmp_path,
        socket(
            [
                {"type": "receive", "time": 1764720001.0, "opcode": 1, "data": '{"a": 1}'},
                {
                    "type": "error",
                    "time": 1764720002.0,
                    "opcode": -1,
                    "data": "Could not decode a text frame as UTF-8.",
                },
            ]
        ),
    )
    done = run_streamcheck("check", str(path), "--format", "json")
    [result] = json.loads(done.stdout)["results"]
    assert "SC601" in {f["code"] for f in result["findings"]}
    assert done.returncode == 1


def test_event_names_and_ids_are_rebuilt_as_sse(tmp_path: Path) -> None:
    entry = {
        "_resourceType": "eventsource",
        "startedDateTime": "2025-12-03T00:00:00.000Z",
        "request": {"method": "GET", "url": "http://127.0.0.1:9/events", "headers": []},
        "response": {"status": 200, "headers": [], "content": {"size": 0}},
        "_eventSourceMessages": [
            {"time": 1764720000.25, "eventName": "message", "eventId": "", "data": "a\nb"},
            {"time": 1764720000.5, "eventName": "ping", "eventId": "7", "data": "{}"},
        ],
    }
    exchange = next(read_path(str(har(tmp_path, entry))))
    assert list(exchange.chunks) == [
        (b"data: a\ndata: b\n\n", 0.25),
        (b"event: ping\nid: 7\ndata: {}\n\n", 0.5),
    ]


def test_malformed_websocket_items_are_noted_not_fatal(tmp_path: Path) -> None:
    path = har(
        tmp_path,
        socket(
            [
                {"type": "receive", "opcode": 2, "data": "%%%"},
                {"type": "ping", "data": ""},
                5,
                {"type": ["receive"], "data": "{}"},  # unhashable: was a TypeError
                {"type": {"receive": 1}, "data": "{}"},
            ]
        ),
    )
    done = run_streamcheck("check", str(path))
    assert done.returncode == 1, done.stderr  # findings, not a usage error
    assert "5 HAR WebSocket message(s) were malformed" in done.stdout
    assert "SC313" in done.stdout  # nothing was left to judge


def test_times_that_are_no_times_are_dropped_and_said(tmp_path: Path) -> None:
    """Message times of 1e308 and -1e308, and a clock that goes backwards, in a HAR (another
    tool's file: the messages are kept, those times are not): no silence of 300 digits, a
    note; the response's timings of 1e308 ms are no time either."""
    messages = [
        {"type": "send", "time": 1764720000.5, "opcode": 1, "data": '{"q": 1}'},
        {"type": "receive", "time": 1e308, "opcode": 1, "data": '{"a": 1}'},
        {"type": "receive", "time": -1e308, "opcode": 1, "data": '{"a": 2}'},
        {"type": "receive", "time": 1764720100.0, "opcode": 1, "data": '{"a": 3}'},
        {"type": "receive", "time": 1764720001.0, "opcode": 1, "data": '{"a": 4}'},
        {"type": "receive", "time": 1764723000.0, "opcode": 1, "data": '{"a": 5}'},
    ]
    entry = socket(messages)
    entry["timings"] = {"send": 1e308, "wait": 1e308, "receive": -1e308}
    path = har(tmp_path, entry)
    exchange = next(read_path(str(path)))
    assert exchange.messages is not None
    assert [m.time for m in exchange.messages] == [0.5, None, None, 100.0, None, None]
    done = run_streamcheck("check", str(path), "--verbose")
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    assert not re.search(r"\d{20}", done.stdout), done.stdout
    assert "arrival times go backwards (message 4: 1 s after 100 s)" in " ".join(
        done.stdout.split()
    )

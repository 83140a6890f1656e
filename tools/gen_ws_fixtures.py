"""Write the WebSocket fixtures: rule fixtures (fixtures/rules/SC125, SC601-SC609) as v2 tapes,
and a Chrome devtools HAR with a WebSocket and an EventSource (fixtures/har/).

Each rule fixture is an app's relay of OpenAI chat chunks to its browser over a WebSocket (one
chunk per text message, as the relays in issue 13 do), ended by the close the rule is about;
the good twin ends the same answer with a close the rule accepts. The HAR has the fields
Chrome's export writes (`_resourceType`, `_webSocketMessages`, `_eventSourceMessages`), with
made-up content. Run from the repository root:

    python tools/gen_ws_fixtures.py
"""

from __future__ import annotations

import json
from pathlib import Path

from streamcheck.model import Close, CloseState, Direction, EndReason, Message, Request
from streamcheck.sources import tape_ws

ROOT = Path(__file__).resolve().parent.parent
URL = "ws://127.0.0.1:8000/ws/chat"


def chunk(delta: dict[str, object], finish: str | None = None) -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-ws1",
            "object": "chat.completion.chunk",
            "created": 1764720000,
            "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        },
        separators=(",", ":"),
    ).encode()


def messages(whole: bool, binary: bool = False) -> list[Message]:
    sent = Message(Direction.SENT, b'{"question":"Say hello"}', time=0.0)
    parts = [
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": "Hel"}),
        chunk({"content": "lo!"}),
    ]
    if whole:
        parts += [chunk({}, "stop"), b"[DONE]"]
    out = [sent] + [
        Message(Direction.RECEIVED, data, time=round(0.3 + 0.05 * i, 3))
        for i, data in enumerate(parts)
    ]
    if binary:
        out.insert(2, Message(Direction.RECEIVED, b"\x00\x01\x02\x03", binary=True, time=0.32))
    return out


def close(code: int | None, reason: str = "", state: CloseState = CloseState.CLOSED) -> Close:
    return Close(state, code, reason, "server" if state is CloseState.CLOSED else None, 0.6)


NORMAL = close(1000)
DROPPED = close(None, state=CloseState.NO_CLOSE_FRAME)
# code -> (bad: (whole answer?, close), good: (whole answer?, close))
CASES: dict[str, tuple[tuple[bool, Close], tuple[bool, Close]]] = {
    "SC601": ((False, DROPPED), (True, NORMAL)),
    "SC602": ((False, close(1011, "internal error")), (True, NORMAL)),
    "SC603": ((False, close(None)), (True, close(None))),
    "SC604": ((True, close(1001, "server shutting down")), (True, NORMAL)),
    "SC605": ((True, close(1012, "service restart")), (True, NORMAL)),
    "SC606": ((False, close(1013, "try again later")), (True, NORMAL)),
    "SC607": ((False, close(1008, "policy violation")), (True, NORMAL)),
    "SC608": ((True, close(4000, "session expired")), (True, NORMAL)),
    "SC609": ((True, close(1004)), (True, NORMAL)),
}


def write(path: Path, sent_and_received: list[Message], end: Close) -> None:
    reason = EndReason.RESET if end.state is CloseState.NO_CLOSE_FRAME else EndReason.EOF
    fields = {"request": Request(method="GET", url=URL)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tape_ws.dumps([(fields, sent_and_received, end, reason)]))


def main() -> None:
    rules = ROOT / "fixtures" / "rules"
    for code, ((bad_whole, bad_close), (good_whole, good_close)) in CASES.items():
        write(rules / code / "bad.tape", messages(bad_whole), bad_close)
        write(rules / code / "good.tape", messages(good_whole), good_close)
    write(rules / "SC125" / "bad.tape", messages(True, binary=True), NORMAL)
    write(rules / "SC125" / "good.tape", messages(True), NORMAL)
    har(ROOT / "fixtures" / "har" / "chrome_websocket_eventsource.har")


START = 1764720000.0  # 2025-12-03T00:00:00Z, the entries' startedDateTime


def _entry(url: str, kind: str, status: int, headers: dict[str, str]) -> dict[str, object]:
    return {
        "_resourceType": kind,
        "startedDateTime": "2025-12-03T00:00:00.000Z",
        "time": 900.0,
        "request": {
            "method": "GET",
            "url": url,
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": "Cookie", "value": "session=canary-cookie"}],
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": k, "value": v} for k, v in headers.items()],
            "cookies": [],
            "content": {"size": 0, "mimeType": headers.get("Content-Type", "x-unknown")},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        },
        "cache": {},
        "timings": {
            "blocked": 1.0,
            "dns": -1,
            "connect": -1,
            "send": 0.1,
            "wait": 5.0,
            "receive": 0.0,
        },
    }


def har(path: Path) -> None:
    """A page with an EventSource of OpenAI chat chunks (whole) and a WebSocket relay whose
    answer stops without its finish_reason (devtools saw no close: nothing to judge there)."""
    socket = _entry("ws://127.0.0.1:8000/ws/chat", "websocket", 101, {"Upgrade": "websocket"})
    socket["_webSocketMessages"] = [
        {
            "type": "send" if m.direction is Direction.SENT else "receive",
            "time": START + (m.time or 0.0),
            "opcode": 2 if m.binary else 1,
            "data": m.data.decode(),
        }
        for m in messages(False)
    ]
    events = _entry(
        "http://127.0.0.1:8000/api/stream?q=hello",
        "eventsource",
        200,
        {"Content-Type": "text/event-stream"},
    )
    events["_eventSourceMessages"] = [
        {"time": START + 0.3 + 0.05 * i, "eventName": "message", "eventId": "", "data": data}
        for i, data in enumerate(
            m.data.decode() for m in messages(True) if m.direction is Direction.RECEIVED
        )
    ]
    page = _entry(
        "http://127.0.0.1:8000/app.js", "script", 200, {"Content-Type": "text/javascript"}
    )
    doc = {
        "log": {
            "version": "1.2",
            "creator": {"name": "WebInspector", "version": "537.36"},
            "pages": [],
            "entries": [page, events, socket],
        }
    }
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

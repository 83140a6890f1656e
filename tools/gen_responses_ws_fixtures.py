"""Write fixtures/openai-responses-ws/: sessions of the Responses API's WebSocket mode as v2
tapes (the client's `response.create` messages and the server's events, as openai-python's
`client.responses.connect()` exchanges them; made-up content).

    two-turns.tape           two responses on one socket, the second continuing the first
                             (previous_response_id), each ended by response.completed
    error-on-create.tape     a response.create answered by the WebSocket error shape
                             (`status` and a nested `error`), no response.created before it
    error-mid-response.tape  a response interrupted by an error event (with sequence_number)
    cut.tape                 the socket dropped while a response was streaming

Run from the repository root: python tools/gen_responses_ws_fixtures.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from streamcheck.model import Close, CloseState, Direction, EndReason, Message, Request
from streamcheck.sources import tape_ws

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "openai-responses-ws"
URL = "wss://api.openai.com/v1/responses"


class Session:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.time = 0.0

    def add(self, direction: Direction, value: dict[str, Any]) -> None:
        self.time = round(self.time + 0.02, 3)
        data = json.dumps(value, separators=(",", ":")).encode()
        self.messages.append(Message(direction, data, time=self.time))

    def create(self, text: str, previous: str | None = None) -> None:
        body: dict[str, Any] = {"type": "response.create", "model": "gpt-4o-mini", "input": text}
        if previous is not None:
            body["previous_response_id"] = previous
        self.add(Direction.SENT, body)

    def response(self, rid: str, parts: list[str], cut_after: int | None = None) -> None:
        """One response's events; `cut_after` stops after that many events."""
        events: list[dict[str, Any]] = []
        snapshot: dict[str, Any] = {
            "id": rid,
            "object": "response",
            "created_at": 1764720000,
            "status": "in_progress",
            "model": "gpt-4o-mini-2024-07-18",
            "output": [],
            "error": None,
            "incomplete_details": None,
            "usage": None,
        }

        def emit(kind: str, **fields: Any) -> None:
            events.append({"type": kind, **fields, "sequence_number": len(events)})

        item_id = f"msg_{rid[5:]}"
        where = {"item_id": item_id, "output_index": 0, "content_index": 0}
        message = {"id": item_id, "type": "message", "status": "in_progress"}
        message.update(role="assistant", content=[])
        emit("response.created", response=dict(snapshot))
        emit("response.in_progress", response=dict(snapshot))
        emit("response.output_item.added", output_index=0, item=dict(message))
        part: dict[str, Any] = {"type": "output_text", "text": "", "annotations": []}
        emit("response.content_part.added", **where, part=dict(part))
        for delta in parts:
            emit("response.output_text.delta", **where, delta=delta, logprobs=[])
        text = "".join(parts)
        emit("response.output_text.done", **where, text=text, logprobs=[])
        part["text"] = text
        emit("response.content_part.done", **where, part=dict(part))
        message.update(status="completed", content=[part])
        emit("response.output_item.done", output_index=0, item=dict(message))
        usage = {"input_tokens": 12, "output_tokens": 6, "total_tokens": 18}
        snapshot.update(status="completed", output=[message], usage=usage)
        emit("response.completed", response=snapshot)
        for event in events[:cut_after]:
            self.add(Direction.RECEIVED, event)

    def error(self, status: int, code: str, message: str, **extra: Any) -> None:
        error = {"type": "invalid_request_error", "code": code, "message": message}
        self.add(Direction.RECEIVED, {"type": "error", "status": status, "error": error, **extra})


def write(name: str, session: Session, close: Close) -> None:
    reason = EndReason.RESET if close.state is CloseState.NO_CLOSE_FRAME else EndReason.EOF
    fields = {"request": Request(method="GET", url=URL)}
    ROOT.mkdir(parents=True, exist_ok=True)
    (ROOT / name).write_bytes(tape_ws.dumps([(fields, session.messages, close, reason)]))


def main() -> None:
    def closed(session: Session) -> Close:
        return Close(CloseState.CLOSED, 1000, "", "client", round(session.time + 0.5, 3))

    two = Session()
    two.create("Say hello.")
    two.response("resp_WsTurn0001", ["Hello", "!"])
    two.create("Now say goodbye.", previous="resp_WsTurn0001")
    two.response("resp_WsTurn0002", ["Good", "bye", "!"])
    write("two-turns.tape", two, closed(two))

    refused = Session()
    refused.create("Go on.", previous="resp_WsGone0001")
    refused.error(
        400,
        "previous_response_not_found",
        "Previous response with id 'resp_WsGone0001' not found.",
    )
    write("error-on-create.tape", refused, closed(refused))

    broken = Session()
    broken.create("Say hello.")
    broken.response("resp_WsErr0001", ["Hel"], cut_after=5)
    error = {"type": "server_error", "code": "server_error", "message": "The server had an error."}
    broken.add(
        Direction.RECEIVED,
        {"type": "error", "status": 500, "error": error, "sequence_number": 5},
    )
    write("error-mid-response.tape", broken, closed(broken))

    cut = Session()
    cut.create("Say hello.")
    cut.response("resp_WsCut0001", ["Hel"], cut_after=5)
    write("cut.tape", cut, Close(CloseState.NO_CLOSE_FRAME, time=round(cut.time + 0.1, 3)))


if __name__ == "__main__":
    main()

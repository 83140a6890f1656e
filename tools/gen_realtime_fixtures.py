"""Write the OpenAI Realtime fixtures (fixtures/openai-realtime/, fixtures/rules/SC350-SC355).

The events follow the shapes of openai-python's `types/realtime` (GA) and
`types/beta/realtime` (beta); ids and text are made up. Run from the repository root:

    python tools/gen_realtime_fixtures.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from streamcheck.model import Close, CloseState, Direction, EndReason, Message, Request
from streamcheck.sources import tape_ws

ROOT = Path(__file__).resolve().parent.parent
URL = "wss://api.openai.com/v1/realtime?model=gpt-realtime"
BETA_HEADERS = {"OpenAI-Beta": "realtime=v1"}
NORMAL = Close(CloseState.CLOSED, 1000, "", "client", 2.0)


class Events:
    """One session's server events, numbered as they are made."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.count = 0

    def event(self, kind: str, **members: Any) -> dict[str, Any]:
        self.count += 1
        return {"type": kind, "event_id": f"event_{self.count:04d}", **members}

    def session(self) -> dict[str, Any]:
        if self.version == "ga":
            session: dict[str, Any] = {
                "type": "realtime",
                "object": "realtime.session",
                "id": "sess_fixture1",
                "model": "gpt-realtime",
                "output_modalities": ["text"],
                "instructions": "Be brief.",
                "max_output_tokens": "inf",
            }
        else:
            session = {
                "id": "sess_fixture1",
                "object": "realtime.session",
                "model": "gpt-4o-realtime-preview",
                "modalities": ["text"],
                "instructions": "Be brief.",
                "voice": "alloy",
                "output_audio_format": "pcm16",
                "temperature": 0.8,
                "max_response_output_tokens": "inf",
            }
        return self.event("session.created", session=session)

    def response(self, rid: str, status: str, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "object": "realtime.response",
            "id": rid,
            "status": status,
            "status_details": None,
            "output": [],
            "conversation_id": "conv_fixture1",
            "usage": None,
            "metadata": None,
        }
        body["output_modalities" if self.version == "ga" else "modalities"] = ["text"]
        body.update(extra)
        return body

    def text_response(
        self, rid: str, words: list[str], status: str = "completed", done: bool = True, **extra: Any
    ) -> list[dict[str, Any]]:
        ga = self.version == "ga"
        item = {
            "id": f"item_{rid}",
            "object": "realtime.item",
            "type": "message",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        }
        where = {"response_id": rid, "item_id": item["id"], "output_index": 0, "content_index": 0}
        delta, text_done = (
            ("response.output_text.delta", "response.output_text.done")
            if ga
            else ("response.text.delta", "response.text.done")
        )
        text = "".join(words)
        part = {"type": "text", "text": ""}
        events = [
            self.event("response.created", response=self.response(rid, "in_progress")),
            self.event("response.output_item.added", response_id=rid, output_index=0, item=item),
            self.event("conversation.item.created", previous_item_id=None, item=item),
            self.event("response.content_part.added", **where, part=part),
            *(self.event(delta, **where, delta=word) for word in words),
        ]
        if not done:
            return events
        finished = dict(item, status="completed", content=[{"type": "text", "text": text}])
        if ga:
            finished["content"] = [{"type": "output_text", "text": text}]
        usage = {"total_tokens": 30, "input_tokens": 20, "output_tokens": 10}
        events += [
            self.event(text_done, **where, text=text),
            self.event("response.content_part.done", **where, part={"type": "text", "text": text}),
            self.event("response.output_item.done", response_id=rid, output_index=0, item=finished),
            self.event(
                "response.done",
                response=self.response(rid, status, output=[finished], usage=usage, **extra),
            ),
        ]
        return events


def messages(events: list[dict[str, Any]], ask: str = "Say hello") -> list[Message]:
    sent = [
        {
            "type": "conversation.item.create",
            "item": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": ask}],
            },
        },
        {"type": "response.create"},
    ]
    out = [
        Message(Direction.SENT, json.dumps(m).encode(), time=0.1 + i * 0.01)
        for i, m in enumerate(sent)
    ]
    out.insert(0, Message(Direction.RECEIVED, json.dumps(events[0]).encode(), time=0.05))
    out += [
        Message(Direction.RECEIVED, json.dumps(e).encode(), time=round(0.3 + 0.02 * i, 3))
        for i, e in enumerate(events[1:])
    ]
    return out


def write(path: Path, version: str, events: list[dict[str, Any]], close: Close = NORMAL) -> None:
    headers = BETA_HEADERS if version == "beta" else {}
    request = Request(method="GET", url=URL, headers=headers)
    end = EndReason.RESET if close.state is CloseState.NO_CLOSE_FRAME else EndReason.EOF
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tape_ws.dumps([({"request": request}, messages(events), close, end)]))


def session(version: str, *responses: list[dict[str, Any]], first: bool = True) -> list[Any]:
    ev = Events(version)
    head = [ev.session()] if first else []
    return head + [e for build in responses for e in build]


def main() -> None:
    fixtures = ROOT / "fixtures"
    words = ["Hel", "lo", "!"]
    for version in ("ga", "beta"):
        ev = Events(version)
        write(
            fixtures / "openai-realtime" / f"{version}-text.tape",
            version,
            [ev.session(), *ev.text_response("resp_001", words)],
        )
    rules = fixtures / "rules"
    ev = Events("ga")
    whole = [ev.session(), *ev.text_response("resp_001", words)]
    write(rules / "SC350" / "good.tape", "ga", whole)
    ev = Events("ga")
    cut = [ev.session(), *ev.text_response("resp_001", words, done=False)]
    write(rules / "SC350" / "bad.tape", "ga", cut, Close(CloseState.CLOSED, None, "", "server", 2))
    ev = Events("ga")
    failed = [
        ev.session(),
        *ev.text_response(
            "resp_001",
            words,
            status="failed",
            status_details={
                "type": "failed",
                "error": {"type": "server_error", "code": "internal_error"},
            },
        ),
    ]
    write(rules / "SC351" / "bad.tape", "ga", failed)
    write(rules / "SC351" / "good.tape", "ga", whole)
    ev = Events("ga")
    error = ev.event(
        "error",
        error={
            "type": "invalid_request_error",
            "code": "invalid_value",
            "message": "Invalid value: 'text2'.",
            "param": "type",
            "event_id": "client_1",
        },
    )
    write(rules / "SC352" / "bad.tape", "ga", [ev.session(), error])
    write(rules / "SC352" / "good.tape", "ga", whole)
    ev = Events("ga")
    first = ev.text_response("resp_001", words)
    late = dict(first[5], event_id="event_late")
    write(rules / "SC353" / "bad.tape", "ga", [ev.session(), *first, late])
    write(rules / "SC353" / "good.tape", "ga", whole)
    ev = Events("ga")
    write(rules / "SC354" / "bad.tape", "ga", ev.text_response("resp_001", words))
    write(rules / "SC354" / "good.tape", "ga", whole)
    beta = Events("beta")
    ga_session = Events("ga").session()
    write(rules / "SC355" / "bad.tape", "ga", [ga_session, *beta.text_response("resp_001", words)])
    write(rules / "SC355" / "good.tape", "ga", whole)


if __name__ == "__main__":
    main()

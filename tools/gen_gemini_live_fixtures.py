"""Write the Gemini Live fixtures: fixtures/gemini-live/*.tape (whole sessions, cut ones and
error closes) and the rule fixtures fixtures/rules/SC390-SC396/{bad,good}.tape, as v2 tapes.

The messages follow the documented shapes (ai.google.dev/api/live; google-genai
types.LiveServerMessage) with made-up content: the client's `setup` goes out as a text
message, and the server's messages come back in binary frames, as the Gemini API sends them.
Run from the repository root:

    python tools/gen_gemini_live_fixtures.py
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from streamcheck.model import Close, CloseState, Direction, EndReason, Message, Request
from streamcheck.sources import tape_ws

ROOT = Path(__file__).resolve().parent.parent
HOST = "wss://generativelanguage.googleapis.com"
URL = f"{HOST}/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
VERTEX = (
    "wss://us-central1-aiplatform.googleapis.com/ws/"
    "google.cloud.aiplatform.v1beta1.LlmBidiService/BidiGenerateContent"
)
MODEL = "models/gemini-live-2.5-flash-preview"
SETUP = {"setup": {"model": MODEL, "generationConfig": {"responseModalities": ["TEXT"]}}}
ASK = {
    "clientContent": {"turns": [{"role": "user", "parts": [{"text": "Hi"}]}], "turnComplete": True}
}
USAGE = {"promptTokenCount": 9, "responseTokenCount": 6, "totalTokenCount": 15}


def sent(value: dict[str, Any], t: float) -> Message:
    return Message(Direction.SENT, json.dumps(value).encode(), time=t)


def got(value: dict[str, Any], t: float) -> Message:
    return Message(Direction.RECEIVED, json.dumps(value).encode(), binary=True, time=t)


def text(words: str) -> dict[str, Any]:
    return {"serverContent": {"modelTurn": {"role": "model", "parts": [{"text": words}]}}}


def start(extra: list[dict[str, Any]] | None = None) -> list[Message]:
    out = [sent(SETUP, 0.0), got({"setupComplete": {}}, 0.2), sent(ASK, 0.25)]
    return out + [got(m, 0.3 + i * 0.01) for i, m in enumerate(extra or [])]


def turn(words: tuple[str, ...] = ("Hel", "lo", "!")) -> list[dict[str, Any]]:
    return [text(w) for w in words] + [
        {"serverContent": {"generationComplete": True}},
        {"serverContent": {"turnComplete": True}, "usageMetadata": USAGE},
    ]


def close(code: int | None, by: str = "client", reason: str = "") -> Close:
    state = CloseState.CLOSED if code is not None else CloseState.NO_CLOSE_FRAME
    return Close(state, code, reason, by if code is not None else None, 1.0)


def write(path: Path, messages: list[Message], end: Close, url: str = URL) -> None:
    fields = {"request": Request(method="GET", url=url)}
    reason = EndReason.RESET if end.state is CloseState.NO_CLOSE_FRAME else EndReason.EOF
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tape_ws.dumps([(fields, messages, end, reason)]))


CALL = {
    "toolCall": {
        "functionCalls": [{"id": "fc_1", "name": "get_weather", "args": {"city": "Paris"}}]
    }
}
ANSWER = {
    "toolResponse": {
        "functionResponses": [{"id": "fc_1", "name": "get_weather", "response": {"sky": "clear"}}]
    }
}


def tool_session(cancel: str | None = None) -> list[Message]:
    out = start([CALL])
    if cancel is not None:
        out.append(got({"toolCallCancellation": {"ids": [cancel]}}, 0.35))
    out.append(sent(ANSWER, 0.4))
    return out + [got(m, 0.5 + i * 0.01) for i, m in enumerate(turn(("Clear", " skies.")))]


def sessions() -> dict[str, tuple[list[Message], Close]]:
    whole = start(turn())
    resumable = {"sessionResumptionUpdate": {"newHandle": "handle-1", "resumable": True}}
    return {
        "text-turn": (whole, close(1000)),
        "tool-call": (tool_session(), close(1000)),
        "cut-before-turn-complete": (
            start([text("Hel"), text("lo")]),
            close(1011, "server", "Internal error encountered."),
        ),
        "go-away": (start([*turn(), resumable, {"goAway": {"timeLeft": "50s"}}]), close(1000)),
        "invalid-argument-close": (
            start(),
            close(1007, "server", "Request contains an invalid argument."),
        ),
    }


def rule_cases() -> dict[str, tuple[list[Message], list[Message]]]:
    whole = start(turn())
    out_of_order = [
        text("Hel"),
        {"serverContent": {"generationComplete": True}},
        text("lo"),
        {"serverContent": {"turnComplete": True}},
    ]
    refused = [
        {"serverContent": {"turnComplete": True, "turnCompleteReason": "GENERATED_CONTENT_SAFETY"}}
    ]
    first_content = [sent(SETUP, 0.0), *[got(m, 0.2 + i * 0.01) for i, m in enumerate(turn())]]
    return {
        "SC390": (first_content, whole),
        "SC391": (start([text("Hel"), text("lo")]), whole),
        "SC392": (start([*turn(), {"goAway": {"timeLeft": "10s"}}]), whole),
        "SC393": (start(out_of_order), whole),
        "SC394": (tool_session(cancel="fc_9"), tool_session(cancel="fc_1")),
        "SC395": (start([{"status": "ok"}, *turn()]), whole),
        "SC396": (start([text("I can"), *refused]), whole),
    }


def har(path: Path, messages: list[Message]) -> None:
    """A page that talks to the Live API from the browser (an ephemeral token, v1alpha), as
    Chrome's devtools export it: binary frames are opcode 2, base64; no close is recorded."""
    url = URL.replace("v1beta", "v1alpha") + "Constrained?access_token=canary-token"
    start = 1764720000.0
    socket = {
        "_resourceType": "websocket",
        "startedDateTime": "2025-12-03T00:00:00.000Z",
        "time": 900.0,
        "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1", "headers": []},
        "response": {"status": 101, "statusText": "", "httpVersion": "HTTP/1.1", "headers": []},
        "_webSocketMessages": [
            {
                "type": "send" if m.direction is Direction.SENT else "receive",
                "time": start + (m.time or 0.0),
                "opcode": 2 if m.binary else 1,
                "data": base64.b64encode(m.data).decode() if m.binary else m.data.decode(),
            }
            for m in messages
        ],
    }
    doc = {"log": {"version": "1.2", "creator": {"name": "WebInspector"}, "entries": [socket]}}
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    folder = ROOT / "fixtures" / "gemini-live"
    for name, (messages, end) in sessions().items():
        write(folder / f"{name}.tape", messages, end)
    write(folder / "vertex-text-turn.tape", start(turn()), close(1000), VERTEX)
    har(ROOT / "fixtures" / "har" / "gemini-live-cut.har", start([text("Hel"), text("lo")]))
    for code, (bad, good) in rule_cases().items():
        write(ROOT / "fixtures" / "rules" / code / "bad.tape", bad, close(1000))
        write(ROOT / "fixtures" / "rules" / code / "good.tape", good, close(1000))


if __name__ == "__main__":
    main()

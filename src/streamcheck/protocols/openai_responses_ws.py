"""OpenAI Responses API over WebSocket (WebSocket mode: `wss://api.openai.com/v1/responses`).

Spec: openai-python `types/responses/responses_server_event.py` (`ResponsesServerEvent`: the
HTTP stream's events, each with an optional `stream_id`, and `ResponseWsError`); Open Responses
2026-04-24 (`WebSocketErrorEvent`). The client sends `response.create` messages (the body of
`POST /v1/responses` without `stream`); the server answers each with the same events as the
HTTP stream, one JSON event per text message, and the socket stays open for the next turn.
Errors have their own shape: `{"type": "error", "status": 400, "error": {"type", "code",
"message", "param"}}`, with `sequence_number` only when a response was streaming, so an error
answering a `response.create` comes first, without any `response.created`.
Grammar: each response is judged by the HTTP stream's grammar (`openai_responses`), from its
`response.created` to its terminal event; a `response.created` after a terminal event starts
the next turn. An `error` event ends the response it interrupts (SC403, worded for a WebSocket
session: there is no HTTP 200 here, the upgrade answered 101). The stream has reached its end
when no response is open (`finished()`): `record --ws` then lingers and closes.
"""

from __future__ import annotations

from typing import Any

from streamcheck import errors
from streamcheck.model import Exchange, Frame
from streamcheck.protocols.base import Context, Protocol, StreamState, register, url_parts
from streamcheck.protocols.openai_responses import TERMINAL, OpenAIResponses, ResponsesStream
from streamcheck.redact import excerpt

FIRST = "response.created"
# The schema kind of a WebSocket error event (schemas/openai/responses/<v>/websocket-error.json,
# generated from openai-python's ResponseWsError by tools/gen_openai_responses_ws.py).
WS_ERROR = "websocket-error"


def _describe(value: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """What a WebSocket error says (status, type, code, message), its class and its hint."""
    error = value.get("error")
    if not isinstance(error, dict):
        error = {}
    status = value.get("status")
    # Classified as the OpenAI error body it wraps (`{"type": "error", "error": ...}` at the top
    # would read as Anthropic's shape, which has no `code`), with the status it carries.
    code = status if isinstance(status, int) and not isinstance(status, bool) else None
    verdict = errors.classify(None, code, value={"error": error})
    parts = [f"status {status}" if isinstance(status, int) else None]
    parts += [str(error[k]) for k in ("type", "code") if isinstance(error.get(k), str)]
    label = ", ".join(p for p in parts if p)
    message = error.get("message")
    quoted = f": {excerpt(message, 160)}" if isinstance(message, str) and message else ""
    return f"[{verdict.klass}] {label}{quoted}", verdict.klass, verdict.hint


class ResponsesSessionStream(StreamState):
    """A WebSocket session: one `ResponsesStream` per response, errors judged here."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.response: ResponsesStream | None = None
        self.open = False  # a response is streaming (created, not yet ended)
        self.earlier = 0  # content frames of the responses before the current one

    def frame(self, frame: Frame, value: Any, kind: str | None) -> None:
        if not isinstance(value, dict):
            return
        etype = value.get("type")
        if etype == "error":
            self._error(frame, value)
            return
        if self.response is None or (not self.open and etype == FIRST):
            self._count_content()
            self.response = ResponsesStream(self.ctx, None)
        self.response.frame(frame, value, kind)
        self.open = etype not in TERMINAL if isinstance(etype, str) else self.open
        self.content_frames = self.earlier + self.response.content_frames
        if self.first_content_time is None:
            self.first_content_time = self.response.first_content_time

    def _count_content(self) -> None:
        if self.response is not None:
            self.earlier += self.response.content_frames

    def _error(self, frame: Frame, value: dict[str, Any]) -> None:
        """SC403 for an error event, in the WebSocket error shape: it ends the response it
        interrupts (none is open when it answers a response.create)."""
        said, klass, hint = _describe(value)
        self.ctx.error_class = klass
        during = " (it ended the streaming response)" if self.open else ""
        self.ctx.report(
            "SC403",
            f"error event in the WebSocket session{during}: {said}",
            evidence=excerpt(frame.data),
            hint=hint,
        )
        self._count_content()
        self.response, self.open = None, False

    def end(self, clean_eof: bool) -> None:
        if self.response is not None:
            self.response.end(clean_eof)

    def finished(self) -> bool | None:
        if self.response is None and not self.ctx.error_class:
            return None  # nothing arrived yet: the session has not started a response
        return not self.open


@register
class OpenAIResponsesWebSocket(Protocol):
    name = "openai-responses-ws"
    provider = "openai"
    api = "responses"  # the HTTP stream's schemas, plus the WebSocket error's
    framing = "websocket"
    discriminator = None  # `error` is its own kind here (WS_ERROR): kind() decides
    # Events without sequence_number (aimock's) are judged by the launch shape and the choice
    # said once (SC902), as over HTTP: not one SC201 per event for a field the official client
    # never reads.
    version_reasons = OpenAIResponses.version_reasons

    @classmethod
    def frame_version(cls, value: Any, current: str | None) -> str | None:
        # A WebSocket error carries sequence_number only mid-response: it says no version.
        if isinstance(value, dict) and value.get("type") == "error":
            return None
        return OpenAIResponses.frame_version(value, current)

    @classmethod
    def match_request(cls, exchange: Exchange) -> int:
        if exchange.messages is None:
            return 0  # an HTTP exchange: openai_responses
        path = url_parts(exchange.request.url).path.rstrip("/")
        return 80 if path.endswith("/responses") else 0

    @classmethod
    def match_frame(cls, value: Any, event: str | None) -> bool:
        if not isinstance(value, dict):
            return False
        etype = value.get("type")
        if etype == "error":  # the WebSocket error shape: a nested error and an HTTP status
            return isinstance(value.get("error"), dict) and isinstance(value.get("status"), int)
        return (
            isinstance(etype, str)
            and etype.startswith("response.")
            and "sequence_number" in value
            and "event_id" not in value  # Realtime's events carry event_id
        )

    @classmethod
    def kind(cls, value: Any, event: str | None) -> str | None:
        if not isinstance(value, dict) or not isinstance(value.get("type"), str):
            return None
        return WS_ERROR if value["type"] == "error" else str(value["type"])

    @classmethod
    def stream(cls, ctx: Context) -> StreamState:
        return ResponsesSessionStream(ctx)

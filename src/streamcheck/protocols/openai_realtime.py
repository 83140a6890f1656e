"""OpenAI Realtime API over WebSocket (`wss://api.openai.com/v1/realtime?model=...`).

Spec: openai-python `types/realtime` (GA) and `types/beta/realtime` (beta, the API as served
with the header `OpenAI-Beta: realtime=v1`), cross-checked with openai-openapi's
`RealtimeServerEvent*` schemas; schemas generated per server event `type` by
tools/gen_openai_realtime.py into schemas/openai/realtime/{ga,beta}/.
Wire: one JSON event per WebSocket text message (wire.websocket); the client's events are not
frames. The GA API renamed the output events: `response.text.delta` ->
`response.output_text.delta`, `response.audio.delta` -> `response.output_audio.delta`,
`response.audio_transcript.delta` -> `response.output_audio_transcript.delta` (and `.done`).
Grammar: `session.created` first; a response runs from `response.created` to `response.done`,
whose `response.status` says how it ended (completed, cancelled, failed, incomplete, with
`status_details`); events naming a `response_id` belong to an open response. An `error` event
is recoverable (the session goes on) unless the socket closes after it. The stream has reached
its end when no response is open (`finished()`), which judges the WebSocket's close.
"""

from __future__ import annotations

from typing import Any, ClassVar

from streamcheck.model import Exchange, Frame, Severity
from streamcheck.protocols.base import (
    Context,
    Hint,
    Protocol,
    RepeatPath,
    StreamState,
    register,
    type_member,
    url_parts,
)
from streamcheck.protocols.envelope import Codes, Envelope, Enveloped
from streamcheck.redact import excerpt

GA, BETA = "ga", "beta"
# The output events GA renamed: beta name <-> GA name.
RENAMED = {
    "response.text.delta": "response.output_text.delta",
    "response.text.done": "response.output_text.done",
    "response.audio.delta": "response.output_audio.delta",
    "response.audio.done": "response.output_audio.done",
    "response.audio_transcript.delta": "response.output_audio_transcript.delta",
    "response.audio_transcript.done": "response.output_audio_transcript.done",
}
GA_NAMES = {ga: beta for beta, ga in RENAMED.items()}
CONTENT = frozenset(RENAMED) | frozenset(GA_NAMES) | {"response.function_call_arguments.delta"}
FIRST = frozenset({"session.created", "transcription_session.created"})
ENVELOPE = Envelope(
    first=FIRST,
    first_words="session.created",
    codes=Codes(first="SC354"),
    quote=frozenset({"first"}),
)
# The strings a content delta repeats with others in (check/repeat.py): every server event has
# its own event_id; the delta is the text, audio or arguments.
_DELTA_PATHS: tuple[RepeatPath, ...] = (("event_id",), ("delta",))
_DELTA_ONLY: tuple[RepeatPath, ...] = (("delta",),)
# response.done status -> severity of SC351 (None: a normal end).
ENDINGS: dict[str, Severity | None] = {
    "completed": None,
    "cancelled": Severity.INFO,
    "incomplete": Severity.WARNING,
    "failed": Severity.ERROR,
}


def _beta_header(exchange: Exchange) -> bool:
    for name, value in exchange.request.headers.items():
        if name.lower() == "openai-beta" and "realtime=v1" in value.replace(" ", ""):
            return True
    return False


class RealtimeStream(StreamState):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.envelope = Enveloped(self, ENVELOPE)
        self.open: dict[str, int] = {}  # response id -> frame index of its response.created
        self.done: set[str] = set()
        self.pending_error: tuple[Frame, str] | None = None  # an error not yet followed
        self.renamed_seen: set[str] = set()
        # The Hint of each content delta's type (with an event_id or without), made once.
        self.hints: dict[tuple[str, bool], Hint] = {}

    def frame(self, frame: Frame, value: Any, kind: str | None) -> Hint | None:
        """`_frame`, and for a content delta of an open response (most events of a session) a
        Hint: an event of the same bytes but for its `event_id` and `delta` is handled by
        `_again` without being parsed (check/repeat.py); it does what `_frame` does for one."""
        etype = self._frame(frame, value)
        if etype is None or type(value.get("delta")) is not str:
            return None
        named = type(value.get("event_id")) is str
        hint = self.hints.get((etype, named))
        if hint is None:
            paths = _DELTA_PATHS if named else _DELTA_ONLY
            hint = self.hints[etype, named] = (paths, self._again)
        return hint

    def full_frame(self, frame: Frame, value: Any, kind: str | None) -> Hint | None:
        """`frame` without its Hint: every event through `_frame`, the reference
        (protocols/shortcuts.py swaps it in to prove the shortcut changes no finding)."""
        self._frame(frame, value)
        return None

    def _again(self, frame: Frame, bodies: list[bytes]) -> None:
        """`_frame` on a content delta that repeats the last one but for its strings: the
        response is still open (only other events open or close one), no error is pending
        (an error event is another event), the event's name was judged (SC355) by the last."""
        self.envelope.events += 1
        # envelope.content(frame), inline (this stream is the envelope's owner): per event.
        self.content_frames += 1
        if self.first_content_time is None:
            self.first_content_time = frame.time

    def _frame(self, frame: Frame, value: Any) -> str | None:
        """The rules, per event; the event's type when it was a content delta of an open
        response that reported nothing (what `_again` repeats), else None."""
        envelope = self.envelope
        envelope.events += 1
        if self.pending_error is not None:
            self._error(*self.pending_error, recovered=True)
        etype = value.get("type") if type(value) is dict else None
        if type(etype) is not str:
            return None  # its schema finding says what is wrong
        if envelope.events == 1:
            envelope.first(frame, etype)  # a session, not one answer: no end, nothing after
        self._version_name(etype)
        if etype == "response.created":
            rid = value["response"]["id"]
            if type(rid) is str:
                self.open.setdefault(rid, frame.index)
        elif etype == "response.done":
            self._response_done(value["response"], frame)
        elif etype == "error":
            self.pending_error = (frame, self._describe_error(value.get("error")))
        else:
            rid = value.get("response_id")
            if type(rid) is str and rid not in self.open:
                when = "after its response.done" if rid in self.done else "before response.created"
                self.ctx.report(
                    "SC353",
                    f"{etype} for response {rid!r} arrived {when}",
                    path="/response_id",
                )
            if etype in CONTENT:
                envelope.content(frame)
                if type(rid) is str and rid in self.open and envelope.events > 1:
                    return etype  # an event of an open response that reported nothing
        return None

    def _version_name(self, etype: str) -> None:
        """SC355: an output event under the other version's name (GA vs beta)."""
        beta = self.ctx.api_version == BETA
        other = GA_NAMES.get(etype) if beta else (RENAMED.get(etype) and etype)
        if not other or etype in self.renamed_seen:
            return
        self.renamed_seen.add(etype)
        if beta:
            message = f"{etype} is the GA name, in a beta session (beta calls it {other})"
            hint = (
                "The session speaks the GA API: drop the `OpenAI-Beta: realtime=v1` header from "
                "the client's expectations, or check it against the GA schemas "
                "(--api-version ga); beta clients ignore GA event names."
            )
        else:
            message = f"{etype} is the beta name, in a GA session (GA calls it {RENAMED[etype]})"
            hint = (
                "The server speaks the beta API: connect with `OpenAI-Beta: realtime=v1` and "
                "beta event handlers, or move the server to the GA names; GA clients "
                "(openai-python client.realtime) never see these deltas."
            )
        self.ctx.report("SC355", message, hint=hint)

    def _response_done(self, response: Any, frame: Frame) -> None:
        rid = response.get("id")
        status = response.get("status")
        if type(rid) is str:
            if rid not in self.open and rid not in self.done:
                self.ctx.report("SC353", f"response.done for {rid!r} without response.created")
            self.open.pop(rid, None)
            self.done.add(rid)
        severity = ENDINGS.get(status) if isinstance(status, str) else Severity.ERROR
        if isinstance(status, str) and status in ENDINGS and severity is None:
            return
        details = response.get("status_details")
        said = ""
        if isinstance(details, dict):
            reason = details.get("reason")
            error = details.get("error")
            if reason:
                said += f", reason {reason!r}"
            if isinstance(error, dict):
                said += f", error {error.get('type') or ''} {error.get('code') or ''}".rstrip()
                if error.get("message"):
                    said += f": {error['message']}"
        self.ctx.report(
            "SC351",
            f"response {rid!r} ended with status {status!r}{said}",
            path="/response/status",
            severity=severity,
            evidence=excerpt(frame.data),
        )

    @staticmethod
    def _describe_error(error: Any) -> str:
        if not isinstance(error, dict):
            return "an error event"
        parts = [str(error.get(k)) for k in ("type", "code") if error.get(k)]
        text = " ".join(parts) or "error"
        return f"{text}: {error['message']}" if error.get("message") else text

    def _error(self, frame: Frame, what: str, recovered: bool) -> None:
        self.pending_error = None
        where, self.ctx.frame = self.ctx.frame, frame
        if recovered:
            self.ctx.report("SC352", f"error event ({what}); the session went on")
        else:
            self.ctx.report(
                "SC352",
                f"error event ({what}), then the socket closed",
                severity=Severity.ERROR,
            )
        self.ctx.frame = where

    def end(self, clean_eof: bool) -> None:
        if self.pending_error is not None:
            self._error(*self.pending_error, recovered=False)
        for rid, index in self.open.items():
            self.ctx.report(
                "SC350",
                f"response {rid!r} (created at frame {index}) never got its response.done",
                at_end=True,
            )

    def finished(self) -> bool | None:
        return not self.open


@register
class OpenAIRealtime(Protocol):
    name = "openai-realtime"
    provider = "openai"
    api = "realtime"
    framing = "websocket"
    aliases = ("realtime",)
    discriminator = "type"
    version_reasons: ClassVar[dict[str, str]] = {
        BETA: "its session object has no `type`: the beta interface (the GA session says "
        '"realtime" or "transcription")',
        GA: 'its session object has a `type` ("realtime" or "transcription"): the GA interface',
    }

    @classmethod
    def match_request(cls, exchange: Exchange) -> int:
        path = url_parts(exchange.request.url).path.rstrip("/")
        if path.endswith("/realtime"):
            return 80
        return 80 if _beta_header(exchange) else 0

    @classmethod
    def match_frame(cls, value: Any, event: str | None) -> bool:
        if not isinstance(value, dict):
            return False
        etype = value.get("type")
        if etype in FIRST:
            return isinstance(value.get("session"), dict)
        # Every Realtime server event carries an event_id; no SSE API's events do.
        return isinstance(etype, str) and isinstance(value.get("event_id"), str) and "." in etype

    @classmethod
    def version(cls, exchange: Exchange) -> str | None:
        return BETA if _beta_header(exchange) else None

    @classmethod
    def frame_version(cls, value: Any, current: str | None) -> str | None:
        """A beta session object has no `type`; GA's says "realtime" or "transcription"."""
        if not isinstance(value, dict) or value.get("type") not in FIRST:
            return None
        session = value.get("session")
        if not isinstance(session, dict):
            return None
        return GA if "type" in session else BETA

    @classmethod
    def kind(cls, value: Any, event: str | None) -> str | None:
        return type_member(value, None)

    @classmethod
    def stream(cls, ctx: Context) -> StreamState:
        return RealtimeStream(ctx)

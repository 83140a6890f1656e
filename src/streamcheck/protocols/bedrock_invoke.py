"""AWS Bedrock Runtime InvokeModelWithResponseStream
(`POST /model/{modelId}/invoke-with-response-stream`).

Spec: Amazon Bedrock API Reference, bedrock-runtime API version 2023-09-30:
InvokeModelWithResponseStream, ResponseStream (chunk: PayloadPart, and the exception members
incl. modelTimeoutException); PROVIDERS.md section 2.9.
Wire: AWS binary event stream; every event is `chunk` with `{"bytes": <base64>}` (plus the `p`
padding) and the bytes are one piece of the model's own JSON. Bedrock adds
`amazon-bedrock-invocationMetrics` to the model's last piece.
Checks: the base64 decodes and the inner JSON parses (SC103, SC101 when cut). Inner JSON in a
shape streamcheck knows gets that shape's grammar: Anthropic Messages events (Claude models) and
Converse-shaped events (Nova: `{"messageStart": {...}}`). Other models (Titan, Llama, Mistral,
Cohere, ...) are checked for well-formedness, and a stream whose last piece has no
invocationMetrics and no guardrail intervention is a warning (SC301): the model's end never
came. Exceptions end the stream as in ConverseStream (SC403).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from streamcheck.model import Frame, Severity
from streamcheck.protocols.anthropic import EVENTS as ANTHROPIC_EVENTS
from streamcheck.protocols.anthropic import MessagesStream
from streamcheck.protocols.base import Context, StreamState, register
from streamcheck.protocols.bedrock import (
    CONVERSE_EVENTS,
    BedrockRuntime,
    ConverseStream,
    failure_type,
    report_failure,
)
from streamcheck.redact import excerpt

METRICS = "amazon-bedrock-invocationMetrics"
GUARDRAIL = "amazon-bedrock-guardrailAction"


class InvokeStream(StreamState):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.events = 0
        self.inner: StreamState | None = None  # the grammar of a known inner shape
        self.inner_shape: str | None = None  # anthropic, converse, or other
        self.metrics = False
        self.intervened = False
        self.failed: str | None = None
        self.after_end_reported = False

    def frame(self, frame: Frame, value: Any, kind: str | None) -> None:
        if not isinstance(value, dict):
            return
        self.events += 1
        failure = failure_type(frame)
        if self.failed:
            if not self.after_end_reported:
                self.after_end_reported = True
                name = failure or frame.event
                self.ctx.report("SC302", f"{name!r} arrived after the {self.failed} that ended it")
            return
        if failure is not None:
            self.failed = failure
            report_failure(self.ctx, frame, value, failure, self.content_frames)
            return
        if frame.event != "chunk":
            return  # an unknown event type: the schema check (SC202) reports it
        inner = self._inner(value)
        if inner is None:
            return
        self.content_frames += 1
        if self.first_content_time is None:
            self.first_content_time = frame.time
        if isinstance(inner, dict):
            self.metrics = self.metrics or METRICS in inner
            self.intervened = self.intervened or inner.get(GUARDRAIL) == "INTERVENED"
            self._dispatch(frame, inner)

    def _inner(self, value: dict[str, Any]) -> Any:
        encoded = value.get("bytes")
        if encoded is None and self._shape(value) != "other":
            # The model's event sent bare (aimock): SC201 says the envelope is missing (SDK code
            # indexes chunk["bytes"]); its grammar is still judged, so a cut shows as one.
            return value
        if not isinstance(encoded, str):
            return None  # the schema finding says what is wrong
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            self.ctx.report("SC103", "chunk.bytes is not valid base64", path="/bytes")
            return None
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            stripped = raw.rstrip()
            cut = stripped[:1] in (b"{", b"[") and exc.pos >= len(stripped) - 1
            what = "is cut off" if cut else f"is not JSON ({exc.msg})"
            self.ctx.report(
                "SC101" if cut else "SC103",
                f"the model's JSON inside chunk.bytes {what}",
                path="/bytes",
                evidence=excerpt(raw),
            )
            return None

    def _dispatch(self, frame: Frame, inner: dict[str, Any]) -> None:
        shape = self._shape(inner)
        if self.inner_shape is None:
            self.inner_shape = shape
            if shape == "anthropic":
                self.inner = MessagesStream(self.ctx)
            elif shape == "converse":
                self.inner = ConverseStream(self.ctx)
        if self.inner is None or shape != self.inner_shape:
            return
        if shape == "anthropic":
            event = str(inner["type"])
            self.inner.frame(_as(frame, None), inner, event)
        else:
            event = next(k for k in inner if k in CONVERSE_EVENTS)
            body = inner[event]
            if isinstance(body, dict):
                self.inner.frame(_as(frame, event), body, event)

    @staticmethod
    def _shape(inner: dict[str, Any]) -> str:
        if inner.get("type") in ANTHROPIC_EVENTS:
            return "anthropic"
        if any(k in CONVERSE_EVENTS for k in inner):
            return "converse"
        return "other"

    def end(self, clean_eof: bool) -> None:
        if self.failed or not self.events:
            return
        if self.inner is not None:
            self.inner.end(clean_eof)
            return
        if not self.metrics and not self.intervened:
            self.ctx.report(
                "SC301",
                f"no chunk carried {METRICS}, which Bedrock adds to the model's last piece: "
                "the stream may have been cut",
                at_end=True,
                severity=Severity.WARNING,
            )


def _as(frame: Frame, event: str | None) -> Frame:
    """The outer frame seen as one inner event, for a grammar that reads `event` and `meta`."""
    return Frame(frame.index, frame.offset, frame.line, frame.data, event, frame.time, -1, None)


@register
class BedrockInvokeStream(BedrockRuntime):
    name = "bedrock-invoke-stream"
    api = "invoke-with-response-stream"

    @classmethod
    def match_frame(cls, value: Any, event: str | None) -> bool:
        """An event-stream `chunk`: the `{"bytes": base64}` envelope, or a model's own event
        sent bare where the envelope belongs (aimock; judged here, not as Anthropic's SSE)."""
        if event != "chunk" or not isinstance(value, dict):
            return False
        return "bytes" in value or InvokeStream._shape(value) != "other"

    @classmethod
    def stream(cls, ctx: Context) -> StreamState:
        return InvokeStream(ctx)

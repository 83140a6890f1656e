"""AWS Bedrock Runtime ConverseStream (`POST /model/{modelId}/converse-stream`).

Spec: Amazon Bedrock API Reference, bedrock-runtime API version 2023-09-30: ConverseStream,
ConverseStreamOutput (messageStart, contentBlockStart, contentBlockDelta, contentBlockStop,
messageStop, metadata and the exception members), ContentBlockDelta, MessageStopEvent,
ConverseStreamMetadataEvent; PROVIDERS.md section 2.9.
Wire: AWS binary event stream (streamcheck.wire.eventstream). `:event-type` names the event,
the payload is its JSON; Bedrock pads every payload with a random `p` string (allowed).
Exceptions are `:message-type: exception` messages named by `:exception-type` with a
`{"message"}` payload; framing-level errors are `:message-type: error` messages whose content
is in the `:error-code` / `:error-message` headers.
Grammar: `messageStart` first and once; per `contentBlockIndex` an optional `contentBlockStart`
(tool blocks have one, text and reasoning blocks start with their first delta), deltas of the
block's kind, one `contentBlockStop`; `messageStop` exactly once; `metadata` after it and last
(missing: SC370 warning, usage lost). An exception or error message is terminal (SC403, classified
by its type). EOF before `messageStop` is a truncated stream (SC301).
"""

from __future__ import annotations

from typing import Any, ClassVar

from streamcheck import errors
from streamcheck.model import Exchange, Frame
from streamcheck.protocols.base import Context, Protocol, StreamState, register
from streamcheck.protocols.blocks import Block, Blocks
from streamcheck.protocols.envelope import Envelope, Enveloped
from streamcheck.redact import excerpt

CONVERSE_EVENTS = frozenset(
    {
        "messageStart",
        "contentBlockStart",
        "contentBlockDelta",
        "contentBlockStop",
        "messageStop",
        "metadata",
    }
)
ENVELOPE = Envelope(
    first=frozenset({"messageStart"}),
    first_once=True,
    terminal=frozenset({"messageStop"}),
    first_hint="The start of the stream was lost; the AWS SDK stream handlers build the "
    "message from messageStart.",
    end_hint="The connection was cut before Bedrock finished: the answer may be "
    "incomplete. Retry; check proxy and load-balancer idle timeouts.",
)
# Delta members that say what a block holds; a block takes deltas of its own kind only.
# `citation` rides along text, so it is left out; unknown members are the schema's business.
BLOCK_DELTAS = frozenset({"text", "toolUse", "reasoningContent", "toolResult"})


def exception_value(frame: Frame) -> dict[str, Any] | None:
    """The `:message-type: error` message's headers as an error value, else None."""
    meta = frame.meta
    if not meta or meta.get(":message-type") != "error":
        return None
    return {"errorCode": meta.get(":error-code"), "message": meta.get(":error-message")}


def failure_type(frame: Frame) -> str | None:
    """The exception or error type of a terminal AWS message, None for an ordinary event."""
    meta = frame.meta or {}
    kind = meta.get(":message-type")
    if kind == "exception":
        return meta.get(":exception-type") or "exception"
    if kind == "error":
        return meta.get(":error-code") or "error"
    return None


def report_failure(ctx: Context, frame: Frame, value: Any, etype: str, after: int) -> None:
    """SC403 for an exception or error message inside a 200 stream, classified by its type."""
    verdict = errors.classify(None, None, value=value, headers={"x-amzn-ErrorType": etype})
    original = value.get("originalStatusCode") if isinstance(value, dict) else None
    if isinstance(original, int) and not isinstance(original, bool) and original >= 400:
        # modelStreamErrorException wraps the model's own failure: its status says more.
        inner = {"message": value.get("originalMessage") or value.get("message")}
        model = errors.classify(None, original, value=inner, provider="aws-bedrock")
        verdict = verdict._replace(klass=model.klass, status=original)
    ctx.error_class = verdict.klass
    received = f" (after {after} content event{'s' if after != 1 else ''})" if after else ""
    ctx.report(
        "SC403",
        f"{etype} inside a 200 stream: {verdict.describe()}{received}",
        evidence=excerpt(frame.data) if frame.data else None,
        hint=verdict.hint,
    )


class ConverseStream(StreamState):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.envelope = Enveloped(self, ENVELOPE)
        # A block's type is its delta member: toolUse, text, reasoningContent, toolResult, or
        # None when unknown. Its input fragments may arrive on a block of unknown type, so the
        # SC308 message names toolUse, the only member that carries them.
        self.tracker = Blocks(
            ctx,
            index_key="contentBlockIndex",
            stop_event="contentBlockStop",
            fragments="input",
            tool_type="toolUse",
        )
        self.blocks = self.tracker.by_index
        self.stop_reason: str | None = None
        self.metadata = False
        self.failed: str | None = None  # the exception type that ended the stream

    def frame(self, frame: Frame, value: Any, kind: str | None) -> None:
        if not isinstance(value, dict):
            return
        failure = failure_type(frame)
        event = frame.event if failure is None else None
        if self.failed or self.metadata:
            self._after_end(frame, failure or event)
            if event == "messageStop" and self.stop_reason is None:
                self.stop_reason = str(value.get("stopReason"))  # late, but it came
            return
        if failure is not None:
            self.failed = failure
            report_failure(self.ctx, frame, value, failure, self.content_frames)
            return
        # Bedrock's end is two events (messageStop, then metadata) and an exception: the
        # envelope judges the opening and the missing end; what may follow which is below.
        if not self.envelope.open(frame, event) or event == "messageStart":
            return
        if event == "messageStop":
            self._message_stop(value)
            return
        if event == "metadata":
            self.metadata = True
            if self.stop_reason is None:
                self.ctx.report(
                    "SC302", "metadata arrived before messageStop; it is the last event"
                )
            return
        if self.stop_reason is not None and event in (
            "contentBlockStart",
            "contentBlockDelta",
            "contentBlockStop",
        ):
            self._after_end(frame, event)
            return
        if event == "contentBlockStart":
            self._block_start(value)
        elif event == "contentBlockDelta":
            self._block_delta(value, frame)
        elif event == "contentBlockStop":
            self._block_stop(value)

    def _after_end(self, frame: Frame, event: str | None) -> None:
        if self.failed:
            end = f"the {self.failed} that ended the stream"
        elif self.metadata:
            end = "metadata (the last event)"
        else:
            end = f"messageStop (stopReason {self.stop_reason!r})"
        self.envelope.after(frame, event, end)

    # -- content blocks --------------------------------------------------------------------------

    def _new_index(self, index: int) -> None:
        if self.blocks and index < max(self.blocks):
            self.ctx.report(
                "SC310",
                f"content block {index} began after block {max(self.blocks)} (indexes only grow)",
                path="/contentBlockIndex",
            )

    def _block_start(self, value: dict[str, Any]) -> None:
        index = self.tracker.index(value)
        if index is None:
            return  # the schema finding says what is wrong
        if index in self.blocks:
            self.ctx.report(
                "SC310",
                f"contentBlockStart for block {index}, which had already begun",
                path="/contentBlockIndex",
            )
            return
        self._new_index(index)
        start = value.get("start")
        kind = (
            next((k for k in start if k in BLOCK_DELTAS), None) if isinstance(start, dict) else None
        )
        tool = start.get("toolUse") if isinstance(start, dict) else None
        name = tool.get("name") if isinstance(tool, dict) else None
        self.blocks[index] = Block(kind, name if isinstance(name, str) else None)

    def _block_delta(self, value: dict[str, Any], frame: Frame) -> None:
        index = self.tracker.index(value)
        delta = value.get("delta")
        if index is None or not isinstance(delta, dict):
            return
        kind = next((k for k in delta if k in BLOCK_DELTAS), None)
        block = self.blocks.get(index)
        if block is None:
            self._new_index(index)
            block = self.blocks[index] = Block(kind)
            if kind == "toolUse":
                self.ctx.report(
                    "SC310",
                    f"toolUse delta for block {index} without its contentBlockStart "
                    "(toolUseId and name never arrived)",
                    path="/contentBlockIndex",
                )
        if self.tracker.after_stop(index, block):
            return
        self.envelope.content(frame)
        if kind is not None and block.type is not None and kind != block.type:
            self.ctx.report(
                "SC311",
                f"{kind} delta for content block {index}, which holds {block.type}",
                path=f"/delta/{kind}",
            )
            return
        if kind == "toolUse":
            tool = delta["toolUse"]
            fragment = tool.get("input") if isinstance(tool, dict) else None
            if isinstance(fragment, str):
                block.tool_input.add(fragment)

    def _block_stop(self, value: dict[str, Any]) -> None:
        index = self.tracker.index(value)
        if index is not None and not self.tracker.stop(index):
            self.ctx.report(
                "SC310",
                f"contentBlockStop for block {index}, which never began",
                path="/contentBlockIndex",
            )

    # -- message level ---------------------------------------------------------------------------

    def _message_stop(self, value: dict[str, Any]) -> None:
        reason = value.get("stopReason")
        if self.stop_reason is not None:
            self.ctx.report(
                "SC304",
                f"a second messageStop (stopReason {reason!r}; first was {self.stop_reason!r})",
                path="/stopReason",
            )
            return
        self.stop_reason = str(reason)
        self.tracker.close_open("messageStop", at_end=False)

    def end(self, clean_eof: bool) -> None:
        self.tracker.check_unstopped()
        if self.failed or not self.envelope.events:
            return  # the exception is the story; no frames is SC313's
        if self.stop_reason is None:
            self.tracker.close_open("messageStop", at_end=True)
            self.envelope.close(clean_eof)
        elif not self.metadata:
            self.ctx.report(
                "SC370",
                "messageStop came but no metadata event followed: token usage and latency "
                "were never received",
                at_end=True,
            )


class BedrockRuntime(Protocol):
    """What the two Bedrock Runtime streaming operations share: `POST /model/{modelId}/<api>`,
    the AWS event stream, events named by `:event-type`, and exception and error messages.
    Not registered itself: each operation is."""

    provider = "aws-bedrock"
    framing = "eventstream"
    aliases: ClassVar[tuple[str, ...]] = ("bedrock",)
    error_shapes: ClassVar[tuple[str, ...]] = ("bedrock",)

    @classmethod
    def match_request(cls, exchange: Exchange) -> int:
        path = (exchange.request.url or "").split("?", 1)[0].rstrip("/")
        return 90 if path.endswith(f"/{cls.api}") and "/model/" in path else 0

    @classmethod
    def framing_value(cls, frame: Frame) -> Any:
        return exception_value(frame)

    @classmethod
    def kind(cls, value: Any, event: str | None) -> str | None:
        return event


@register
class BedrockConverseStream(BedrockRuntime):
    name = "bedrock-converse-stream"
    api = "converse-stream"

    @classmethod
    def match_frame(cls, value: Any, event: str | None) -> bool:
        if not isinstance(value, dict):
            return False
        # A stream that opens with an exception (throttled before the first token) is still
        # Bedrock's: `:exception-type` names end in "Exception" and carry a message.
        exceptional = bool(event) and str(event).endswith("Exception") and "message" in value
        return event in CONVERSE_EVENTS or exceptional

    @classmethod
    def stream(cls, ctx: Context) -> StreamState:
        return ConverseStream(ctx)

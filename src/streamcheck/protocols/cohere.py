"""Cohere chat streaming: v2 (`POST /v2/chat`, SSE) and v1 (`POST /v1/chat`, NDJSON).

Spec: Cohere API reference "Chat" (v2) and its "Streaming" guide, and Cohere's OpenAPI (Fern)
spec: `StreamedChatResponseV2` (discriminator `type`), `ChatFinishReason`, and v1
`StreamedChatResponse` (discriminator `event_type`); PROVIDERS.md section 2.8. The version is the
URL path; without a URL the first frame tells (`type` is v2, `event_type` is v1).
Wire v2: SSE, `event: <type>` and `data: <json>` whose `type` equals the event name. Real
streams (every v2 recording in the shared corpus) end with `data: [DONE]` after `message-end`
although the docs show none, so it is tolerated there and only there.
Grammar v2: `message-start` first and once; content, tool calls and citations each number their
own `index`es, each index `*-start` -> deltas -> `*-end` (a start at an index whose block
ended opens a new block there: real reasoning streams send their answer at their thinking's
index, a warning); `tool-plan-delta` and `debug` anywhere
before the end; `message-end` last and exactly once; `finish_reason: ERROR` is an in-stream
failure (SC403). Wire v1: NDJSON `{"is_finished", "event_type", ...}`; `stream-start` first,
`stream-end` last with `finish_reason` (`ERROR`, `ERROR_TOXIC`, `ERROR_LIMIT` are failures).
"""

from __future__ import annotations

from typing import Any, ClassVar

from streamcheck import errors
from streamcheck.model import Exchange, Frame, Severity
from streamcheck.protocols.base import SENTINEL, Context, Protocol, StreamState, register, url_parts
from streamcheck.protocols.blocks import JsonFragments
from streamcheck.protocols.envelope import Envelope, Enveloped
from streamcheck.redact import excerpt

V2_EVENTS = frozenset(
    {
        "message-start",
        "content-start",
        "content-delta",
        "content-end",
        "tool-plan-delta",
        "tool-call-start",
        "tool-call-delta",
        "tool-call-end",
        "citation-start",
        "citation-end",
        "message-end",
        "debug",
    }
)
V1_EVENTS = frozenset(
    {
        "stream-start",
        "search-queries-generation",
        "search-results",
        "text-generation",
        "citation-generation",
        "tool-calls-generation",
        "tool-calls-chunk",
        "stream-end",
        "debug",
    }
)
# Blocks by family: the type prefix of their start/delta/end events, and the delta's member.
FAMILIES = {"content": "content", "tool-call": "tool_calls", "citation": "citations"}
# finish_reason values that mean the generation failed, with the class when it is known.
V2_ENVELOPE = Envelope(
    first=frozenset({"message-start"}),
    first_once=True,
    terminal=frozenset({"message-end"}),
    named=True,
    content=frozenset({"tool-plan-delta"}),
)
V1_ENVELOPE = Envelope(
    first=frozenset({"stream-start"}),
    first_once=True,
    terminal=frozenset({"stream-end"}),
    content=frozenset({"text-generation", "tool-calls-chunk", "tool-calls-generation"}),
)
# Real command-a-reasoning-08-2025 streams (maruel/genai's recordings) send the thinking as
# content 0 and, after its content-end, the answer as content 0 again; cohere-python only parses
# each event (v2/raw_client.py `chat_stream`) and keeps no blocks by index, so nothing is lost.
REUSE_HINT = (
    "Cohere's command-a-reasoning sends its answer at the index its thinking used, after "
    "that block's end. cohere-python yields each event and keeps no blocks by index, so it "
    "loses nothing; code that keys blocks by index alone merges the two: open a new block at "
    "each content-start."
)
FAILURES: dict[str, str | None] = {
    "ERROR": None,
    "ERROR_TOXIC": "content-filter",
    "ERROR_LIMIT": "context-length",
}


def failure(ctx: Context, frame: Frame, reason: str, detail: Any, after: int) -> None:
    """SC403 for a stream that ended with a failing finish_reason."""
    message = detail if isinstance(detail, str) else None
    if isinstance(detail, dict):
        message = str(detail.get("message") or detail)
    verdict = errors.classify(None, None, value={"message": message or reason}, provider="cohere")
    # Cohere documents ERROR as "the generation failed due to an internal error".
    known = FAILURES.get(reason) or ("server-error" if verdict.klass == "unknown" else None)
    if known is not None:
        verdict = verdict._replace(klass=known)
    verdict = verdict._replace(type=reason)
    ctx.error_class = verdict.klass
    received = f" (after {after} content event{'s' if after != 1 else ''})" if after else ""
    ctx.report(
        "SC403",
        f"the stream ended with finish_reason {reason}: {verdict.describe()}{received}",
        evidence=excerpt(frame.data),
        hint=verdict.hint,
    )


class _Block:
    __slots__ = ("after_end_reported", "arguments", "ended", "kind")

    def __init__(self, kind: str | None) -> None:
        self.kind = kind  # content: text / thinking; tool calls: the function name
        self.ended = False
        self.after_end_reported = False
        self.arguments = JsonFragments()


class ChatV2Stream(StreamState):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.envelope = Enveloped(self, V2_ENVELOPE)
        self.blocks: dict[tuple[str, int], _Block] = {}

    def frame(self, frame: Frame, value: Any, kind: str | None) -> None:
        if value is SENTINEL:
            self.envelope.sentinel("data: [DONE]")
            return
        if not isinstance(value, dict):
            return
        etype = value.get("type")
        etype = etype if isinstance(etype, str) else None
        if not self.envelope.open(frame, etype) or etype == "message-start":
            return
        if etype == "message-end":
            self._message_end(value, frame)
        elif etype not in ("tool-plan-delta", "debug") and etype is not None:
            family, _, step = etype.rpartition("-")
            if family in FAMILIES:
                self._block(family, step, value, frame)

    def _block(self, family: str, step: str, value: dict[str, Any], frame: Frame) -> None:
        index = value.get("index")
        if not isinstance(index, int) or isinstance(index, bool):
            return  # the schema finding says what is wrong
        key = (family, index)
        block = self.blocks.get(key)
        payload = _member(value, FAMILIES[family])
        if step == "start":
            if block is not None and not block.ended:
                self.ctx.report("SC310", f"{family} {index} started a second time", path="/index")
                return
            if block is not None:
                self._reused(family, index, block, _block_kind(family, payload))
            seen = [i for f, i in self.blocks if f == family]
            if seen and index < max(seen):
                self.ctx.report(
                    "SC310",
                    f"{family} {index} started after {family} {max(seen)} (indexes only grow)",
                    path="/index",
                )
            self.blocks[key] = _Block(_block_kind(family, payload))
            return
        if block is None:
            self.ctx.report(
                "SC310", f"{family}-{step} for {family} {index}, which never started", path="/index"
            )
            return
        if step == "end":
            if block.ended:
                self.ctx.report("SC310", f"{family} {index} ended a second time", path="/index")
                return
            block.ended = True
            self._check_arguments(index, block)
            return
        if block.ended:
            if not block.after_end_reported:
                block.after_end_reported = True
                self.ctx.report(
                    "SC305", f"{family}-delta for {family} {index} after its end", path="/index"
                )
            return
        self.envelope.content(frame)
        if family == "content" and isinstance(payload, dict) and block.kind in ("text", "thinking"):
            other = "thinking" if block.kind == "text" else "text"
            if other in payload and block.kind not in payload:
                self.ctx.report(
                    "SC311",
                    f"a {other} delta for content {index}, which is a {block.kind} block",
                    path=f"/delta/message/content/{other}",
                )
        if family == "tool-call" and isinstance(payload, dict):
            function = payload.get("function")
            fragment = function.get("arguments") if isinstance(function, dict) else None
            if isinstance(fragment, str):
                block.arguments.add(fragment)

    def _reused(self, family: str, index: int, ended: _Block, kind: str | None) -> None:
        """A start at an index whose block already ended opens a new block there (the deltas
        that follow are its own): a warning, not SC310, since the official client is unharmed."""
        kinds = f" ({ended.kind or '?'}, then {kind or '?'})" if family == "content" else ""
        self.ctx.report(
            "SC310",
            f"{family} {index} started again after its {family}-end{kinds}: a second block "
            "at the same index",
            path="/index",
            severity=Severity.WARNING,
            hint=REUSE_HINT,
        )

    def _check_arguments(self, index: int, block: _Block) -> None:
        block.arguments.check(
            self.ctx,
            lambda _reason: (
                f"tool call {index} ({block.kind or '?'}): the argument fragments "
                "do not join to valid JSON"
            ),
        )

    def _message_end(self, value: dict[str, Any], frame: Frame) -> None:
        self.envelope.ended("message-end")
        open_blocks = [f"{f} {i}" for (f, i), b in self.blocks.items() if not b.ended]
        if open_blocks:
            self.ctx.report("SC310", f"{', '.join(open_blocks)} never ended before message-end")
        delta = value.get("delta")
        reason = delta.get("finish_reason") if isinstance(delta, dict) else None
        if isinstance(reason, str) and reason in FAILURES:
            assert isinstance(delta, dict)
            failure(self.ctx, frame, reason, delta.get("error"), self.content_frames)

    def end(self, clean_eof: bool) -> None:
        for (family, index), block in self.blocks.items():
            if family == "tool-call" and not block.ended:
                self._check_arguments(index, block)
        self.envelope.close(clean_eof)


class ChatV1Stream(StreamState):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.envelope = Enveloped(self, V1_ENVELOPE)

    def frame(self, frame: Frame, value: Any, kind: str | None) -> None:
        if not isinstance(value, dict):
            return
        etype = value.get("event_type")
        etype = etype if isinstance(etype, str) else None
        if not self.envelope.open(frame, etype) or etype != "stream-end":
            return
        self.envelope.ended("stream-end")
        reason = value.get("finish_reason")
        if isinstance(reason, str) and reason in FAILURES:
            response = value.get("response")
            detail = response.get("text") if isinstance(response, dict) else None
            failure(self.ctx, frame, reason, detail, self.content_frames)

    def end(self, clean_eof: bool) -> None:
        self.envelope.close(clean_eof)


def _member(value: dict[str, Any], name: str) -> Any:
    delta = value.get("delta")
    message = delta.get("message") if isinstance(delta, dict) else None
    return message.get(name) if isinstance(message, dict) else None


def _block_kind(family: str, payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return None
    if family == "content":
        kind = payload.get("type")
        return kind if isinstance(kind, str) else None
    function = payload.get("function")
    name = function.get("name") if isinstance(function, dict) else None
    return name if isinstance(name, str) else None


class ChatStream(StreamState):
    """Picks the v1 or v2 grammar by the API version, or else by the first frame's shape."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.inner: StreamState | None = None

    def frame(self, frame: Frame, value: Any, kind: str | None) -> None:
        if self.inner is None:
            v1 = self.ctx.api_version == "v1" or (
                isinstance(value, dict) and "event_type" in value and "type" not in value
            )
            self.inner = ChatV1Stream(self.ctx) if v1 else ChatV2Stream(self.ctx)
        self.inner.frame(frame, value, kind)
        self.content_frames = self.inner.content_frames
        self.first_content_time = self.inner.first_content_time

    def end(self, clean_eof: bool) -> None:
        if self.inner is not None:
            self.inner.end(clean_eof)


@register
class CohereChat(Protocol):
    name = "cohere-chat"
    also_framed = frozenset({"ndjson"})  # v1 streams NDJSON
    provider = "cohere"
    api = "chat"
    tolerated: ClassVar[frozenset[bytes]] = frozenset({b"[DONE]"})
    error_shapes: ClassVar[tuple[str, ...]] = ("cohere",)
    discriminator = "type"
    version_reasons: ClassVar[dict[str, str]] = {
        "v1": "its events carry `event_type` and no `type`: the v1 chat stream (v2 events "
        "carry `type`)"
    }

    @classmethod
    def match_request(cls, exchange: Exchange) -> int:
        parts = url_parts(exchange.request.url)
        host = (parts.hostname or "").lower()
        if host in ("api.cohere.com", "api.cohere.ai") and parts.path.rstrip("/").endswith("/chat"):
            return 90
        return 0

    @classmethod
    def match_frame(cls, value: Any, event: str | None) -> bool:
        if not isinstance(value, dict):
            return False
        kind, v1_kind = value.get("type"), value.get("event_type")
        if isinstance(kind, str) and kind in V2_EVENTS:
            return event in (None, "message", kind)
        return isinstance(v1_kind, str) and v1_kind in V1_EVENTS and "is_finished" in value

    @classmethod
    def version(cls, exchange: Exchange) -> str | None:
        path = url_parts(exchange.request.url).path
        for version in ("v1", "v2"):
            if path.startswith(f"/{version}/"):
                return version
        return None

    @classmethod
    def frame_version(cls, value: Any, current: str | None) -> str | None:
        if isinstance(value, dict) and "event_type" in value and "type" not in value:
            return "v1"
        return None

    @classmethod
    def kind(cls, value: Any, event: str | None) -> str | None:
        if not isinstance(value, dict):
            return None
        kind = value.get("type", value.get("event_type"))
        return kind if isinstance(kind, str) else event

    @classmethod
    def stream(cls, ctx: Context) -> StreamState:
        return ChatStream(ctx)

"""Anthropic Messages streaming (`POST /v1/messages`, `stream: true`).

Spec: Anthropic docs "Streaming Messages", "Versions" and "Errors"; anthropic-sdk-python
`_streaming.py` and its event types; PROVIDERS.md section 2.4.
Wire: SSE. Every event has `event: <name>` and `data: <json>` whose `type` equals the name; no
`[DONE]`, the body ends after `message_stop`.
Grammar: `message_start` exactly once and first (`ping` may come anywhere); per content block
`content_block_start` -> `content_block_delta`* -> `content_block_stop`, indexes 0, 1, 2 in
order, each delta of the type its block takes; one `message_delta` carrying `stop_reason`;
`message_stop` last. An `error` event ends the stream. Anthropic adds event types, block types
and enum values within a version, so unknown ones are warnings (schema SC202 / SC205).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from streamcheck import errors
from streamcheck.model import Exchange, Frame
from streamcheck.protocols.base import (
    Context,
    Hint,
    Protocol,
    StreamState,
    register,
    repeated_text,
    type_member,
)
from streamcheck.protocols.blocks import Block, Blocks
from streamcheck.redact import excerpt

EVENTS = frozenset(
    {
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
        "ping",
        "error",
    }
)
# Which delta types each block type takes (SDK accumulators concatenate by this pairing). Block
# types absent here (server-tool results, redacted_thinking) arrive whole and take no delta;
# block or delta types we do not know are left to the schema's enum warning, not judged here.
DELTAS_FOR_BLOCK: dict[str, frozenset[str]] = {
    "text": frozenset({"text_delta", "citations_delta"}),
    "tool_use": frozenset({"input_json_delta"}),
    "server_tool_use": frozenset({"input_json_delta"}),
    "mcp_tool_use": frozenset({"input_json_delta"}),
    "thinking": frozenset({"thinking_delta", "signature_delta"}),
    "redacted_thinking": frozenset(),
    "compaction": frozenset({"compaction_delta"}),
}
KNOWN_DELTAS = frozenset().union(*DELTAS_FOR_BLOCK.values())
TOOL_INPUT_BLOCKS = frozenset({"tool_use", "server_tool_use", "mcp_tool_use"})
# Delta types that only carry text, by the member holding it (a repeat changes only that).
TEXT_MEMBERS = {"text_delta": "text", "thinking_delta": "thinking"}
# The path of each text member, made once for every stream's hints.
TEXT_PATHS: dict[str, tuple[tuple[str, str]]] = {
    member: (("delta", member),) for member in TEXT_MEMBERS.values()
}
OTHER_SHAPES = 16  # hints kept for deltas of types not known here, by their strings' names


class MessagesStream(StreamState):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.started = False
        self.start_problem_reported = False
        self.tracker = Blocks(
            ctx, index_key="index", stop_event="content_block_stop", fragments="partial_json"
        )
        self.blocks = self.tracker.by_index
        self.stop_reason: str | None = None
        self.message_deltas = 0
        self.stopped = False  # message_stop seen
        self.error_seen = False
        self.after_end_reported = False
        self.events = 0
        # The hints the hot path returns (check/repeat.py): per text member, per tool block.
        # Made at their first use, then the same object each time (frames.handle counts a
        # hint's frames by its id).
        self.text_hints: dict[str, Hint] = {}
        self.json_hints: dict[Block, Hint] = {}
        # A delta naming no block (its index missing or not an integer): the reference path
        # only counts the event (the schema finding says what is wrong), and so does a repeat.
        self.unplaced_hints: dict[str, Hint] = {}
        # A delta with no text to vary (a text that is not a string, say): a repeat is the
        # same bytes, handled as this one was.
        self.same_hint: Hint = ((), self._again)
        self.same_unplaced_hint: Hint = ((), self._again_unplaced)
        # A delta whose type (or whose block's type) this grammar does not know: the reference
        # only counts it as content, whatever its members say; by the names of its strings.
        self.other_hints: dict[tuple[str, ...], Hint] = {}

    # -- per frame -------------------------------------------------------------------------------

    def frame(self, frame: Frame, value: Any, kind: str | None) -> Hint | None:
        if kind == "content_block_delta" and type(value) is dict:
            hot = self._continues(frame, value)
            if hot:
                return hot if isinstance(hot, tuple) else None
        if not isinstance(value, dict):
            return None
        self.events += 1
        event = frame.event
        kind = kind or event
        if event is not None and value.get("type") != event:  # else _event_name finds nothing
            self._event_name(frame, value)
        if self.stopped or self.error_seen:
            self._after_end(kind)
            return None
        if kind == "ping":
            return None
        if kind == "error":
            self._in_stream_error(value, frame)
            return None
        if kind == "message_start":
            self._message_start()
            return None
        if not self.started and not self.start_problem_reported:
            self.start_problem_reported = True
            self.ctx.report(
                "SC309",
                f"the stream starts with {kind!r}, not message_start",
                hint="The start of the stream was lost; SDKs build the message from "
                "message_start and raise on deltas without it.",
            )
        if kind == "content_block_start":
            self._block_start(value, frame)
        elif kind == "content_block_delta":
            self._block_delta(value, frame)
        elif kind == "content_block_stop":
            self._block_stop(value)
        elif kind == "message_delta":
            self._message_delta(value)
        elif kind == "message_stop":
            self._message_stop()
        return None

    def _continues(self, frame: Frame, value: dict[str, Any]) -> Hint | bool:
        """Hot path (most events of a stream): a delta of the type its open block takes. No rule
        can fire on it; any other event returns False and takes `frame`, the reference for the
        rules. Keep the two in step: a new per-delta rule goes in both, or returns False here.

        A text, thinking or tool-input delta returns a Hint (check/repeat.py): an event of the
        same bytes but for that string is handled by `_again` or `_again_json`, which do what
        this path does; otherwise True. So does a delta naming no block (`_again_unplaced`): the
        reference only counts it (its schema finding says what is wrong)."""
        if not self.started or self.stopped or self.error_seen:
            return False
        if frame.event is not None and frame.event != "content_block_delta":
            return False  # SC204 (the declared type is content_block_delta, the kind)
        index = value.get("index")
        if not isinstance(index, int) or isinstance(index, bool):
            # `_block_delta` takes no block index from it (Blocks.index) and returns: the
            # event is counted, nothing else.
            self.events += 1
            delta = value.get("delta")
            if type(delta) is not dict:
                return self.same_unplaced_hint
            named = delta.get("type")
            text = TEXT_MEMBERS.get(named) if type(named) is str else None
            if text is None or type(delta.get(text)) is not str:
                return self.same_unplaced_hint
            hint = self.unplaced_hints.get(text)
            if hint is None:
                hint = self.unplaced_hints[text] = (TEXT_PATHS[text], self._again_unplaced)
            return hint
        block = self.blocks.get(index) if type(index) is int else None
        delta = value.get("delta")
        if block is None or block.stopped or type(delta) is not dict:
            return False
        delta_type = delta.get("type")
        if type(delta_type) is not str:
            return False
        allowed = DELTAS_FOR_BLOCK.get(block.type or "")
        other = allowed is None or delta_type not in allowed
        if other and allowed is not None and delta_type in KNOWN_DELTAS:
            return False  # SC311: a known delta its block does not take
        self.events += 1
        self.content_frames += 1
        if self.first_content_time is None:
            self.first_content_time = frame.time
        if other:  # `_block_delta` judges nothing of it but its block: content, counted
            return self._other_hint(delta)
        if delta_type == "input_json_delta" and block.type in TOOL_INPUT_BLOCKS:
            self._keep_json(block, delta)
            if type(delta.get("partial_json")) is not str:
                return self.same_hint
            hint = self.json_hints.get(block)
            if hint is None:
                again = partial(self._again_json, block)
                hint = self.json_hints[block] = ((("delta", "partial_json"),), again)
            return hint
        text = TEXT_MEMBERS.get(delta_type)
        if text is None or type(delta.get(text)) is not str:
            return self.same_hint
        hint = self.text_hints.get(text)
        if hint is None:
            hint = self.text_hints[text] = (TEXT_PATHS[text], self._again)
        return hint

    def _other_hint(self, delta: dict[str, Any]) -> Hint:
        """The Hint of a delta the grammar reads nothing of: any of its strings but its type
        may vary in a repeat (a new delta type streams its text in a member of its own)."""
        names = tuple(n for n, member in delta.items() if n != "type" and type(member) is str)
        hint = self.other_hints.get(names)
        if hint is None:
            if len(self.other_hints) >= OTHER_SHAPES:
                return self.same_hint
            paths = tuple(("delta", name) for name in names)
            hint = self.other_hints[names] = (paths, self._again)
        return hint

    # -- an event that repeats the last hot one but for its text (check/repeat.py) -----------

    def _again(self, frame: Frame, bodies: list[bytes]) -> None:
        """`_continues` on a text or thinking delta, the last one's but for its text."""
        self.events += 1
        self.content_frames += 1
        if self.first_content_time is None:
            self.first_content_time = frame.time

    def _again_unplaced(self, frame: Frame, bodies: list[bytes]) -> None:
        """`_continues` on a delta that names no block, the last one's but for its text."""
        self.events += 1

    def _again_json(self, block: Block, frame: Frame, bodies: list[bytes]) -> None:
        """`_continues` on a tool input fragment, the last one's but for the fragment: kept."""
        self.events += 1
        self.content_frames += 1
        if self.first_content_time is None:
            self.first_content_time = frame.time
        block.tool_input.add(repeated_text(bodies[0]))

    def no_shortcut(self, frame: Frame, value: dict[str, Any]) -> bool:
        """`_continues` that takes no delta: every event through `frame`'s reference path
        (protocols/shortcuts.py swaps it in to prove the hot path changes no finding)."""
        return False

    def _event_name(self, frame: Frame, value: dict[str, Any]) -> None:
        declared = value.get("type")
        if frame.event is not None and isinstance(declared, str) and declared != frame.event:
            self.ctx.report(
                "SC204",
                f"event: {frame.event} carries data of type {declared!r}",
                path="/type",
            )

    def _after_end(self, kind: str | None) -> None:
        if self.error_seen and kind == "message_stop" and not self.stopped:
            self.stopped = True
            self.ctx.report("SC404", "message_stop followed an in-stream error event")
            return
        if self.after_end_reported:
            return
        self.after_end_reported = True
        end = "an in-stream error" if self.error_seen and not self.stopped else "message_stop"
        self.ctx.report("SC302", f"{kind!r} arrived after {end}")

    def _message_start(self) -> None:
        if self.started:
            self.ctx.report("SC309", "a second message_start arrived; it must come exactly once")
            return
        self.started = True  # pings before it are fine: ping may appear anywhere

    # -- content blocks --------------------------------------------------------------------------

    def _block_start(self, value: dict[str, Any], frame: Frame) -> None:
        index = self.tracker.index(value)
        if index is None:
            return  # the schema finding says what is wrong
        if self.stop_reason is not None:
            self.ctx.report(
                "SC305",
                f"content block {index} started after message_delta "
                f"(stop_reason {self.stop_reason!r})",
            )
        block = value.get("content_block")
        block_type = block.get("type") if isinstance(block, dict) else None
        if index in self.blocks:
            self.ctx.report("SC310", f"content block {index} started a second time", path="/index")
            return
        expected = len(self.blocks)
        if index != expected:
            self.ctx.report(
                "SC310",
                f"content block {index} started where block {expected} was expected "
                "(indexes go 0, 1, 2, ...)",
                path="/index",
            )
        name = block.get("name") if isinstance(block, dict) else None
        self.blocks[index] = Block(
            block_type if isinstance(block_type, str) else None,
            name if isinstance(name, str) else None,
        )
        if isinstance(block, dict) and block_type not in DELTAS_FOR_BLOCK:
            # Server-tool results arrive whole in the start event: that is content.
            self._content(frame)

    def _block_delta(self, value: dict[str, Any], frame: Frame) -> None:
        index = self.tracker.index(value)
        if index is None:
            return
        block = self.blocks.get(index)
        if block is None:
            self.ctx.report(
                "SC310", f"delta for content block {index}, which was never started", path="/index"
            )
            return
        if self.tracker.after_stop(index, block):
            return
        self._content(frame)
        delta = value.get("delta")
        delta_type = delta.get("type") if isinstance(delta, dict) else None
        allowed = DELTAS_FOR_BLOCK.get(block.type or "")
        if (
            isinstance(delta_type, str)
            and delta_type in KNOWN_DELTAS
            and allowed is not None
            and delta_type not in allowed
        ):
            takes = ", ".join(sorted(allowed)) or "no deltas"
            self.ctx.report(
                "SC311",
                f"{delta_type} for content block {index} of type {block.type!r} (it takes {takes})",
                path="/delta/type",
            )
            return
        if delta_type == "input_json_delta" and block.type in TOOL_INPUT_BLOCKS:
            assert isinstance(delta, dict)  # delta_type came from it
            self._keep_json(block, delta)

    @staticmethod
    def _keep_json(block: Block, delta: dict[str, Any]) -> None:
        fragment = delta.get("partial_json")
        if isinstance(fragment, str):
            block.tool_input.add(fragment)

    def _content(self, frame: Frame) -> None:
        self.content_frames += 1
        if self.first_content_time is None:
            self.first_content_time = frame.time

    def _block_stop(self, value: dict[str, Any]) -> None:
        index = self.tracker.index(value)
        if index is not None and not self.tracker.stop(index):
            self.ctx.report(
                "SC310", f"content_block_stop for block {index}, which was never started"
            )

    # -- message level ---------------------------------------------------------------------------

    def _message_delta(self, value: dict[str, Any]) -> None:
        self.message_deltas += 1
        self.tracker.close_open("message_delta", at_end=False)
        delta = value.get("delta")
        reason = delta.get("stop_reason") if isinstance(delta, dict) else None
        if reason is None:
            return
        if self.stop_reason is not None:
            self.ctx.report(
                "SC304",
                f"a second message_delta carries stop_reason {reason!r} "
                f"(first was {self.stop_reason!r})",
                path="/delta/stop_reason",
            )
            return
        self.stop_reason = str(reason)

    def _message_stop(self) -> None:
        self.stopped = True
        self.tracker.close_open("message_delta", at_end=False)
        if self.stop_reason is None:
            self.ctx.report(
                "SC303", "message_stop arrived and no message_delta carried stop_reason"
            )

    def _in_stream_error(self, value: Any, frame: Frame) -> None:
        self.error_seen = True
        # No status: the 200 of the response says nothing about this error.
        verdict = errors.classify(None, None, value=value)
        self.ctx.error_class = verdict.klass
        count = self.content_frames
        received = (
            f" (after {count} content event{'s' if count != 1 else ''})" if self.started else ""
        )
        self.ctx.report(
            "SC403",
            f"error event inside a 200 stream: {verdict.describe()}{received}",
            evidence=excerpt(frame.data),
            hint=verdict.hint,
        )

    def end(self, clean_eof: bool) -> None:
        self.tracker.check_unstopped()
        if self.error_seen or self.stopped or not self.events:
            return  # an error event is the story; message_stop already checked the rest
        self.tracker.close_open("message_delta", at_end=True)
        if self.stop_reason is None:
            self.ctx.report("SC303", "no message_delta carried a stop_reason", at_end=True)
        self.ctx.report("SC301", "the stream ended without message_stop", at_end=True)


@register
class AnthropicMessages(Protocol):
    name = "anthropic-messages"
    provider = "anthropic"
    api = "messages"
    framing = "sse"
    aliases = ("claude",)
    error_shapes = ("anthropic",)
    discriminator = "type"

    @classmethod
    def match_request(cls, exchange: Exchange) -> int:
        path = (exchange.request.url or "").split("?", 1)[0].rstrip("/")
        if path.endswith("/v1/messages"):
            return 70
        # Vertex AI serves the same event stream for Claude models (:streamRawPredict).
        if "/publishers/anthropic/models/" in path:
            return 70
        if any(k.lower() == "anthropic-version" for k in exchange.request.headers):
            return 60
        return 0

    @classmethod
    def match_frame(cls, value: Any, event: str | None) -> bool:
        if not isinstance(value, dict):
            return False
        if event == "chunk":  # an AWS event-stream chunk (Bedrock), never an Anthropic SSE name
            return False
        kind = value.get("type")
        if kind == "error":
            # Anthropic's error object nests {type, message}; OpenAI Responses' error event is flat.
            return isinstance(value.get("error"), dict) and event in (None, "error")
        if kind == "message":  # a complete Message where a stream was expected
            return value.get("role") == "assistant" and "content" in value
        if kind is None:
            return event in EVENTS and event != "error"
        return isinstance(kind, str) and kind in EVENTS

    @classmethod
    def version(cls, exchange: Exchange) -> str | None:
        for name, value in exchange.request.headers.items():
            if name.lower() == "anthropic-version":
                return value.strip() or None
        return None

    @classmethod
    def kind(cls, value: Any, event: str | None) -> str | None:
        return type_member(value, event)

    @classmethod
    def stream(cls, ctx: Context) -> StreamState:
        return MessagesStream(ctx)

"""Vercel AI SDK UI message stream (AI SDK 5 and later): what `useChat` reads from an app.

Spec: ai-sdk.dev "Stream Protocols" (UI message stream); the part types are vercel/ai
`packages/ai/src/ui-message-stream/ui-message-chunks.ts` (`uiMessageChunkSchema`), and how the
client applies them `packages/ai/src/ui/process-ui-message-stream.ts` and `ui/chat.ts`.
Wire: SSE, `data: <json>` per part, response header `x-vercel-ai-ui-message-stream: v1`, then
`data: [DONE]` (the client ignores it). Parts carry `type`; `data-<name>` parts are one kind.
Schemas: one set per SDK major, strict (`5`, `6`, `7`: every part was a zod `strictObject`, so an
unknown key raised AI_TypeValidationError) and loose (`*-loose`: from 5.0.217, 6.0.231, 7.0.32).
Grammar: `start` first (SC362); `text-delta`/`text-end` only inside `text-start`..`text-end` of
the same id, likewise reasoning, `tool-input-delta` only after `tool-input-start` of its
`toolCallId`, tool outputs and approvals only for a tool call already announced (SC361: the
client throws UIMessageStreamError or "no tool invocation found"); `finish` or `abort` last
(SC360 when missing: `useChat` ends in status `ready` and shows the partial message as the
answer); nothing after it (SC363); blocks closed by the end (SC364); `[DONE]` after it (SC365);
an `error` part is an in-stream error (SC403); a type no version defines is SC366.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from streamcheck.model import Exchange, Frame
from streamcheck.protocols.base import SENTINEL, Context, Protocol, register
from streamcheck.protocols.relay import RelayStream

# Every part type of every version (the schema set of the chosen version says which it has).
PART_TYPES = frozenset(
    {
        "start",
        "start-step",
        "finish-step",
        "reset-step",
        "text-start",
        "text-delta",
        "text-end",
        "reasoning-start",
        "reasoning-delta",
        "reasoning-end",
        "reasoning-file",
        "error",
        "tool-input-start",
        "tool-input-delta",
        "tool-input-available",
        "tool-input-error",
        "tool-approval-request",
        "tool-approval-response",
        "tool-output-available",
        "tool-output-error",
        "tool-output-denied",
        "source-url",
        "source-document",
        "file",
        "custom",
        "message-metadata",
        "finish",
        "abort",
    }
)
# Parts that open a stream in practice (detection of a first frame).
OPENERS = frozenset({"start", "start-step", "text-start", "reasoning-start", "message-metadata"})
CONTENT = frozenset({"text-delta", "reasoning-delta", "tool-input-delta", "tool-input-available"})
TOOL_LATER = frozenset(
    {"tool-output-available", "tool-output-error", "tool-output-denied", "tool-approval-request"}
)
HEADER = "x-vercel-ai-ui-message-stream"


class _Kinds(Mapping[str, str]):
    """type -> schema kind: each type is its own kind, every `data-<name>` is `data`."""

    def __getitem__(self, key: str) -> str:
        if key in PART_TYPES:
            return key
        if key.startswith("data-"):
            return "data"
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(PART_TYPES)

    def __len__(self) -> int:
        return len(PART_TYPES)


KINDS = _Kinds()


class UIMessageStream(RelayStream):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.start_reported = False
        self.open: dict[str, set[str]] = {"text": set(), "reasoning": set()}
        self.closed: dict[str, set[str]] = {"text": set(), "reasoning": set()}
        self.tools: dict[str, str] = {}  # toolCallId -> "streaming" | "input" (announced whole)
        self.done = False  # data: [DONE] arrived

    def frame(self, frame: Frame, value: Any, kind: str | None) -> None:
        if value is SENTINEL:
            self.done = True  # without a finish before it, the end says so (SC360)
            return
        if not isinstance(value, dict):
            return
        part = value.get("type")
        if not isinstance(part, str):
            return  # the schema finding (or none, for a kind we cannot tell) says why
        self.parts += 1
        if self.done and not self.after_end_reported:
            self.after_end_reported = True
            self.ctx.report(
                "SC363", f"{part!r} arrived after data: [DONE]; useChat still applies it"
            )
            return
        if self.after_end(repr(part)):
            return
        if kind is None:
            self.ctx.report(
                "SC366",
                f"part type {part!r} is not a UI message stream part; useChat rejects the "
                "stream (AI_TypeValidationError)",
                path="/type",
            )
            return
        if self.parts == 1 and part != "start":
            self._start_problem(f"the stream starts with {part!r}, not 'start'")
        if part in CONTENT:
            self.content(frame)
        if part == "start":
            if self.parts > 1:
                self._start_problem("a 'start' part arrived after other parts")
        elif part in ("finish", "abort"):
            self._finish(part)
        elif part == "error":
            self.error_part(frame, value.get("errorText"))
        else:
            family, _, step = part.partition("-")
            if family in self.open and step in ("start", "delta", "end"):
                self._block(family, step, value.get("id"))
            elif part.startswith("tool-"):
                self._tool(part, value.get("toolCallId"))

    def _start_problem(self, message: str) -> None:
        if not self.start_reported:
            self.start_reported = True
            self.ctx.report("SC362", message)

    def _block(self, family: str, step: str, block_id: Any) -> None:
        """text/reasoning: start opens an id, delta and end need it open."""
        opened, closed = self.open[family], self.closed[family]
        if not isinstance(block_id, str):
            return
        if step == "start":
            opened.add(block_id)
            closed.discard(block_id)
            return
        if block_id in opened:
            if step == "end":
                opened.discard(block_id)
                closed.add(block_id)
            return
        where = f"after its {family}-end" if block_id in closed else f"with no {family}-start"
        self.ctx.report(
            "SC361",
            f"{family}-{step} for id {block_id!r} {where}; useChat throws UIMessageStreamError",
            path="/id",
        )

    def _tool(self, part: str, call_id: Any) -> None:
        if not isinstance(call_id, str):
            return
        if part == "tool-input-start":
            self.tools[call_id] = "streaming"
        elif part == "tool-input-delta":
            if self.tools.get(call_id) != "streaming":
                self.ctx.report(
                    "SC361",
                    f"tool-input-delta for toolCallId {call_id!r} without an open "
                    "tool-input-start; useChat throws UIMessageStreamError",
                    path="/toolCallId",
                )
        elif part in ("tool-input-available", "tool-input-error"):
            self.tools[call_id] = "input"
        elif part in TOOL_LATER and call_id not in self.tools:
            self.ctx.report(
                "SC361",
                f"{part} for toolCallId {call_id!r}, which no tool-input part announced; "
                "useChat throws (no tool invocation found)",
                path="/toolCallId",
            )

    def _finish(self, part: str) -> None:
        self.end_part = part
        unclosed = [f"{family} {i!r}" for family, ids in self.open.items() for i in sorted(ids)]
        if unclosed:
            self.ctx.report(
                "SC364",
                f"{part} arrived while {', '.join(unclosed[:3])} "
                f"{'is' if len(unclosed) == 1 else 'are'} still open (no -end part)",
            )

    def end(self, clean_eof: bool) -> None:
        super().end(clean_eof)
        if self.end_part is not None and not self.done:
            self.ctx.report(
                "SC365",
                f"no data: [DONE] after {self.end_part}; the SDK's server always sends one",
                at_end=True,
            )


@register
class VercelUIMessageStream(Protocol):
    name = "vercel-ui-message-stream"
    provider = "vercel-ai"
    api = "ui-message-stream"
    framing = "sse"
    # Parsed as a sentinel, but a body of only `[DONE]` stays OpenAI's (it names no relay).
    tolerated = frozenset({b"[DONE]"})
    aliases = ("vercel", "ai-sdk", "ui-message-stream")
    discriminator = "type"
    discriminated = KINDS

    @classmethod
    def match_request(cls, exchange: Exchange) -> int:
        return 95 if (exchange.header(HEADER) or "").strip() == "v1" else 0

    @classmethod
    def match_frame(cls, value: Any, event: str | None) -> bool:
        if not isinstance(value, dict) or event not in (None, "message"):
            return False
        part = value.get("type")
        if part == "error":
            return set(value) == {"type", "errorText"}
        return isinstance(part, str) and (part in OPENERS or part.startswith("data-"))

    @classmethod
    def kind(cls, value: Any, event: str | None) -> str | None:
        if isinstance(value, dict):
            part = value.get("type")
            if isinstance(part, str):
                return KINDS.get(part)
        return None

    @classmethod
    def stream(cls, ctx: Context) -> UIMessageStream:
        return UIMessageStream(ctx)

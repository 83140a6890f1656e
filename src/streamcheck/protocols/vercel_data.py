"""Vercel AI SDK data stream protocol (AI SDK 4.x): `CODE:JSON` lines an app sends `useChat`.

Spec: AI SDK 4.x docs "Stream Protocols" (Data Stream Protocol); the parts are vercel/ai
`packages/ui-utils/src/data-stream-parts.ts` (ai@4.3.19) and how the client applies them
`process-data-stream.ts` and `process-chat-response.ts`.
Wire: tagged lines (`streamcheck.wire.tagged`), response header `x-vercel-ai-data-stream: v1`,
served as text/plain. The frame's tag is the part's code: `0` text, `2` data, `3` error, `8`
message annotations, `9` tool call, `a` tool result, `b` tool call streaming start, `c` tool
call delta, `d` finish message, `e` finish step, `f` start step, `g` reasoning, `h` source,
`i` redacted reasoning, `j` reasoning signature, `k` file.
Grammar: `d:` finish_message ends the answer (SC360 without it: `useChat` calls onFinish with
finishReason `unknown` and keeps the partial message); nothing after it (SC363); `c:` only
after `b:` of its toolCallId and `a:` only for an announced tool call (SC361: the client throws);
`3:` is an in-stream error (SC403, the client throws it); a code the SDK does not know is SC366
(`parseDataStreamPart` throws "Invalid code").
"""

from __future__ import annotations

from typing import Any

from streamcheck.model import Exchange, Frame
from streamcheck.protocols.base import Context, Protocol, register
from streamcheck.protocols.relay import RelayStream

CODES = {
    "0": "text",
    "2": "data",
    "3": "error",
    "8": "message_annotations",
    "9": "tool_call",
    "a": "tool_result",
    "b": "tool_call_streaming_start",
    "c": "tool_call_delta",
    "d": "finish_message",
    "e": "finish_step",
    "f": "start_step",
    "g": "reasoning",
    "h": "source",
    "i": "redacted_reasoning",
    "j": "reasoning_signature",
    "k": "file",
}
CONTENT = frozenset({"0", "g", "c", "9"})
HEADER = "x-vercel-ai-data-stream"


class DataStream(RelayStream):
    end_parts = "a `d:` finish_message part"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.tools: dict[str, str] = {}  # toolCallId -> "streaming" | "called"

    def frame(self, frame: Frame, value: Any, kind: str | None) -> None:
        code = frame.event
        if code is None:
            return
        self.parts += 1
        if self.after_end(f"a `{code}:` part"):
            return
        if kind is None:
            self.ctx.report(
                "SC366",
                f"`{code}:` is not a data stream part code; the SDK's reader throws (Invalid code)",
            )
            return
        if code in CONTENT:
            self.content(frame)
        if code == "d":
            self.end_part = "the `d:` finish_message part"
        elif code == "3":
            self.error_part(frame, value)
        elif code in ("b", "c", "9", "a") and isinstance(value, dict):
            self._tool(code, value.get("toolCallId"))

    def _tool(self, code: str, call_id: Any) -> None:
        if not isinstance(call_id, str):
            return
        if code == "b":
            self.tools[call_id] = "streaming"
        elif code == "9":
            self.tools[call_id] = "called"
        elif code == "c" and self.tools.get(call_id) != "streaming":
            self.ctx.report(
                "SC361",
                f"`c:` tool_call_delta for toolCallId {call_id!r} with no `b:` "
                "tool_call_streaming_start before it; useChat throws (TypeError)",
                path="/toolCallId",
            )
        elif code == "a" and call_id not in self.tools:
            self.ctx.report(
                "SC361",
                f"`a:` tool_result for toolCallId {call_id!r}, which no tool call announced; "
                "useChat throws (tool_result must be preceded by a tool_call)",
                path="/toolCallId",
            )


@register
class VercelDataStream(Protocol):
    name = "vercel-data-stream"
    provider = "vercel-ai"
    api = "data-stream"
    framing = "tagged"
    aliases = ("ai-sdk-data-stream", "data-stream")

    @classmethod
    def match_request(cls, exchange: Exchange) -> int:
        return 95 if (exchange.header(HEADER) or "").strip() == "v1" else 0

    @classmethod
    def match_frame(cls, value: Any, event: str | None) -> bool:
        # Only the tagged framing gives a one-character event name.
        return event is not None and event in CODES

    @classmethod
    def kind(cls, value: Any, event: str | None) -> str | None:
        return CODES.get(event) if event is not None else None

    @classmethod
    def stream(cls, ctx: Context) -> DataStream:
        return DataStream(ctx)

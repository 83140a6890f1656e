"""Cohere chat streaming: v2 (`POST /v2/chat`, SSE) and v1 (`POST /v1/chat`, NDJSON).

Spec: Cohere API reference "Chat (v2) streaming" and "Chat (v1)"; PROVIDERS.md section 2.8.
"""

from __future__ import annotations

from typing import Any

from streamcheck.model import Exchange, Frame
from streamcheck.protocols.base import Context, Protocol, StreamState, register

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


class ChatStream(StreamState):
    def frame(self, frame: Frame, value: Any, kind: str | None) -> None:
        return

    def end(self, clean_eof: bool) -> None:
        return


@register
class CohereChat(Protocol):
    name = "cohere-chat"
    provider = "cohere"
    api = "chat"

    @classmethod
    def match_request(cls, exchange: Exchange) -> int:
        url = (exchange.request.url or "").split("?", 1)[0]
        return 90 if "cohere" in url and url.endswith("/chat") else 0

    @classmethod
    def match_frame(cls, value: Any, event: str | None) -> bool:
        return isinstance(value, dict) and value.get("type") in V2_EVENTS

    @classmethod
    def stream(cls, ctx: Context) -> StreamState:
        return ChatStream(ctx)

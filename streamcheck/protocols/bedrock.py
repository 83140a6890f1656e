"""AWS Bedrock Runtime streaming: ConverseStream (`POST /model/{id}/converse-stream`) and
InvokeModelWithResponseStream (`POST /model/{id}/invoke-with-response-stream`).

Spec: Bedrock Runtime API reference, ConverseStream / ConverseStreamOutput (API version
2023-09-30); PROVIDERS.md section 2.9. Wire: AWS binary event stream (streamcheck.wire.eventstream).
"""

from __future__ import annotations

from typing import Any, ClassVar

from streamcheck.model import Exchange, Frame
from streamcheck.protocols.base import Context, Protocol, StreamState, register

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


class ConverseStream(StreamState):
    def frame(self, frame: Frame, value: Any, kind: str | None) -> None:
        return

    def end(self, clean_eof: bool) -> None:
        return


@register
class BedrockConverseStream(Protocol):
    name = "bedrock-converse-stream"
    provider = "aws-bedrock"
    api = "converse-stream"
    framing = "eventstream"
    aliases: ClassVar[tuple[str, ...]] = ("bedrock",)

    @classmethod
    def match_request(cls, exchange: Exchange) -> int:
        url = exchange.request.url or ""
        return 90 if url.split("?", 1)[0].endswith("/converse-stream") else 0

    @classmethod
    def match_frame(cls, value: Any, event: str | None) -> bool:
        return event in CONVERSE_EVENTS

    @classmethod
    def stream(cls, ctx: Context) -> StreamState:
        return ConverseStream(ctx)

"""Bytes to frames. Decoders are incremental (`decode()` per chunk, `flush()` at the end), keep
bounded memory, and report framing defects themselves. No decoder knows a provider."""

from __future__ import annotations

from typing import Protocol

from streamcheck.model import Finding, Frame, Location
from streamcheck.wire.lines import DEFAULT_MAX_LINE


class Decoder(Protocol):
    framing: str
    findings: list[Finding]
    comments: int

    def decode(self, chunk: bytes, time: float | None = None) -> list[Frame]: ...

    @property
    def buffered(self) -> int:
        """Bytes held between chunks; stays under max_line plus a chunk (tests check it)."""
        ...

    def flush(self) -> list[Frame]: ...


# framing -> the module and class that decode it. A decoder's module is imported when a stream
# of its framing first appears: checking an SSE file loads no event-stream CRC code.
DECODERS: dict[str, tuple[str, str]] = {
    "sse": ("streamcheck.wire.sse", "SSEDecoder"),
    "ndjson": ("streamcheck.wire.ndjson", "NDJSONDecoder"),
    "eventstream": ("streamcheck.wire.eventstream", "EventStreamDecoder"),
    "jsonarray": ("streamcheck.wire.jsonarray", "JSONArrayDecoder"),
    "tagged": ("streamcheck.wire.tagged", "TaggedDecoder"),
    # One received WebSocket text message is one frame (fed by message, not by byte chunk).
    "websocket": ("streamcheck.wire.websocket", "WebSocketDecoder"),
}


# framing -> its decoder class, once imported: a folder run asks once per file.
_classes: dict[str, type] = {}


def decoder_class(framing: str) -> type:
    found = _classes.get(framing)
    if found is None:
        module, name = DECODERS[framing]
        # __import__, not importlib.import_module: -X importtime sees only the former.
        found = _classes[framing] = getattr(__import__(module, fromlist=[name]), name)
    return found


def decoder_for(framing: str, location: Location, max_line: int = DEFAULT_MAX_LINE) -> Decoder:
    decoder: Decoder = decoder_class(framing)(location, max_line)
    return decoder


__all__ = ["DECODERS", "DEFAULT_MAX_LINE", "Decoder", "decoder_class", "decoder_for"]

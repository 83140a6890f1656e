"""Bytes to frames. Decoders are incremental (`decode()` per chunk, `flush()` at the end), keep
bounded memory, and report framing defects themselves. No decoder knows a provider."""

from __future__ import annotations

from typing import Protocol

from streamcheck.model import Finding, Frame, Location
from streamcheck.wire.eventstream import EventStreamDecoder
from streamcheck.wire.jsonarray import JSONArrayDecoder
from streamcheck.wire.lines import DEFAULT_MAX_LINE
from streamcheck.wire.ndjson import NDJSONDecoder
from streamcheck.wire.sse import SSEDecoder


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


DECODERS: dict[str, type] = {
    "sse": SSEDecoder,
    "ndjson": NDJSONDecoder,
    "eventstream": EventStreamDecoder,
    "jsonarray": JSONArrayDecoder,
}


def decoder_for(framing: str, location: Location, max_line: int = DEFAULT_MAX_LINE) -> Decoder:
    decoder: Decoder = DECODERS[framing](location, max_line)
    return decoder


__all__ = ["DECODERS", "DEFAULT_MAX_LINE", "Decoder", "decoder_for"]

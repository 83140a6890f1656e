"""An exchange's frames by arrival time, and the answer they assembled, for the HTML report.

A room beside `check` (like `clients/`): fed an Exchange's kept chunks (or WebSocket messages)
and the ExchangeResult the checker made of them, it decodes the body again with the same `wire`
decoder the checker chose and gives plain, redacted data (`model.Timeline`). It runs only when
an HTML report is asked for, so the checker's hot path pays nothing for it.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from streamcheck import redact
from streamcheck.model import (
    ClientCall,
    Direction,
    ExchangeResult,
    Frame,
    Location,
    Message,
    Timeline,
)
from streamcheck.timeline.assemble import Assembler
from streamcheck.wire import DECODERS, decoder_for

MAX_POINTS = 5_000  # frames drawn per exchange; past this they are counted, not drawn
MAX_TEXT = 20_000  # characters of assembled text kept

__all__ = ["MAX_POINTS", "MAX_TEXT", "build"]


def build(
    result: ExchangeResult,
    chunks: Iterable[tuple[bytes, float | None]] = (),
    messages: Iterable[Message] | None = None,
) -> Timeline:
    """The timeline of one checked exchange from the bytes it was checked from."""
    timeline = Timeline()
    assembler = Assembler(result.provider, result.api)
    for frame in _frames(result, chunks, messages):
        value = _parsed(frame.data)
        kind = _kind(frame, value)
        if len(timeline.points) < MAX_POINTS:
            timeline.points.append((frame.time, redact.brief(kind, 60), len(frame.data)))
        else:
            timeline.elided += 1
        if value is not None:
            assembler.take(kind, value)
    text = assembler.text()
    timeline.text_capped = len(text) > MAX_TEXT
    timeline.text = redact.text(text[:MAX_TEXT])
    timeline.tool_calls = [
        ClientCall(
            redact.text(name) if name is not None else None,
            redact.text(arguments[:MAX_TEXT]),
            redact.text(call_id) if call_id is not None else None,
        )
        for name, arguments, call_id in assembler.calls()
    ]
    return timeline


def _frames(
    result: ExchangeResult,
    chunks: Iterable[tuple[bytes, float | None]],
    messages: Iterable[Message] | None,
) -> Iterable[Frame]:
    location = Location(source=result.source, exchange=result.index)
    if messages is not None:
        index = 0
        for message in messages:
            if message.direction is Direction.RECEIVED and not message.binary:
                yield Frame(index, 0, 0, message.data, time=message.time)
                index += 1
        return
    framing = result.framing
    if framing is None or framing not in DECODERS or framing == "websocket":
        return
    decoder = decoder_for(framing, location)
    for chunk, time in chunks:
        yield from decoder.decode(chunk, time)
    yield from decoder.flush()


def _parsed(data: bytes) -> object:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None


def _kind(frame: Frame, value: object) -> str:
    """What to call a frame on the timeline: the SSE event name, else the payload's own type."""
    if frame.event:
        return frame.event
    if isinstance(value, dict):
        for key in ("type", "object", "event"):
            named = value.get(key)
            if isinstance(named, str):
                return named
        return "frame"
    if value is None:
        text = frame.data[:20].decode("utf-8", "replace")
        return text if text.startswith("[") else "not JSON"
    return type(value).__name__

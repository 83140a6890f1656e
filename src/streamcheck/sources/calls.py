"""Several Responses calls recorded one after another as payloads only: one exchange each.

Recorders that keep only each SSE event's JSON payload, one per line, often append call after
call to one file (an agent's loop of `responses.create(stream=True)`). Over HTTP each call was
its own response: a `response.created` with a new response id after the previous call's
terminal event (`response.completed`, `.incomplete`, `.failed`) starts the next one. Judged as
one stream, every later call would be "frames after the terminator" (SC302); so each call
becomes its own exchange, with an SC902 note naming where it starts. A body with SSE framing
(`data:` lines) is one HTTP response and is never split: there a second response is a defect.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import orjson

from streamcheck.model import Exchange

# Read whole to split; a larger body is judged as one exchange (memory stays bounded).
MAX_BODY = 16 * 1024 * 1024
_CREATED = b'"response.created"'
_TERMINAL = frozenset({"response.completed", "response.incomplete", "response.failed"})


def might_hold_calls(head: bytes) -> bool:
    """Whether a raw body starts like a payloads-only Responses recording."""
    body = head.lstrip()
    if body[:1] != b"{":  # before copying out its first line: a body seldom starts so
        return False
    return _CREATED in body.split(b"\n", 1)[0]


def split(exchange: Exchange) -> Iterator[Exchange]:
    """The exchange, or one exchange per call when its body holds several in a row."""
    chunks = iter(exchange.chunks)
    body = bytearray()
    for chunk, _ in chunks:
        body += chunk
        if len(body) > MAX_BODY:
            yield replace(exchange, chunks=_rest(bytes(body), chunks))
            return
    starts = _call_starts(bytes(body))
    if len(starts) == 1:
        yield replace(exchange, chunks=[(bytes(body), None)])
        return
    offset, line = exchange.body_offset or 0, exchange.body_line or 1
    ends = [*(start for start, _ in starts[1:]), len(body)]
    for number, ((start, at_line), end) in enumerate(zip(starts, ends, strict=True)):
        note = (
            f"the file holds {len(starts)} Responses calls recorded one after another "
            f"(payloads only: a new response.created after a terminal event); this is call "
            f"{number + 1}, from line {line + at_line - 1}, judged as its own exchange"
        )
        yield replace(
            exchange,
            index=exchange.index + number,
            chunks=[(bytes(body[start:end]), None)],
            notes=[*exchange.notes, note],
            body_offset=offset + start,
            body_line=line + at_line - 1,
        )


def _rest(
    head: bytes, chunks: Iterator[tuple[bytes, float | None]]
) -> Iterator[tuple[bytes, float | None]]:
    yield head, None
    yield from chunks


def _call_starts(body: bytes) -> list[tuple[int, int]]:
    """(byte offset, 1-based line) where each call starts: the body's start, then every
    `response.created` whose response id is new, after a terminal event."""
    starts = [(0, 1)]
    current: object = None
    ended = False
    position = 0
    for number, line in enumerate(body.splitlines(keepends=True), start=1):
        at, position = position, position + len(line)
        if b'"response.' not in line or not line.lstrip().startswith(b"{"):
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        kind = value.get("type") if isinstance(value, dict) else None
        if kind in _TERMINAL:
            ended = True
        elif kind == "response.created":
            response = value.get("response")
            rid = response.get("id") if isinstance(response, dict) else None
            if ended and rid is not None and rid != current:
                starts.append((at, number))
                ended = False
            current = rid
    return starts

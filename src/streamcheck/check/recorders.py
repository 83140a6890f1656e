"""What recorders do to a stream's framing, and judging all that the recording can still show.

Recordings made by other projects' tools are not always the bytes that crossed the wire:
- **Events not separated by blank lines.** A fixture writer kept each `data:` line but dropped
  the blank lines, so by WHATWG rules every line joins into one event whose data is several JSON
  documents, one per line. When every line is a whole JSON value or the protocol's terminator,
  each is judged as the event it was, and SC902 says once that the blank lines are missing.
- **A file trimmed after its last event** (no blank line after it: an editor or fixture writer
  removed the final newline). When that event is the terminator (`data: [DONE]`), or the
  protocol's official clients deliver each `data:` line as it ends (`line_delivered`, Gemini),
  nothing a client reads was lost: SC902 replaces the decoder's SC101. Otherwise SC101 stands:
  spec-following clients (openai-python, anthropic-sdk-python) drop that event.
- **Payloads only** (stripped framing). Recorders that save only each SSE event's JSON payload,
  one per line (no `data:`, event names or `[DONE]`): the body is NDJSON while the protocol
  streams SSE. A terminator that is a sentinel cannot appear in such a file, so SC301 is not
  raised for it; SC902 says once what the recording cannot show. Everything else (schemas,
  grammar, finish reasons) is judged; kinds come from `type`, never from event names.
"""

from __future__ import annotations

import orjson

from streamcheck import rules
from streamcheck.check.state import ExchangeState
from streamcheck.model import Finding, Frame
from streamcheck.wire import Decoder

JOINED_NOTE = (
    "events are not separated by blank lines (the recording kept the data: lines only); "
    "each line was judged as its own event"
)


def terminators(state: ExchangeState) -> frozenset[bytes]:
    """The non-JSON data that may end the stream: the protocol's sentinels, else `[DONE]`."""
    protocol = state.protocol
    if protocol is None:
        return frozenset({b"[DONE]"})
    return protocol.sentinels | protocol.tolerated


def lines_of(state: ExchangeState, data: bytes) -> list[bytes] | None:
    """The lines of joined event data when each is a whole JSON value or a terminator."""
    if b"\n" not in data:
        return None
    ends = terminators(state)
    parts = [part for part in data.split(b"\n") if part.strip()]
    for part in parts:
        if part.strip() in ends:
            continue
        try:
            orjson.loads(part)
        except orjson.JSONDecodeError:
            return None
    return [part.strip() if part.strip() in ends else part for part in parts]


def split(frame: Frame, parts: list[bytes]) -> list[Frame]:
    # The joined event's position for every part: which line each came from is not kept.
    return [
        Frame(frame.index + i, frame.offset, frame.line, part, None, frame.time)
        for i, part in enumerate(parts)
    ]


def note_once(state: ExchangeState, message: str) -> None:
    if message not in state.recording_notes:
        state.recording_notes.add(message)
        state.sink(rules.finding("SC902", message, state.location))


def joined_events(state: ExchangeState, frame: Frame) -> list[Frame] | None:
    """A dispatched event whose data is several JSON lines: the frames to judge instead, one
    per line (None: not such an event). In a recording whose framing was rewritten that way,
    a `[DONE]` line the protocol does not use is the writer's framing, not the server's
    (hand-written fixtures wrap NDJSON APIs so): nothing to judge."""
    if frame.data == b"[DONE]":
        return [] if JOINED_NOTE in state.recording_notes else None
    parts = lines_of(state, frame.data)
    if parts is None:
        return None
    note_once(state, JOINED_NOTE)
    state.frames -= 1  # the joined event was counted; its parts count instead
    return split(frame, parts)


def at_eof(state: ExchangeState, decoder: Decoder) -> list[Frame]:
    """The event EOF cut off (the SSE decoder's `unterminated`, whose SC101 is the decoder's
    last finding): the frames to judge as delivered when the recording lost nothing a client
    reads (the SC101 withdrawn), else none."""
    frame: Frame | None = getattr(decoder, "unterminated", None)
    if frame is None or not decoder.findings or decoder.findings[-1].code != "SC101":
        return []
    protocol = state.protocol
    parts = lines_of(state, frame.data)
    if parts is not None:
        message = JOINED_NOTE
    elif frame.data.strip() in terminators(state):
        parts = [frame.data.strip()]
        message = (
            "the file ends right after the terminator, without the blank line that dispatches "
            "it (trimmed file end); nothing a client reads was lost"
        )
    elif protocol is not None and protocol.line_delivered and _is_json(frame.data):
        parts = [frame.data]
        message = (
            f"the last event has no blank line after it; {protocol.provider}'s clients deliver "
            "each data: line as it ends, so it was taken as delivered"
        )
    elif state.frames == 0 and _is_json(frame.data):
        # Not one blank line in the whole body: the recording has no SSE event framing at all
        # (a fixture writer's single data: line), which is no evidence of a cut.
        parts = [frame.data]
        message = JOINED_NOTE
    else:
        return []
    withdrawn: Finding = decoder.findings.pop()
    del withdrawn  # the decoder's SC101: replaced by the note below
    note_once(state, message)
    return split(frame, parts)


def _is_json(data: bytes) -> bool:
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError:
        return False
    return True


def stripped_note(state: ExchangeState) -> None:
    """SC902 once for a payloads-only recording, naming what it cannot show."""
    protocol = state.protocol
    assert protocol is not None
    end = protocol.terminator
    cannot = (
        f"so it cannot show whether data: {end.decode()} came; that was not checked"
        if end
        else "event names are not kept, so kinds were read from `type`"
    )
    held = "one per line" if state.framing == "ndjson" else "as one JSON array"
    note_once(
        state,
        f"the recording keeps only each SSE event's JSON payload, {held} (no data: "
        f"framing, event names or terminator), {cannot}",
    )

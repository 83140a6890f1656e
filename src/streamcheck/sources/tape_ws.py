"""The WebSocket half of the tape (format 2): message lines and the close in the end record.

See tape.py for the whole format. A message line is `{"t", "dir", "text" | "b64"}`; the end
record's `close` is an object for a close frame (`code` null when the frame had no status,
which APIs report as 1005), "no-close-frame" when the connection ended without one (1006),
or "unknown" when the recorder could not see it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import orjson

from streamcheck import redact
from streamcheck.exceptions import InputError
from streamcheck.model import (
    BYTES_PER_RUN,
    MESSAGES_PER_RUN,
    Close,
    CloseState,
    Direction,
    EndReason,
    Exchange,
    Message,
    Request,
    Runs,
    Texts,
)
from streamcheck.sources import times
from streamcheck.sources.tape import MAX_TAPE_LINE

if TYPE_CHECKING:
    from streamcheck.sources.tape import _Lines

_DIRECTIONS = {d.value: d for d in Direction}


class Session(Runs):
    """The messages of a WebSocket exchange on a tape, read as they are consumed: a message at
    a time (iterate it: every consumer may) or a run at a time (`runs`: the pull driver, which
    checks them). Either way reads the one session and sets `exchange.close` and `end` at its
    end record."""

    __slots__ = ("_arrivals", "_exchange", "_iterator", "_lines")

    def __init__(self, exchange: Exchange, lines: _Lines) -> None:
        self._exchange = exchange
        self._lines = lines
        self._arrivals = times.Arrivals(exchange)
        self._iterator: Iterator[Message] | None = None

    def __iter__(self) -> Iterator[Message]:
        if self._iterator is None:
            self._iterator = _messages(self._exchange, self._lines, self._arrivals)
        return self._iterator

    def runs(self) -> Iterator[list[Message] | Texts]:
        """The messages in runs of up to MESSAGES_PER_RUN or about BYTES_PER_RUN: the common
        line (as `_messages` reads it the short way) into `Texts` columns, a received one's
        bytes and time, no Message made (a sent one makes no frame: it is left out, its time
        still read); any other line the long way, into a list of Messages. In the order read."""
        exchange, lines, arrivals = self._exchange, self._lines, self._arrivals
        loads, bad_json, most = orjson.loads, orjson.JSONDecodeError, times.MAX_SECONDS
        readline, cap, pushed = lines.stream.readline, MAX_TAPE_LINE, lines.pushed
        most_messages, most_bytes, longest = MESSAGES_PER_RUN, BYTES_PER_RUN, cap + 1
        data: list[bytes] = []
        stamps: list[float] = []
        keep, stamp = data.append, stamps.append
        size = 0
        others: list[Message] = []
        others_size = 0
        # While lines take the short way, the line count and the last time are kept here and
        # written back before anything else reads them (the long way, a yield). `last` is the
        # least time the short way takes: `most` once the clock went backwards (none).
        number = lines.number
        last = _least(arrivals)
        line: bytes | None
        while True:
            # In step with `_messages`' short way (what the long way would make of the line).
            if not pushed:
                line = readline(longest)
                if line.startswith(b'{"t":') and len(line) <= cap:
                    number += 1
                    try:
                        item = loads(line)
                        time, way = item["t"], item["dir"]
                        body = item["text"].encode()  # only a str has encode: else long way
                    except (bad_json, LookupError, TypeError, AttributeError):
                        pass
                    else:
                        if type(time) is float and last <= time < most and "end" not in item:
                            if way == "received":
                                last = time
                                if others:
                                    arrivals.last, lines.number = last, number
                                    yield others
                                    others, others_size = [], 0
                                keep(body)
                                stamp(time)
                                size += len(body)
                                if size >= most_bytes or len(data) == most_messages:
                                    arrivals.last, lines.number = last, number
                                    yield Texts(data, stamps)
                                    data, stamps, size = [], [], 0
                                    keep, stamp = data.append, stamps.append
                                continue
                            if way == "sent":
                                last = time
                                continue
                    lines.number = number
                else:
                    lines.number = number
                    line = lines.counted(line)
            else:
                lines.number = number
                line = lines.next()
            if last != most:  # 0.0 for None: the same to Arrivals (no time is under 0)
                arrivals.last = last
            if line is not None and not line.strip():
                number = lines.number
                continue
            if data:
                yield Texts(data, stamps)
                data, stamps, size = [], [], 0
                keep, stamp = data.append, stamps.append
            message = _long_way(exchange, lines, arrivals, line)
            if message is None:
                if others:
                    yield others
                return
            number, last = lines.number, _least(arrivals)
            others.append(message)
            others_size += len(message.data)
            if others_size >= most_bytes or len(others) == most_messages:
                yield others
                others, others_size = [], 0


def _least(arrivals: times.Arrivals) -> float:
    """The least time a line may take the short way with: the last one, or none once the clock
    went backwards (MAX_SECONDS: no time is under it and at or above it)."""
    if arrivals.broken:
        return times.MAX_SECONDS
    return 0.0 if arrivals.last is None else arrivals.last


def _messages(exchange: Exchange, lines: _Lines, arrivals: times.Arrivals) -> Iterator[Message]:
    """The messages of a WebSocket exchange, one at a time."""
    loads, bad_json, most = orjson.loads, orjson.JSONDecodeError, times.MAX_SECONDS
    readline, cap, pushed = lines.stream.readline, MAX_TAPE_LINE, lines.pushed
    while True:
        # The common line, a text message with its time as this module writes it, is read
        # here: what the long way below would make of it, or it takes the long way (which
        # says what is wrong). A line per message: this loop is most of reading a tape.
        if pushed:
            line = lines.next()
        else:
            line = readline(cap + 1)
            if line.startswith(b'{"t":') and len(line) <= cap:
                lines.number += 1  # as `lines.counted` counts it
                try:  # a line that is not JSON, lacks a member or has an odd one: long way
                    item = loads(line)
                    text, time, direction = item["text"], item["t"], _DIRECTIONS[item["dir"]]
                except (bad_json, LookupError, TypeError):
                    pass
                else:
                    last = arrivals.last
                    if (
                        type(text) is str
                        and type(time) is float
                        and 0.0 <= time < most
                        and (last is None or time >= last)
                        and "end" not in item
                        and not arrivals.broken
                    ):
                        arrivals.last = time
                        # orjson refuses a lone surrogate (escaped or encoded), so no
                        # error handler is needed for the text it gives (the long way's is).
                        yield Message(direction, text.encode(), False, time)
                        continue
            else:
                line = lines.counted(line)
        if line is not None and not line.strip():
            continue
        message = _long_way(exchange, lines, arrivals, line)
        if message is None:
            return
        yield message


def _long_way(
    exchange: Exchange, lines: _Lines, arrivals: times.Arrivals, line: bytes | None
) -> Message | None:
    """A line that is not blank, read in full (an odd line says what is wrong): its message,
    or None at the session's end (its end record, the next header, the end of the file)."""
    from streamcheck.sources.tape import end_reason, payload

    if line is None or line.lstrip().startswith(b'{"streamcheck_tape"'):
        if line is not None:
            lines.pushed.append(line)
        exchange.notes.append("the tape has no end record: the recording was cut")
        exchange.close = Close(CloseState.UNKNOWN)
        return None
    item = lines.parse(line)
    if "end" in item:
        exchange.end = end_reason(item, lines)
        exchange.close = parse_close(item.get("close"), item.get("t"), lines)
        return None
    named = item.get("dir")
    way = _DIRECTIONS.get(named) if isinstance(named, str) else None  # a list: no key
    if way is None:
        raise InputError(f"{lines.source}: line {lines.number}: dir must be 'sent' or 'received'")
    data, binary, time = payload(item, lines)
    return Message(way, data, binary, arrivals(time, f"line {lines.number}"))


def parse_close(value: Any, time: Any, lines: _Lines) -> Close:
    when = times.seconds(time)  # only the close's time: an odd one is not worth an error
    if value is None or value == "unknown":
        return Close(CloseState.UNKNOWN, time=when)
    if value == "no-close-frame":
        return Close(CloseState.NO_CLOSE_FRAME, time=when)
    if isinstance(value, dict):
        code, reason, by = value.get("code"), value.get("reason", ""), value.get("by")
        if (
            (code is None or (isinstance(code, int) and not isinstance(code, bool)))
            and isinstance(reason, str)
            and by in (None, "server", "client")
        ):
            return Close(CloseState.CLOSED, code, reason, by, when)
    raise InputError(f"{lines.source}: line {lines.number}: malformed close {redact.brief(value)}")


def close_record(close: Close | None) -> Any:
    """The end record's `close` member for `close`."""
    if close is None or close.state is CloseState.UNKNOWN:
        return "unknown"
    if close.state is CloseState.NO_CLOSE_FRAME:
        return "no-close-frame"
    return {"code": close.code, "reason": close.reason, "by": close.by}


def dumps(
    exchanges: list[tuple[dict[str, Any], list[Message], Close, EndReason]],
) -> bytes:
    """WebSocket tapes in memory (tests, fixtures): [(header fields, messages, close, end)]."""
    from streamcheck.sources.tape import TapeWriter

    buffer = io.BytesIO()
    writer = TapeWriter(buffer)
    for fields, sent_and_received, close, end in exchanges:
        writer.ended = False
        writer.header(
            provider=fields.get("provider"),
            api=fields.get("api"),
            api_version=fields.get("api_version"),
            request=fields.get("request", Request(method="GET")),
            status=fields.get("status", 101),
            headers=fields.get("headers", {}),
            transport="websocket",
        )
        last = None
        for message in sent_and_received:
            writer.message(message)
            last = message.time
        writer.end(end, close.time if close.time is not None else last, close)
    return buffer.getvalue()

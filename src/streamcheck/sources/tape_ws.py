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
from streamcheck.model import Close, CloseState, Direction, EndReason, Exchange, Message, Request
from streamcheck.sources import times

if TYPE_CHECKING:
    from streamcheck.sources.tape import _Lines

_DIRECTIONS = {d.value: d for d in Direction}


def messages(exchange: Exchange, lines: _Lines) -> Iterator[Message]:
    """The messages of a WebSocket exchange; sets `exchange.close` and `end` when consumed."""
    from streamcheck.sources.tape import MAX_TAPE_LINE, end_reason, payload

    arrivals = times.Arrivals(exchange)
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
        if line is None or line.lstrip().startswith(b'{"streamcheck_tape"'):
            if line is not None:
                lines.pushed.append(line)
            exchange.notes.append("the tape has no end record: the recording was cut")
            exchange.close = Close(CloseState.UNKNOWN)
            return
        if not line.strip():
            continue
        item = lines.parse(line)
        if "end" in item:
            exchange.end = end_reason(item, lines)
            exchange.close = parse_close(item.get("close"), item.get("t"), lines)
            return
        named = item.get("dir")
        way = _DIRECTIONS.get(named) if isinstance(named, str) else None  # a list: no key
        if way is None:
            raise InputError(
                f"{lines.source}: line {lines.number}: dir must be 'sent' or 'received'"
            )
        data, binary, time = payload(item, lines)
        yield Message(way, data, binary, arrivals(time, f"line {lines.number}"))


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

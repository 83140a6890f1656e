"""What Chrome and Edge devtools put in a HAR beside the body: WebSocket messages and the
events an EventSource received.

Chrome DevTools' HAR export (front_end/models/har/HARFormat and Log.ts) adds to an entry:
- `_resourceType: "websocket"` and `_webSocketMessages`: `[{type: "send" | "receive" |
  "error", time: <epoch seconds>, opcode: 1 (text) | 2 (binary), data}]`; binary data is
  base64. Devtools records no close frame, so the close is unknown (not judged); an `error`
  item (a frame the browser could not decode) means the browser failed the connection, which
  its page saw as 1006.
- `_resourceType: "eventsource"` and `_eventSourceMessages`: `[{time, eventName, eventId,
  data}]`: the events the page's EventSource dispatched. They are rebuilt as the SSE body that
  carried them (one chunk per event, at its time), so the protocols judge them like any SSE
  body. What EventSource drops (comments, an event cut off at the end) is not in the HAR.

Times are made relative to the entry's `startedDateTime` (to the first message when it has
none), like a tape's.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from streamcheck.model import Close, CloseState, Direction, EndReason, Exchange, Message
from streamcheck.sources import times

_DIRECTIONS = {"send": Direction.SENT, "receive": Direction.RECEIVED}


def is_websocket(entry: dict[str, Any]) -> bool:
    return entry.get("_resourceType") == "websocket" or isinstance(
        entry.get("_webSocketMessages"), list
    )


def has_events(entry: dict[str, Any]) -> bool:
    return isinstance(entry.get("_eventSourceMessages"), list) and bool(
        entry["_eventSourceMessages"]
    )


def _start(entry: dict[str, Any], items: list[Any]) -> float | None:
    started = entry.get("startedDateTime")
    if isinstance(started, str):
        try:
            return datetime.fromisoformat(started).timestamp()
        except (ValueError, OverflowError):
            pass
    stamps = [i.get("time") for i in items if isinstance(i, dict)]
    return next((t for t in map(times.stamp, stamps) if t is not None), None)


def _relative(item: dict[str, Any], start: float | None) -> float | None:
    """Seconds from the entry's start, or None: no time, or one that is no time since it
    (1e308, a message long before the request: a clock or a file not to be trusted). A message
    a little before the start (devtools' clocks differ by milliseconds) is at 0."""
    time = times.stamp(item.get("time"))
    if start is None or time is None:
        return None
    since = time - start
    return round(max(0.0, since), 6) if -1.0 <= since < times.MAX_SECONDS else None


def websocket(exchange: Exchange, entry: dict[str, Any]) -> None:
    """Make `exchange` the WebSocket the entry recorded."""
    items = entry.get("_webSocketMessages")
    items = items if isinstance(items, list) else []
    exchange.messages = _messages(exchange, items, _start(entry, items))
    exchange.close = Close(CloseState.UNKNOWN)  # until the messages are read
    if not items:
        exchange.notes.append("the HAR entry holds no WebSocket messages")


def _messages(exchange: Exchange, items: list[Any], start: float | None) -> Iterator[Message]:
    dropped = 0
    arrivals = times.Arrivals(exchange)
    for number, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("data"), str):
            dropped += 1
            continue
        time = arrivals(_relative(item, start), f"message {number}")
        kind = item.get("type")
        if kind == "error":
            # The browser failed the connection on a frame it could not take.
            exchange.close = Close(CloseState.NO_CLOSE_FRAME, reason=item["data"], time=time)
            exchange.end = EndReason.RESET
            continue
        # A list or an object is no key (unhashable): a malformed item like any other.
        direction = _DIRECTIONS.get(kind) if isinstance(kind, str) else None
        if direction is None:
            dropped += 1
            continue
        data_text: str = item["data"]
        if item.get("opcode") == 2:
            try:
                data = base64.b64decode(data_text, validate=True)
            except (binascii.Error, ValueError):
                dropped += 1
                continue
            yield Message(direction, data, True, time)
        else:
            yield Message(direction, data_text.encode("utf-8", "surrogatepass"), False, time)
    if dropped:
        exchange.notes.append(f"{dropped} HAR WebSocket message(s) were malformed and skipped")


def event_source_chunks(
    exchange: Exchange, entry: dict[str, Any]
) -> Iterator[tuple[bytes, float | None]]:
    """The SSE body an EventSource's recorded events came in, one chunk per event."""
    items = entry["_eventSourceMessages"]
    start = _start(entry, items)
    arrivals = times.Arrivals(exchange)
    for number, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        yield _event_bytes(item), arrivals(_relative(item, start), f"event {number}")


def _event_bytes(item: dict[str, Any]) -> bytes:
    lines = []
    name, event_id, data = item.get("eventName"), item.get("eventId"), item.get("data")
    if isinstance(name, str) and name and name != "message":  # "message" is the default
        lines.append(f"event: {name}")
    if isinstance(event_id, str) and event_id:
        lines.append(f"id: {event_id}")
    text = data if isinstance(data, str) else ""
    # EventSource joined the data lines with LF; split them back the same way.
    lines.extend(f"data: {line}" for line in text.split("\n"))
    return ("\n".join(lines) + "\n\n").encode("utf-8", "surrogatepass")

"""One WebSocket exchange: received text messages become frames (wire.websocket) and go down
the same hot path as SSE frames (`frames.handle`); then the grammar's end, and the close judged
with the protocol's word on whether its stream reached its end (SC6xx).

Loaded only when a WebSocket exchange turns up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from streamcheck.check import frames
from streamcheck.check import framing as framing_checks
from streamcheck.model import Close, Direction
from streamcheck.protocols import Protocol
from streamcheck.wire import decoder_for
from streamcheck.wire.websocket import WebSocketDecoder, close_findings

if TYPE_CHECKING:
    from streamcheck.check.exchange import ExchangeChecker


def run(checker: ExchangeChecker) -> None:
    exchange = checker.exchange
    assert exchange.messages is not None
    checker.framing = "websocket"
    if checker.protocol is None:
        checker.candidates = _websocket_first(checker.candidates)
    elif checker.protocol.declared:  # chosen before the framing was known (--protocol)
        framing_checks.declared_framing(checker)
    decoder = decoder_for("websocket", checker.location, checker.options.max_line)
    assert isinstance(decoder, WebSocketDecoder)
    sink, handle = checker.sink, frames.handle
    for message in exchange.messages:
        if message.direction is Direction.SENT:
            continue  # the client's own messages: not frames of the server's stream
        checker.tick(message.time, len(message.data))
        batch = decoder.message(message)
        if batch:
            handle(checker, batch)
    decoder.flush()
    sink.extend(decoder.findings)
    checker.end(0)
    close = exchange.close or Close()
    state = checker.state
    finished = None
    if state is not None:
        try:
            finished = state.finished()
        except frames.MALFORMED:
            finished = None  # a grammar confused by a malformed frame cannot tell
    if close.time is not None:
        checker.timing["close"] = close.time
    for finding in close_findings(close, finished, checker.location):
        sink(finding)


def _websocket_first(candidates: object) -> list[type[Protocol]]:
    """Detection order for a WebSocket: protocols framed as WebSocket messages first (the
    Realtime API's first event must not be claimed by an SSE API with a similar event), then
    the rest (a relay may forward any provider's JSON chunks one per message)."""
    pool = list(candidates)  # type: ignore[call-overload]
    return [p for p in pool if p.framing == "websocket"] + [
        p for p in pool if p.framing != "websocket"
    ]

"""One WebSocket exchange: received text messages become frames (wire.websocket) and go down
the same hot path as SSE frames (`frames.handle`); then the grammar's end, and the close judged
with the protocol's word on whether its stream reached its end (SC6xx).

Loaded only when a WebSocket exchange turns up.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from streamcheck.check import finish, frames, timing
from streamcheck.check import framing as framing_checks
from streamcheck.check.state import ExchangeState
from streamcheck.model import Close, Direction, Frame, Message, Texts
from streamcheck.protocols import Protocol
from streamcheck.wire import decoder_for
from streamcheck.wire.websocket import WebSocketDecoder, close_findings


def start(state: ExchangeState) -> WebSocketDecoder:
    """Before the first message: the framing is known, WebSocket protocols are tried first."""
    state.framing = "websocket"
    if state.protocol is None:
        state.candidates = _websocket_first(state.candidates)
    elif state.protocol.declared:  # chosen before the framing was known (--protocol)
        framing_checks.declared_framing(state)
    decoder = decoder_for("websocket", state.location, state.options.max_line)
    assert isinstance(decoder, WebSocketDecoder)
    return decoder


def message(state: ExchangeState, decoder: WebSocketDecoder, sent: Message) -> None:
    """One message, either way: the client's own are not frames of the server's stream."""
    if sent.direction is Direction.SENT:
        return
    timing.tick(state, sent.time, len(sent.data))
    if sent.binary and _json_in_binary(state, sent.data):
        batch = decoder.decode(sent.data, sent.time)
    else:
        batch = decoder.message(sent)
    if batch:
        frames.handle(state, batch)


def messages(state: ExchangeState, decoder: WebSocketDecoder, run: Sequence[Message]) -> None:
    """Messages that arrived one after another, as `message` on each in turn would judge them
    (the same findings in the same order) with one frame loop for each run of received text
    messages: a recorded session is read this way (per message, the calls around the frame
    loop cost more than the loop). The usual run, text messages with no silence past
    --max-gap between them, is accounted in one pass (`timing.ticks`), decoded in one and
    judged in one frame loop. Otherwise the run is handled before what could report ahead of
    its frames or depend on them: a silence (SC501, reported by `timing.tick`) and a binary
    message (whether it holds JSON may depend on the protocol its frames name)."""
    received = Direction.RECEIVED
    got = [m for m in run if m.direction is received]  # the client's own make no frames
    if not got:
        return
    if not any(m.binary for m in got) and timing.ticks(state, got):
        frames.handle(state, decoder.texts([m.data for m in got], [m.time for m in got]))
        return
    pending: list[Frame] = []
    handle, tick, reports = frames.handle, timing.tick, timing.reports
    for sent in got:
        data, time = sent.data, sent.time
        if pending and reports(state, time):
            handle(state, pending)
            pending = []
        tick(state, time, len(data))
        if sent.binary:
            if pending:
                handle(state, pending)
                pending = []
            binary = _json_in_binary(state, data)
            batch = decoder.decode(data, time) if binary else decoder.message(sent)
            if batch:
                handle(state, batch)
        else:
            pending += decoder.decode(data, time)
    if pending:
        handle(state, pending)


def texts(state: ExchangeState, decoder: WebSocketDecoder, run: Texts) -> None:
    """Received text messages, as `messages` on a Message of each judges them: the usual run,
    no silence past --max-gap in it, accounted in one pass (`timing.timed`), decoded in one and
    judged in one frame loop; one with a silence, as `messages` (SC501 between its frames)."""
    data, times = run.data, run.times
    if not data:
        return
    if timing.timed(state, times, data):
        frames.handle(state, decoder.texts(data, times))
        return
    received = Direction.RECEIVED
    messages(
        state, decoder, [Message(received, d, False, t) for d, t in zip(data, times, strict=True)]
    )


def end(state: ExchangeState, decoder: WebSocketDecoder, close: Close | None) -> None:
    """The socket closed (or was lost): the grammar's end, then the close (SC6xx)."""
    decoder.flush()
    sink = state.sink
    sink.extend(decoder.findings)
    finish.end_of_body(state, 0)
    close = close or Close()
    grammar = state.grammar
    finished = None
    if grammar is not None:
        try:
            finished = grammar.finished()
        except frames.MALFORMED:
            finished = None  # a grammar confused by a malformed frame cannot tell
    if close.time is not None:
        state.timing["close"] = close.time
    meanings = state.protocol.close_meanings if state.protocol is not None else None
    for finding in close_findings(close, finished, state.location, meanings):
        sink(finding)


def _json_in_binary(state: ExchangeState, data: bytes) -> bool:
    """Whether a binary message holds the protocol's JSON (`Protocol.binary_json`: the Gemini
    Live API sends every message so): once the protocol is known, by its word; before, when a
    candidate says so and the message opens a JSON object."""
    if state.protocol is not None:
        return state.protocol.binary_json
    return data[:1] == b"{" and any(p.binary_json for p in state.candidates)


def _websocket_first(candidates: Collection[type[Protocol]]) -> list[type[Protocol]]:
    """Detection order for a WebSocket: protocols framed as WebSocket messages first (the
    Realtime API's first event must not be claimed by an SSE API with a similar event), then
    the rest (a relay may forward any provider's JSON chunks one per message)."""
    pool = list(candidates)
    return [p for p in pool if p.framing == "websocket"] + [
        p for p in pool if p.framing != "websocket"
    ]

"""Framing checks beside the decoders: the Content-Type against the body's framing (SC113), and
a user-defined protocol's declared framing against the body's (SC385)."""

from __future__ import annotations

from streamcheck import rules
from streamcheck.check.state import ExchangeState

# framing -> the Content-Types a server sends it with.
CONTENT_TYPES = {
    "sse": ("text/event-stream",),
    "ndjson": (
        "application/x-ndjson",
        "application/stream+json",
        "application/jsonl",
        "application/json",
    ),
    "jsonarray": ("application/json",),
    "eventstream": ("application/vnd.amazon.eventstream",),
    # The AI SDK serves its data stream as text/plain (x-vercel-ai-data-stream: v1).
    "tagged": ("text/plain",),
}


def content_type(state: ExchangeState, framing: str, content_type: str | None) -> None:
    """SC113: the Content-Type names another framing than the body has."""
    if framing == "ndjson" and content_type == "text/event-stream":
        # Payloads of SSE events saved one per line (stripped framing) say so at the end,
        # once the protocol is known; any other NDJSON body gets SC113 then.
        state.sse_header_on_ndjson = True
    elif content_type and content_type not in CONTENT_TYPES[framing]:
        mismatch(state, framing, content_type)


def mismatch(state: ExchangeState, framing: str, content_type: str) -> None:
    state.sink(
        rules.finding(
            "SC113", f"body is {framing} but Content-Type says {content_type}", state.location
        )
    )


def not_as_requested(state: ExchangeState) -> None:
    """SC113: an event stream where the request asked for another framing (Gemini without
    `alt=sse`: a client reading the JSON array gets nothing from SSE). Only a body that is SSE:
    a JSON array or NDJSON may be a recorder's copy of SSE payloads (recorders.py)."""
    asked = state.protocol.requested_framing(state.exchange) if state.protocol else None
    if asked is not None and state.framing == "sse" and asked[0] != "sse":
        message = (
            f"body is sse but the request asked for {asked[0]} ({asked[1]}): the server "
            f"ignored the form asked for, and a client reading {asked[0]} gets no chunks"
        )
        state.sink(rules.finding("SC113", message, state.location))


def declared_framing(state: ExchangeState) -> None:
    """SC385: a protocol file's exchange whose body has another framing than it declares."""
    from streamcheck.protocols.declared import framing_mismatch

    problem = framing_mismatch(state.protocol, state.framing)
    if problem:
        state.sink(rules.finding("SC385", problem, state.location))

"""The end of an exchange: the grammar's end rules, first-content timing (SC502), SC313 for a
body with no frames, a transfer cut before the body ended (SC503, SC504), the readers' notes,
and the verdict (`result`)."""

from __future__ import annotations

from collections.abc import Callable

from streamcheck import rules
from streamcheck.check import choose, frames
from streamcheck.check import framing as framing_checks
from streamcheck.check.state import ExchangeState
from streamcheck.model import GATEWAY_TIMEOUTS, STOPPED, EndReason, ExchangeResult, Finding


def end_of_body(state: ExchangeState, comments: int) -> None:
    """End of the body: the grammar's end rules, first-content timing (SC502), and SC313
    for a body that decoded to no frames."""
    if state.undecided:
        frames.settle(state)
    grammar = state.grammar
    protocol = state.protocol
    # Payloads only: the SSE events' JSON one per line, or as one JSON array (a recorder or
    # fixture that kept the parsed chunks), for an API that streams SSE. Gemini's JSON array is
    # its own framing (no `alt=sse`), and it has no sentinel to lose.
    stripped = (
        state.framing in ("ndjson", "jsonarray")
        and protocol is not None
        and protocol.framing == "sse"
        and state.framing not in protocol.also_framed
        and (state.framing == "ndjson" or protocol.terminator is not None)
    )
    if state.sse_header_on_ndjson and not stripped:
        framing_checks.mismatch(state, "ndjson", "text/event-stream")
    framing_checks.not_as_requested(state)
    if grammar is not None:
        if stripped:
            from streamcheck.check import recorders

            recorders.stripped_note(state)
        if (stripped or state.recording_notes) and protocol and protocol.terminator:
            # The recording lost the SSE framing (payloads only, or the data: lines
            # without their blank lines): whether the sentinel came cannot be told.
            grammar.ctx.emit = _without("SC301", grammar.ctx.emit)
        clean_eof = state.exchange.end in (EndReason.EOF, EndReason.UNKNOWN)
        frames.guard(grammar.end, clean_eof)
        if grammar.ctx.error_class:
            state.error_class = grammar.ctx.error_class
        first = grammar.first_content_time
        if first is not None:
            state.timing["first_content"] = first
            if first > state.options.max_first_token:
                state.sink(
                    rules.finding(
                        "SC502",
                        f"first content after {first:.1f} s "
                        f"(limit {state.options.max_first_token:g} s)",
                        state.location,
                    )
                )
    if state.frames == 0 and state.error_class is None:
        extra = f" ({comments} comment lines only)" if comments else ""
        state.sink(rules.finding("SC313", f"the body decoded to no frames{extra}", state.location))


def not_checked(state: ExchangeState, why: str) -> None:
    """SC903: the exchange was not judged (why)."""
    state.sink(rules.finding("SC903", why, state.location.at(offset=0, line=1)))


def cut_off(state: ExchangeState) -> None:
    """SC503 / SC504: the transfer stopped before the body ended (a live call's read
    timeout or reset, or a tape that recorded one): whatever the grammar says, the client
    got an exception and a partial answer. A WebSocket's end is its close (SC6xx says it)."""
    if state.exchange.messages is not None:
        return
    end = state.exchange.end
    if end is not EndReason.TIMEOUT and end is not EndReason.RESET:
        return  # the body ended: nothing worded, nothing placed (once per file of a folder)
    seen = f"after {state.bytes} bytes ({state.frames} frames)"
    where = state.location.at(offset=state.bytes)
    if end is EndReason.TIMEOUT:
        message = f"the read timed out: no more bytes within the read timeout, {seen}"
        state.sink(rules.finding("SC503", message, where))
    else:
        message = f"the connection was reset before the body ended, {seen}"
        state.sink(rules.finding("SC504", message, where))


def after_body(state: ExchangeState) -> None:
    """What is judged once the body is over, whatever its kind: a cut transfer, the readers'
    notes (a tape with no end record: added while the body was read, so last), and a URL no
    protocol serves."""
    cut_off(state)
    for note in state.exchange.notes:
        state.sink(rules.finding("SC902", note, state.location))
    choose.unknown_endpoint(state)


def result(state: ExchangeState) -> ExchangeResult:
    """The verdict: what was detected and seen, and the findings (call once: the sink adds
    its summaries and masks every text)."""
    protocol = state.protocol
    exchange = state.exchange
    return ExchangeResult(
        source=exchange.source,
        index=exchange.index,
        # Without a protocol module, what the URL said (a cassette's host) is still known.
        provider=protocol.provider
        if protocol
        else exchange.provider or (choose.named_provider(state) if state.error_class else None),
        api=protocol.api if protocol else exchange.api,
        api_version=state.version if protocol else exchange.api_version,
        status=exchange.status,
        framing=state.framing,
        frames=state.frames,
        bytes=state.bytes,
        end=exchange.end,
        findings=state.sink.result(),
        url=exchange.request.url,
        error_class=state.error_class,
        timing=state.timing,
        body_offset=exchange.body_offset,
        body_line=exchange.body_line,
    )


def diagnose(state: ExchangeState, result: ExchangeResult) -> None:
    """Why the stream was cut, stalled or buffered (check/cause.py), once, at the end."""
    exchange = state.exchange
    timing = state.timing
    # cause.diagnose concludes nothing for a clean body that ended, read from a file (most
    # files of a folder): no finding, no arrival times to weigh, no end no sender chose, no
    # gateway's timeout. Its module (~4 M instructions to load) is loaded only for one of them
    # (tests/check/test_cause.py::test_nothing_to_weigh_is_no_cause holds cause.diagnose to it).
    if (
        result.findings
        or exchange.arrival_times
        or exchange.end in STOPPED
        or exchange.status in GATEWAY_TIMEOUTS
    ):
        _explain(state, result)
    if exchange.end_time is not None:
        timing["end"] = exchange.end_time


def _explain(state: ExchangeState, result: ExchangeResult) -> None:
    """The cause (`result.cause`) and the selected SC505 / SC506 findings it rests on."""
    from streamcheck.check import cause

    exchange = state.exchange
    timing = state.timing
    facts = cause.Facts(
        end=exchange.end,
        end_time=exchange.end_time,
        read_timeout=exchange.read_timeout,
        first_byte=timing.get("first_byte"),
        last_byte=timing.get("total"),
        frames=state.frames,
        bytes=state.bytes,
        status=exchange.status,
        framing=state.framing,
        arrival_times=exchange.arrival_times,
        max_gap=timing.get("max_gap"),
    )
    result.cause, found = cause.diagnose(facts, exchange.headers, result.findings, state.location)
    options = state.options
    kept = [f for f in found if rules.selected(f.code, options.select, options.ignore)]
    if kept:
        result.findings.extend(kept)


def _without(code: str, emit: Callable[[Finding], None]) -> Callable[[Finding], None]:
    """`emit` that drops findings of `code` (a rule the recording cannot be judged by)."""

    def emit_kept(finding: Finding) -> None:
        if finding.code != code:
            emit(finding)

    return emit_kept

"""Answers that are not streams: empty bodies, error documents, HTML pages, and a whole JSON
document where a stream was asked for. Imported only when such a body turns up.
"""

from __future__ import annotations

from typing import Any

from streamcheck import errors, rules
from streamcheck.check import choose, frames
from streamcheck.check.state import ExchangeState
from streamcheck.model import EndReason
from streamcheck.redact import excerpt


def empty(state: ExchangeState) -> None:
    """An empty body: an error when the status says so (SC402), else SC114."""
    status = state.exchange.status
    if status is not None and status >= 400:
        verdict = errors.classify(b"", status)
        state.error_class = verdict.klass
        state.sink(
            rules.finding(
                "SC402",
                f"HTTP {status} with an empty body: {verdict.describe()}",
                state.location,
                hint=verdict.hint,
            )
        )
    elif state.exchange.end not in (EndReason.TIMEOUT, EndReason.RESET):
        # A body cut off before its first byte is SC503/SC504's to report, not an empty one.
        state.sink(rules.finding("SC114", "the response body is empty", state.location))


def kept_elsewhere(state: ExchangeState, name: str) -> None:
    """A recording that keeps the body in another file (WireMock's `__files`): nothing here to
    judge, said as not judged (SC901), never as an empty answer."""
    message = (
        f"the recording keeps this response's body in another file, {name!r}, which was not "
        "named: the exchange was not judged"
    )
    hint = (
        "Check that file too (it holds the body as it was recorded), or record the body "
        "inline (WireMock: extractBodyCriteria thresholds above the body's size)."
    )
    state.sink(rules.finding("SC901", message, state.location, hint=hint))


def check_body(state: ExchangeState, body: bytes, framing: str) -> None:
    """A whole body where a stream was expected: an error document (SC401/SC402), or a
    complete JSON answer (SC206, SC901)."""
    status = state.exchange.status
    value = errors.parse_body(body) if framing in ("json", "jsonarray") else None
    failed = status is not None and status >= 400  # any JSON under an error status is one
    if value is not None and not failed and errors.error_object(value) is None:
        not_an_error(state, value, body)
        return
    provider = state.protocol.provider if state.protocol else state.exchange.provider
    verdict = errors.classify(
        body, status, state.exchange.content_type, value, state.exchange.headers, provider
    )
    state.error_class = verdict.klass
    # A URL the hints placed at a provider but no protocol serves (Bedrock's count-tokens,
    # a non-streaming Converse call) keeps the hint: its error is not a stream API's.
    if state.protocol is None and not (state.exchange.provider and state.exchange.request.url):
        owner = next((p for p in state.candidates if verdict.shape in p.error_shapes), None)
        if owner is not None:
            choose.use(state, owner)
    where = state.location.at(offset=0, line=1)
    provider = (
        state.protocol.provider
        if state.protocol
        else state.exchange.provider or choose.named_provider(state) or "the server"
    )
    streamed = choose.asked_for_stream(state) is not False
    crash = crash_note(state, value) if streamed else ""
    instead = " instead of a stream" if streamed else " (the call was not a streaming one)"
    if verdict.documented:
        state.sink(
            rules.finding(
                "SC401",
                f"{provider} answered with an error body{instead}: {verdict.describe()}{crash}",
                where,
                evidence=excerpt(body),
                hint=verdict.hint,
            )
        )
    else:
        what = {"html": "an HTML page", "text": "plain text"}.get(
            verdict.shape, f"an error in an undocumented shape ({verdict.shape})"
        )
        state.sink(
            rules.finding(
                "SC402",
                f"{'expected a stream, ' if streamed else ''}got {what}: "
                f"{verdict.describe()}{crash}",
                where,
                evidence=excerpt(body),
                hint=verdict.hint,
            )
        )


def crash_note(state: ExchangeState, value: Any) -> str:
    """What a typical client does with this body, for the finding's message."""
    if state.protocol is None or value is None:
        return ""
    if state.protocol.api == "chat-completions":  # OpenAI, Azure and compatible dialects
        return (
            "; a client that reads chunk['choices'][0]['finish_reason'] raises "
            "KeyError on this body"
        )
    return ""


def not_an_error(state: ExchangeState, value: Any, body: bytes) -> None:
    """A JSON document that is no error: a known API answered without streaming (SC206),
    or no known API answers like this (SC901)."""
    where = state.location.at(offset=0, line=1)
    if state.protocol is None:
        for protocol in state.candidates:
            if frames.claims(protocol, value, None):
                choose.use(state, protocol)
                break
    if state.protocol is None:
        # No known API: a JSON answer may be right for it (Replicate answers the stream
        # request with the URL of the stream). SC901 says nothing was judged.
        choose.unknown_endpoint(state)
        if not state.unknown_reported:
            state.unknown_reported = True
            message = "no known provider API answers with this JSON document; not judged"
            state.sink(rules.finding("SC901", message, where, evidence=excerpt(body)))
        return
    kind = value.get("object") or value.get("type") if isinstance(value, dict) else None
    state.sink(
        rules.finding(
            "SC206",
            f"the body is one complete JSON document ({kind or type(value).__name__}), "
            "not a stream",
            where,
            evidence=excerpt(body),
        )
    )

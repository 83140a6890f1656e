"""HAR exports (browser devtools, proxies): `log.entries[]` with request, response and timings.

Spec: HTTP Archive 1.2 (Jan Odvarko, http://www.softwareishard.com/blog/har-12-spec/; W3C Web
Performance draft "HTTP Archive (HAR) format"). `response.content.text` holds the body already
decoded from any Content-Encoding, base64 when `content.encoding` is "base64". Timings are in
milliseconds, -1 when not applicable; `ssl` is already counted in `connect`.

A page export holds every request the page made (scripts, images, analytics); only entries that
look like LLM calls become exchanges: a streaming response type, a known provider host, or a
JSON request asking for `stream: true`. The exchange index is the entry's index in the file, so
a finding points at the entry a user can find in devtools.

HAR keeps no per-chunk arrival times. The body is given as one chunk arriving at the time to
first byte (blocked + dns + connect + send + wait): the earliest any frame can have arrived, so
first-byte timing is exact and first-content timing is a lower bound; no gap can be invented.
`receive` gives when the last byte came (`Exchange.end_time`): the whole duration, not a gap.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Any, BinaryIO

import orjson

from streamcheck.exceptions import InputError
from streamcheck.model import EndReason, Exchange
from streamcheck.sources import bodies, formats, har_ws, hints, inflate, times

_STREAM_TYPES = (
    "text/event-stream",
    "application/x-ndjson",
    "application/stream+json",
    "application/jsonl",
    "application/vnd.amazon.eventstream",
)
# Response headers of the relay protocols (Vercel AI SDK) whose bodies are streams.
_RELAY_HEADERS = ("x-vercel-ai-data-stream", "x-vercel-ai-ui-message-stream")
_BEFORE_BODY = ("blocked", "dns", "connect", "send", "wait")
# Chrome's `response._error` (a net error code) says how a failed transfer ended: the browser
# cancelled it itself, the connection broke mid-body, or it timed out.
_NET_ERRORS = {
    "ERR_ABORTED": EndReason.INTERRUPTED,
    "ERR_INCOMPLETE_CHUNKED_ENCODING": EndReason.RESET,
    "ERR_CONNECTION_RESET": EndReason.RESET,
    "ERR_CONNECTION_CLOSED": EndReason.RESET,
    "ERR_EMPTY_RESPONSE": EndReason.RESET,
    "ERR_CONTENT_LENGTH_MISMATCH": EndReason.RESET,
    "ERR_HTTP2_PROTOCOL_ERROR": EndReason.RESET,
    "ERR_QUIC_PROTOCOL_ERROR": EndReason.RESET,
    "ERR_NETWORK_CHANGED": EndReason.RESET,
    "ERR_TIMED_OUT": EndReason.TIMEOUT,
}
NO_BODY_NOTE = (
    "the HAR entry holds no response body (browsers often leave streamed bodies out of HAR "
    "exports; Firefox keeps them)"
)


def read(source: str, stream: BinaryIO, head: bytes) -> Iterator[Exchange]:
    try:
        data = head + stream.read()
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        doc = _yaml(data)  # Polly.JS's YAML persister writes the same document as YAML
        if doc is None:
            raise InputError(f"{source}: not a valid HAR file: {exc}") from None
    del data
    log = doc.get("log") if isinstance(doc, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise InputError(f"{source}: not a HAR file (no log.entries list)")
    kept = [i for i, entry in enumerate(entries) if _is_llm_call(source, i, entry)]
    if not kept:
        raise InputError(
            f"{source}: none of the {len(entries)} HAR entries is a streamed or LLM API call"
        )
    for index in kept:
        yield _exchange(source, index, entries[index])
        entries[index] = None  # keep memory flat while the rest are checked


def _yaml(data: bytes) -> Any:
    """A HAR written as YAML, through the cassettes' safe loader; None when it is not one."""
    from streamcheck import safe_yaml
    from streamcheck.sources import cassette

    if not formats.HAR_YAML_START.match(data.removeprefix(b"\xef\xbb\xbf")):
        return None
    try:
        return safe_yaml.load(data, cassette._loader())
    except (safe_yaml.YAMLRefused, ValueError, RecursionError):
        return None


def _parts(source: str, index: int, entry: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    if not isinstance(entry, dict):
        raise InputError(f"{source}: HAR entry {index} is not an object")
    request, response = entry.get("request"), entry.get("response")
    if not isinstance(request, dict) or not isinstance(response, dict):
        raise InputError(f"{source}: HAR entry {index} has no request or response object")
    return request, response


def _is_llm_call(source: str, index: int, entry: Any) -> bool:
    request, response = _parts(source, index, entry)
    if har_ws.is_websocket(entry) or har_ws.has_events(entry):
        return True  # a page's socket or EventSource: the hop an app owns (issue 13)
    content = response.get("content")
    mime = bodies.text_of(content.get("mimeType") or "") if isinstance(content, dict) else ""
    if mime.split(";", 1)[0].strip().lower() in _STREAM_TYPES:
        return True
    # The AI SDK's data stream is served as text/plain: its header says what it is.
    if any(name.lower() in _RELAY_HEADERS for name in _headers(response.get("headers"))):
        return True
    if hints.from_request(_url(request), _headers(request.get("headers"))).provider:
        return True
    body = _post_body(request)
    return isinstance(body, dict) and body.get("stream") is True


def _url(request: dict[str, Any]) -> str | None:
    url = request.get("url")
    return bodies.text_of(url) if url else None


def _headers(value: Any) -> dict[str, str]:
    if not isinstance(value, list):
        return {}
    # HTTP/2 pseudo-headers (:status, :authority) repeat what the entry says elsewhere.
    return bodies.header_map(
        (item.get("name"), item.get("value", ""))
        for item in value
        if isinstance(item, dict)
        and item.get("name")
        and not bodies.text_of(item["name"]).startswith(":")
    )


def _post_body(request: dict[str, Any]) -> Any:
    post = request.get("postData")
    text = post.get("text") if isinstance(post, dict) else None
    return bodies.request_body(text) if isinstance(text, str) else None


def _exchange(source: str, index: int, entry: dict[str, Any]) -> Exchange:
    request, response = _parts(source, index, entry)
    url = _url(request)
    request_headers = _headers(request.get("headers"))
    headers = _headers(response.get("headers"))
    status = response.get("status")
    exchange = bodies.recorded_exchange(
        source,
        index,
        method=request.get("method"),
        url=url,
        request_headers=request_headers,
        request_body=_post_body(request),
        status=status if type(status) is int and 0 < status <= 999 else None,
        headers=headers,
    )
    if status == 0:
        exchange.notes.append("the browser recorded no response (status 0: blocked or cancelled)")
    if har_ws.is_websocket(entry):
        har_ws.websocket(exchange, entry)
        return exchange
    content = response.get("content")
    content = content if isinstance(content, dict) else {}
    if har_ws.has_events(entry) and not content.get("text"):
        exchange.chunks = har_ws.event_source_chunks(exchange, entry)
        return exchange
    exchange.chunks = _chunks(exchange, content, headers)
    first_byte = _first_byte(entry.get("timings"))
    if first_byte is None:
        exchange.notes.append("the HAR entry has no timings; timing rules were not applied")
    exchange.chunks = _timed(exchange.chunks, first_byte)
    exchange.end_time = _last_byte(entry.get("timings"), first_byte)
    _net_error(exchange, response.get("_error"))
    return exchange


def _net_error(exchange: Exchange, error: Any) -> None:
    """How the browser says the transfer ended, when it failed (Chrome's `_error`)."""
    if not isinstance(error, str) or exchange.status is None:
        return
    end = _NET_ERRORS.get(error.removeprefix("net::"))
    if end is not None:
        exchange.end = end
        exchange.notes.append(f"the browser recorded {bodies.text_of(error)[:60]} for the response")


def _chunks(
    exchange: Exchange, content: dict[str, Any], headers: dict[str, str]
) -> Iterator[tuple[bytes, float | None]]:
    text = content.get("text")
    if not isinstance(text, str) or not text:
        if exchange.status is not None:
            exchange.notes.append(NO_BODY_NOTE)
        return
    if bodies.text_of(content.get("encoding") or "").lower() == "base64":
        try:
            data = b"".join(base64.b64decode(t, validate=False) for t in _base64_parts(text))
        except (binascii.Error, ValueError):
            exchange.notes.append("the HAR body is marked base64 but is not; it was skipped")
            return
    else:
        data = text.encode("utf-8", "surrogatepass")
    if data[:2] == b"\x1f\x8b":  # a tool that stored the body still compressed
        coding = bodies.find_header(headers, "content-encoding")
        for piece in inflate.decoded([data], coding, exchange.notes):
            yield piece, None
        return
    yield data, None


def _base64_parts(text: str) -> list[str]:
    """The base64 pieces of a body: Polly.JS keeps a body it received in chunks (a compressed
    one) as a JSON array of base64 strings, one per chunk; anything else is one piece."""
    if text.lstrip().startswith("["):
        try:
            parts = orjson.loads(text)
        except orjson.JSONDecodeError:
            return [text]
        if isinstance(parts, list) and parts and all(isinstance(p, str) for p in parts):
            return parts
    return [text]


def _timed(
    chunks: Iterator[tuple[bytes, float | None]], time: float | None
) -> Iterator[tuple[bytes, float | None]]:
    for data, _ in chunks:
        yield data, time


def _first_byte(timings: Any) -> float | None:
    """Seconds from the request start to the first response byte, or None if not recorded."""
    if not isinstance(timings, dict) or not isinstance(timings.get("wait"), int | float):
        return None
    total = sum(
        milliseconds
        for name in _BEFORE_BODY
        if (milliseconds := times.seconds(timings.get(name))) is not None
    )
    first = times.seconds(total / 1000.0)  # 1e308 ms is no time: none rather than 300 digits
    return round(first, 6) if first is not None else None


def _last_byte(timings: Any, first_byte: float | None) -> float | None:
    """Seconds from the request start to the body's last byte (first byte + `receive`): the
    whole duration, which check/cause.py weighs against hops' limits on a whole response.
    Not a chunk time: the body's bytes have none here, so no silence can be measured."""
    receive = times.seconds(timings.get("receive")) if isinstance(timings, dict) else None
    if first_byte is None or receive is None:
        return None
    last = times.seconds(first_byte + receive / 1000.0)
    return round(last, 6) if last is not None else None

"""Recorded bodies back to the bytes that crossed the wire: headers as one string per name,
Content-Encoding undone, request bodies parsed and redacted, and the recorded request and
response as an Exchange with its secrets removed. Shared by the cassette and HAR readers.

RFC 9110 section 8.4 (Content-Encoding: codings listed in the order applied, so undone from the
last) and RFC 1952 (gzip). Brotli is used only when a brotli module happens to be installed;
it is not a dependency, and without it the body is checked as stored, with a recording note.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from streamcheck import redact
from streamcheck.model import EndReason, Exchange, Request
from streamcheck.sources import hints, inflate

MAX_REQUEST = 16 * 1024 * 1024  # a request body is inflated whole up to this size


def recorded_exchange(
    source: str,
    index: int,
    *,
    method: Any,
    url: str | None,
    request_headers: dict[str, str],
    request_body: Any,
    status: int | None,
    headers: dict[str, str],
) -> Exchange:
    """A recorded request and response as an Exchange whose chunks the reader fills in: the
    provider hinted from the request, and every credential the request carried collected (so
    the checker masks it wherever it appears again) before URL, headers and the parsed
    `request_body` are redacted."""
    hint = hints.from_request(url, request_headers)
    secrets = redact.collect(url, request_headers, request_body) | redact.collect(headers=headers)
    with redact.scope(secrets):
        request = Request(
            method=text_of(method or "POST").upper(),
            url=redact.url(url) if url else None,
            headers=redact.headers(request_headers),
            body=redacted_body(request_body),
        )
        response_headers = redact.headers(headers)
    return Exchange(
        source=source,
        index=index,
        request=request,
        status=status,
        headers=response_headers,
        chunks=(),
        end=EndReason.UNKNOWN,
        provider=hint.provider,
        api=hint.api,
        api_version=hint.api_version,
        secrets=secrets,
    )


def text_of(value: Any) -> str:
    """A recorded field as text: a string as it is, anything else by a short repr (str() of a
    list nested a thousand deep raises RecursionError; one of a 5,000-digit int, ValueError)."""
    return value if isinstance(value, str) else redact.brief(value, 4096)


def header_map(items: Iterable[tuple[Any, Any]]) -> dict[str, str]:
    """Header pairs to one string per name; repeated names and list values join with ', '."""
    out: dict[str, str] = {}
    for name, value in items:
        key = text_of(name)
        text = ", ".join(map(text_of, value)) if isinstance(value, list) else text_of(value)
        out[key] = f"{out[key]}, {text}" if key in out else text
    return out


def find_header(headers: Mapping[str, str], name: str) -> str | None:
    lower = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lower), None)


def undo_content_encoding(
    data: bytes, coding: str | None, limit: int = MAX_REQUEST
) -> tuple[bytes, str | None]:
    """A small body (a request's) with its Content-Encoding removed, whole, and the first note
    when that was not possible. Response bodies stream through `inflate.decoded` instead."""
    notes: list[str] = []
    out = b"".join(inflate.decoded([data], coding, notes, limit=limit))
    return out, notes[0] if notes else None


def to_json_bytes(value: Any) -> bytes:
    """A structured body (a cassette's parsed_body) serialised back to JSON. ValueError when it
    cannot be: nested past Python's recursion limit."""
    try:
        return orjson.dumps(value, default=_jsonable)
    except orjson.JSONEncodeError:
        pass  # orjson stops at 255 levels of nesting and at 64-bit integers; json takes both
    import json

    try:
        text = json.dumps(value, default=_jsonable, ensure_ascii=False)
    except (RecursionError, ValueError) as exc:
        raise ValueError("nested too deep to re-encode as JSON") from exc
    return text.encode("utf-8", "surrogatepass")


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def request_body(value: Any) -> Any:
    """A request body as parsed JSON (secrets still in: `recorded_exchange` collects and masks
    them); None when it is not JSON."""
    if value is None:
        return None
    if isinstance(value, str | bytes | bytearray):
        if not value.strip():
            return None
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return None
    return value


def redacted_body(value: Any) -> Any:
    """A parsed request body with every credential masked (by name, known value and shape)."""
    if value is None:
        return None
    try:
        return orjson.loads(redact.text(to_json_bytes(value).decode("utf-8", "replace")))
    except (ValueError, TypeError):  # a mask spanning JSON syntax, or nesting orjson will not
        return None  # write: keep nothing rather than leak

"""Guess a body's framing from its first bytes, the way a careful human would.

The body wins over the Content-Type header: an error object served as `text/event-stream` is an
error object. The header is still used to report a mismatch (SC113).
"""

from __future__ import annotations

import re

SSE_START = re.compile(rb"^(?:data|event|id|retry)(?::|\r|\n)|^:")
# Compiled by re on first use (re.match(PATTERN, ...)): an SSE body, the common case, never
# asks them (start-up, issue 22).
_JSON_LINE_BREAK = rb"[}\]]\s*\r?\n\s*[{\[]"
# `TAG:JSON` lines (the Vercel AI SDK 4.x data stream: `0:"Hi"`, `f:{"messageId":...}`): a one or
# two character tag, then a JSON value. SSE field names are longer (`id:` is SSE: matched first).
# The SDK writes JSON.stringify output right after the colon, so nothing else may follow it.
TAGGED_START = rb'^[0-9a-z]{1,2}:(?:["{\[0-9-]|true\b|false\b|null\b)'

# "websocket" is never sniffed (a WebSocket exchange says so itself) but is a stream.
STREAM_FRAMINGS = ("sse", "ndjson", "jsonarray", "eventstream", "tagged", "websocket")


def sniff(head: bytes, content_type: str | None = None, complete: bool = False) -> str:
    """One of: sse, ndjson, jsonarray, eventstream, tagged, json, html, text, empty.

    `head` is the first bytes of the body; `complete` says it is the whole body.
    """
    if content_type == "application/vnd.amazon.eventstream":
        return "eventstream"
    body = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if not body:
        return "empty"
    if SSE_START.match(body):
        return "sse"
    if re.match(TAGGED_START, body):
        return "tagged"
    first = body[:1]
    if first == b"{":
        if re.search(_JSON_LINE_BREAK, body) or _second_json_line(body):
            return "ndjson"
        if content_type in ("application/x-ndjson", "application/stream+json", "application/jsonl"):
            return "ndjson"
        return "json"
    if first == b"[":
        return "jsonarray"
    if first == b"<":
        return "html"
    if len(head) >= 12 and _looks_like_eventstream(head):
        return "eventstream"
    if content_type == "text/event-stream" or re.search(rb"(?m)^data:", body):
        return "sse"
    return "text"


def first_line_open(head: bytes) -> bool:
    """A body opening with a JSON object whose first line has not ended, or has ended with
    nothing after it yet: its framing (one JSON document or NDJSON) is not decided."""
    body = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if body[:1] != b"{":
        return False
    cut = body.find(b"\n")
    return cut < 0 or not body[cut:].strip()


def first_line_end(head: bytes) -> int:
    """Offset of the first line break in `head` (its length when there is none)."""
    cut = head.find(b"\n")
    return cut if cut >= 0 else len(head)


def _second_json_line(body: bytes) -> bool:
    """The first line is a whole JSON value and another line follows: NDJSON, whatever the
    first line's length (a long first line puts the break past any fixed budget)."""
    cut = body.find(b"\n")
    if cut < 0 or not body[cut:].strip():
        return False
    import orjson

    try:
        orjson.loads(body[:cut])
    except orjson.JSONDecodeError:
        return False
    return body[cut:].lstrip()[:1] in (b"{", b"[")


def _looks_like_eventstream(head: bytes) -> bool:
    import zlib

    total = int.from_bytes(head[0:4], "big")
    headers = int.from_bytes(head[4:8], "big")
    crc = int.from_bytes(head[8:12], "big")
    return total >= 16 and headers <= total - 16 and zlib.crc32(head[0:8]) == crc

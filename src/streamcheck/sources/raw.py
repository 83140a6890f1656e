"""Raw response bodies (SSE, NDJSON, JSON, HTML...), optionally behind the status line and
headers that `curl -i -N` prints. Read in 64 KiB pieces: memory does not grow with the body."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from streamcheck import redact
from streamcheck.exceptions import InputError
from streamcheck.model import EndReason, Exchange, Request

READ_SIZE = 64 * 1024
MAX_HEAD = 64 * 1024
_STATUS = re.compile(rb"^HTTP/\d(?:\.\d)? (\d{3})(?: [^\r\n]*)?\r?$")


def read_chunks(stream: BinaryIO, first: bytes = b"") -> Iterator[tuple[bytes, float | None]]:
    if first:
        yield first, None
    while True:
        try:
            chunk = stream.read(READ_SIZE)
        except OSError as exc:
            raise InputError(f"read failed: {exc.strerror or exc}") from None
        if not chunk:
            return
        yield chunk, None


def body_chunks(source: str, stream: BinaryIO, head: bytes) -> Iterable[tuple[bytes, float | None]]:
    """A raw body's chunks, `head` already read: a tuple of that one chunk when it is the whole
    body (the next read finds the end: a small file, read at once), so the checker knows its
    last bytes as it is given them (check.exchange); else they are read as they are consumed.
    The read that finds the end is the one `read_chunks` would make after the first chunk."""
    try:
        more = stream.read(READ_SIZE)
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None
    if not more:
        return ((head, None),) if head else ()
    return _chained(head, more, stream)


def _chained(head: bytes, more: bytes, stream: BinaryIO) -> Iterator[tuple[bytes, float | None]]:
    if head:
        yield head, None
    yield more, None
    yield from read_chunks(stream)


def looks_like_curl(head: bytes) -> bool:
    # The prefix _STATUS starts with, tested first: a body (nearly every file) is told
    # without copying its first line out of the head (asked once per file of a folder).
    return head.startswith(b"HTTP/") and _STATUS.match(head.split(b"\n", 1)[0]) is not None


def from_stream(source: str, stream: BinaryIO, head: bytes) -> Exchange:
    """An exchange from a raw body or a `curl -i` dump; `head` is what was already read."""
    if not looks_like_curl(head):
        return Exchange(
            source,
            0,
            Request(),
            None,
            {},
            body_chunks(source, stream, head),
            EndReason.UNKNOWN,
            body_offset=0,
            body_line=1,
        )
    buf = head
    skipped = newlines = 0  # bytes and line breaks of the header blocks, to place the body
    status: int | None = None
    headers: dict[str, str] = {}
    while True:
        end = _header_end(buf)
        while end is None:
            more = stream.read(READ_SIZE)
            if not more or len(buf) > MAX_HEAD:
                raise InputError("starts like a curl -i dump but its headers never end")
            buf += more
            end = _header_end(buf)
        block, buf = buf[: end[0]], buf[end[1] :]
        skipped += end[1]
        newlines += block.count(b"\n") + 2
        lines = block.replace(b"\r\n", b"\n").split(b"\n")
        match = _STATUS.match(lines[0])
        if match is None:
            raise InputError("malformed status line in curl -i dump")
        status = int(match.group(1))
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if sep:
                headers[name.strip().decode("latin-1")] = value.strip().decode("latin-1")
        # curl -i also prints interim responses (100 Continue, proxy CONNECT): take the last.
        if not (100 <= status < 200 or _connect_established(lines[0])) or not looks_like_curl(buf):
            break
    # A dump holds no request, but a response header may carry a credential (a session
    # cookie): masked there, and wherever the body repeats it.
    secrets = redact.collect(headers=headers)
    with redact.scope(secrets):
        headers = redact.headers(headers)
    exchange = Exchange(
        source,
        0,
        Request(),
        status,
        headers,
        read_chunks(stream, buf),
        EndReason.UNKNOWN,
        body_offset=skipped,
        body_line=newlines + 1,
        secrets=secrets,
    )
    coding = next((v for k, v in headers.items() if k.lower() == "content-encoding"), "")
    if coding.strip().lower() not in ("", "identity") and _compressed(buf):
        # `curl -i` without --compressed keeps the body as sent: inflated here, streaming. (With
        # --compressed curl inflates it and keeps the header; such a body passes as it is.)
        from streamcheck.sources import inflate

        raw_chunks = (piece for piece, _ in read_chunks(stream, buf))
        pieces = inflate.decoded(raw_chunks, coding, exchange.notes, say_plain=False)
        exchange.chunks = ((piece, None) for piece in pieces)
        exchange.body_offset = exchange.body_line = None  # positions are in the inflated body
        exchange.notes.append(
            f"the body is {coding.strip()[:40]}-encoded (Content-Encoding); it was inflated, "
            "so lines and bytes are positions in the inflated body"
        )
    return exchange


def _header_end(buf: bytes) -> tuple[int, int] | None:
    """(end of the header block, start of the body), or None when the block is incomplete."""
    found = [(i, i + len(sep)) for sep in (b"\r\n\r\n", b"\n\n") if (i := buf.find(sep)) >= 0]
    return min(found) if found else None


def _connect_established(line: bytes) -> bool:
    return b"connection established" in line.lower()


def _compressed(body: bytes) -> bool:
    """Whether a body starts as gzip or zlib data, or with a byte no text framing starts with
    (brotli and raw deflate have no magic number)."""
    if body[:2] == b"\x1f\x8b":
        return True
    if len(body) >= 2 and body[0] == 0x78 and (body[0] * 256 + body[1]) % 31 == 0:
        return True
    return bool(body) and not (32 <= body[0] < 127 or body[0] in (9, 10, 13, 0xEF))

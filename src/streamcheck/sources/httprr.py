"""httprr traces (Go's rsc.io/httprr, used by langchaingo and others to replay HTTP in tests).

Format (rsc.io/httprr, `httprr.go`): the line `httprr trace v1`, then one record per request:
`<request length> <response length>\n`, the request as `httputil.DumpRequest` writes it (request
line, headers, blank line, body), and the response as `httputil.DumpResponse` writes it (status
line, headers, blank line, body; a chunked body keeps its chunk framing, which is undone here).
Each record becomes one `Exchange`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from streamcheck.exceptions import InputError
from streamcheck.model import Exchange
from streamcheck.sources import bodies

MAGIC = b"httprr trace v1\n"
# Sizes of up to 18 digits: more is past any file, and past Python's 4,300-digit int limit a
# ValueError.
_SIZES = re.compile(rb"(\d{1,18}) (\d{1,18})\n")
_REQUEST_LINE = re.compile(rb"([A-Z]+) (\S+) HTTP/[\d.]+")
_STATUS_LINE = re.compile(rb"HTTP/[\d.]+ (\d{3})")


def read(source: str, stream: BinaryIO, head: bytes) -> Iterator[Exchange]:
    try:
        data = head + stream.read()
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None
    records = list(_records(source, data))
    del data
    for index, (request, response) in enumerate(records):
        yield _exchange(source, index, request, response)


def _records(source: str, data: bytes) -> Iterator[tuple[bytes, bytes]]:
    pos = len(MAGIC)
    while pos < len(data):
        sizes = _SIZES.match(data, pos)
        if sizes is None:
            raise InputError(f"{source}: httprr record at byte {pos} has no '<req> <resp>' line")
        start = sizes.end()
        request_size, response_size = int(sizes.group(1)), int(sizes.group(2))
        end = start + request_size + response_size
        if end > len(data):
            raise InputError(f"{source}: httprr record at byte {pos} is cut off")
        yield data[start : start + request_size], data[start + request_size : end]
        pos = end


def _split(message: bytes) -> tuple[bytes, dict[str, str], bytes]:
    """(first line, headers, body) of a dumped HTTP message."""
    cut = message.find(b"\r\n\r\n")
    sep = 4
    if cut < 0:
        cut, sep = message.find(b"\n\n"), 2
    if cut < 0:
        cut, sep = len(message), 0
    lines = message[:cut].replace(b"\r\n", b"\n").split(b"\n")
    headers = bodies.header_map(
        (name.strip().decode("latin-1"), value.strip().decode("latin-1"))
        for name, colon, value in (line.partition(b":") for line in lines[1:])
        if colon
    )
    return lines[0], headers, message[cut + sep :]


def _exchange(source: str, index: int, request: bytes, response: bytes) -> Exchange:
    first, request_headers, request_body = _split(request)
    line = _REQUEST_LINE.match(first)
    status_line, headers, body = _split(response)
    status = _STATUS_LINE.match(status_line)
    exchange = bodies.recorded_exchange(
        source,
        index,
        method=line.group(1).decode("ascii") if line else None,
        url=line.group(2).decode("latin-1") if line else None,
        request_headers=request_headers,
        request_body=bodies.request_body(request_body),
        status=int(status.group(1)) if status else None,
        headers=headers,
    )
    exchange.chunks = _chunks(exchange, body, headers)
    return exchange


def _chunks(
    exchange: Exchange, body: bytes, headers: dict[str, str]
) -> Iterator[tuple[bytes, float | None]]:
    coding = (bodies.find_header(headers, "transfer-encoding") or "").lower()
    if "chunked" in coding:
        body = _unchunk(body)
    body, note = bodies.undo_content_encoding(body, bodies.find_header(headers, "content-encoding"))
    if note:
        exchange.notes.append(note)
    if body:
        yield body, None


def _unchunk(body: bytes) -> bytes:
    """RFC 9112 section 7.1: `<hex size>[;ext]CRLF data CRLF` ... `0` CRLF; a malformed tail is
    kept as is (the checker then reports what the client would see)."""
    out: list[bytes] = []
    pos = 0
    while pos < len(body):
        eol = body.find(b"\r\n", pos)
        if eol < 0:
            break
        try:
            size = int(body[pos:eol].split(b";", 1)[0].strip(), 16)
        except ValueError:
            out.append(body[pos:])
            return b"".join(out)
        if size == 0:
            return b"".join(out)
        out.append(body[eol + 2 : eol + 2 + size])
        pos = eol + 2 + size + 2
    return b"".join(out)

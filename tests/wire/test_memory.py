"""Bounded memory: what a decoder holds never grows with the stream, only with `max_line`.

The streams are generated chunk by chunk and never materialised; the decoders' own count of held
bytes (`buffered`) and tracemalloc's peak both stay under max_line plus a chunk or two.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

import pytest

from streamcheck.model import Location
from streamcheck.wire import decoder_for

MB = 1024 * 1024
CHUNK = 64 * 1024


def endless_line(framing: str, total: int) -> Iterator[bytes]:
    """One line of `total` bytes that never ends, then a good frame."""
    yield b"data: " if framing == "sse" else b'{"x":"'
    piece = b"x" * CHUNK
    for _ in range(total // CHUNK):
        yield piece
    yield b'"\n\ndata: {"ok":1}\n\n' if framing == "sse" else b'"}\n{"ok":1}\n'


def long_valid_stream(framing: str, events: int, line_end: bytes) -> Iterator[bytes]:
    """Many small frames, delivered in chunks that cut frames and line ends anywhere."""
    frame = b'{"choices":[{"delta":{"content":"token %d"}}]}'
    pending = b""
    for i in range(events):
        if framing == "sse":
            pending += b"data: " + frame % i + line_end + line_end
        else:
            pending += frame % i + line_end
        while len(pending) >= 4093:  # a prime size, so cuts drift across frames and CRLFs
            yield pending[:4093]
            pending = pending[4093:]
    yield pending


@pytest.mark.parametrize("framing", ["sse", "ndjson"])
def test_200_mb_single_line_keeps_the_buffer_under_max_line_plus_one_chunk(framing: str) -> None:
    max_line = MB
    decoder = decoder_for(framing, Location(source="endless"), max_line)
    frames = []
    largest = 0
    tracemalloc.start()
    try:
        for chunk in endless_line(framing, 200 * MB):
            frames += decoder.decode(chunk)
            largest = max(largest, decoder.buffered)
        frames += decoder.flush()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert largest <= max_line + CHUNK
    assert peak < max_line + 4 * CHUNK + 256 * 1024, peak
    assert [f.data for f in frames] == [b'{"ok":1}']
    assert [f.code for f in decoder.findings] == ["SC104"]
    assert decoder.findings[0].location.offset == 0


@pytest.mark.parametrize("framing", ["sse", "ndjson"])
@pytest.mark.parametrize("line_end", [b"\n", b"\r\n"], ids=["LF", "CRLF"])
def test_long_valid_stream_holds_at_most_one_frame(framing: str, line_end: bytes) -> None:
    decoder = decoder_for(framing, Location(source="long"))
    count = 0
    largest = 0
    tracemalloc.start()
    try:
        for chunk in long_valid_stream(framing, 100_000, line_end):
            count += len(decoder.decode(chunk))
            largest = max(largest, decoder.buffered)
        count += len(decoder.flush())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 100_000
    assert decoder.findings == []
    assert largest < 100  # never more than one incomplete frame
    assert peak < 512 * 1024, peak  # the frames of one chunk, not the stream


def test_an_event_with_endless_data_lines_is_bounded_too() -> None:
    decoder = decoder_for("sse", Location(source="lines"), MB)
    largest = 0
    line = b"data: " + b"y" * 1000 + b"\n"
    for _ in range(10_000):  # 10 MB of data lines in one event that never ends
        decoder.decode(line)
        largest = max(largest, decoder.buffered)
    decoder.decode(b"\ndata: ok\n\n")
    assert largest <= MB + len(line)
    assert [f.code for f in decoder.findings] == ["SC104"]

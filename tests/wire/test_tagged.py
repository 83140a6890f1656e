"""The tagged-lines decoder (`TAG:JSON`): tags, positions, blank lines, the last line, any split."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from streamcheck.model import Location
from streamcheck.wire.sniff import sniff
from streamcheck.wire.tagged import TaggedDecoder
from tests.wire.sse_streams import split

BODY = b'f:{"messageId":"m"}\n0:"Hi"\r\n\n0:"!"\nd:{"finishReason":"stop"}\n'


def decode(chunks: list[bytes]) -> tuple[list[tuple[str | None, bytes, int, int, int]], list[str]]:
    decoder = TaggedDecoder(Location(source="t"))
    frames = []
    for chunk in chunks:
        frames += decoder.decode(chunk)
    frames += decoder.flush()
    return (
        [(f.event, f.data, f.offset, f.line, f.data_offset) for f in frames],
        [f.code for f in decoder.findings],
    )


def test_tags_data_and_positions() -> None:
    frames, findings = decode([BODY])
    assert frames == [
        ("f", b'{"messageId":"m"}', 0, 1, 2),
        ("0", b'"Hi"', 20, 2, 22),
        ("0", b'"!"', 29, 4, 31),
        ("d", b'{"finishReason":"stop"}', 35, 5, 37),
    ]
    assert findings == []


def test_a_line_without_a_tag_is_reported_and_skipped() -> None:
    frames, findings = decode([b'0:"a"\n{"x":1}\n:"b"\nthis is text\n0:"c"\n'])
    assert [f[1] for f in frames] == [b'"a"', b'"c"']
    assert findings == ["SC130", "SC130", "SC130"]


def test_the_last_line_without_a_newline_is_a_record() -> None:
    frames, findings = decode([b'0:"a"\nd:{"finishReason":"stop"}'])
    assert [f[0] for f in frames] == ["0", "d"]
    assert findings == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(BODY) - 1), max_size=12))
def test_any_split_gives_the_same_frames(cuts: list[int]) -> None:
    assert decode(split(BODY, cuts)) == decode([BODY])


def test_the_sniffer_tells_tagged_lines_from_sse_and_text() -> None:
    assert sniff(BODY) == "tagged"
    assert sniff(b'0:"Hello"\n') == "tagged"
    assert sniff(b"data: {}\n\n") == "sse"
    assert sniff(b"id: 1\ndata: {}\n\n") == "sse"
    assert sniff(b"1: the first point\n") == "text"
    assert sniff(b"a:b\n") == "text"

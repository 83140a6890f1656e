"""The streamed JSON-array decoder: elements, chunk-split invariance, framing findings."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from streamcheck.model import Location
from streamcheck.wire import decoder_class, decoder_for
from streamcheck.wire.jsonarray import JSONArrayDecoder

BODY = (
    b'[{"a": "x,]}\\"{", "b": [1, 2]}\r\n,\r\n{"c": {"d": "\\\\"}}\n, 3, "s\\"]", null, '
    b'{"e": "\xe2\x80\xa8 \\u005d"}]'
)


def decode(body: bytes, cuts: list[int] | None = None, max_line: int = 1 << 20) -> tuple:
    decoder = JSONArrayDecoder(Location(source="t"), max_line)
    frames = []
    points = sorted({0, *(cuts or []), len(body)})
    for start, end in pairwise(points):
        frames += decoder.decode(body[start:end])
    frames += decoder.flush()
    return (
        [(f.index, f.offset, f.line, f.data) for f in frames],
        [(f.code, f.message, f.location.offset) for f in decoder.findings],
    )


def test_elements_are_cut_at_depth_zero_whatever_strings_hold() -> None:
    frames, findings = decode(BODY)
    assert findings == []
    assert [data for _, _, _, data in frames] == [
        b'{"a": "x,]}\\"{", "b": [1, 2]}',
        b'{"c": {"d": "\\\\"}}',
        b"3",
        b'"s\\"]"',
        b"null",
        b'{"e": "\xe2\x80\xa8 \\u005d"}',
    ]
    assert [(i, off, line) for i, off, line, _ in frames][:2] == [(0, 1, 1), (1, 35, 3)]


@settings(max_examples=300)
@given(st.lists(st.integers(min_value=0, max_value=len(BODY)), max_size=12))
def test_any_split_gives_the_same_frames(cuts: list[int]) -> None:
    assert decode(BODY, cuts) == decode(BODY)


def test_every_one_byte_split() -> None:
    assert decode(BODY, list(range(len(BODY)))) == decode(BODY)


def test_truncated_array_and_cut_element() -> None:
    frames, findings = decode(b'[{"a": 1},\r\n{"b": "unfin')
    assert len(frames) == 1
    assert [code for code, _, _ in findings] == ["SC101", "SC116"]


def test_missing_close_after_a_whole_element() -> None:
    _, findings = decode(b'[{"a": 1}\n')
    assert [code for code, _, _ in findings] == ["SC116"]


def test_separator_defects() -> None:
    assert [c for c, _, _ in decode(b'[{"a":1}{"b":2}]')[1]] == ["SC118"]
    assert [c for c, _, _ in decode(b'[,{"a":1}]')[1]] == ["SC118"]
    assert [c for c, _, _ in decode(b'[{"a":1},,{"b":2}]')[1]] == ["SC118"]
    assert [c for c, _, _ in decode(b'[{"a":1},]')[1]] == ["SC118"]
    assert [c for c, _, _ in decode(b'[{"a":1}] trailing')[1]] == ["SC118"]
    assert [c for c, _, _ in decode(b'{"a":1}')[1]] == ["SC118"]
    assert decode(b"  [ ]  ") == ([], [])


def test_an_over_long_element_is_skipped_and_memory_stays_bounded() -> None:
    big = b'[{"a": "' + b"x" * 5000 + b'"}, {"b": 2}]'
    frames, findings = decode(big, list(range(0, len(big), 100)), max_line=1000)
    assert [data for _, _, _, data in frames] == [b'{"b": 2}']
    assert [code for code, _, _ in findings] == ["SC104"]


def test_registered_as_jsonarray() -> None:
    assert decoder_class("jsonarray") is JSONArrayDecoder
    assert decoder_for("jsonarray", Location()).framing == "jsonarray"

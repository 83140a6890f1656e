"""The NDJSON decoder: line ends, blank lines, the last line, cut JSON, long lines, any split."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamcheck.model import Location
from streamcheck.wire.ndjson import NDJSONDecoder
from tests.wire.sse_streams import split


def decode(chunks: list[bytes], max_line: int | None = None) -> tuple[list[Any], list[Any]]:
    decoder = NDJSONDecoder(Location(source="t"), *([max_line] if max_line else []))
    frames = []
    for chunk in chunks:
        frames += decoder.decode(chunk)
    frames += decoder.flush()
    return (
        [(f.index, f.offset, f.line, f.data, f.data_offset) for f in frames],
        [
            (f.code, f.message, f.location.offset, f.location.line, f.evidence)
            for f in decoder.findings
        ],
    )


# (name, body, max_line, [(data, offset, line)], [(code, offset, line)])
CASES: list[tuple[str, bytes, int | None, list[tuple[bytes, int, int]], list[tuple[str, int, int]]]]
CASES = [
    ("two lines", b'{"a":1}\n{"b":2}\n', None, [(b'{"a":1}', 0, 1), (b'{"b":2}', 8, 2)], []),
    ("CRLF", b'{"a":1}\r\n{"b":2}\r\n', None, [(b'{"a":1}', 0, 1), (b'{"b":2}', 9, 2)], []),
    (
        "blank and whitespace lines are skipped",
        b'\n{"a":1}\n\n  \r\n{"b":2}\n\n',
        None,
        [(b'{"a":1}', 1, 2), (b'{"b":2}', 14, 5)],
        [],
    ),
    (
        "last line without newline is a frame, reported",
        b'{"a":1}\n{"done":true}',
        None,
        [(b'{"a":1}', 0, 1), (b'{"done":true}', 8, 2)],
        [("SC115", 8, 2)],
    ),
    ("last line ending in a lone CR", b'{"a":1}\r', None, [(b'{"a":1}', 0, 1)], [("SC115", 0, 1)]),
    ("JSON cut at EOF", b'{"a":1}\n{"b":', None, [(b'{"a":1}', 0, 1)], [("SC101", 8, 2)]),
    ("array cut at EOF", b"[1, 2", None, [], [("SC101", 0, 1)]),
    (
        "last line not JSON: a frame for the checker",
        b"oops",
        None,
        [(b"oops", 0, 1)],
        [("SC115", 0, 1)],
    ),
    ("whitespace after the last newline", b'{"a":1}\n  ', None, [(b'{"a":1}', 0, 1)], []),
    ("a CR inside a line is JSON whitespace", b'{"a":\r1}\n', None, [(b'{"a":\r1}', 0, 1)], []),
    (
        "over-long line is reported and skipped",
        b'{"a":"0123456789abcdef"}\n{"b":1}\n',
        16,
        [(b'{"b":1}', 25, 2)],
        [("SC104", 0, 1)],
    ),
    (
        "over-long line at EOF",
        b'{"b":1}\n{"a":"0123456789abcdef"',
        16,
        [(b'{"b":1}', 0, 1)],
        [("SC104", 8, 2)],
    ),
    (
        "a line of exactly max_line",
        b'{"a":"0123456789"}\n',
        18,
        [(b'{"a":"0123456789"}', 0, 1)],
        [],
    ),
    ("BOM", b'\xef\xbb\xbf{"a":1}\n', None, [(b'{"a":1}', 3, 1)], [("SC107", 0, 1)]),
    (
        "raw U+2028 is reported once",
        '{"t":"a\u2028"}\n{"t":"\u2029"}\n'.encode(),
        None,
        [('{"t":"a\u2028"}'.encode(), 0, 1), ('{"t":"\u2029"}'.encode(), 13, 2)],
        [("SC111", 7, 1)],
    ),
    ("empty body", b"", None, [], []),
]


@pytest.mark.parametrize(
    ("name", "body", "max_line", "frames", "findings"), CASES, ids=[c[0] for c in CASES]
)
def test_case(
    name: str,
    body: bytes,
    max_line: int | None,
    frames: list[tuple[bytes, int, int]],
    findings: list[tuple[str, int, int]],
) -> None:
    got_frames, got_findings = decode([body], max_line)
    assert [(d, o, n) for _, o, n, d, _ in got_frames] == frames
    assert [(c, o, n) for c, _, o, n, _ in got_findings] == findings
    assert all(o == do for _, o, _, _, do in got_frames)  # the data starts where the line does
    bytewise = decode([body[i : i + 1] for i in range(len(body))], max_line)
    assert bytewise == (got_frames, got_findings)


_PIECES = [
    b"{",
    b"}",
    b'"a"',
    b":",
    b"1",
    b" ",
    b"\n",
    b"\r\n",
    b"\r",
    b"\xe2\x80\xa8",
    b"\xef\xbb\xbf",
    b"[",
    b"x" * 9,
]
NDJSON = st.lists(st.sampled_from(_PIECES), max_size=30).map(b"".join)


@settings(max_examples=400, deadline=None)
@given(st.data(), NDJSON, st.sampled_from([None, 6, 12]))
def test_any_split_gives_the_same_frames_and_findings(
    data: st.DataObject, body: bytes, max_line: int | None
) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=8))
    assert decode(split(body, cuts), max_line) == decode([body], max_line)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=200), st.lists(st.integers(0, 200), max_size=8))
def test_arbitrary_bytes_split_anywhere_decode_the_same(body: bytes, cuts: list[int]) -> None:
    assert decode(split(body, [c for c in cuts if c <= len(body)]), 16) == decode([body], 16)


@settings(max_examples=400, deadline=None)
@given(NDJSON)
def test_frames_are_the_non_blank_lines(body: bytes) -> None:
    lines = body.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    last = lines.pop()
    expected = [line.removesuffix(b"\r") for line in lines]
    frames, findings = decode([body])
    codes = [f[0] for f in findings]
    last = last.removesuffix(b"\r")
    if "SC115" in codes:
        expected.append(last)
    else:
        assert not last.strip() or "SC101" in codes
    assert [f[3] for f in frames] == [line for line in expected if line.strip()]


def test_separators_cut_lines_in_httpx_iter_lines_but_not_here() -> None:
    """Why SC111 matters for NDJSON: httpx `iter_lines()` (what ollama-python reads with) splits
    on U+2028 like `str.splitlines`; we split on LF only and report the character."""
    import httpx

    body = '{"t":"a\u2028b"}\n{"done":true}\n'.encode()
    response = httpx.Response(200, content=iter([body]))
    assert list(response.iter_lines()) == ['{"t":"a', 'b"}', '{"done":true}']
    frames, findings = decode([body])
    assert [f[3] for f in frames] == ['{"t":"a\u2028b"}'.encode(), b'{"done":true}']
    assert [f[0] for f in findings] == ["SC111"]

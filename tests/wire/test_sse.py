"""The SSE decoder: conformance cases as data, split invariance, a spec-literal oracle, and
differential tests against httpx-sse and openai-python with every deliberate difference named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.wire.sse_streams import (
    ANY_STREAM,
    BOM,
    VALID_STREAM,
    decode,
    httpx_sse_events,
    openai_events,
    reference,
    same_events,
    sdk_view,
    split,
    unescape,
)

CASES = json.loads((Path(__file__).parent / "sse_cases.json").read_text(encoding="utf-8"))["cases"]
PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- conformance cases (tests/wire/sse_cases.json) ---------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_conformance_case(case: dict[str, Any]) -> None:
    body = unescape(case["input"])
    max_line = case.get("max_line")
    whole = decode([body], max_line)
    # The same bytes one at a time: every CR sits at a chunk boundary at some point.
    assert decode([body[i : i + 1] for i in range(len(body))], max_line) == whole

    got = [(event, data) for event, data, _ in whole.events()]
    assert got == [(f["event"], unescape(f["data"])) for f in case["frames"]]
    for frame, expected in zip(whole.frames, case["frames"], strict=True):
        _, offset, line, _, _, _, meta = frame
        if "id" in expected:
            assert (meta or {}).get("id", "") == expected["id"]
        if "offset" in expected:
            assert (offset, line) == (expected["offset"], expected["line"])

    assert whole.codes() == [f if isinstance(f, str) else f[0] for f in case["findings"]]
    # Every framing finding says where: a byte offset and a line.
    assert all(f[3] is not None and f[4] is not None for f in whole.findings), whole.findings
    for finding, expected in zip(whole.findings, case["findings"], strict=True):
        if not isinstance(expected, str):
            assert (finding[3], finding[4]) == (expected[1], expected[2]), finding[2]
    if "comments" in case:
        assert whole.comments == case["comments"]


def test_conformance_cases_cover_every_wire_code_the_decoder_reports() -> None:
    codes = {f if isinstance(f, str) else f[0] for c in CASES for f in c["findings"]}
    decoder_codes = {"SC101", "SC102", "SC104", "SC105", "SC106", "SC107", "SC108", "SC109"}
    assert codes >= decoder_codes | {"SC110", "SC111", "SC112"}


# -- split invariance ----------------------------------------------------------------------------


@PROPERTY
@given(st.data(), ANY_STREAM, st.sampled_from([None, 8, 24]))
def test_any_split_gives_the_same_frames_and_findings(
    data: st.DataObject, body: bytes, max_line: int | None
) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=8))
    assert decode(split(body, cuts), max_line) == decode([body], max_line)


@PROPERTY
@given(st.binary(max_size=200), st.lists(st.integers(0, 200), max_size=8))
def test_arbitrary_bytes_split_anywhere_decode_the_same(body: bytes, cuts: list[int]) -> None:
    assert decode(split(body, [c for c in cuts if c <= len(body)]), 16) == decode([body], 16)


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    body = b"data: a\r\n\r\nevent: e\r\ndata: b\r\n\r\n"
    whole = decode([body])
    assert [d for _, d, _ in whole.events()] == [b"a", b"b"]
    assert whole.findings == [] and whole.endings == ["CRLF"]
    for i in range(len(body) + 1):
        for j in range(i, len(body) + 1):
            assert decode(split(body, [i, j])) == whole, (i, j)


def test_cr_at_chunk_end_dispatches_without_waiting_for_the_next_chunk() -> None:
    from streamcheck.model import Location
    from streamcheck.wire.sse import SSEDecoder

    decoder = SSEDecoder(Location())
    assert decoder.decode(b"data: a\r\n\r") != []  # the blank line ended at its CR
    assert decoder.decode(b"\n") == []
    assert decoder.flush() == [] and decoder.findings == []


# -- a spec-literal oracle ------------------------------------------------------------------------


@PROPERTY
@given(ANY_STREAM)
def test_frames_match_the_spec_algorithm(body: bytes) -> None:
    assert decode([body]).events() == reference(body)


@PROPERTY
@given(st.binary(max_size=300))
def test_arbitrary_bytes_match_the_spec_algorithm(body: bytes) -> None:
    assert decode([body]).events() == reference(body)


# -- differential: httpx-sse and openai-python ---------------------------------------------------


@PROPERTY
@given(st.data(), VALID_STREAM)
def test_valid_streams_decode_like_httpx_sse_and_openai(data: st.DataObject, body: bytes) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=6))
    chunks = split(body, cuts)
    expected = sdk_view(chunks)
    same_events(expected, httpx_sse_events(chunks))
    same_events(expected, openai_events(chunks))


def test_plain_openai_stream_is_identical_in_all_three() -> None:
    body = (
        b'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\n'
        b'event: message\ndata: {"x":1}\ndata: {"y":2}\n\n'
        b"id: 42\r\ndata: [DONE]\r\n\r\n"
    )
    chunks = split(body, [5, 47, 48, 90, 101])
    ours = [(e, d.decode(), i) for e, d, i in decode(chunks).events()]
    assert ours == [
        (None, '{"choices":[{"delta":{"content":"Hi"}}]}', ""),
        ("message", '{"x":1}\n{"y":2}', ""),
        (None, "[DONE]", "42"),
    ]
    assert httpx_sse_events(chunks) == [("message", d, i) for _, d, i in ours]
    assert openai_events(chunks) == [
        (None, ours[0][1], None),
        ("message", ours[1][1], None),
        (None, "[DONE]", "42"),
    ]


# Deliberate differences (PROVIDERS.md 1.2). Each test shows what the SDKs do and what we report.


def test_difference_bom_sdks_lose_the_first_event() -> None:
    body = BOM + b'data: {"a":1}\n\ndata: {"b":2}\n\n'
    ours = decode([body])
    assert [d for _, d, _ in ours.events()] == [b'{"a":1}', b'{"b":2}']
    assert ours.codes() == ["SC107"]
    # The first line becomes a field named "\ufeffdata" and is ignored.
    assert [d for _, d, _ in httpx_sse_events([body])] == ['{"b":2}']
    assert [d for _, d, _ in openai_events([body])] == ['{"b":2}']


def test_difference_event_without_data_sdks_yield_empty_data() -> None:
    body = b"event: ping\n\ndata: {}\n\n"
    ours = decode([body])
    assert ours.events() == [(None, b"{}", "")]
    assert ours.codes() == ["SC108"]
    assert httpx_sse_events([body]) == [("ping", "", ""), ("message", "{}", "")]
    assert openai_events([body]) == [("ping", "", None), (None, "{}", None)]


def test_difference_blank_lines_after_an_id_sdks_yield_empty_events() -> None:
    body = b"id: 1\ndata: a\n\n\n: keep-alive\n\n"
    ours = decode([body])
    assert ours.events() == [(None, b"a", "1")]
    assert ours.codes() == ["SC108", "SC108"]
    assert [d for _, d, _ in httpx_sse_events([body])] == ["a", "", ""]
    assert [d for _, d, _ in openai_events([body])] == ["a", "", ""]


def test_difference_retry_python_int_is_looser_than_the_spec() -> None:
    from streamcheck.model import Location
    from streamcheck.wire.sse import SSEDecoder

    decoder = SSEDecoder(Location())
    decoder.decode(b"retry: 1_000\ndata: a\n\nretry: 250\ndata: b\n\nretry: 1_5\ndata: c\n\n")
    decoder.flush()
    assert decoder.retry == 250  # spec: only ASCII digits count
    assert [f.code for f in decoder.findings] == ["SC110", "SC110"]
    body = b"retry: 1_000\ndata: a\n\n"
    from httpx_sse._decoders import SSEDecoder as HttpxDecoder

    httpx_decoder = HttpxDecoder()
    events = [httpx_decoder.decode(line) for line in body.decode().split("\n")]
    assert [e.retry for e in events if e] == [1000]


def test_difference_invalid_utf8_openai_raises_we_pass_bytes_on() -> None:
    body = b'data: {"t":"caf\xe9"}\n\n'
    ours = decode([body])
    assert ours.events() == [(None, b'{"t":"caf\xe9"}', "")] and ours.findings == []
    with pytest.raises(UnicodeDecodeError):
        openai_events([body])
    assert [d for _, d, _ in httpx_sse_events([body])] == ['{"t":"caf\ufffd"}']


def test_difference_truncated_event_everyone_drops_it_we_report_it() -> None:
    body = b'data: {"a":1}\n\ndata: {"choices":[{"finish_reason":"st'
    ours = decode([body])
    assert len(ours.frames) == 1 and ours.codes() == ["SC101"]
    assert len(httpx_sse_events([body])) == 1
    assert len(openai_events([body])) == 1


def test_difference_default_event_type() -> None:
    body = b"data: a\n\nevent: message\ndata: b\n\n"
    assert [e for e, _, _ in decode([body]).events()] == [None, "message"]
    assert [e for e, _, _ in httpx_sse_events([body])] == ["message", "message"]
    assert [e for e, _, _ in openai_events([body])] == [None, "message"]


def test_difference_over_long_line_sdks_have_no_limit() -> None:
    body = b"data: " + b"x" * 100 + b"\n\ndata: ok\n\n"
    ours = decode([body], max_line=64)
    assert [d for _, d, _ in ours.events()] == [b"ok"] and ours.codes() == ["SC104"]
    assert len(httpx_sse_events([body])) == len(openai_events([body])) == 2


def test_same_unicode_separators_do_not_split_in_any_current_decoder() -> None:
    body = 'data: {"t":"a\u2028b\x85c"}\n\n'.encode()
    ours = decode([body])
    assert ours.codes() == ["SC111"]  # reported for older clients (httpx-sse < 0.4.2)
    assert [d.decode() for _, d, _ in ours.events()] == ['{"t":"a\u2028b\x85c"}']
    assert [d for _, d, _ in httpx_sse_events([body])] == ['{"t":"a\u2028b\x85c"}']
    assert [d for _, d, _ in openai_events([body])] == ['{"t":"a\u2028b\x85c"}']


# -- the CRLF fast path -------------------------------------------------------------------------

_CRLF_BLOCKS = st.lists(
    st.sampled_from(
        [
            b'data: {"a":1}',
            b'event: content_block_delta\r\ndata: {"type":"content_block_delta"}',
            b"event: caf\xc3\xa9\r\ndata: x",
            b"event: bad\xffname\r\ndata: x",
            b"data: first\r\ndata: second",
            b"id: 1\r\ndata: x",
            b": keep-alive",
            b"event: lonely",
            b"",
            b'data: {"sep":"\xe2\x80\xa8"}',
            b"data: " + b"y" * 40,
        ]
    ),
    min_size=1,
    max_size=12,
)


@PROPERTY
@given(
    _CRLF_BLOCKS,
    st.booleans(),
    st.lists(st.integers(0, 400), max_size=6),
    st.sampled_from([None, 30]),
)
def test_crlf_fast_path_matches_the_line_walk(
    blocks: list[bytes], lone_lf: bool, cuts: list[int], max_line: int | None
) -> None:
    """After the first CRLF, whole CRLF-only buffers are split as blocks; one chunk walks lines."""
    body = b"data: 0\r\n\r\n" + b"\r\n\r\n".join(blocks) + b"\r\n\r\n"
    if lone_lf:  # a bare LF later on: that buffer must leave the fast path and report SC105
        body += b"data: z\n\n"
    cuts = [11, *(c for c in cuts if c <= len(body))]
    assert decode(split(body, cuts), max_line) == decode([body], max_line)


def test_crlf_stream_takes_the_fast_path() -> None:
    from streamcheck.model import Location
    from streamcheck.wire.sse import SSEDecoder

    decoder = SSEDecoder(Location())
    walked = 0
    walk = decoder._line

    def counting(*args: object) -> None:
        nonlocal walked
        walked += 1
        walk(*args)  # type: ignore[arg-type]

    decoder._line = counting  # type: ignore[method-assign]
    frames = decoder.decode(b"data: 0\r\n\r\n")
    frames += decoder.decode(b"".join(b'data: {"n":%d}\r\n\r\n' % i for i in range(1000)))
    assert len(frames) == 1001 and decoder.findings == []
    assert walked == 2  # the first event's two lines; the next 1000 events never walk lines

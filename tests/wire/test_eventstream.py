"""The AWS event-stream decoder: frames, every header type, CRCs, lengths, truncation, splits."""

from __future__ import annotations

import struct
import uuid
import zlib
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from streamcheck.model import Finding, Frame, Location
from streamcheck.wire import decoder_class, decoder_for
from streamcheck.wire.eventstream import EventStreamDecoder
from streamcheck.wire.sniff import sniff
from tests.wire.eventstream_build import (
    converse_clean,
    corrupt,
    error,
    event,
    exception,
    header,
    message,
)


def decode(
    data: bytes, *, pieces: list[int] | None = None, limit: int = 1 << 20
) -> tuple[list[Frame], list[Finding]]:
    decoder = EventStreamDecoder(Location(source="t"), limit)
    frames: list[Frame] = []
    cuts = sorted(set(pieces or []))
    start = 0
    for cut in [*cuts, len(data)]:
        frames += decoder.decode(data[start:cut])
        start = cut
    frames += decoder.flush()
    return frames, decoder.findings


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def test_registered_and_sniffed() -> None:
    assert decoder_class("eventstream") is EventStreamDecoder
    body = b"".join(converse_clean())
    assert sniff(body[:1024]) == "eventstream"
    assert sniff(b"", "application/vnd.amazon.eventstream") == "eventstream"
    assert decoder_for("eventstream", Location()).framing == "eventstream"


def test_a_clean_stream_decodes_to_events_with_offsets() -> None:
    parts = converse_clean()
    frames, findings = decode(b"".join(parts))
    assert findings == []
    assert [f.event for f in frames] == [
        "messageStart",
        "contentBlockDelta",
        "contentBlockDelta",
        "contentBlockStop",
        "contentBlockStart",
        "contentBlockDelta",
        "contentBlockDelta",
        "contentBlockStop",
        "messageStop",
        "metadata",
    ]
    assert [f.index for f in frames] == list(range(10))
    offsets = [sum(len(p) for p in parts[:i]) for i in range(len(parts))]
    assert [f.offset for f in frames] == offsets
    first = frames[0]
    assert first.data == b'{"role":"assistant","p":"abcde"}'
    assert first.meta == {
        ":event-type": "messageStart",
        ":content-type": "application/json",
        ":message-type": "event",
    }
    assert first.line == 0
    body = b"".join(parts)
    assert body[first.data_offset : first.data_offset + len(first.data)] == first.data


def test_every_header_value_type() -> None:
    when = datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=UTC)
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    headers = (
        header("t", True)
        + header("f", False)
        + header("b", -5, kind=2)
        + header("s", 300, kind=3)
        + header("i", -70000, kind=4)
        + header("l", 1 << 40, kind=5)
        + header("bytes", b"\x00\xffhi")
        + header("str", "h\u00e9llo")
        + header("ts", when)
        + header("id", ident)
    )
    [frame], findings = decode(message(headers, b"{}"))
    assert findings == []
    assert frame.meta == {
        "t": "true",
        "f": "false",
        "b": "-5",
        "s": "300",
        "i": "-70000",
        "l": str(1 << 40),
        "bytes": "AP9oaQ==",
        "str": "h\u00e9llo",
        "ts": "2024-05-01T12:00:00.250Z",
        "id": str(ident),
    }
    assert frame.event is None and frame.data == b"{}"


def test_exception_and_error_messages_keep_their_headers() -> None:
    frames, findings = decode(exception("throttlingException", "slow down") + error("E1", "bad"))
    assert findings == []
    assert frames[0].event == "throttlingException"
    assert frames[0].meta is not None and frames[0].meta[":message-type"] == "exception"
    assert frames[0].data == b'{"message":"slow down"}'
    assert frames[1].event is None and frames[1].data == b""
    assert frames[1].meta == {
        ":error-code": "E1",
        ":error-message": "bad",
        ":message-type": "error",
    }


def test_message_crc_mismatch_drops_that_message_and_goes_on() -> None:
    parts = converse_clean()
    parts[2] = corrupt(parts[2], len(parts[2]) - 12)
    frames, findings = decode(b"".join(parts))
    assert codes(findings) == ["SC117"]
    assert "message CRC32" in findings[0].message
    assert findings[0].location.offset == len(parts[0]) + len(parts[1])
    assert len(frames) == 9  # the damaged one is dropped, the rest still decode
    assert frames[2].event == "contentBlockStop"


def test_prelude_crc_mismatch_stops_decoding() -> None:
    parts = converse_clean()
    parts[1] = corrupt(parts[1], 2)
    frames, findings = decode(b"".join(parts))
    assert codes(findings) == ["SC117"]
    assert "prelude CRC32" in findings[0].message
    assert [f.event for f in frames] == ["messageStart"]


def _prelude(total: int, headers: int) -> bytes:
    head = struct.pack(">II", total, headers)
    return head + struct.pack(">I", zlib.crc32(head))


def test_an_absurd_length_is_rejected_without_buffering_it() -> None:
    decoder = EventStreamDecoder(Location(), 16 * 1024 * 1024)
    assert decoder.decode(_prelude(0x7FFFFFFF, 0) + b"x" * 100) == []
    assert codes(decoder.findings) == ["SC117"]
    assert "exceeds the 16777216-byte limit" in decoder.findings[0].message
    assert decoder.decode(b"y" * 100_000) == []  # later bytes are counted, not kept
    assert decoder.buffered == 0
    assert decoder.flush() == [] and codes(decoder.findings) == ["SC117"]


def test_impossible_lengths() -> None:
    _, findings = decode(_prelude(10, 0) + b"\x00" * 10)
    assert codes(findings) == ["SC117"] and "below the 16-byte minimum" in findings[0].message
    _, findings = decode(_prelude(20, 8) + b"\x00" * 8)
    assert codes(findings) == ["SC117"] and "headers length 8" in findings[0].message


def test_bad_headers() -> None:
    unknown_type = b"\x01x\x0c"  # name "x", value type 12
    _, findings = decode(message(unknown_type, b"{}"))
    assert codes(findings) == ["SC117"] and "unknown value type 12" in findings[0].message
    overrun = b"\x01x\x07\x00\x09abc"  # a 9-byte string with 3 bytes left
    _, findings = decode(message(overrun, b"{}"))
    assert codes(findings) == ["SC117"] and "runs past" in findings[0].message
    twice = header(":event-type", "a") + header(":event-type", "b")
    _, findings = decode(message(twice, b"{}"))
    assert codes(findings) == ["SC117"] and "appears twice" in findings[0].message
    zero_name = b"\x00\x07\x00\x00"
    _, findings = decode(message(zero_name, b"{}"))
    assert codes(findings) == ["SC117"]


def test_truncated_frame_at_eof_is_sc101() -> None:
    parts = converse_clean()
    body = b"".join(parts[:3]) + parts[3][:-5]
    frames, findings = decode(body)
    assert len(frames) == 3
    assert codes(findings) == ["SC101"]
    assert findings[0].location.offset == sum(len(p) for p in parts[:3])
    frames, findings = decode(b"".join(parts[:2]) + parts[2][:7])  # inside the prelude
    assert len(frames) == 2 and codes(findings) == ["SC101"]


def test_memory_stays_one_message() -> None:
    decoder = EventStreamDecoder(Location())
    one = event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "x" * 50}})
    biggest = 0
    for _ in range(2000):
        decoder.decode(one[:30])
        decoder.decode(one[30:])
        biggest = max(biggest, decoder.buffered)
    assert biggest <= len(one)


@settings(max_examples=200, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=40))
def test_any_split_gives_the_same_frames(cuts: list[int]) -> None:
    parts = converse_clean()
    parts[5] = corrupt(parts[5], len(parts[5]) - 10)
    body = b"".join(parts) + parts[0][:9]  # a damaged message and a cut tail too
    whole, whole_findings = decode(body)
    split, split_findings = decode(body, pieces=[c % (len(body) + 1) for c in cuts])
    assert [(f.index, f.offset, f.event, f.data, f.meta, f.data_offset) for f in split] == [
        (f.index, f.offset, f.event, f.data, f.meta, f.data_offset) for f in whole
    ]
    assert [(f.code, f.message, f.location) for f in split_findings] == [
        (f.code, f.message, f.location) for f in whole_findings
    ]
    assert codes(whole_findings) == ["SC117", "SC101"]


def test_a_large_message_in_small_pieces() -> None:
    payload = b'{"text": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    body = message(header(":event-type", "chunk"), payload)
    decoder = EventStreamDecoder(Location())
    frames: list[Frame] = []
    for i in range(0, len(body), 4096):
        frames += decoder.decode(body[i : i + 4096])
        assert decoder.buffered <= len(body)
    assert [f.data for f in frames] == [payload] and decoder.buffered == 0


def test_header_blocks_are_parsed_once_and_the_cache_is_bounded() -> None:
    decoder = EventStreamDecoder(Location())
    same = decoder.decode(event("metadata", {}) + event("metadata", {}))
    assert same[0].meta is same[1].meta  # one parse for a repeated block
    for n in range(1000):  # every block different: the cache stops growing
        decoder.decode(message(header("n", n), b"{}"))
    assert len(decoder._headers) <= 256
    assert decoder.findings == []

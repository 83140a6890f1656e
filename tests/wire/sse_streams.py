"""Helpers for the SSE tests: running our decoder, a spec-literal reference, the SDK decoders,
and hypothesis strategies for event streams."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from hypothesis import strategies as st

from streamcheck.model import Location
from streamcheck.wire.sse import SSEDecoder

BOM = b"\xef\xbb\xbf"


@dataclass
class Decoded:
    frames: list[tuple[Any, ...]]  # (index, offset, line, data, event, data_offset, meta)
    findings: list[tuple[Any, ...]]  # (code, severity, message, offset, line, evidence)
    comments: int
    last_event_id: str
    endings: list[str]

    def events(self) -> list[tuple[str | None, bytes, str]]:
        """(event, data, id) per frame."""
        return [(f[4], f[3], (f[6] or {}).get("id", "")) for f in self.frames]

    def codes(self) -> list[str]:
        return [f[0] for f in self.findings]


def decode(chunks: list[bytes], max_line: int | None = None) -> Decoded:
    decoder = SSEDecoder(Location(source="t"), *([max_line] if max_line else []))
    frames = []
    for chunk in chunks:
        frames += decoder.decode(chunk)
    frames += decoder.flush()
    return Decoded(
        [(f.index, f.offset, f.line, f.data, f.event, f.data_offset, f.meta) for f in frames],
        [
            (f.code, f.severity, f.message, f.location.offset, f.location.line, f.evidence)
            for f in decoder.findings
        ],
        decoder.comments,
        decoder.last_event_id,
        decoder.line_endings,
    )


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = [0, *sorted(set(cuts)), len(data)]
    return [data[a:b] for a, b in pairwise(points)]


def unescape(text: str) -> bytes:
    r"""The data file's byte notation: UTF-8 text where a literal \xNN is one raw byte."""
    return re.sub(rb"\\x([0-9a-fA-F]{2})", lambda m: bytes([int(m[1], 16)]), text.encode())


# -- a spec-literal reference: the WHATWG algorithm, whole body at once, no limits -------------


def reference(body: bytes) -> list[tuple[str | None, bytes, str]]:
    """(event, data, id) per dispatched event, written straight from WHATWG 9.2.6."""
    body = body.removeprefix(BOM)
    lines = re.split(rb"\r\n|\r|\n", body)
    lines.pop()  # the part after the last line end is not a line: discarded at EOF
    events: list[tuple[str | None, bytes, str]] = []
    data, event, last_id = b"", b"", b""
    for line in lines:
        if line == b"":
            if data:
                name = event.decode("utf-8", "replace") or None
                events.append((name, data[:-1], last_id.decode("utf-8", "replace")))
            data, event = b"", b""
            continue
        if line.startswith(b":"):
            continue
        name, colon, value = line.partition(b":")
        if colon and value.startswith(b" "):
            value = value[1:]
        if name == b"data":
            data += value + b"\n"
        elif name == b"event":
            event = value
        elif name == b"id" and b"\0" not in value:
            last_id = value
    return events


# -- the SDK decoders ------------------------------------------------------------------------


def httpx_sse_events(chunks: list[bytes]) -> list[tuple[str, str, str]]:
    """httpx-sse through its public API: EventSource over an httpx response body."""
    import httpx
    from httpx_sse import EventSource

    response = httpx.Response(
        200, headers={"content-type": "text/event-stream"}, content=iter(chunks)
    )
    return [(e.event, e.data, e.id) for e in EventSource(response).iter_sse()]


def openai_events(chunks: list[bytes]) -> list[tuple[str | None, str, str | None]]:
    """The decoder openai-python's Stream uses."""
    from openai._streaming import SSEDecoder as OpenAIDecoder

    return [(e.event, e.data, e.id) for e in OpenAIDecoder().iter_bytes(iter(chunks))]


def sdk_view(chunks: list[bytes]) -> list[tuple[str | None, str, str]]:
    """What an SDK should yield for the stream, from our frames plus one empty event per SC108:
    the only place a valid, BOM-free stream makes them differ from the spec."""
    ours = decode(chunks)
    rows: list[tuple[int, tuple[str | None, str, str]]] = []
    for _, offset, _, data, event, _, meta in ours.frames:
        rows.append((offset, (event, data.decode(), (meta or {}).get("id", ""))))
    for code, _, _, offset, _, _ in ours.findings:
        if code == "SC108":
            rows.append((offset, (None, "", "")))
    return [row for _, row in sorted(rows, key=lambda r: r[0])]


def same_events(
    expected: list[tuple[str | None, str, str]], got: list[tuple[Any, str, Any]]
) -> None:
    assert len(got) == len(expected), (got, expected)
    for (event, data, id_), (sdk_event, sdk_data, sdk_id) in zip(expected, got, strict=True):
        assert sdk_data == data
        if data or event is not None:  # a real frame: compare all of it
            assert (sdk_event or "message") == (event or "message")
            assert (sdk_id or "") == id_


# -- strategies ----------------------------------------------------------------------------------

ENDINGS = st.sampled_from([b"\n", b"\r\n", b"\r"])
NAMES = st.sampled_from([b"data", b"event", b"id", b"retry", b"dat", b"Data", b" data", b""])

# Bytes that matter to a decoder: separators, spaces, colons, NUL, BOM, invalid UTF-8, line ends.
_PIECES = [
    b"a",
    b" ",
    b":",
    b"{",
    b'"',
    b"}",
    b"7",
    b"\x00",
    b"\t",
    b"\xe2\x80\xa8",
    b"\xc2\x85",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3",
    b"0123456789abcdef",
]
VALUES = st.lists(st.sampled_from(_PIECES), max_size=6).map(b"".join)
_LINE = st.one_of(
    st.tuples(NAMES, st.sampled_from([b"", b":", b": ", b":  "]), VALUES).map(b"".join),
    st.just(b""),  # blank line
    VALUES.map(lambda v: b":" + v),  # comment
)
ANY_STREAM = st.builds(
    lambda bom, lines, tail: bom + b"".join(line + end for line, end in lines) + tail,
    st.sampled_from([b"", BOM, b"\xef\xbb"]),
    st.lists(st.tuples(_LINE, ENDINGS), max_size=20),
    st.one_of(st.just(b""), _LINE, st.sampled_from([b"\r", b"\n"])),
)

# Valid streams for the differential tests: UTF-8, no BOM, values without line ends, retry in
# ASCII (Python's int() also reads other scripts' digits, which the spec does not).
_TEXT = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n"), max_size=12
)
_FIELD = st.one_of(
    st.tuples(st.just("data"), _TEXT),
    st.tuples(st.just("event"), _TEXT),
    st.tuples(st.just("id"), _TEXT),
    st.tuples(st.just("retry"), st.sampled_from(["1000", "", "12x", " 5", "-3", "1_0"])),
    st.tuples(st.sampled_from(["foo", ""]), _TEXT),
)


def _field_line(field: tuple[str, str], sep: str) -> bytes:
    name, value = field
    if name == "":
        return (":" + value).encode()  # a comment
    return (name + sep + value).encode()


VALID_STREAM = st.builds(
    lambda lines: b"".join(line + end for line, end in lines),
    st.lists(
        st.tuples(
            st.one_of(
                st.builds(_field_line, _FIELD, st.sampled_from([":", ": ", ""])),
                st.just(b""),
            ),
            ENDINGS,
        ),
        max_size=25,
    ),
)

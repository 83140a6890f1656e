"""The SSE decoder's LF fast path (whole blocks, a cached block shape) must give exactly what the
general line-by-line path gives: the same frames, offsets, lines and findings, for any mix of
block shapes and any split of the bytes into chunks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from streamcheck.model import Finding, Frame, Location
from streamcheck.wire.sse import SSEDecoder

BLOCKS = [
    b'data: {"a":1}',
    b'data:{"no":"space"}',
    b"data:  two spaces",
    b"data: ",
    b"data:",
    b'event: content_block_delta\ndata: {"type":"content_block_delta"}',
    b'event: ping\ndata: {"type": "ping"}',
    b"event:message_stop\ndata: {}",
    b"event: \ndata: x",
    b"event: caf\xc3\xa9\ndata: x",
    b"event: bad\xffname\ndata: x",
    b"data: first\ndata: second",
    b"event: e\ndata: x\nid: 7",
    b"id: 1\ndata: x",
    b": keep-alive",
    b"event: lonely",
    b"retry: 10\ndata: x",
    b"retry: soon",
    b"what: field",
    b"data: x\n: comment after",
    b"event: a\nevent: b\ndata: x",
    b"",
    b'data: {"sep":"\xe2\x80\xa8"}',
    b"id: 42",
    b'event: content_block_delta\ndata: {"long":"' + b"x" * 40 + b'"}',
    b"data: " + b"y" * 50,
]


def decode(
    body: bytes, cuts: list[int], general: bool, max_line: int = 1 << 20
) -> tuple[list[Frame], list[Finding]]:
    decoder = SSEDecoder(Location(source="t"), max_line)
    if general:
        decoder._cr_mode = True  # the line-by-line path, which the fast path must match
    frames: list[Frame] = []
    start = 0
    for cut in [*sorted(cuts), len(body)]:
        frames += decoder.decode(body[start:cut])
        start = cut
    frames += decoder.flush()
    return frames, decoder.findings


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=12),
    st.booleans(),
    st.lists(st.integers(min_value=0, max_value=400), max_size=6),
    st.sampled_from([1 << 20, 48, 30]),
)
def test_fast_path_matches_the_general_path(
    blocks: list[bytes], terminated: bool, cuts: list[int], max_line: int
) -> None:
    body = b"\n\n".join(blocks) + (b"\n\n" if terminated else b"")
    cuts = [c for c in cuts if c <= len(body)]
    fast = decode(body, cuts, False, max_line)
    assert fast == decode(body, [], True, max_line)
    assert fast == decode(body, cuts, True, max_line)


def test_alternating_shapes_keep_their_own_names_and_offsets() -> None:
    body = (
        b'event: a\ndata: {"n":1}\n\n'
        b'data: {"n":2}\n\n'
        b'event: bb\ndata: {"n":3}\n\n'
        b'event: bb\ndata: {"n":4}\n\n'
    )
    frames, findings = decode(body, [], general=False)
    assert findings == []
    assert [(f.index, f.event, f.data, f.line) for f in frames] == [
        (0, "a", b'{"n":1}', 1),
        (1, None, b'{"n":2}', 4),
        (2, "bb", b'{"n":3}', 6),
        (3, "bb", b'{"n":4}', 9),
    ]
    for frame in frames:
        assert body[frame.data_offset : frame.data_offset + len(frame.data)] == frame.data


def test_an_event_prefix_read_before_is_its_whole_shape() -> None:
    # Block shapes read once are kept by their `event: N<eol>data: ` prefix, across streams
    # (sse._SHAPES): a block that only starts like a kept one (another field after the name,
    # a name that only begins the same, no data line) is read again, in LF and CRLF streams.
    blocks = [
        b'event: delta\ndata: {"n":1}',
        b'event: delta\nid: 3\ndata: {"n":2}',
        b'event: deltas\ndata: {"n":3}',
        b"event: delta\ndata:no-space",
        b'event: delta\ndata: {"n":4}',
        b"event: delta",
        b'event: delta\ndata: {"n":5}',
    ]
    for eol in (b"\n", b"\r\n"):
        body = b"".join(b.replace(b"\n", eol) + eol + eol for b in blocks)
        for _ in range(2):  # the second time, every shape is a kept one
            fast, findings = decode(body, [], general=False)
            assert (fast, findings) == decode(body, [], general=True)
            assert [(f.event, f.data, f.meta) for f in fast] == [
                ("delta", b'{"n":1}', None),
                ("delta", b'{"n":2}', {"id": "3"}),
                ("deltas", b'{"n":3}', {"id": "3"}),
                ("delta", b"no-space", {"id": "3"}),
                ("delta", b'{"n":4}', {"id": "3"}),
                ("delta", b'{"n":5}', {"id": "3"}),
            ]


# Blocks of one kind each: a body of only `data:` blocks, or only `event:` blocks, takes the
# whole-body split (SSEDecoder._whole) when it ends with a blank line; these are such blocks
# and the near misses that must leave it for the block walk.
DATA_BLOCKS = [
    b'data: {"a":1}',
    b"data: ",
    b"data: x y",
    b"data:no-space",
    b"data: first\ndata: second",
    b"data: x\n: comment after",
    b'data: {"sep":"\xe2\x80\xa8"}',
    b"data: " + b"y" * 50,
    b"data: event: x",
    b"",
    b": keep-alive",
]
EVENT_BLOCKS = [
    b'event: content_block_delta\ndata: {"type":"content_block_delta"}',
    b'event: ping\ndata: {"type": "ping"}',
    b"event: \ndata: x",
    b"event: caf\xc3\xa9\ndata: x",
    b"event: bad\xffname\ndata: x",
    b"event: e\ndata: ",
    b"event: e\ndata:x",
    b"event: e\ndata: x\nid: 7",
    b"event: e\nid: 7\ndata: x",
    b"event: lonely",
    b"event: a\nevent: b\ndata: x",
    b"event: e\ndata: data: x",
    b"event: " + b"n" * 40 + b"\ndata: x",
    b"",
]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([DATA_BLOCKS, EVENT_BLOCKS]).flatmap(
        lambda kind: st.lists(
            st.sampled_from(kind[:4] if kind is DATA_BLOCKS else kind[:3]), min_size=1
        ).flatmap(lambda head: st.tuples(st.just(head), st.lists(st.sampled_from(kind))))
    ),
    st.booleans(),
    st.lists(st.integers(min_value=0, max_value=400), max_size=3),
    st.sampled_from([1 << 20, 60, 30]),
)
def test_a_whole_body_of_one_block_kind_decodes_as_the_line_walk(
    parts: tuple[list[bytes], list[bytes]], terminated: bool, cuts: list[int], max_line: int
) -> None:
    head, tail = parts
    body = b"\n\n".join(head + tail) + (b"\n\n" if terminated else b"")
    cuts = [c for c in cuts if c <= len(body)]
    expected = decode(body, [], True, max_line)
    assert decode(body, [], False, max_line) == expected
    assert decode(body, cuts, False, max_line) == expected
    for frame in expected[0]:
        if frame.data_offset >= 0:  # -1: data joined from several lines
            assert body[frame.data_offset : frame.data_offset + len(frame.data)] == frame.data


def test_a_whole_body_keeps_its_last_shape_for_the_next_chunk() -> None:
    """After a whole body of `event:` blocks, the next chunk's block of the same name is read
    with that shape: its name, offsets and lines go on from the body's."""
    first = b'event: a\ndata: {"n":1}\n\nevent: bb\ndata: {"n":2}\n\n'
    second = b'event: bb\ndata: {"n":3}\n\ndata: {"n":4}\n\n'
    body = first + second
    split = decode(body, [len(first)], general=False)
    assert split == decode(body, [], general=True)
    assert [(f.index, f.event, f.line, f.offset) for f in split[0]] == [
        (0, "a", 1, 0),
        (1, "bb", 4, body.index(b"event: bb")),
        (2, "bb", 7, len(first)),
        (3, None, 10, body.index(b'data: {"n":4}')),
    ]


def test_long_event_names_are_read_but_not_remembered() -> None:
    # Event names are remembered across blocks and files (their shapes, their text), bounded
    # in count; a name may be as long as a line (16 MiB), so only short ones are kept.
    from streamcheck.wire import sse

    long_name = "x" * (4 * sse.MAX_NAME)
    short_name = "y" * sse.MAX_NAME
    for name in (long_name, short_name):
        body = "".join(f'event: {name}\ndata: {{"n":{n}}}\n\n' for n in range(3)).encode()
        # Whole (one block shape), split in its first name (the line walk), and a block at a time.
        blocks = [block + b"\n\n" for block in body.split(b"\n\n") if block]
        for pieces in ([body], [body[:9], body[9:]], blocks):
            decoder = SSEDecoder(Location("names.sse"))
            frames = [f for piece in pieces for f in decoder.decode(piece)] + decoder.flush()
            assert [f.event for f in frames] == [name] * 3
            assert [f.data for f in frames] == [b'{"n":0}', b'{"n":1}', b'{"n":2}']
            assert all(len(key) <= sse.MAX_NAME for key in decoder._names)
    shapes = [key for known in sse._SHAPES.values() for key in known]
    assert all(len(key) <= sse.MAX_NAME for key in sse._EVENT_NAMES)
    assert all(len(key) <= len(b"event: \r\ndata: ") + sse.MAX_NAME for key in shapes)
    # A short one is remembered (while there is room: other tests' names share the table).
    names = sse._EVENT_NAMES
    assert short_name.encode() in names or len(names) == sse.MAX_NAMES

"""Server-sent events decoder that reports what lenient clients silently drop.

Implements the WHATWG HTML Living Standard, 9.2.6 "Parsing an event stream" and 9.2.7
"Interpreting an event stream": lines end with CRLF, LF or CR (a CR at a chunk boundary is a line
end at once; whether an LF follows only decides how the ending is reported); one leading BOM is
skipped; `:` starts a comment; a field without a colon has an empty value; one space after the
colon is removed; data lines join with LF; a blank line dispatches, and an event with no data
dispatches nothing; `id` sets the last event ID (kept across events) unless it holds U+0000; an
event not followed by a blank line at end of stream is discarded (we report it as SC101).

Where openai-python and httpx-sse (PROVIDERS.md 1.2) would hand the app something the spec does
not (an event with no data, an empty event at a blank line after an `id:`), SC108 says so.

Speed: the common case (LF only, or CRLF only once the first CRLF is noted; one `data:` line per
event) is split with `bytes.split` in C and never walks lines in Python. Memory: between chunks
the decoder holds the incomplete last line (as the chunks that brought it, joined only once the
line ends) and the data of one incomplete event; a line or an event's data over `max_line` is
reported (SC104) and dropped, so what is held stays under `max_line` plus the chunk decoded.
"""

from __future__ import annotations

from streamcheck.model import Frame, Location
from streamcheck.redact import excerpt
from streamcheck.wire.lines import DEFAULT_MAX_LINE, LineDecoder, evidence, is_json

MAX_NAMES = 64  # distinct event names remembered (memory stays bounded)
# The longest event name remembered, in bytes: real ones are short ("content_block_delta",
# "response.output_text.delta"); a line may be 16 MiB, and the shapes below outlive a file.
MAX_NAME = 128
_Shape = tuple[bytes, int, str | None, int]
_DATA_SHAPE: _Shape = (b"data: ", 6, None, 2)
# `event: N<eol>data: ` prefixes already read, by line end (a prefix is its whole shape): an
# Anthropic stream changes event name about every other block, and every file of a folder
# names the same few events. Bounded (MAX_NAMES each): names come from the input.
_SHAPES: dict[bytes, dict[bytes, _Shape]] = {b"\n": {}, b"\r\n": {}}


class SSEDecoder(LineDecoder):
    """Incremental: `decode(chunk)` returns the frames completed by that chunk; `flush()` ends.

    Frames carry `meta={"id": ...}` while a last event ID is set (it persists across events).
    """

    framing = "sse"
    # The event being built, (re)set by _reset(); the immutable starting values are the class's
    # (a decoder per file of a folder: each store in __init__ costs, a class default does not).
    _data: list[bytes]
    _data_size: int = 0
    _event: bytes | None = None
    _fields: list[str]  # id / retry lines seen in this block
    _sdk_retry: bool = False  # a retry value Python's int() accepts: the SDKs dispatch on it
    _open: bool = False  # a field line (or a skipped line) has been seen in this block
    _poisoned: bool = False  # a line of this event was skipped: the event is dropped
    _start: int = -1  # offset of the block's first field line
    _start_line: int = 0
    _data_offset: int = -1
    last_event_id = ""
    unterminated: Frame | None = None  # the event EOF cut off, its SC101 the last finding
    retry: int | None = None  # last valid reconnection time, in ms
    _time: float | None = None
    _cr_mode = False  # once a CR is seen, lines are split by the general path
    _multiline_seen = False
    _meta: dict[str, str] | None = None
    # The block shape the fast path expects: (prefix, data offset, event, lines per block).
    _shape_seen: _Shape = _DATA_SHAPE

    def __init__(self, location: Location, max_line: int = DEFAULT_MAX_LINE) -> None:
        super().__init__(location, max_line)
        self._names: dict[bytes, str] = {}  # event names decoded and checked, for _dispatch
        self._data = []  # what _reset() sets, the rest being the class's
        self._fields = []

    # -- public -------------------------------------------------------------------------------

    def decode(self, chunk: bytes, time: float | None = None) -> list[Frame]:
        self._time = time
        out: list[Frame] = []
        if not self._started:
            chunk = self._after_bom(chunk)
        if self._cr_pending is not None and chunk:
            chunk = self._resolve_cr(chunk)
        if self._skipping and chunk:
            chunk = self._skip(chunk)
        if not chunk:
            return out
        # bytes.find, not `in`, on this path (once per chunk): CPython's bytes `in` first tries
        # its operand as an integer and builds a TypeError it then drops (about 2,000
        # instructions a test in 3.11, more than the scan).
        cr = chunk.find(b"\r") >= 0
        if not cr and chunk.find(b"\n") < 0:
            self._hold(chunk)  # no line ends here: keep the piece, join nothing
            return out
        if cr and not self._cr_mode:
            self._cr_mode = True
        buf = self._take_held() + chunk if self._held else chunk
        self._arm_scan(buf)
        if not self._cr_mode:
            rest = self._blocks(buf, out, b"\n")
        elif self._endings == {b"\r\n"} and _only_crlf(buf):
            rest = self._blocks(buf, out, b"\r\n")  # CRLF already noted: nothing to report
        else:
            rest = self._lines(buf, out)
        if rest:  # a chunk that ends where an event ends leaves nothing to hold
            self._hold(rest)
        return out

    def flush(self) -> list[Frame]:
        """End of body: process what is left and report an event cut off by EOF."""
        out: list[Frame] = []
        self._started = True  # a held 1-2 byte prefix of a BOM was no BOM: it is line content
        if self._cr_pending is not None:
            self._resolve_cr(b"")
        tail = self._take_held()  # never holds a line end: this is an unterminated last line
        self._skipping = False
        if self._skipped_tail:
            self._skipped_tail, tail = False, b""
        partial = bool(tail.strip()) and not tail.startswith(b":")
        if (self._open or partial) and not self._poisoned:
            self._report_truncated(tail)
        self._reset()
        return out

    @property
    def buffered(self) -> int:
        """Bytes held between chunks: the incomplete line and the pending event's data."""
        return self._held_size + self._data_size

    # -- splitting ------------------------------------------------------------------------------

    def _blocks(self, buf: bytes, out: list[Frame], eol: bytes) -> bytes:
        """Fast path for a buffer with one kind of line end (`eol`): events are what lies
        between blank lines.

        The two shapes real streams use, `data: X` (OpenAI) and `event: N\ndata: X` (Anthropic,
        N a name already seen and checked), become frames without walking lines; anything else
        takes `_line`, which yields the same frames and findings, only slower.
        """
        if (
            eol == b"\n"
            and buf.endswith(b"\n\n")
            and not (self._open or self._skipped_tail or self._scan)
            and len(buf) <= self.max_line
            and self._whole(buf, out)
        ):
            self._endings.add(eol)
            return b""
        blocks = buf.split(eol + eol)
        rest = blocks.pop()
        if blocks:
            self._endings.add(eol)  # the only ending in the stream so far: nothing mixed
            self._fast(blocks, out, eol)
        if rest and rest.find(b"\n") >= 0:  # not `in`: see decode()
            return self._lines(rest, out)
        return rest

    def _fast(self, blocks: list[bytes], out: list[Frame], eol: bytes) -> None:
        """Real streams repeat one or two block shapes. The last one seen is kept as a prefix
        (`data: ` or `event: N\ndata: `): a block that starts with it and has no other line
        becomes a frame with one `startswith` and one `find`; `_shape` recognises the others."""
        offset, lineno, index, meta = self._base, self._lineno, self._index, self._meta
        append, max_line, time, scan = out.append, self.max_line, self._time, self._scan
        prefix, skip, event, lines = self._shape_seen
        # An event left open by lines of an earlier chunk ends in the first block.
        careful = self._open or self._skipped_tail
        size, gap = len(eol), 2 * len(eol)
        # `_shape`'s look-up of a known `event: N<eol>data: ` prefix, without its call (an
        # Anthropic stream changes shape about every other event).
        known_shapes, step = _SHAPES[eol], size + 6
        for block in blocks:
            if careful:
                careful = False
            else:
                known = block.startswith(prefix)
                if not known:
                    shape = known_shapes.get(block[: block.find(eol) + step]) or _shape(block, eol)
                    if shape is not None:
                        prefix, skip, event, lines = shape
                        known = True
                # A block over max_line takes the line walk, which reports the over-long line.
                if known and block.find(b"\n", skip) < 0 and len(block) <= max_line:
                    if scan:
                        self._check_separators(block[skip:], offset + skip, lineno + lines - 2)
                        scan = self._scan
                    append(
                        Frame(index, offset, lineno, block[skip:], event, time, offset + skip, meta)
                    )
                    index += 1
                    lineno += lines
                    offset += len(block) + gap
                    continue
            self._index = index
            at = offset
            for line in block.split(eol):
                self._line(line, at, lineno, out)
                at += len(line) + size
                lineno += 1
            self._blank(at, lineno, out)
            index, meta, scan = self._index, self._meta, self._scan
            lineno += 1
            offset += len(block) + gap
        self._base, self._lineno, self._index = offset, lineno, index
        self._shape_seen = prefix, skip, event, lines

    def _whole(self, buf: bytes, out: list[Frame]) -> bool:
        """`_fast` on an LF buffer of whole blocks of one kind (`data: X` each, or `event: N
        LF data: X` each), as a recorded body arrives: split by the separator with the field
        that follows it, which C splits faster than a blank line, with no slice, `startswith`
        or `find` per block. The pieces' data joined holds no LF (one memchr: bytes.count
        walks byte by byte, ~8 instructions each), nor does an event name: each block is one
        `data: X` line, or `event: N` and one `data: X` line. False, with nothing done, for
        anything else."""
        offset, lineno, index = self._base, self._lineno, self._index
        meta, time = self._meta, self._time
        if buf.startswith(b"data: "):
            pieces = buf.split(b"\n\ndata: ")
            pieces[0] = pieces[0][6:]
            pieces[-1] = pieces[-1][:-2]
            if b"".join(pieces).find(b"\n") >= 0:
                return False
            append = out.append
            for data in pieces:
                append(Frame(index, offset, lineno, data, None, time, offset + 6, meta))
                index += 1
                lineno += 2
                offset += len(data) + 8
            self._shape_seen = _DATA_SHAPE
        elif buf.startswith(b"event: "):
            pieces = buf.split(b"\n\nevent: ")
            pieces[0] = pieces[0][7:]
            pieces[-1] = pieces[-1][:-2]
            frames: list[Frame] = []
            datas: list[bytes] = []
            append, keep = frames.append, datas.append
            names = _EVENT_NAMES
            event: str | None = None
            for piece in pieces:
                name, found, data = piece.partition(b"\ndata: ")
                if not found:
                    return False
                if name in names:
                    event = names[name]
                else:
                    if name.find(b"\n") >= 0:
                        return False
                    try:  # an empty name leaves the type at its default
                        event = name.decode("utf-8") or None
                    except UnicodeDecodeError:
                        return False  # the line walk reports it
                    if len(names) < MAX_NAMES and len(name) <= MAX_NAME:
                        names[name] = event
                skip = len(name) + 14
                append(Frame(index, offset, lineno, data, event, time, offset + skip, meta))
                keep(data)
                index += 1
                lineno += 3
                offset += skip + len(data) + 2
            if b"".join(datas).find(b"\n") >= 0:
                return False
            out += frames
            prefix = b"event: " + name + b"\ndata: "  # the last block's
            self._shape_seen = prefix, len(prefix), event, 3
        else:
            return False
        self._base, self._lineno, self._index = offset, lineno, index
        return True

    # -- bounded memory ----------------------------------------------------------------------

    def _too_long(self, head: bytes, offset: int, lineno: int) -> None:
        super()._too_long(head, offset, lineno)
        if head[:1] != b":":  # a field we cannot read: the event it belongs to is dropped
            self._poison()

    def _poison(self) -> None:
        self._data, self._data_size = [], 0
        self._open = self._poisoned = True

    # -- interpreting ------------------------------------------------------------------------

    def _line(self, line: bytes, offset: int, lineno: int, out: list[Frame]) -> None:
        if self._skipped_tail:
            self._skipped_tail = False  # the end of a line already reported as too long
            return
        if not line:
            self._blank(offset, lineno, out)
            return
        if len(line) > self.max_line:
            self._too_long(line[: self._head_limit], offset, lineno)
            return
        if line[0] == 0x3A:  # ':' comment, e.g. OpenRouter keep-alives
            self.comments += 1
            return
        self._open = True
        if self._start < 0:
            self._start, self._start_line = offset, lineno
        colon = line.find(b":")
        if colon < 0:
            name, value, skip = line, b"", len(line)
        else:
            name, value = line[:colon], line[colon + 1 :]
            skip = colon + 1
            if value[:1] == b" ":
                value, skip = value[1:], skip + 1
        if name == b"data":
            self._data_line(value, offset + skip, lineno)
        elif name == b"event":
            self._event = value
            names = self._names
            known = value in names or self._utf8(value, "event name", offset + skip, lineno)
            # Bounded: names are few and short in practice.
            if known and value and len(names) < MAX_NAMES and len(value) <= MAX_NAME:
                names[value] = value.decode()
        elif name == b"id":
            self._fields.append("id")
            if b"\0" not in value:  # spec: an id holding NUL is ignored
                self._utf8(value, "event id", offset + skip, lineno)
                self.last_event_id = value.decode("utf-8", "replace")
                self._meta = {"id": self.last_event_id} if value else None
        elif name == b"retry":
            self._fields.append("retry")
            parsed = _python_int(value)  # what the SDKs' int() makes of it
            self._sdk_retry = self._sdk_retry or parsed is not None
            if value.isdigit():  # bytes.isdigit: ASCII digits only, as the spec requires
                self.retry = parsed
            else:
                self._report(
                    "SC110", f"retry value {value[:40]!r} is not ASCII digits", offset, lineno
                )
        else:
            self._report(
                "SC109",
                f"unknown field {name[:40].decode('utf-8', 'replace')!r} is ignored by clients",
                offset,
                lineno,
                evidence=excerpt(line[:200]),
            )

    def _data_line(self, value: bytes, at: int, lineno: int) -> None:
        if self._poisoned:
            return
        self._data_size += len(value) + 1
        if self._data_size > self.max_line:
            self._report(
                "SC104",
                f"an event's data lines add up to more than {self.max_line} bytes; event skipped",
                self._start,
                self._start_line,
            )
            self._poison()
            return
        self._data_offset = -1 if self._data else at
        self._data.append(value)
        if self._scan:
            self._check_separators(value, at, lineno)

    def _blank(self, offset: int, lineno: int, out: list[Frame]) -> None:
        """A blank line: dispatch the event, or say what the SDKs would wrongly dispatch."""
        if self._poisoned:
            pass
        elif self._data:
            self._dispatch(out)
        elif self._event or self._sdk_retry or self.last_event_id:
            # openai-python and httpx-sse dispatch when event, data, id or retry is set.
            if self._event:
                name = self._event.decode("utf-8", "replace")
                what = f"event {name!r} has no data line"
            elif self._fields:
                what = f"a block with only {'/'.join(dict.fromkeys(self._fields))} and no data"
            else:
                what, self._start, self._start_line = (
                    "a blank line after an id field",
                    offset,
                    lineno,
                )
            self._report(
                "SC108",
                f"{what}: spec clients fire nothing, openai-python and httpx-sse yield an "
                "event with empty data",
                self._start,
                self._start_line,
            )
        self._reset()

    def _dispatch(self, out: list[Frame]) -> None:
        data_lines = self._data
        if len(data_lines) > 1:
            data = b"\n".join(data_lines)
            if not self._multiline_seen:
                self._multiline_seen = True
                self._report(
                    "SC112",
                    f"event data spread over {len(data_lines)} data lines",
                    self._start,
                    self._start_line,
                )
        else:
            data = data_lines[0]
        # An empty `event:` leaves the type at its default, as if the field were absent.
        name = self._event
        event = (self._names.get(name) or name.decode("utf-8", "replace")) if name else None
        out.append(
            Frame(
                self._index,
                self._start,
                self._start_line,
                data,
                event,
                self._time,
                self._data_offset,
                self._meta,
            )
        )
        self._index += 1

    def _reset(self) -> None:
        self._data = []
        self._data_size = 0
        self._event = None
        self._fields = []
        self._sdk_retry = False
        self._open = False
        self._poisoned = False
        self._start = -1
        self._start_line = 0
        self._data_offset = -1

    # -- findings ------------------------------------------------------------------------------

    def _utf8(self, value: bytes, what: str, at: int, lineno: int) -> bool:
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as bad:
            byte = value[bad.start : bad.start + 1]
            self._report("SC102", f"{what} has invalid UTF-8 byte {byte!r}", at + bad.start, lineno)
            return False
        return True

    def _report_truncated(self, tail: bytes) -> None:
        pending = b"\n".join(self._data)
        name, colon, value = tail.partition(b":")
        if name == b"data":  # the unterminated last line is a data line: show it with the rest
            value = value[1:] if colon and value[:1] == b" " else value
            pending = pending + b"\n" + value if self._data else value
        start = self._start if self._start >= 0 else self._base
        line = self._start_line if self._start >= 0 else self._lineno
        what = "its JSON is cut off"
        if is_json(pending):
            what = "its data is complete but the blank line that dispatches it never came"
        elif not pending:
            what = "it has no data"
        if pending:
            # Kept for the checker, which knows the protocol: a recording whose file end was
            # trimmed after the terminator, or whose blank lines a fixture writer dropped, lost
            # nothing a client reads (check/recorders.py); the finding below is then withdrawn.
            event = self._event.decode("utf-8", "replace") if self._event else None
            self.unterminated = Frame(self._index, start, line, pending, event or None)
        self._report(
            "SC101",
            f"stream ended inside an event ({len(pending) or len(tail)} bytes): {what}; "
            "every SSE client discards it",
            start,
            line,
            evidence=evidence(pending or tail),
        )


# Event names read by `_whole`: the name's bytes (no LF in them) -> its text (None for an empty
# name, which leaves the type at its default). Bounded (MAX_NAMES): names come from the input.
_EVENT_NAMES: dict[bytes, str | None] = {}


def _shape(block: bytes, eol: bytes) -> _Shape | None:
    """The shape of a one-event block that needs no line walk: `data: X` or `event: N\ndata: X`
    (one space after each colon, N valid UTF-8; whether another line follows is checked by the
    caller). None for anything else, which the line walk handles and reports on."""
    if block.startswith(b"data: "):
        return _DATA_SHAPE
    cut = block.find(eol)
    if cut < 0:
        return None
    skip = cut + len(eol) + 6
    known = _SHAPES[eol]
    shape = known.get(block[:skip])
    if shape is not None:
        return shape
    shape = _read_shape(block, cut, skip)
    if shape is not None and len(known) < MAX_NAMES and cut <= MAX_NAME + 7:
        known[shape[0]] = shape
    return shape


def _read_shape(block: bytes, cut: int, skip: int) -> _Shape | None:
    """`event: N<eol>data: ` read from a block whose first line ends at `cut`."""
    if not block.startswith(b"event: ") or not block.startswith(b"data: ", skip - 6):
        return None
    try:
        name = block[7:cut].decode("utf-8")
    except UnicodeDecodeError:
        return None
    # An empty `event:` leaves the type at its default, as if the field were absent.
    return block[:skip], skip, name or None, 3


def _only_crlf(buf: bytes) -> bool:
    """Every CR and every LF of `buf` belongs to a CRLF (three C-speed counts)."""
    pairs = buf.count(b"\r\n")
    return pairs == buf.count(b"\r") and pairs == buf.count(b"\n")


def _python_int(value: bytes) -> int | None:
    try:
        return int(value)
    except ValueError:  # also past Python's 4300-digit limit
        return None


__all__ = ["DEFAULT_MAX_LINE", "SSEDecoder"]  # DEFAULT_MAX_LINE: other decoders import it from here

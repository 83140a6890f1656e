"""Server-sent events decoder that reports what lenient clients silently drop.

Implements the WHATWG HTML Living Standard, 9.2.6 "Parsing an event stream" and 9.2.7
"Interpreting an event stream": lines end with CRLF, LF or CR (a CR at a chunk boundary waits for
the next byte); one leading BOM is skipped; `:` starts a comment; a field without a colon has an
empty value; one space after the colon is removed; data lines join with LF; a blank line
dispatches, and an event with no data dispatches nothing; an event not followed by a blank line at
end of stream is discarded (we report it as SC101).

Speed: the common case (LF only, one `data:` line per event) is split with `bytes.split` in C and
never walks lines in Python. Memory: what is held between chunks is one incomplete event, and a
line longer than `max_line` is reported and skipped, so memory is bounded by `max_line`.
"""

from __future__ import annotations

import re

from streamcheck import rules
from streamcheck.model import Finding, Frame, Location
from streamcheck.redact import excerpt

DEFAULT_MAX_LINE = 16 * 1024 * 1024
_EOL = re.compile(rb"\r\n|\r|\n")
_BOM = b"\xef\xbb\xbf"
_SEPARATORS = (b"\xe2\x80\xa8", b"\xe2\x80\xa9", b"\xc2\x85")
MAX_NAMES = 64  # distinct event names remembered for the fast path (memory stays bounded)


class SSEDecoder:
    """Incremental: `decode(chunk)` returns the frames completed by that chunk; `flush()` ends."""

    framing = "sse"

    def __init__(self, location: Location, max_line: int = DEFAULT_MAX_LINE) -> None:
        self.location = location
        self.max_line = max_line
        self.findings: list[Finding] = []
        self.comments = 0
        self._buf = b""
        self._base = 0  # absolute byte offset of _buf[0]
        self._lineno = 1  # line number of _buf[0]
        self._index = 0
        self._time: float | None = None
        self._started = False  # BOM decided
        self._cr_mode = False  # once a CR is seen, lines are split by the general path
        self._endings: set[bytes] = set()
        self._skipping = False  # inside an over-long line, discarding until its end
        self._separator_seen = False
        self._multiline_seen = False
        self._names: dict[bytes, str] = {}  # event names already decoded and checked, bounded
        # The event being built.
        self._data: list[bytes] = []
        self._event: bytes | None = None
        self._fields = False  # event/id/retry seen in this block
        self._start = -1  # offset of the block's first field line
        self._start_line = 0
        self._data_offset = -1

    # -- public -------------------------------------------------------------------------------

    def decode(self, chunk: bytes, time: float | None = None) -> list[Frame]:
        self._time = time
        out: list[Frame] = []
        if self._skipping:
            chunk = self._skip(chunk)
            if not chunk:
                return out
        buf = self._buf + chunk if self._buf else chunk
        if not self._started:
            if len(buf) < 3 and _BOM.startswith(buf):
                self._buf = buf
                return out
            self._started = True
            if buf.startswith(_BOM):
                self._report("SC107", "body starts with a UTF-8 BOM", self._base, 1)
                buf = buf[3:]
                self._base += 3
        # isascii() is a word-at-a-time scan; the three substring searches cost ~0.5 us/event.
        if not self._separator_seen and not buf.isascii() and any(s in buf for s in _SEPARATORS):
            self._report_separator(buf)
        if not self._cr_mode and b"\r" in buf:
            self._cr_mode = True
        if self._cr_mode:
            self._buf = self._lines(buf, out, final=False)
        else:
            self._buf = self._blocks(buf, out)
        if len(self._buf) > self.max_line:
            self._bound(out)
        return out

    def flush(self) -> list[Frame]:
        """End of body: process what is left and report an event cut off by EOF."""
        out: list[Frame] = []
        buf, self._buf = self._buf, b""
        if not self._started and buf.startswith(_BOM):
            self._report("SC107", "body starts with a UTF-8 BOM", self._base, 1)
            buf, self._base = buf[3:], self._base + 3
        self._started = True
        tail = self._lines(buf, out, final=True) if buf else b""
        partial = bool(tail.strip()) and not tail.startswith(b":")
        pending = self._data or self._fields or partial
        if pending and not self._skipping:
            self._report_truncated(tail)
        self._reset()
        return out

    @property
    def line_endings(self) -> list[str]:
        names = {b"\n": "LF", b"\r\n": "CRLF", b"\r": "CR"}
        return sorted(names[e] for e in self._endings)

    # -- splitting ------------------------------------------------------------------------------

    def _blocks(self, buf: bytes, out: list[Frame]) -> bytes:
        """LF-only fast path: whole events are the pieces between blank lines.

        The two shapes real streams use, `data: X` (OpenAI) and `event: N\ndata: X`
        (Anthropic), become frames without walking lines; anything else takes `_line`.
        """
        blocks = buf.split(b"\n\n")
        rest = blocks.pop()
        if not blocks:
            return rest
        self._endings.add(b"\n")
        offset, lineno, index, time = self._base, self._lineno, self._index, self._time
        names = self._names
        append = out.append
        # An event left open by the general path (a skipped over-long line) ends in this block.
        careful = bool(self._data or self._fields)
        for block in blocks:
            if careful:
                careful = False
            elif block[:5] == b"data:" and b"\n" not in block:
                skip = 6 if block[5:6] == b" " else 5
                append(Frame(index, offset, lineno, block[skip:], None, time, offset + skip))
                index += 1
                lineno += 2
                offset += len(block) + 2
                continue
            elif block[:7] == b"event: ":
                cut = block.find(b"\n")
                if block[cut + 1 : cut + 6] == b"data:" and block.find(b"\n", cut + 1) < 0:
                    event = names.get(block[7:cut])
                    if event is not None:
                        skip = cut + (7 if block[cut + 6 : cut + 7] == b" " else 6)
                        append(
                            Frame(index, offset, lineno, block[skip:], event, time, offset + skip)
                        )
                        index += 1
                        lineno += 3
                        offset += len(block) + 2
                        continue
            self._index = index
            at = offset
            for line in block.split(b"\n"):
                self._line(line, at, lineno, out)
                at += len(line) + 1
                lineno += 1
            self._dispatch(out)
            index = self._index
            lineno += 1
            offset += len(block) + 2
        self._base, self._lineno, self._index = offset, lineno, index
        return rest

    def _lines(self, buf: bytes, out: list[Frame], final: bool) -> bytes:
        """General path: any mix of CRLF, LF and CR, one line at a time."""
        pos = 0
        offset, lineno = self._base, self._lineno
        for match in _EOL.finditer(buf):
            end = match.end()
            if end == len(buf) and match.group() == b"\r" and not final:
                break  # may be the first half of CRLF: wait for the next byte
            ending = match.group()
            if ending not in self._endings:
                self._note_ending(ending, offset, lineno)
            line = buf[pos : match.start()]
            self._line(line, offset, lineno, out)
            offset += end - pos
            lineno += 1
            pos = end
        self._base, self._lineno = offset, lineno
        return buf[pos:]

    def _note_ending(self, ending: bytes, offset: int, lineno: int) -> None:
        self._endings.add(ending)
        if ending == b"\r":
            self._report("SC106", "a line ends with a lone CR", offset, lineno)
        if len(self._endings) == 2:
            self._report(
                "SC105",
                f"line endings are mixed ({', '.join(self.line_endings)}); first change here",
                offset,
                lineno,
            )

    def _bound(self, out: list[Frame]) -> None:
        """Keep memory bounded: hand complete lines on, then skip an over-long last line."""
        buf = self._buf
        cut = max(buf.rfind(b"\n"), buf.rfind(b"\r")) + 1
        if cut:
            self._buf = b""
            rest = self._lines(buf[:cut], out, final=True) + buf[cut:]
        else:
            rest = buf
        if len(rest) <= self.max_line:
            self._buf = rest
            return
        self._report(
            "SC104",
            f"a line is longer than {self.max_line} bytes; skipped up to its end",
            self._base,
            self._lineno,
            evidence=excerpt(rest[:200]),
        )
        self._base += len(rest)
        self._buf = b""
        self._skipping = True

    def _skip(self, chunk: bytes) -> bytes:
        ends = [i for i in (chunk.find(b"\n"), chunk.find(b"\r")) if i >= 0]
        if not ends:
            self._base += len(chunk)
            return b""
        cut = min(ends)
        self._skipping = False
        self._base += cut
        # The over-long line carried a field we never parsed: drop the whole event with it.
        self._data, self._event, self._fields = [], None, True
        return chunk[cut:]

    # -- interpreting ------------------------------------------------------------------------

    def _line(self, line: bytes, offset: int, lineno: int, out: list[Frame]) -> None:
        if not line:
            self._dispatch(out)
            return
        if line[0] == 0x3A:  # ':' comment, e.g. OpenRouter keep-alives
            self.comments += 1
            return
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
            if not self._data:
                self._data_offset = offset + skip
            else:
                self._data_offset = -1
            self._data.append(value)
        elif name == b"event":
            self._event = value
            self._fields = True
        elif name == b"id":
            self._fields = True
        elif name == b"retry":
            self._fields = True
            if not (value.isdigit() and value.isascii()):
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

    def _dispatch(self, out: list[Frame]) -> None:
        if self._data:
            if len(self._data) > 1:
                data = b"\n".join(self._data)
                if not self._multiline_seen:
                    self._multiline_seen = True
                    self._report(
                        "SC112",
                        f"event data spread over {len(self._data)} data lines",
                        self._start,
                        self._start_line,
                    )
            else:
                data = self._data[0]
            event = None
            if self._event is not None:
                event = self._event.decode("utf-8", "replace")
                if "\ufffd" in event and b"\xef\xbf\xbd" not in self._event:
                    self._report("SC102", "event name is not valid UTF-8", self._start, 0)
                elif len(self._names) < MAX_NAMES:
                    self._names[self._event] = event
            out.append(
                Frame(
                    self._index,
                    self._start,
                    self._start_line,
                    data,
                    event,
                    self._time,
                    self._data_offset,
                )
            )
            self._index += 1
        elif self._fields and self._event is not None:
            name = self._event.decode("utf-8", "replace")
            self._report(
                "SC108",
                f"event {name!r} has no data line: spec clients fire nothing, "
                "openai-python and httpx-sse yield empty data",
                self._start,
                self._start_line,
            )
        self._reset()

    def _reset(self) -> None:
        self._data = []
        self._event = None
        self._fields = False
        self._start = -1
        self._data_offset = -1

    # -- findings ------------------------------------------------------------------------------

    def _report(
        self, code: str, message: str, offset: int, lineno: int, evidence: str | None = None
    ) -> None:
        where = self.location.at(offset=offset, line=lineno or None)
        self.findings.append(rules.finding(code, message, where, evidence=evidence))

    def _report_separator(self, buf: bytes) -> None:
        self._separator_seen = True
        at = min(i for i in (buf.find(s) for s in _SEPARATORS) if i >= 0)
        self._report(
            "SC111",
            "data contains a raw U+2028/U+2029/U+0085; clients that split lines with "
            "str.splitlines cut the JSON here",
            self._base + at,
            0,
            evidence=excerpt(buf[max(0, at - 60) : at + 60]),
        )

    def _report_truncated(self, tail: bytes) -> None:
        pending = b"\n".join(self._data)
        if tail.startswith(b"data:"):
            value = tail[5:]
            pending = (pending + b"\n" if self._data else b"") + (
                value[1:] if value[:1] == b" " else value
            )
        start = self._start if self._start >= 0 else self._base
        line = self._start_line if self._start >= 0 else self._lineno
        what = "its JSON is cut off"
        if _is_json(pending):
            what = "its data is complete but the blank line that dispatches it never came"
        self._report(
            "SC101",
            f"stream ended inside an event ({len(pending) or len(tail)} bytes): {what}; "
            "every SSE client discards it",
            start,
            line,
            evidence=excerpt(pending or tail),
        )


def _is_json(data: bytes) -> bool:
    import orjson

    try:
        orjson.loads(data)
    except orjson.JSONDecodeError:
        return False
    return bool(data.strip())

"""Tagged JSON lines: `TAG:JSON\\n`, one record per line (the Vercel AI SDK 4.x data stream).

A line is a short tag (letters, digits, `_` or `-`), a colon, and a JSON value; the frame's
`event` is the tag and its `data` the JSON text after the colon. Lines end with LF (a CR before
it is dropped); blank lines are skipped, as the SDK's reader skips them. A line with no tag
before a colon is SC130: the SDK's reader (`parseDataStreamPart`) throws on it and the stream is
lost. The reader also parses what is left without a newline when the body ends, so a last line
without LF is a record; JSON cut off there is SC101 (reported by the checker, as for any frame).

Spec: no RFC; the AI SDK 4.x stream protocol documentation ("Data Stream Protocol") and
`processDataStream` in `@ai-sdk/ui-utils`. This decoder knows no tag's meaning: which tags exist
is the protocol's business.
"""

from __future__ import annotations

import re

from streamcheck.model import Frame, Location
from streamcheck.wire.lines import DEFAULT_MAX_LINE, LineDecoder, evidence

TAG = re.compile(rb"[0-9A-Za-z_-]{1,16}")


class TaggedDecoder(LineDecoder):
    """Incremental: `decode(chunk)` returns the lines completed by that chunk; `flush()` ends."""

    framing = "tagged"

    def __init__(self, location: Location, max_line: int = DEFAULT_MAX_LINE) -> None:
        super().__init__(location, max_line)
        self._time: float | None = None

    @property
    def buffered(self) -> int:
        """Bytes held between chunks: the incomplete last line."""
        return self._held_size

    def decode(self, chunk: bytes, time: float | None = None) -> list[Frame]:
        self._time = time
        out: list[Frame] = []
        if not self._started:
            chunk = self._after_bom(chunk)
        if self._skipping and chunk:
            chunk = self._skip_line(chunk)
        if chunk.find(b"\n") < 0:  # not `in`: see SSEDecoder.decode
            self._hold(chunk)
            return out
        buf = self._take_held() + chunk if self._held else chunk
        self._arm_scan(buf)
        lines = buf.split(b"\n")
        rest = lines.pop()
        offset, lineno = self._base, self._lineno
        for line in lines:
            size = len(line) + 1
            if size > self.max_line + 1:
                self._too_long(line[: self._head_limit], offset, lineno)
            else:
                self._line(line[:-1] if line[-1:] == b"\r" else line, offset, lineno, out)
            offset += size
            lineno += 1
        self._base, self._lineno = offset, lineno
        self._hold(rest)
        return out

    def flush(self) -> list[Frame]:
        """End of body: a last line without LF is still a record (the SDK's reader parses what
        is left when the body ends); JSON cut off there is reported by the checker (SC101)."""
        self._started = True
        rest = self._take_held()
        self._skipping = False
        out: list[Frame] = []
        self._arm_scan(rest)
        self._line(rest[:-1] if rest[-1:] == b"\r" else rest, self._base, self._lineno, out)
        return out

    def _line(self, line: bytes, offset: int, lineno: int, out: list[Frame]) -> None:
        if not line.strip():
            return
        if self._scan:
            self._check_separators(line, offset, lineno)
        colon = line.find(b":")
        if colon <= 0 or TAG.fullmatch(line[:colon]) is None:
            self._report(
                "SC130",
                "a line has no `TAG:` prefix; the reader throws on it",
                offset,
                lineno,
                evidence(line),
            )
            return
        tag = line[:colon].decode("ascii")
        start = offset + colon + 1
        out.append(Frame(self._index, offset, lineno, line[colon + 1 :], tag, self._time, start))
        self._index += 1

    def _skip_line(self, chunk: bytes) -> bytes:
        """Discard the rest of an over-long line, up to and with its LF."""
        cut = chunk.find(b"\n")
        if cut < 0:
            self._base += len(chunk)
            return b""
        self._skipping = False
        self._base += cut + 1
        self._lineno += 1
        return chunk[cut + 1 :]

"""Newline-delimited JSON decoder (Ollama, Cohere v1): one JSON document per line.

Follows the NDJSON spec (github.com/ndjson/ndjson-spec): lines end with LF, a CR before the LF is
dropped (CRLF), blank lines are skipped. A last line without LF is still a frame when it parses
(reported SC115: readers that wait for the newline drop it) and a truncated frame (SC101) when its
JSON is cut off. A leading BOM is reported (SC107) and skipped. Raw U+2028/U+2029/U+0085 are
reported (SC111): httpx `iter_lines()`, which the Ollama client reads NDJSON with, splits on them.

Memory: between chunks only the incomplete last line is held, as the pieces that brought it; a
line over `max_line` is reported (SC104) and skipped up to its end.
"""

from __future__ import annotations

import orjson

from streamcheck.model import Frame, Location
from streamcheck.wire.lines import DEFAULT_MAX_LINE, LineDecoder, evidence


class NDJSONDecoder(LineDecoder):
    """Incremental: `decode(chunk)` returns the lines completed by that chunk; `flush()` ends."""

    framing = "ndjson"

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
            chunk = self._skip(chunk)
        if chunk.find(b"\n") < 0:  # not `in`: see SSEDecoder.decode
            self._hold(chunk)  # no line ends here: keep the piece, join nothing
            return out
        buf = self._take_held() + chunk if self._held else chunk
        self._arm_scan(buf)
        lines = buf.split(b"\n")
        rest = lines.pop()
        offset, lineno = self._base, self._lineno
        max_line = self.max_line
        for line in lines:
            size = len(line) + 1
            if size > max_line + 1:  # the line with its CR, if any, as `_hold` counts it
                self._too_long(line[: self._head_limit], offset, lineno)
            else:
                self._line(line[:-1] if line[-1:] == b"\r" else line, offset, lineno, out)
            offset += size
            lineno += 1
        self._base, self._lineno = offset, lineno
        self._hold(rest)
        return out

    def flush(self) -> list[Frame]:
        """End of body: the last line, if it has no newline, is reported and decoded if whole."""
        self._started = True
        rest = self._take_held()
        self._skipping = False
        line = rest[:-1] if rest[-1:] == b"\r" else rest
        stripped = line.strip()
        if not stripped:
            return []
        try:
            orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            if stripped[:1] in (b"{", b"[") and exc.pos >= len(stripped) - 1:
                message = f"body ends inside a line ({len(line)} bytes) whose JSON is cut off"
                self._report("SC101", message, self._base, self._lineno, evidence(line))
                return []
        # Whole JSON, or not JSON at all (the checker reports that as SC103): still a frame.
        message = "the last line has no newline; readers that wait for one drop it"
        self._report("SC115", message, self._base, self._lineno)
        out: list[Frame] = []
        self._arm_scan(line)
        self._line(line, self._base, self._lineno, out)
        return out

    def _line(self, line: bytes, offset: int, lineno: int, out: list[Frame]) -> None:
        if not line.strip():
            return  # blank lines carry nothing; the spec lets parsers skip them
        if self._scan:
            self._check_separators(line, offset, lineno)
        out.append(Frame(self._index, offset, lineno, line, None, self._time, offset))
        self._index += 1

    def _skip(self, chunk: bytes) -> bytes:
        """Discard the rest of an over-long line, up to and with its LF."""
        cut = chunk.find(b"\n")
        if cut < 0:
            self._base += len(chunk)
            return b""
        self._skipping = False
        self._base += cut + 1
        self._lineno += 1
        return chunk[cut + 1 :]

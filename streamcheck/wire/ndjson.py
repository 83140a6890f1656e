"""Newline-delimited JSON decoder (Ollama, Cohere v1): one JSON document per line.

Lines end with LF (a CR before it is dropped). Blank lines are skipped. A last line without LF is
still a frame when it parses (reported SC115: readers that wait for the newline drop it) and a
truncated frame (SC101) when it does not. Memory is bounded by `max_line`.
"""

from __future__ import annotations

import orjson

from streamcheck import rules
from streamcheck.model import Finding, Frame, Location
from streamcheck.redact import excerpt
from streamcheck.wire.sse import DEFAULT_MAX_LINE


class NDJSONDecoder:
    framing = "ndjson"

    def __init__(self, location: Location, max_line: int = DEFAULT_MAX_LINE) -> None:
        self.location = location
        self.max_line = max_line
        self.findings: list[Finding] = []
        self.comments = 0
        self._buf = b""
        self._base = 0
        self._lineno = 1
        self._index = 0
        self._skipping = False

    def decode(self, chunk: bytes, time: float | None = None) -> list[Frame]:
        out: list[Frame] = []
        if self._skipping:
            cut = chunk.find(b"\n")
            if cut < 0:
                self._base += len(chunk)
                return out
            self._skipping = False
            self._base += cut + 1
            self._lineno += 1
            chunk = chunk[cut + 1 :]
        buf = self._buf + chunk if self._buf else chunk
        lines = buf.split(b"\n")
        rest = lines.pop()
        offset, lineno = self._base, self._lineno
        for line in lines:
            size = len(line) + 1
            if line.endswith(b"\r"):
                line = line[:-1]
            if line.strip():
                out.append(Frame(self._index, offset, lineno, line, None, time, offset))
                self._index += 1
            offset += size
            lineno += 1
        self._base, self._lineno = offset, lineno
        if len(rest) > self.max_line:
            where = self.location.at(offset=offset, line=lineno)
            message = f"a line is longer than {self.max_line} bytes; skipped up to its end"
            self.findings.append(rules.finding("SC104", message, where, evidence=excerpt(rest)))
            self._base += len(rest)
            rest = b""
            self._skipping = True
        self._buf = rest
        return out

    def flush(self) -> list[Frame]:
        rest, self._buf = self._buf.rstrip(b"\r"), b""
        if not rest.strip() or self._skipping:
            return []
        where = self.location.at(offset=self._base, line=self._lineno)
        try:
            orjson.loads(rest)
        except orjson.JSONDecodeError:
            message = f"body ends inside a line ({len(rest)} bytes) whose JSON is cut off"
            self.findings.append(rules.finding("SC101", message, where, evidence=excerpt(rest)))
            return []
        message = "the last line has no newline; readers that wait for one drop it"
        self.findings.append(rules.finding("SC115", message, where))
        frame = Frame(self._index, self._base, self._lineno, rest, None, None, self._base)
        self._index += 1
        return [frame]

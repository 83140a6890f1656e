"""Streamed JSON array decoder: one frame per element of a top-level array.

Gemini's `streamGenerateContent` without `alt=sse` answers with one JSON array (RFC 8259) sent
incrementally: `[`, then elements separated by `,` and whitespace (Gemini uses CRLF and LF), then
`]`. HTTP chunk boundaries do not align with elements (PROVIDERS.md section 2.5; simonw/llm-gemini
#97), so the decoder tracks nesting depth, strings and escapes across chunks and cuts an element
when its depth returns to zero.

Findings: SC116 when the body ends before `]` (an element cut mid-way is also SC101); SC118 for
anything between elements but whitespace and one comma, a body that does not open with `[`, and
bytes after the closing `]`; SC104 for an element longer than `max_line`, which is skipped so
memory stays bounded by `max_line`. The element bytes themselves are parsed by the checker.

Speed: the scan jumps between interesting bytes with compiled regexes (quotes, backslashes and
brackets inside an element), never walking plain text byte by byte in Python.
"""

from __future__ import annotations

import re

from streamcheck import rules
from streamcheck.model import Finding, Frame, Location
from streamcheck.redact import excerpt
from streamcheck.wire.sse import DEFAULT_MAX_LINE

_IN_STRING = re.compile(rb'["\\]')
_STRUCTURE = re.compile(rb'["{}\[\]]')
_SPACE = b" \t\r\n"

# Where the scanner is between chunks.
_BEFORE = 0  # before the opening `[`
_BETWEEN = 1  # inside the array, between elements
_ELEMENT = 2  # inside an element
_AFTER = 3  # after the closing `]`


class JSONArrayDecoder:
    framing = "jsonarray"

    def __init__(self, location: Location, max_line: int = DEFAULT_MAX_LINE) -> None:
        self.location = location
        self.max_line = max_line
        self.findings: list[Finding] = []
        self.comments = 0
        self._state = _BEFORE
        self._pos = 0  # absolute offset of the next unread byte
        self._line = 1
        self._index = 0
        self._commas = 0  # commas since the last element (0 before the first element)
        self._elem: list[bytes] = []  # pieces of the element being read
        self._elem_size = 0
        self._elem_start = 0
        self._elem_line = 1
        self._depth = 0
        self._in_string = False
        self._escape = False
        self._scalar = False  # a bare number/literal element, ended by `,` `]` or space
        self._skipping = False  # inside an over-long element
        self._string_element = False
        self._reported: set[str] = set()

    # -- public -------------------------------------------------------------------------------

    def decode(self, chunk: bytes, time: float | None = None) -> list[Frame]:
        out: list[Frame] = []
        i, size = 0, len(chunk)
        while i < size:
            if self._state == _ELEMENT:
                i = self._element(chunk, i, time, out)
            elif self._state == _BETWEEN:
                i = self._between(chunk, i)
            elif self._state == _BEFORE:
                i = self._before(chunk, i)
            else:
                i = self._after(chunk, i)
        return out

    def flush(self) -> list[Frame]:
        if self._state == _ELEMENT and self._scalar and not self._skipping:
            out: list[Frame] = []
            self._emit(None, out)
            self._state = _BETWEEN
            self._report_once("SC116", "the body ends before the array's closing ]", self._pos)
            return out
        if self._state == _ELEMENT and not self._skipping:
            data = b"".join(self._elem)
            where = self.location.at(offset=self._elem_start, line=self._elem_line)
            message = f"the body ends inside array element {self._index} ({len(data)} bytes)"
            self.findings.append(rules.finding("SC101", message, where, evidence=excerpt(data)))
        if self._state in (_BETWEEN, _ELEMENT):
            self._report_once("SC116", "the body ends before the array's closing ]", self._pos)
        return []

    # -- states -------------------------------------------------------------------------------

    def _before(self, chunk: bytes, i: int) -> int:
        if self._pos == 0 and chunk.startswith(b"\xef\xbb\xbf", i):
            # A byte order mark before the array: an editor's (files saved on Windows), which
            # no server sends; the array after it is judged as is.
            where = self.location.at(offset=0, line=1)
            message = "the body starts with a UTF-8 byte order mark (a file editor's); skipped"
            self.findings.append(rules.finding("SC902", message, where))
            return self._advance(chunk, i, i + 3)
        j = self._skip_space(chunk, i)
        if j >= len(chunk):
            return j
        if chunk[j : j + 1] == b"[":
            self._state = _BETWEEN
            return self._advance(chunk, j, j + 1)
        self._report_once("SC118", "the body does not open with [", self._pos + (j - i))
        self._state = _AFTER  # nothing sensible can be cut from it
        return self._advance(chunk, j, len(chunk))

    def _between(self, chunk: bytes, i: int) -> int:
        j = self._skip_space(chunk, i)
        if j >= len(chunk):
            return j
        byte = chunk[j : j + 1]
        if byte == b",":
            if self._index == 0 or self._commas:
                self._report_once("SC118", "a comma with no element before it", self._pos)
            self._commas += 1
            return self._advance(chunk, j, j + 1)
        if byte == b"]":
            if self._commas:
                self._report_once("SC118", "a trailing comma before ]", self._pos)
            self._state = _AFTER
            return self._advance(chunk, j, j + 1)
        if self._index > 0 and not self._commas:
            self._report_once("SC118", "two array elements without a comma between", self._pos)
        self._start_element(byte)
        return j

    def _element(self, chunk: bytes, i: int, time: float | None, out: list[Frame]) -> int:
        if self._scalar:
            return self._scalar_element(chunk, i, time, out)
        size = len(chunk)
        j = i
        if self._escape:  # the previous chunk ended on a backslash inside a string
            self._escape = False
            j += 1
        while j < size:
            if self._in_string:
                match = _IN_STRING.search(chunk, j)
                if match is None:
                    j = size
                    break
                k = match.start()
                if chunk[k] == 0x5C:  # backslash: skip the escaped byte (may be in the next chunk)
                    if k + 1 >= size:
                        self._escape = True
                        j = size
                        break
                    j = k + 2
                    continue
                self._in_string = False
                j = k + 1
                if self._string_element:  # a bare string element ends with its quote
                    self._take(chunk, i, j)
                    self._emit(time, out)
                    return self._advance(chunk, i, j)
                continue
            match = _STRUCTURE.search(chunk, j)
            if match is None:
                j = size
                break
            k = match.start()
            byte = chunk[k]
            if byte == 0x22:  # "
                self._in_string = True
            elif byte in (0x7B, 0x5B):  # { [
                self._depth += 1
            else:
                self._depth -= 1
                if self._depth == 0:
                    self._take(chunk, i, k + 1)
                    self._emit(time, out)
                    return self._advance(chunk, i, k + 1)
            j = k + 1
        self._take(chunk, i, size)
        return self._advance(chunk, i, size)

    def _scalar_element(self, chunk: bytes, i: int, time: float | None, out: list[Frame]) -> int:
        j = i
        while j < len(chunk) and chunk[j : j + 1] not in (b",", b"]") and chunk[j] not in _SPACE:
            j += 1
        self._take(chunk, i, j)
        if j < len(chunk):
            self._emit(time, out)
        return self._advance(chunk, i, j)

    def _after(self, chunk: bytes, i: int) -> int:
        j = self._skip_space(chunk, i)
        if j < len(chunk):
            self._report_once("SC118", "bytes after the array's closing ]", self._pos)
        return self._advance(chunk, j, len(chunk))

    # -- helpers ------------------------------------------------------------------------------

    def _start_element(self, first: bytes) -> None:
        self._state = _ELEMENT
        self._elem, self._elem_size = [], 0
        self._elem_start, self._elem_line = self._pos, self._line
        self._depth, self._in_string, self._skipping = 0, False, False
        self._scalar = first not in (b"{", b"[", b'"')
        # A bare string element ends with its closing quote; the opening one is scanned.
        self._string_element = first == b'"'

    def _take(self, chunk: bytes, start: int, end: int) -> None:
        if self._skipping:
            return
        self._elem.append(chunk[start:end])
        self._elem_size += end - start
        if self._elem_size > self.max_line:
            where = self.location.at(offset=self._elem_start, line=self._elem_line)
            message = f"array element {self._index} is longer than {self.max_line} bytes; skipped"
            self.findings.append(rules.finding("SC104", message, where))
            self._elem, self._skipping = [], True

    def _emit(self, time: float | None, out: list[Frame]) -> None:
        if not self._skipping:
            data = b"".join(self._elem)
            start = self._elem_start
            out.append(Frame(self._index, start, self._elem_line, data, None, time, start))
        self._index += 1
        self._commas = 0
        self._elem, self._elem_size, self._skipping = [], 0, False
        self._state = _BETWEEN

    def _skip_space(self, chunk: bytes, i: int) -> int:
        j = i
        size = len(chunk)
        while j < size and chunk[j] in _SPACE:
            j += 1
        if j > i:
            self._advance(chunk, i, j)
        return j

    def _advance(self, chunk: bytes, start: int, end: int) -> int:
        """Move the absolute position over chunk[start:end]; returns `end`."""
        if end > start:
            self._line += chunk.count(b"\n", start, end)
            self._pos += end - start
        return end

    def _report_once(self, code: str, message: str, offset: int) -> None:
        if message in self._reported:
            return
        self._reported.add(message)
        where = self.location.at(offset=offset)
        self.findings.append(rules.finding(code, message, where))

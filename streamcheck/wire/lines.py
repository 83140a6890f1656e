"""What the line-based decoders (SSE, NDJSON) share: the held incomplete line, positions, and
the findings every line format can have.

Lines are split on CR, LF and CRLF only, never with `str.splitlines`, which also splits on U+2028,
U+2029, U+0085, VT, FF and FS/GS/RS and so cuts JSON in half (httpx-sse#34). Those characters
inside a line are reported (SC111) because clients built on `splitlines` break on them.
"""

from __future__ import annotations

import re

import orjson

from streamcheck import rules
from streamcheck.model import Finding, Location
from streamcheck.redact import excerpt

DEFAULT_MAX_LINE = 16 * 1024 * 1024
EOL = re.compile(rb"\r\n|\r|\n")
BOM = b"\xef\xbb\xbf"
SEPARATOR = re.compile(rb"\xe2\x80[\xa8\xa9]|\xc2\x85")  # U+2028, U+2029, U+0085 in UTF-8
EVIDENCE = 200


class LineDecoder:
    """Base of the line decoders: the incomplete last line, its position, and `report()`.

    The held line is kept as the pieces that brought it and joined once it ends, so a long line
    arriving in many small chunks costs one copy, not one per chunk.
    """

    framing = ""

    def __init__(self, location: Location, max_line: int = DEFAULT_MAX_LINE) -> None:
        self.location = location
        self.max_line = max_line
        self.findings: list[Finding] = []
        self.comments = 0
        self._held: list[bytes] = []
        self._held_size = 0
        self._base = 0  # absolute byte offset of the held line's first byte
        self._lineno = 1  # its line number
        self._index = 0  # index of the next frame
        self._started = False  # whether the body starts with a BOM is decided
        self._skipping = False  # inside an over-long line, discarding until its end
        self._separator_seen = False
        # Evidence of an over-long line: as many bytes as any split of the input makes known.
        self._head_limit = min(EVIDENCE, max_line + 1)

    def _after_bom(self, chunk: bytes) -> bytes:
        """Report and drop a leading BOM, however the chunks cut it."""
        head = self._take_held() + chunk if self._held else chunk
        if len(head) < 3 and BOM.startswith(head):
            self._hold(head)  # one or two bytes: wait to see whether a BOM starts the body
            return b""
        self._started = True
        if head.startswith(BOM):
            self._report("SC107", "body starts with a UTF-8 BOM", self._base, 1)
            self._base += 3
            return head[3:]
        return head

    def _hold(self, piece: bytes) -> None:
        """Keep a piece of the incomplete last line; past `max_line`, report it and skip it."""
        if not piece:
            return
        self._held.append(piece)
        self._held_size += len(piece)
        if self._held_size > self.max_line and self._started:
            self._too_long(self._held_head(), self._base, self._lineno)
            self._base += self._held_size
            self._held, self._held_size = [], 0
            self._skipping = True

    def _too_long(self, head: bytes, offset: int, lineno: int) -> None:
        message = f"a line is longer than {self.max_line} bytes; skipped up to its end"
        self._report("SC104", message, offset, lineno, evidence=excerpt(head))

    def _take_held(self) -> bytes:
        held = self._held[0] if len(self._held) == 1 else b"".join(self._held)
        self._held, self._held_size = [], 0
        return held

    def _held_head(self) -> bytes:
        """The first bytes of the held line, whatever pieces brought them."""
        head = b""
        for piece in self._held:
            head += piece[: self._head_limit - len(head)]
            if len(head) >= self._head_limit:
                break
        return head

    def _report(
        self, code: str, message: str, offset: int, lineno: int, evidence: str | None = None
    ) -> None:
        where = self.location.at(offset=offset, line=lineno or None)
        self.findings.append(rules.finding(code, message, where, evidence=evidence))

    def _check_separators(self, value: bytes, at: int, lineno: int) -> None:
        """SC111, once per stream: the first raw U+2028/U+2029/U+0085 in `value` (at `at`)."""
        found = SEPARATOR.search(value)
        if found is None:
            return
        self._separator_seen = True
        pos = found.start()
        self._report(
            "SC111",
            "data contains a raw U+2028/U+2029/U+0085; clients that split lines with "
            "str.splitlines cut the JSON here",
            at + pos,
            lineno,
            evidence=excerpt(value[max(0, pos - 60) : pos + 60]),
        )


def evidence(data: bytes) -> str:
    """An excerpt of possibly huge data: only its start and end are decoded."""
    return excerpt(data if len(data) <= 2 * EVIDENCE else data[:EVIDENCE] + data[-EVIDENCE:])


def is_json(data: bytes) -> bool:
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError:
        return False
    return bool(data.strip())

"""What the line-based decoders (SSE, NDJSON) share: the held incomplete line, positions, the
bound on line length, and the findings every line format can have.

`LineDecoder._lines` splits the way WHATWG HTML 9.2.6 "Parsing an event stream" defines
end-of-line (CRLF, a lone LF or a lone CR); a CR that ends a chunk ends its line at once, and the
next chunk's first byte only says whether it was CR or CRLF (SC105 mixed endings, SC106 lone CR).
Lines are split on CR, LF and CRLF only, never with `str.splitlines`, which also splits on U+2028,
U+2029, U+0085, VT, FF and FS/GS/RS and so cuts JSON in half (httpx-sse#34). Those characters
inside a line are reported (SC111) because clients built on `splitlines` break on them.
"""

from __future__ import annotations

import re

import orjson

from streamcheck import rules
from streamcheck.model import Finding, Frame, Location
from streamcheck.redact import excerpt

DEFAULT_MAX_LINE = 16 * 1024 * 1024
EOL = re.compile(rb"\r\n|\r|\n")
BOM = b"\xef\xbb\xbf"
SEPARATOR = re.compile(rb"\xe2\x80[\xa8\xa9]|\xc2\x85")  # U+2028, U+2029, U+0085 in UTF-8
EVIDENCE = 200
_NAMES = {b"\n": "LF", b"\r\n": "CRLF", b"\r": "CR"}


class LineDecoder:
    """Base of the line decoders: the incomplete last line, its position, line ends, `report()`.

    The held line is kept as the pieces that brought it and joined once it ends, so a long line
    arriving in many small chunks costs one copy, not one per chunk.
    """

    framing = ""
    # Starting values that are immutable are the class's: a decoder is made per file of a
    # folder, and each store in __init__ costs where a class default does not.
    comments = 0
    _held_size = 0
    _base = 0  # absolute byte offset of the held line's first byte
    _lineno = 1  # its line number
    _index = 0  # index of the next frame
    _started = False  # whether the body starts with a BOM is decided
    _skipping = False  # inside an over-long line, discarding until its end
    _cr_pending: tuple[int, int] | None = None  # (offset, line) of a CR ending a chunk
    _separator_seen = False
    _scan = False  # the bytes being decoded hold a separator not yet reported

    def __init__(self, location: Location, max_line: int = DEFAULT_MAX_LINE) -> None:
        self.location = location
        self.max_line = max_line
        self.findings: list[Finding] = []
        self._held: list[bytes] = []
        self._endings: set[bytes] = set()
        # Read on every line of the line walk: an attribute of the instance from the start (a
        # class default read from an instance takes the slow look-up in 3.11).
        self._skipped_tail = False  # the next line ending closes a line already skipped
        # Evidence of an over-long line: as many bytes as any split of the input makes known.
        self._head_limit = min(EVIDENCE, max_line + 1)

    @property
    def line_endings(self) -> list[str]:
        return sorted(_NAMES[e] for e in self._endings)

    def _line(self, line: bytes, offset: int, lineno: int, out: list[Frame]) -> None:
        raise NotImplementedError

    def _lines(self, buf: bytes, out: list[Frame]) -> bytes:
        """General path: any mix of CRLF, LF and CR, one line at a time."""
        pos = 0
        offset, lineno = self._base, self._lineno
        size = len(buf)
        for match in EOL.finditer(buf):
            start, end = match.span()
            self._line(buf[pos:start], offset, lineno, out)
            ending = match.group()
            if end == size and ending == b"\r":
                # CR or the first half of CRLF: the next byte says which.
                self._cr_pending = (offset + start - pos, lineno)
            elif ending not in self._endings:
                self._note_ending(ending, offset + start - pos, lineno)
            offset += end - pos
            lineno += 1
            pos = end
        self._base, self._lineno = offset, lineno
        return buf[pos:]

    def _resolve_cr(self, chunk: bytes) -> bytes:
        assert self._cr_pending is not None
        at, lineno = self._cr_pending
        self._cr_pending = None
        ending = b"\r"
        if chunk[:1] == b"\n":
            ending, chunk = b"\r\n", chunk[1:]
            self._base += 1
        if ending not in self._endings:
            self._note_ending(ending, at, lineno)
        return chunk

    def _note_ending(self, ending: bytes, at: int, lineno: int) -> None:
        self._endings.add(ending)
        if ending == b"\r":
            self._report("SC106", "a line ends with a lone CR", at, lineno)
        if len(self._endings) == 2:
            self._report(
                "SC105",
                f"line endings are mixed ({', '.join(self.line_endings)}); first change here",
                at,
                lineno,
            )

    def _skip(self, chunk: bytes) -> bytes:
        """Discard the rest of an over-long line; what follows its end is decoded as usual."""
        ends = [i for i in (chunk.find(b"\n"), chunk.find(b"\r")) if i >= 0]
        if not ends:
            self._base += len(chunk)
            return b""
        cut = min(ends)
        self._base += cut
        self._skipping = False
        self._skipped_tail = True  # the line end at chunk[cut] closes the skipped line
        return chunk[cut:]

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

    def _arm_scan(self, buf: bytes) -> None:
        """Look for separators line by line only in a buffer that has one (isascii() is a
        word-at-a-time scan; a regex search per frame would cost more than the split)."""
        self._scan = (
            not self._separator_seen and not buf.isascii() and SEPARATOR.search(buf) is not None
        )

    def _check_separators(self, value: bytes, at: int, lineno: int) -> None:
        """SC111, once per stream: the first raw U+2028/U+2029/U+0085 in `value` (at `at`)."""
        found = SEPARATOR.search(value)
        if found is None:
            return
        self._separator_seen = True
        self._scan = False
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

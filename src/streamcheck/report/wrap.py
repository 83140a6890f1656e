"""Fitting text output to a terminal's width (80 columns by default).

Text is made of styled pieces (`Piece`: text and a rich style name or None). `fill` wraps a
paragraph at word boundaries with a hanging indent and never splits a word; a single word wider
than the room left for it (a URL, a JSON fragment) is elided in the middle (`start…end`), as is
evidence, which keeps its line (`elide`). Plain text and rich draw the same lines: the caller
hands rich finished lines and tells it not to wrap them again.

Widths are counted in code points: the evidence and messages streamcheck prints are mostly
ASCII, and counting terminal cells would need rich (the plain path does not import it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

ELLIPSIS = "…"
Piece = tuple[str, str | None]
Line = list[Piece]
# Characters that end a word; a tab counts as one space (a tab stop would move the columns).
_SPACES = " \t\n\r"
_ONLY_BLANKS = re.compile(r"[\t\n\r]").search  # the spaces other than the blank
_SPACE_SPLIT = re.compile(r"[ \t\n\r]").split


def elide(text: str, width: int) -> str:
    """`text` if it fits in `width` characters, else its start and end around an ellipsis."""
    if len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[: max(width, 0)]
    head = (width - 1 + 1) // 2
    tail = width - 1 - head
    return text[:head] + ELLIPSIS + (text[-tail:] if tail else "")


def _words(pieces: Iterable[Piece]) -> list[list[Piece]]:
    """Split styled pieces into words (runs without spaces), each keeping its styles."""
    words: list[list[Piece]] = []
    current: list[Piece] = []
    for text, style in pieces:
        # The text between each space and the next, split in C (a report of many findings
        # wraps every message and hint); a word may run on into the next piece.
        parts = text.split(" ") if _ONLY_BLANKS(text) is None else _SPACE_SPLIT(text)
        for number, part in enumerate(parts):
            if number and current:
                words.append(current)
                current = []
            if part:
                current.append((part, style))
    if current:
        words.append(current)
    return words


def _length(word: Sequence[Piece]) -> int:
    if len(word) == 1:
        return len(word[0][0])
    return sum(len(text) for text, _ in word)


def _fit(word: list[Piece], room: int) -> list[Piece]:
    """The word, elided in the middle (in its first piece's style) when wider than `room`."""
    if _length(word) <= room:
        return word
    return [(elide("".join(text for text, _ in word), room), word[0][1])]


def fill(lead: Sequence[Piece], body: Iterable[Piece], width: int, hanging: int) -> list[Line]:
    """Lines of at most `width` characters: `lead` (kept as is: indent, labels, columns), then
    the words of `body`, continuing on lines indented by `hanging` spaces."""
    first: Line = list(lead)
    used = _length(first)
    if type(body) is list and len(body) == 1:
        text, style = body[0]
        if (
            style is None
            and text
            and used + len(text) <= width
            and text[:1] != " "
            and text[-1:] != " "
            and "  " not in text
            and _ONLY_BLANKS(text) is None
        ):
            # One unstyled piece that fits as it is, its words one blank apart: the line the
            # loop below would build, in one piece (a report of many findings fills a message,
            # a fix and a cause per finding; output to a file or a pipe is never wrapped).
            first.append((text, None))
            return [first]
    lines = [first]
    line_start = True  # nothing of the body on this line yet
    for word in _words(body):
        size = len(word[0][0]) if len(word) == 1 else _length(word)
        gap = 0 if line_start else 1
        if not line_start and used + gap + size > width:
            lines.append([(" " * hanging, None)])
            used, gap, line_start = hanging, 0, True
        if line_start and used + size > width and used > hanging and lines[-1] is first:
            # The lead leaves no room for this word: start the body under the hanging indent.
            lines.append([(" " * hanging, None)])
            used = hanging
        room = max(width - used - gap, 1)
        if size > room:  # _fit, with the size known
            word = _fit(word, room)
            size = _length(word)
        if gap:
            lines[-1].append((" ", None))
        lines[-1].extend(word)
        used += gap + size
        line_start = False
    return lines


def plain(lines: Iterable[Line]) -> str:
    """The lines as plain text, one per line."""
    return "\n".join("".join(text for text, _ in line) for line in lines)


__all__ = ["ELLIPSIS", "Line", "Piece", "elide", "fill", "plain"]

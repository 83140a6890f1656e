"""Text from a recording made safe to print: the one escaping step every printed line takes.

A recording, a file name in a checked tree, a protocol file or an SDK's exception message can
hold bytes a terminal obeys: ESC sequences (clear the screen, retitle the window, recolour,
OSC 8 links, rewrite earlier lines), C1 controls (U+009B is CSI to some terminals), a carriage
return or line feed that fakes a line of our own, and the bidirectional overrides that make
text read in another order than it is (CVE-2021-42574, "Trojan Source"). Each such character is
shown as its escape (`\\x1b`, `\\u202e`), so the reader sees what the input held and the
terminal obeys nothing. A tab is kept (it moves the cursor within the line, no more).
"""

from __future__ import annotations

import re

# ... and lone surrogates (an SDK or node decodes a JSON "\ud800" into one): no terminal acts
# on them, but no UTF-8 output can hold them either, so a report written to a file would fail.
_OBEYED = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff]"
)


def printable(text: str) -> str:
    """`text` with every character a terminal would act on written as its escape."""
    if _OBEYED.search(text) is None:  # the common case: nothing to do, no copy
        return text
    return _OBEYED.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

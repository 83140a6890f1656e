"""Frames that repeat an earlier one but for their text: checked without parsing them again.

Most frames of a long stream are the same bytes as an earlier frame but for one string: the
text of an OpenAI content chunk (and its `obfuscation` padding), an Anthropic `text_delta`,
a tool call's argument fragment. Parsing each one (orjson), validating it (jsonschema-rs) and
walking the grammar's hot path re-proves what the earlier frame proved. When the grammar's hot
path handled a frame and names the strings that may vary (a `Hint`: their paths and what a
repeat does to its state), a `Template` is made of that frame's bytes: the fixed pieces around
each string (no string: the frame's bytes, matched whole). A later frame that is those pieces
with any valid JSON string bodies between them is, by construction, the same value with other
strings at those paths; it is handed to the hint's `again` with the new strings' bytes and
costs two `startswith` and a regex per string. Anything else (a different byte anywhere)
takes the full path. check/frames.py keeps a few templates (a stream may turn between a few
shapes: text and tool calls, or defects in turn) and drops them all when a frame off the
grammar's hot path comes (protocols/base.py: what a Hint promises, and for how long).

What makes that sound, checked when a template is made (never per frame):
- the bytes between the pieces are exactly the values at the paths: the frame is parsed again
  with a marker in each place and must equal the value with the markers at the paths;
- the schema cannot tell one string from another there (`free`: no enum, const, pattern,
  length, format, uniqueItems, ... on any schema that applies to those paths), so the frame
  is valid as the template's frame was: the template is made only from a frame is_valid passed,
  or from one that failed with the same keywords (so the same code, SC201 or SC205) when that
  code is past its per-exchange cap, or not selected: a repeat is then only counted under it;
- the grammar's `again` does what its hot path does for such a frame (the grammar's side; the
  protocol tests and tests/protocols/test_fast_paths.py hold the two to the same findings).
A string body holding an escape or a byte past ASCII is parsed by orjson on its own, so a frame
orjson would refuse (invalid UTF-8, a control character) is never taken for a repeat.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from streamcheck.model import Frame
from streamcheck.protocols.base import Hint
from streamcheck.protocols.base import RepeatPath as Path

__all__ = ["Hint", "Template", "free", "make"]

Again = Callable[[Frame, list[bytes]], None]

# A JSON string body without escapes, and one with them (RFC 8259 section 7).
_PLAIN = re.compile(rb'[^"\\\x00-\x1f]*')
_ESCAPED = re.compile(rb'(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*')
_PLAIN_BODY = _PLAIN.fullmatch
_ESCAPED_BODY = _ESCAPED.fullmatch
_PROBE = "streamcheck-repeat-probe-"

# Schema keywords that judge a value by its type, its keys or its length as a container, or that
# only annotate: none can tell one string from another below it.
_NEUTRAL = frozenset(
    {
        "type",
        "required",
        "minProperties",
        "maxProperties",
        "minItems",
        "maxItems",
        "propertyNames",
        "dependentRequired",
        "nullable",
        "title",
        "description",
        "$comment",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$schema",
        "$id",
        "$defs",
        "definitions",
    }
)
_BRANCHES = frozenset({"anyOf", "oneOf", "allOf"})
_SAME_PATH = frozenset({"not", "if", "then", "else"})


class Template:
    """The fixed bytes of a frame around its varying strings, and what a repeat does."""

    __slots__ = ("after", "again", "code", "event", "head", "match", "used", "whole")

    def __init__(
        self,
        head: bytes,
        pieces: tuple[bytes, ...],
        event: str | None,
        again: Again,
        code: str | None = None,
    ):
        self.event = event
        self.again = again
        # The bytes before its first string (all of them when none varies), for `cut_short`.
        self.head = head
        self.whole = not pieces
        # The code (SC201/SC205) a repeat is counted under when the frame failed its schema
        # past that code's cap; None when it passed.
        self.code = code
        # Whether a frame has matched it yet (one that never does was made in vain), and the
        # template that matched the frame after its last repeat (check/frames.handle).
        self.used = False
        self.after = self
        # The string bodies of a frame made of the same pieces, or None: a closure (its
        # pieces are cells, read faster than attributes), none (the same bytes), one body or
        # several.
        self.match: Callable[[bytes], list[bytes] | None] = (
            _exact(head)
            if not pieces
            else _one(head, pieces[0])
            if len(pieces) == 1
            else _several(head, pieces)
        )

    def cut_short(self, data: bytes) -> bool:
        """Whether `data` is a frame of this template cut short: a proper prefix of its fixed
        bytes up to its first string, or those and the start of that string (no quote, no
        escape). Such bytes are a proper prefix of JSON: the template's frame with some string
        there (the closing quote at least is missing)."""
        head = self.head
        if self.whole:
            return len(data) < len(head.rstrip()) and head.startswith(data)
        if len(data) <= len(head):
            return head.startswith(data)
        return data.startswith(head) and _PLAIN.fullmatch(data, len(head)) is not None


def _exact(whole: bytes) -> Callable[[bytes], list[bytes] | None]:
    """A matcher for a frame with no string that may vary: the same bytes (a frame whose
    defect has no text in it, a keep-alive chunk)."""

    def match(data: bytes) -> list[bytes] | None:
        return [] if data == whole else None

    return match


def _one(head: bytes, tail: bytes) -> Callable[[bytes], list[bytes] | None]:
    """A matcher for one string: the bytes between `head` and `tail`, found without a scan."""
    at, size = len(head), len(tail)
    least = at + size
    plain = _PLAIN_BODY

    def match(data: bytes) -> list[bytes] | None:
        if len(data) < least or not data.startswith(head) or not data.endswith(tail):
            return None
        body = data[at : len(data) - size]
        if plain(body) is not None and body.isascii():
            return [body]
        return [body] if _valid(body) else None

    return match


def _several(head: bytes, pieces: tuple[bytes, ...]) -> Callable[[bytes], list[bytes] | None]:
    """A matcher for several strings: each inner body scanned up to its closing quote; the
    last, the tail's, found with endswith."""
    at_first = len(head)
    inner, tail = pieces[:-1], pieces[-1]
    size = len(tail)

    def match(data: bytes) -> list[bytes] | None:
        if not data.startswith(head) or not data.endswith(tail):
            return None
        at = at_first
        bodies = []
        for piece in inner:
            end = _PLAIN.match(data, at).end()  # type: ignore[union-attr]  # `*` always matches
            if not data.startswith(piece, end):
                if data[end : end + 1] != b"\\":
                    return None
                end = _ESCAPED.match(data, at).end()  # type: ignore[union-attr]
                if not data.startswith(piece, end):
                    return None
            body = data[at:end]
            # find, not `in` (per frame): bytes `in` builds and drops a TypeError first.
            if (not body.isascii() or body.find(b"\\") >= 0) and not _valid(body):
                return None
            bodies.append(body)
            at = end + len(piece)
        stop = len(data) - size
        if stop < at:
            return None
        body = data[at:stop]
        if (_PLAIN_BODY(body) is None or not body.isascii()) and not _valid(body):
            return None
        bodies.append(body)
        return bodies

    return match


def _valid(body: bytes) -> bool:
    """Whether `body` is a whole JSON string body, as orjson (the full path's parser) reads one:
    no bare quote or control character, valid escapes, valid UTF-8."""
    if _ESCAPED_BODY(body) is None:
        return False
    try:
        orjson.loads(b'"' + body + b'"')
    except orjson.JSONDecodeError:
        return False
    return True


# (id of a schema, paths) -> (the schema, kept so its id stays its own; whether they are free;
# each path's member name as it opens in JSON, `"name":`, None for an index): made once.
_FREE: dict[
    tuple[int, tuple[Path, ...]], tuple[dict[str, Any], bool, tuple[bytes | None, ...]]
] = {}


def make(
    frame: Frame, value: Any, hint: Hint, schema: dict[str, Any], code: str | None = None
) -> Template | None:
    """A template from a frame that took the grammar's hot path and passed its schema (or
    failed it with `code`, only counted), or None when its strings cannot be told apart from
    the rest of its bytes or the schema could."""
    paths, again = hint
    if frame.meta is not None:
        return None
    key = (id(schema), paths)
    known = _FREE.get(key)
    if known is None:
        names = tuple(orjson.dumps(p[-1]) + b":" if type(p[-1]) is str else None for p in paths)
        known = _FREE[key] = (schema, all(free(schema, schema, p) for p in paths), names)
    if not known[1]:
        return None
    data = frame.data
    if not paths:  # nothing varies: a repeat is the same bytes, so the same value
        return Template(data, (), frame.event, again, code)
    dumps = orjson.dumps
    head = b""
    pieces: list[bytes] = []
    end = -1  # where the last string's body ends
    for path, name in zip(paths, known[2], strict=True):
        current = _at(value, path)
        if type(current) is not str or name is None:
            return None
        needle = name + dumps(current)
        found = data.find(needle)
        if found < 0 or data.find(needle, found + 1) >= 0:
            return None
        start = found + len(name) + 1
        # `again` takes the bodies in the order of its paths: they must come in that order.
        if end < 0:
            head = data[:start]
        elif end >= start:
            return None
        else:
            pieces.append(data[end:start])
        end = found + len(needle) - 1
    pieces.append(data[end:])
    if not _canonical(data, value):
        # The proof that the bodies are the values at the paths: markers in their places
        # parse to the value with the markers at the paths.
        probe = head + b"".join(f"{_PROBE}{n}".encode() + p for n, p in enumerate(pieces))
        try:
            parsed = orjson.loads(probe)
        except orjson.JSONDecodeError:
            return None
        # Compared with the value itself, the markers put in and the strings put back after.
        kept = [_put(value, path, f"{_PROBE}{n}") for n, path in enumerate(paths)]
        try:
            if parsed != value:
                return None
        finally:
            for path, old in zip(paths, kept, strict=True):
                _put(value, path, old)
    return Template(head, tuple(pieces), frame.event, again, code)


def _canonical(data: bytes, value: Any) -> bool:
    """Whether the frame is the bytes orjson writes for its value (compact, keys in order, one
    spelling for each string). Then the member at each path is written in them as exactly the
    `"name":"text"` searched for above, so the one place it was found is that member, and the
    probe parse would only say so again."""
    try:
        return orjson.dumps(value) == data
    except (TypeError, orjson.JSONEncodeError):  # an integer past 64 bits, say
        return False


def free(root: Any, node: Any, path: Sequence[str | int], depth: int = 0) -> bool:
    """Whether `node` (a schema inside `root`) gives the same verdict whatever string stands at
    `path` below the value it judges. Unsure (a remote $ref, a keyword not known here) is no."""
    if depth > 64:
        return False
    if type(node) is bool:
        return True
    if type(node) is not dict:
        return False
    for keyword, sub in node.items():
        if keyword in _NEUTRAL or keyword.startswith("x-"):
            continue
        if keyword == "$ref":
            target = _ref(root, sub)
            if target is None or not free(root, target, path, depth + 1):
                return False
        elif keyword in _BRANCHES:
            if type(sub) is not list or not all(free(root, s, path, depth + 1) for s in sub):
                return False
        elif keyword in _SAME_PATH:
            if not free(root, sub, path, depth + 1):
                return False
        elif not path:
            return False  # enum, const, pattern, minLength, format, ... judge the string
        elif keyword == "properties":
            step = path[0]
            if type(sub) is not dict:
                return False
            if step in sub and not free(root, sub[step], path[1:], depth + 1):
                return False
        elif keyword == "additionalProperties":
            props = node.get("properties", {})
            if path[0] not in props and not free(root, sub, path[1:], depth + 1):
                return False
        elif keyword == "items":
            if type(path[0]) is not int or not free(root, sub, path[1:], depth + 1):
                return False
        else:
            return False  # const, enum, uniqueItems, contains, patternProperties, ...
    return True


def _ref(root: Any, ref: Any) -> Any:
    """A local `#/...` reference inside `root`; None for any other."""
    if type(ref) is not str or not ref.startswith("#"):
        return None
    node = root
    for part in ref[1:].split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if type(node) is not dict or part not in node:
            return None
        node = node[part]
    return node


def _at(value: Any, path: Path) -> Any:
    for step in path:
        if type(step) is int:
            if type(value) is not list or not 0 <= step < len(value):
                return None
        elif type(value) is not dict or step not in value:
            return None
        value = value[step]
    return value


def _put(value: Any, path: Path, new: str) -> Any:
    """Set the string at `path` (known to be there) and give back the one it replaced."""
    for step in path[:-1]:
        value = value[step]
    old = value[path[-1]]
    value[path[-1]] = new
    return old

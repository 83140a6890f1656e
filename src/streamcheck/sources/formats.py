"""Which container a file is, told from its name and first bytes, without loading its reader.

files.py asks these in order (tape, cassette, HAR) and imports the reader of the first that says
yes; anything else is a raw body (SSE, NDJSON, JSON, a `curl -i` dump).
"""

from __future__ import annotations

import re

# The patterns every file is asked (is_har's) are compiled here; the others are compiled by re
# on first use (re.match(PATTERN, ...), re's cache), as a raw body never reaches them: a
# compiled pattern is start-up paid by every run (issue 22).
CASSETTE_START = rb"(?m)^(?:http_)?interactions:"
CASSETTE_JSON_START = rb'^\s*\{\s*"(?:http_)?interactions"\s*:\s*\['
# One interaction saved on its own (no `interactions` list around it), as JSON or YAML.
ONE_INTERACTION_JSON = rb'^\s*\{\s*"(?:request|response)"\s*:\s*\{'
ONE_INTERACTION_YAML = rb"(?m)^(?:request|response):[ \t]*\r?$"
HAR_START = re.compile(rb'^\s*\{\s*"log"\s*:\s*\{')
# A HAR written as YAML (Polly.JS's YAML persister, as sourcegraph/cody records: `.har.yaml`).
HAR_YAML_START = re.compile(rb"\A(?:[ \t]*(?:#[^\n]*)?\r?\n)*log:[ \t]*\r?\n")
# A user-defined protocol file (YAML, TOML or JSON): its first key, after comments.
PROTOCOL_START = rb'\A(?:[ \t]*(?:#[^\n]*)?\r?\n)*\s*\{?\s*["\']?streamcheck-protocol["\']?\s*[:=]'


def is_tape(name: str, head: bytes) -> bool:
    return head.lstrip().startswith(b'{"streamcheck_tape"')


def is_cassette(name: str, head: bytes) -> bool:
    """A top-level `interactions:` key in the first bytes, whatever the name (stdin has none);
    no SSE, NDJSON or JSON body has a line starting that way."""
    if b"interactions" not in head:  # a substring test first: the regex scans the whole head
        return _one_interaction(head)
    return (
        re.search(CASSETTE_START, head) is not None
        or re.match(CASSETTE_JSON_START, head) is not None
    )


def _one_interaction(head: bytes) -> bool:
    """A file holding one interaction mapping (`request:` and `response:` at the top)."""
    if b"request" not in head or b"response" not in head:
        return False
    if re.match(ONE_INTERACTION_JSON, head):
        return b'"response"' in head and b'"request"' in head
    found = {m.group(0).split(b":")[0] for m in re.finditer(ONE_INTERACTION_YAML, head)}
    return found == {b"request", b"response"}


def is_har(name: str, head: bytes) -> bool:
    body = head.removeprefix(b"\xef\xbb\xbf")
    if HAR_YAML_START.match(body) and re.search(rb"(?m)^[ \t]+entries:", body):
        return True
    return HAR_START.match(body) is not None and (
        name.lower().endswith(".har") or b'"entries"' in head or b'"creator"' in head
    )


# A key an exchange's request or response has, quoted (JSON) or bare (YAML, JSON5).
SHAPED_KEY = (
    rb"""(?im)(?:^[ \t]*(?:-[ \t]+)?|["'{,][ \t]*)["']?(?:request|req|response|res|resp|"""
    rb"""status|status_?code|method|raw_?headers|interactions|pairs|mappings|"""
    rb"""request_?(?:uri|url|method)|response_?(?:headers|body)|requests|responses)"""
    rb"""["']?[ \t]*:"""
)


def might_be_shaped(name: str, head: bytes) -> bool:
    """A JSON or YAML document that may hold exchanges in a shape no specific reader knows
    (shaped.py decides by loading it, and reads a raw body when it holds none)."""
    body = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if body[:5] in (b"data:", b"event", b"id: ", b"retry") or body[:5].upper() == b"HTTP/":
        return False  # an SSE body or a curl -i dump
    return re.search(SHAPED_KEY, head) is not None


_KEY_START = rb"""(?im)(?:^[ \t]*(?:-[ \t]+)?|["'{,][ \t]*)["']?"""
_ASKED = (
    _KEY_START + rb"""(?:requests?|req|method|url|uri|request_?(?:uri|url|method))["']?[ \t]*:"""
)
_ANSWERED = (
    _KEY_START + rb"""(?:responses?|res|resp|status|status_?code|response_?(?:headers|body))"""
    rb"""["']?[ \t]*:"""
)


def holds_exchanges(name: str, head: bytes) -> bool:
    """Stricter, for a folder walk's `.yaml`/`.txt` files (a CI config has `status:` too): a
    request's key and a response's key both in the first bytes."""
    return (
        might_be_shaped(name, head)
        and re.search(_ASKED, head) is not None
        and re.search(_ANSWERED, head) is not None
    )


# What a protocol file's first byte after white space can be (PROTOCOL_START): a comment, a
# `{`, a quote or its key. Anything else (an SSE body's `d` or `e`) is told by that byte, not
# by a scan of the whole head for the key: asked of every file read.
_PROTOCOL_FIRST = frozenset((b"#", b"{", b'"', b"'", b"s"))


def is_protocol_file(name: str, head: bytes) -> bool:
    """A protocol file (`check --protocol`), not a recording: a folder walk passes over it."""
    return (
        head.lstrip()[:1] in _PROTOCOL_FIRST
        and b"streamcheck-protocol" in head
        and re.match(PROTOCOL_START, head) is not None
    )


def is_httprr(name: str, head: bytes) -> bool:
    """Go's rsc.io/httprr trace: its first line says so."""
    return head.startswith(b"httprr trace v1\n")

"""Recordings read by their structure, whatever recorder wrote them (issue 21).

A JSON or YAML document holding a list of exchanges (under any key, at any depth up to
MAX_DEPTH, or the document itself), each a request and a response, whatever the keys are called:

- split: `request`/`req`/`http_request` and `response`/`res`/`resp` mappings (VCR-likes, go-vcr,
  WireMock mappings, Hoverfly pairs, talkback's `req`/`res`);
- flat: one mapping with a method or URL and a status (nock's `{scope, method, path, status,
  response, rawHeaders}`, the `responses` library's recorder `{method, url, status, body}`);
- prefixed: one mapping whose keys name the part they belong to (the Azure SDK test proxy's
  and System.ClientModel's session records: `{RequestUri, RequestMethod, RequestHeaders,
  RequestBody, StatusCode, ResponseHeaders, ResponseBody}` under `Entries`), read as split;
- paired: two lists side by side, `requests` and `responses`, the n-th answering the n-th
  (vcrpy's cassette dict dumped as it is, as langchain_tests' serializer writes its
  `.yaml.gz` cassettes).

Status: a number, a text starting with one ("429 Too Many Requests", go-vcr), or a mapping with
a `code`. Headers: a name-to-value(s) mapping, a list of [name, value] pairs or {name, value}
objects, or a flat [name, value, name, value] list (nock's rawHeaders). Body: text, base64
(a `base64`-named key, or `encodedBody: true` as Hoverfly marks it), a list of text chunks,
nock's list of hex chunks under a Content-Encoding, or parsed data (re-encoded as JSON, said).

Files reach this reader only when no specific reader recognised them (files.py tries it last);
a document holding no exchanges is read as the raw body it then is. One SC902 note per file
names the shape read, so a wrong guess is visible. Bounded: the document is read up to
MAX_BYTES, the search visits at most MAX_NODES containers, MAX_DEPTH deep.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

import orjson

from streamcheck import safe_yaml
from streamcheck.exceptions import InputError
from streamcheck.model import Exchange
from streamcheck.sources import bodies, inflate, raw

MAX_BYTES = 64 << 20  # a recording document read whole; past it the file is a raw body
MAX_DEPTH = 6  # how deep the list of exchanges may sit (Hoverfly: data.pairs, depth 2)
MAX_NODES = 20_000  # containers visited looking for it

REQUEST_KEYS = ("request", "req", "httprequest")
RESPONSE_KEYS = ("response", "res", "resp", "httpresponse")
STATUS_KEYS = ("status", "statuscode", "code", "responsecode")
HEADER_KEYS = ("headers", "rawheaders", "header")
METHOD_KEYS = ("method", "verb")
URL_KEYS = ("url", "uri", "href", "urlpath", "absoluteurl")
# Where a response keeps its body, in the order asked (the first present wins).
CHUNK_KEYS = ("bodychunks", "chunks", "bodyparts", "parts")
BASE64_KEYS = ("base64body", "bodybase64", "base64string", "base64")
BODY_KEYS = ("body", "content", "text", "string", "jsonbody", "parsedbody", "data")
# A body kept in a file of its own beside the recording (WireMock's `__files`, Hoverfly).
BODY_FILE_KEYS = ("bodyfilename", "bodyfile")
# A request body a stub matches exactly (WireMock's recorder writes the body it saw so).
EXACT_BODY_KEYS = ("equaltojson", "equalto")
_STATUS_TEXT = re.compile(r"\s*(\d{3})(?!\d)")
# A key naming the part it belongs to: `RequestUri`, `response_body` (prefixed layout).
_PREFIXED = re.compile(r"(?i)\A(request|response)[_-]?(?=[a-z])")
_HEX = re.compile(r"\A(?:[0-9a-fA-F]{2})+\Z")


@dataclass(frozen=True, slots=True)
class Shape:
    """Where one document keeps its exchanges and how each holds its parts."""

    where: str  # the path of the list ("data.pairs"), or "the document"
    split: bool  # request and response in mappings of their own, or one flat mapping
    paired: bool = False  # two parallel lists, `requests` and `responses`


def _norm(key: Any) -> str:
    return key.lower().replace("_", "").replace("-", "") if isinstance(key, str) else ""


def _get(mapping: Mapping[Any, Any], names: tuple[str, ...]) -> tuple[str, Any] | None:
    """The first of `names` the mapping holds (keys compared without case, `_` or `-`)."""
    found = {_norm(k): k for k in mapping}
    for name in names:
        if name in found:
            return found[name], mapping[found[name]]
    return None


def _part(item: Mapping[Any, Any], names: tuple[str, ...]) -> Mapping[Any, Any] | None:
    got = _get(item, names)
    return got[1] if got and isinstance(got[1], Mapping) else None


def parts(item: Any) -> tuple[Mapping[Any, Any], Mapping[Any, Any], bool] | None:
    """(request, response, split) of a mapping that is one exchange; None otherwise."""
    if not isinstance(item, Mapping):
        return None
    request, response = _part(item, REQUEST_KEYS), _part(item, RESPONSE_KEYS)
    if request is not None and response is not None:
        if status_of(response) is not None or _has_body(response):
            return request, response, True
        return None
    prefixed = _prefixed(item)
    if prefixed is not None:
        return prefixed[0], prefixed[1], True
    if _flat(item):
        return item, item, False  # nock: one flat mapping
    if request is None and response is not None and _flat(response):
        return response, response, False  # the responses recorder: {response: {flat}}
    return None


def _prefixed(item: Mapping[Any, Any]) -> tuple[dict[Any, Any], dict[Any, Any]] | None:
    """(request, response) of a mapping whose keys say their part (`RequestUri`,
    `ResponseBody`), each keyed without the prefix; a status key with no prefix (`StatusCode`)
    is the response's. None unless the request has a method or URL and the response a status
    or body."""
    request: dict[Any, Any] = {}
    response: dict[Any, Any] = {}
    for key, value in item.items():
        match = _PREFIXED.match(key) if isinstance(key, str) else None
        if match is None:
            if _norm(key) in STATUS_KEYS:
                response.setdefault(key, value)
            continue
        part = request if match.group(1).lower() == "request" else response
        part[key[match.end() :]] = value
    if not (_get(request, METHOD_KEYS) or _url_part(request)):
        return None
    if status_of(response) is None and not _has_body(response):
        return None
    return request, response


def _flat(item: Mapping[Any, Any]) -> bool:
    return status_of(item) is not None and bool(_get(item, METHOD_KEYS) or _url_part(item))


def _has_body(section: Mapping[Any, Any]) -> bool:
    return any(_get(section, keys) for keys in (CHUNK_KEYS, BASE64_KEYS, BODY_KEYS))


def _url_part(item: Mapping[Any, Any]) -> bool:
    return bool(_get(item, URL_KEYS) or _get(item, ("path",)))


def find(doc: Any) -> tuple[Shape, list[Any]] | None:
    """The first list (breadth first) whose items are all exchanges, or the document when it
    is one exchange; None when the document holds none."""
    if parts(doc) is not None:
        one = parts(doc)
        assert one is not None
        return Shape("the document", one[2]), [doc]
    queue: list[tuple[str, Any, int]] = [("", doc, 0)]
    visited = 0
    while queue and visited < MAX_NODES:
        where, node, depth = queue.pop(0)
        visited += 1
        if isinstance(node, list):
            if node and all(parts(i) is not None for i in node):
                split = parts(node[0])
                assert split is not None
                return Shape(where or "the document", split[2]), node
            children: Any = ((f"{where}[{i}]", c) for i, c in enumerate(node[:100]))
        elif isinstance(node, Mapping):
            paired = _paired(node)
            if paired is not None:
                return Shape(where or "the document", True, paired=True), paired
            children = ((f"{where}.{k}" if where else str(k), c) for k, c in node.items())
        else:
            continue
        if depth < MAX_DEPTH:
            queue.extend((w, c, depth + 1) for w, c in children if isinstance(c, list | Mapping))
    return None


def _paired(node: Mapping[Any, Any]) -> list[dict[str, Any]] | None:
    """The exchanges of a mapping holding `requests` and `responses` as lists of one length,
    the n-th response answering the n-th request; None when it holds no such pair."""
    requests, responses = _get(node, ("requests",)), _get(node, ("responses",))
    if requests is None or responses is None:
        return None
    asked, answered = requests[1], responses[1]
    if not isinstance(asked, list) or not isinstance(answered, list):
        return None
    if not asked or len(asked) != len(answered):
        return None
    items = [{"request": a, "response": b} for a, b in zip(asked, answered, strict=True)]
    return items if all(parts(i) is not None for i in items) else None


def read(source: str, stream: BinaryIO, head: bytes) -> Iterator[Exchange]:
    """The exchanges of a document of exchanges; the raw body it is when it holds none."""
    try:
        rest = stream.read(MAX_BYTES + 1 - len(head))
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None
    data = head + rest
    doc = _load(data) if len(data) <= MAX_BYTES else None
    found = find(doc) if doc is not None else None
    if found is None:
        yield raw.from_stream(source, io.BufferedReader(_Joined(rest, stream)), head)
        return
    shape, items = found
    del data, doc
    for index, item in enumerate(items):
        exchange = _exchange(source, index, item)
        if index == 0:
            exchange.notes.append(_describe(shape, item))
        yield exchange


class _Joined(io.RawIOBase):
    """The bytes read past the head, then the rest of the stream (a raw body after all)."""

    def __init__(self, first: bytes, rest: BinaryIO) -> None:
        self.first = first
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.first:
            size = min(len(buffer), len(self.first))
            buffer[:size] = self.first[:size]
            self.first = self.first[size:]
            return size
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _load(data: bytes) -> Any:
    """The document as JSON, else as YAML (talkback's JSON5 with bare keys is a YAML flow
    mapping), else as YAML once JSON5's comments are taken out (talkback's own tapes open with
    `// Tapes can have comments because they are JSON5`, and YAML reads `//` as text); None
    when it is none of these (then it is a raw body)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    from streamcheck.sources import cassette

    try:  # the cassette's safe loader: unknown tags give plain values, never objects
        return safe_yaml.load(data, cassette._loader())
    except (safe_yaml.YAMLRefused, ValueError, RecursionError):
        pass
    if b"//" not in data and b"/*" not in data:
        return None
    try:
        return safe_yaml.load(_uncommented(data), cassette._loader())
    except (safe_yaml.YAMLRefused, ValueError, RecursionError):
        return None


# A JSON5 string (kept as it is) or comment (taken out). An unclosed string runs to the end of
# its line and an unclosed block comment to the end of the text, so no text is scanned twice:
# linear time whatever the input (a string that had to close again was tried from every
# escaped quote of a line: `"\"\"\"...` took 0.8 s for 16 KB, quadratic).
_JSON5_PIECE = re.compile(
    rb""""(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|//[^\n]*|/\*(?:.*?\*/|.*\Z)""", re.S
)


def _uncommented(data: bytes) -> bytes:
    """The JSON5 text without its `//` and `/* */` comments; strings keep theirs."""
    return _JSON5_PIECE.sub(lambda m: m.group(0) if m.group(0)[:1] in b"\"'" else b" ", data)


def _exchange(source: str, index: int, item: Mapping[Any, Any]) -> Exchange:
    found = parts(item)
    if found is None:  # find() checked every item; a mapping changed since cannot be
        raise InputError(f"{source}: exchange {index} is not a request and a response")
    request, response, split = found
    request_headers = headers_of(request)
    headers = headers_of(response)
    kind = _value(response, ("contenttype",))  # the responses recorder keeps it apart
    if isinstance(kind, str) and bodies.find_header(headers, "content-type") is None:
        headers["Content-Type"] = kind
    if split:
        request_body = _get(request, BODY_KEYS) or matched_body(request)
    else:  # flat: `body` is the request's when the response body has its own key (nock)
        request_body = _get(item, ("body",)) if _get(item, RESPONSE_KEYS) else None
    exchange = bodies.recorded_exchange(
        source,
        index,
        method=_plain(_value(request, METHOD_KEYS)),
        url=url_of(request),
        request_headers=request_headers,
        request_body=bodies.request_body(_plain(request_body[1]) if request_body else None),
        status=status_of(response),
        headers=headers,
    )
    data, note = response_body(response, headers, flat=not split)
    if note:
        exchange.notes.append(f"response body {note}")
    if not data:
        exchange.body_elsewhere = body_file(response)
    coding = bodies.find_header(headers, "content-encoding")
    exchange.chunks = ((piece, None) for piece in inflate.decoded([data], coding, exchange.notes))
    return exchange


def body_file(response: Mapping[Any, Any]) -> str | None:
    """The file a response's body is kept in instead (WireMock's `bodyFileName`)."""
    name = _value(response, BODY_FILE_KEYS)
    return name if isinstance(name, str) and name else None


def matched_body(request: Mapping[Any, Any]) -> tuple[str, Any] | None:
    """The body a WireMock stub matches exactly (`bodyPatterns: [{equalToJson: ...}]`, as its
    recorder writes the request it saw); None when the patterns only match part of one."""
    patterns = _value(request, ("bodypatterns",))
    if not isinstance(patterns, list) or len(patterns) != 1 or not isinstance(patterns[0], Mapping):
        return None
    return _get(patterns[0], EXACT_BODY_KEYS)


def _value(section: Mapping[Any, Any], names: tuple[str, ...]) -> Any:
    got = _get(section, names)
    return got[1] if got else None


def _plain(value: Any) -> Any:
    """A matcher list or object (Hoverfly: `[{"matcher": "exact", "value": "POST"}]`) as the
    value it matches; anything else as it is."""
    for _ in range(4):
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        elif isinstance(value, Mapping) and "value" in value:
            value = value["value"]
        else:
            break
    return value


def status_of(section: Mapping[Any, Any]) -> int | None:
    """A number, a text starting with one (go-vcr's "429 Too Many Requests", next to its
    `code`), or a mapping holding one (VCR's {"code": 429})."""
    for name in STATUS_KEYS:
        value = _value(section, (name,))
        if isinstance(value, Mapping):
            value = _value(value, ("code", "status", "statuscode"))
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and 100 <= value <= 999:
            return value
        if isinstance(value, str) and (match := _STATUS_TEXT.match(value)):
            return int(match.group(1))
    return None


def headers_of(section: Mapping[Any, Any]) -> dict[str, str]:
    value = _value(section, HEADER_KEYS)
    if isinstance(value, Mapping):
        return bodies.header_map((k, _plain(v)) for k, v in value.items())
    if not isinstance(value, list):
        return {}
    pairs: list[tuple[Any, Any]] = []
    for entry in value:
        if isinstance(entry, list | tuple) and len(entry) == 2:
            pairs.append((entry[0], entry[1]))
        elif isinstance(entry, Mapping) and "name" in entry and "value" in entry:
            pairs.append((entry["name"], entry["value"]))  # HAR-like objects
    if not pairs and all(isinstance(e, str) for e in value) and len(value) % 2 == 0:
        pairs = list(zip(value[::2], value[1::2], strict=True))  # nock's rawHeaders
    return bodies.header_map(pairs)


def url_of(section: Mapping[Any, Any]) -> str | None:
    url = _plain(_value(section, URL_KEYS))
    if isinstance(url, str) and url:
        return url
    path = _plain(_value(section, ("path",)))
    if not isinstance(path, str):
        return None
    base = _plain(_value(section, ("scope", "host", "destination", "basepath", "origin")))
    if not isinstance(base, str) or not base:
        return path
    if "://" not in base:
        scheme = _plain(_value(section, ("scheme", "protocol")))
        base = f"{scheme if isinstance(scheme, str) and scheme else 'https'}://{base}"
    return base.rstrip("/") + "/" + path.lstrip("/")


def response_body(
    section: Mapping[Any, Any], headers: dict[str, str], flat: bool = False
) -> tuple[bytes, str | None]:
    """The body as bytes, and a note when it was not stored as bytes or text."""
    chunks = _get(section, CHUNK_KEYS)
    if chunks and isinstance(chunks[1], list):
        return _joined(chunks[1], headers)
    encoded = _get(section, BASE64_KEYS)
    if encoded and isinstance(encoded[1], str):
        return _b64(encoded[1])
    body = _get(section, ("response",) if flat and _get(section, ("response",)) else BODY_KEYS)
    if body is None:
        return b"", None
    value = body[1]
    if isinstance(value, str) and _value(section, ("encodedbody",)) is True:
        return _b64(value)  # Hoverfly marks a base64 body so
    return _stored(value, headers)


def _stored(value: Any, headers: dict[str, str]) -> tuple[bytes, str | None]:
    if value is None:
        return b"", None
    if isinstance(value, bytes):
        return value, None
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass"), None
    if isinstance(value, Mapping):  # a VCR-like {"string": ...} or {"base64_string": ...}
        inner = _get(value, BASE64_KEYS)
        if inner and isinstance(inner[1], str):
            return _b64(inner[1])
        inner = _get(value, ("string", "text"))
        if inner and isinstance(inner[1], str):
            return inner[1].encode("utf-8", "surrogatepass"), None
        if inner and isinstance(inner[1], bytes):  # YAML's !!binary, as vcrpy keeps bytes
            return inner[1], None
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return _joined(value, headers)
    try:
        return bodies.to_json_bytes(value), "was stored as parsed data; re-encoded as JSON"
    except ValueError as exc:
        return b"", f"was stored as parsed data, {exc}; it was skipped"


def _joined(chunks: list[Any], headers: dict[str, str]) -> tuple[bytes, str | None]:
    """Text chunks joined; nock keeps a compressed body as hex chunks."""
    texts = [c for c in chunks if isinstance(c, str)]
    if bodies.find_header(headers, "content-encoding") and texts and all(map(_HEX.match, texts)):
        return b"".join(binascii.unhexlify(t) for t in texts), None
    if len(texts) != len(chunks):
        return b"".join(t.encode("utf-8", "surrogatepass") for t in texts), (
            f"had {len(chunks) - len(texts)} chunks that were not text; they were skipped"
        )
    return "".join(texts).encode("utf-8", "surrogatepass"), None


def _b64(text: str) -> tuple[bytes, str | None]:
    try:
        return base64.b64decode(text), None
    except ValueError:
        return b"", "is marked base64 but is not; it was skipped"


def _describe(shape: Shape, item: Mapping[Any, Any]) -> str:
    """The one SC902 note: which shape was read, so a wrong guess shows."""
    found = parts(item)
    assert found is not None
    _, response, split = found
    if shape.paired:
        where = "" if shape.where == "the document" else f" under {shape.where}"
        return (
            "read by its structure (no known recorder's format): exchanges as two lists"
            f"{where}, 'requests' and 'responses', the n-th answering the n-th (vcrpy's "
            "cassette dict dumped as it is); check that this is how the file holds them"
        )
    if _prefixed(item) is not None:
        named = [k for k in item if isinstance(k, str) and _PREFIXED.match(k)]
        return (
            "read by its structure (no known recorder's format): exchanges under "
            f"{shape.where}, each one mapping whose keys name their part "
            f"({', '.join(map(repr, named[:3]))}, ...: the Azure SDK test proxy's layout); "
            "check that this is how the file holds them"
        )
    keys = [k for k in response if _norm(k) in (*CHUNK_KEYS, *BASE64_KEYS, *BODY_KEYS)]
    if not split and response is item and _get(item, RESPONSE_KEYS):
        keys = [k for k in item if _norm(k) == "response"]  # nock: `body` is the request's
    layout = (
        f"each a request ({_key(item, REQUEST_KEYS)}) and a response ({_key(item, RESPONSE_KEYS)})"
        if split
        else "each one flat mapping (method, URL, status)"
    )
    kept = [k for k in response if _norm(k) in BODY_FILE_KEYS]
    body = (
        f", body under {keys[0]!r}"
        if keys
        else f", body in another file ({kept[0]!r})"
        if kept
        else ", no body key"
    )
    return (
        f"read by its structure (no known recorder's format): exchanges under {shape.where}, "
        f"{layout}{body}; check that this is how the file holds them"
    )


def describe_body(response: Mapping[Any, Any]) -> str:
    """The note for a cassette whose responses keep their body under a key of another name."""
    keys = [k for k in response if _norm(k) in (*CHUNK_KEYS, *BASE64_KEYS, *BODY_KEYS)]
    where = repr(keys[0]) if keys else "?"
    return (
        f"read by its structure: a cassette whose responses keep the body under {where}, "
        "not VCR's `body`; check that this is how the file holds it"
    )


def _key(item: Mapping[Any, Any], names: tuple[str, ...]) -> str:
    got = _get(item, names)
    return repr(got[0]) if got else "?"

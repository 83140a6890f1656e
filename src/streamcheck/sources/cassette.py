"""VCR cassettes (YAML): VCR.py, pytest-recording, pydantic-ai's `parsed_body` variant, and
Ruby VCR's `http_interactions`.

Format: vcrpy `vcr/serializers/yamlserializer.py` and `vcr/serializers/compat.py` (a mapping
with `interactions:` and `version:`; each interaction holds `request` {method, uri, headers,
body} and `response` {status {code, message}, headers, body {string}}; header values are lists;
bytes are stored as `!!binary` base64). Python 2 era cassettes tag strings `!!python/unicode`;
vcrpy under aiohttp keys headers with `!!python/object/apply:multidict._multidict.istr`; Ruby
VCR tags bytes `!binary`; some tools save one interaction mapping with no `interactions` list.
Ruby VCR stores `body: {encoding, string | base64_string}`. vcrpy's JSON serializer writes
the same mapping as JSON.

Every interaction becomes one `Exchange`. The body is returned as the bytes the provider sent:
Content-Encoding (gzip, deflate, brotli when available) is undone; a body stored in a parsed
form (pydantic-ai's `parsed_body`, a mapping or list) is re-encoded as JSON with a recording
note, since its bytes are no longer the original ones. YAML is loaded with the C safe loader
when available; no tag can construct a Python object.
"""

from __future__ import annotations

import base64
import codecs
import re
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

import orjson

from streamcheck import safe_yaml
from streamcheck.exceptions import InputError
from streamcheck.model import Exchange
from streamcheck.sources import bodies, inflate, shaped
from streamcheck.sources.formats import CASSETTE_JSON_START, ONE_INTERACTION_JSON

_LOADER: Any = None


def read(source: str, stream: BinaryIO, head: bytes) -> Iterator[Exchange]:
    """The exchanges of a cassette, one per interaction, in recorded order."""
    try:
        data = head + stream.read()
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None
    interactions = _interactions(source, _load(source, data))
    del data
    for index, interaction in enumerate(interactions):
        yield _exchange(source, index, interaction)
        interactions[index] = None  # what was yielded is the consumer's; keep memory flat


def _load(source: str, data: bytes) -> Any:
    # vcrpy's json serializer; text bodies only
    if re.match(CASSETTE_JSON_START, data) or re.match(ONE_INTERACTION_JSON, data):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise InputError(f"{source}: not a valid JSON cassette: {exc}") from None
    try:  # the one safe YAML loader, with the alias measure (safe_yaml.py)
        return safe_yaml.load(data, _loader())
    except safe_yaml.YAMLRefused as exc:
        where = f" at line {exc.line}" if exc.line is not None else ""
        raise InputError(f"{source}: not a valid YAML cassette: {exc.problem}{where}") from None


def _loader() -> Any:
    """The safe loader (C when built), where every tag it does not know gives its plain value.

    Recorders write tags a safe loader refuses: Python 2 string tags (`!!python/unicode`), vcrpy
    under aiohttp keys headers by `!!python/object/apply:multidict._multidict.istr [Name]`, Ruby
    VCR marks bytes `!binary` (base64). None of them may build an object, and a cassette must
    not become unreadable for a tag: the node's plain value is taken (a one-item sequence, the
    shape of `apply:`'s arguments, gives that item, so an `istr` header key is its name).
    """
    global _LOADER
    if _LOADER is None:
        import yaml

        base = safe_yaml.safe_loader()

        class CassetteLoader(base):  # type: ignore[misc, valid-type]
            """Safe loading; unknown tags give plain values, never objects."""

        def plain(loader: Any, suffix: str, node: Any) -> Any:
            if isinstance(node, yaml.MappingNode):
                return loader.construct_mapping(node, deep=True)
            if isinstance(node, yaml.SequenceNode):
                items = loader.construct_sequence(node, deep=True)
                if len(items) == 1 and isinstance(items[0], str | bytes | int | float):
                    return items[0]
                return tuple(items)  # hashable: such a node may be a mapping key
            value = loader.construct_scalar(node)
            if suffix in ("!binary", "tag:yaml.org,2002:python/bytes"):
                return base.construct_yaml_binary(loader, node)
            return str(value)

        def integer(loader: Any, node: Any) -> Any:
            try:
                return base.construct_yaml_int(loader, node)
            except ValueError:  # past Python's 4,300-digit limit: the digits stay text
                return str(loader.construct_scalar(node))

        CassetteLoader.add_constructor("tag:yaml.org,2002:int", integer)
        CassetteLoader.add_multi_constructor(None, plain)
        _LOADER = CassetteLoader
    return _LOADER


def _interactions(source: str, doc: Any) -> list[Any]:
    """Check the outline before yielding anything, so a bad file fails as a whole."""
    if not isinstance(doc, dict):
        raise InputError(f"{source}: YAML but not a cassette (no interactions list)")
    if "interactions" not in doc and "http_interactions" not in doc and "response" in doc:
        doc = {"interactions": [doc]}  # one interaction saved on its own
    interactions = doc.get("interactions", doc.get("http_interactions"))
    if not isinstance(interactions, list):
        raise InputError(f"{source}: YAML but not a cassette (no interactions list)")
    for index, item in enumerate(interactions):
        if not isinstance(item, dict):
            raise InputError(f"{source}: interaction {index} is not a mapping")
        for part in ("request", "response"):
            if not isinstance(item.get(part), dict):
                raise InputError(f"{source}: interaction {index} has no {part} mapping")
    return interactions


def _exchange(source: str, index: int, interaction: dict[str, Any]) -> Exchange:
    request, response = interaction["request"], interaction["response"]
    url = request.get("uri", request.get("url"))
    url = bodies.text_of(url) if url is not None else None
    request_headers = _headers(request.get("headers"))
    headers = _headers(response.get("headers"))
    exchange = bodies.recorded_exchange(
        source,
        index,
        method=request.get("method"),
        url=url,
        request_headers=request_headers,
        request_body=_request_body(request, request_headers),
        # go-vcr keeps "429 Too Many Requests" in `status` and the number in `code`
        status=_status(response.get("status")) or shaped.status_of(response),
        headers=headers,
    )
    if not any(key in response for key in ("body", "parsed_body")):
        exchange.body_elsewhere = shaped.body_file(response)  # a WireMock stub's __files
    exchange.chunks = _chunks(exchange, response, headers)
    return exchange


def _headers(value: Any) -> dict[str, str]:
    if isinstance(value, Mapping):
        return bodies.header_map(value.items())
    if isinstance(value, list):  # some serialisers keep [name, value] pairs
        pairs = [tuple(p) for p in value if isinstance(p, list | tuple) and len(p) == 2]
        return bodies.header_map(pairs)
    return {}


def _status(value: Any) -> int | None:
    if isinstance(value, Mapping):
        value = value.get("code")
    try:
        code = int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return code if code is None or 0 <= code <= 999 else None  # HTTP status codes: 3 digits


def _chunks(
    exchange: Exchange, response: dict[str, Any], headers: dict[str, str]
) -> Iterator[tuple[bytes, float | None]]:
    """The body, decoded lazily: nothing is decompressed until the checker reads it."""
    if "body" in response or "parsed_body" in response:
        data, note = _stored_body(response)
    else:  # a cassette-like file keeping its body under another key (`body_chunks`, ...)
        data, note = shaped.response_body(response, headers)
        if data and exchange.index == 0:  # said once per file
            exchange.notes.append(shaped.describe_body(response))
    if note:
        exchange.notes.append(f"response body {note}")
    coding = bodies.find_header(headers, "content-encoding")
    for piece in inflate.decoded([data] if data else [], coding, exchange.notes):
        yield piece, None


def _request_body(request: dict[str, Any], headers: dict[str, str]) -> Any:
    """The parsed JSON request body. How it was stored does not matter: only its values are
    used (stream flag, model), so a re-encoded request body gets no note."""
    if request.get("body") is None and "parsed_body" in request:
        return bodies.request_body(request["parsed_body"])
    if "body" not in request and (exact := shaped.matched_body(request)) is not None:
        return bodies.request_body(exact[1])  # a WireMock stub's recorded body pattern
    data, _ = _stored_body(request)
    data, _ = bodies.undo_content_encoding(data, bodies.find_header(headers, "content-encoding"))
    return bodies.request_body(data)


def _stored_body(section: dict[str, Any]) -> tuple[bytes, str | None]:
    """The stored body as bytes, and a note when it was not stored as bytes or text."""
    body = section.get("body")
    if body is None and "parsed_body" in section:
        # pydantic-ai's serializer parses JSON bodies into YAML; the original bytes are gone.
        return _reencoded(section["parsed_body"], "was stored parsed (parsed_body)")
    encoding = None
    if isinstance(body, Mapping):
        encoding = body.get("encoding")
        if "string" in body:
            body = body["string"]
        elif "base64_string" in body:  # Ruby VCR's binary bodies
            try:
                return base64.b64decode(bodies.text_of(body["base64_string"])), None
            except ValueError:
                return b"", "has a base64_string that is not base64; it was skipped"
        elif not body:
            return b"", None
        else:
            return _reencoded(body, "was stored as a YAML mapping")
    if body is None:
        return b"", None
    if isinstance(body, bytes):
        return body, None
    if isinstance(body, str):
        try:
            return body.encode(_codec(encoding)), None
        except UnicodeEncodeError:  # lone surrogates: keep them, the decoder reports them
            return body.encode("utf-8", "surrogatepass"), None
    if isinstance(body, list | dict):
        return _reencoded(body, "was stored as YAML data")
    return bodies.text_of(body).encode("utf-8"), f"was stored as a YAML {type(body).__name__}"


def _reencoded(value: Any, how: str) -> tuple[bytes, str]:
    try:
        return bodies.to_json_bytes(value), f"{how}; re-encoded as JSON, bytes may differ"
    except ValueError as exc:
        return b"", f"{how}, {exc}; it was skipped"


def _codec(encoding: Any) -> str:
    """Ruby VCR names the string's encoding; ASCII-8BIT means raw bytes held in a string."""
    if not isinstance(encoding, str) or encoding.upper() in ("ASCII-8BIT", "BINARY"):
        return "latin-1" if isinstance(encoding, str) else "utf-8"
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return "utf-8"

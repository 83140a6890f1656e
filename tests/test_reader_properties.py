"""Property tests for every reader and decoder (issue 12): whatever bytes arrive, no exception
escapes but the documented input error (a one-line StreamcheckError), and every input ends in
findings or that error.

Each decoder gets arbitrary chunks of bytes shaped like its framing (and any split of them);
each container reader (tape, cassette, HAR, curl dump) gets its fixtures mutated and arbitrary
values in its fields; the JSON-bearing frames get values from hypothesis's JSON-like strategy,
with deep nesting and huge numbers mixed in. Bounded: a fixed number of examples each,
derandomized, so the suite stays quick and a failure reproduces.
"""

from __future__ import annotations

import io
from typing import Any

import orjson
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamcheck import check_bytes
from streamcheck.check import CheckOptions, check_exchange
from streamcheck.exceptions import StreamcheckError
from streamcheck.model import Location, Report
from streamcheck.report import render
from streamcheck.schemas import Catalog
from streamcheck.sources import files
from streamcheck.wire import decoder_for
from tests.conftest import FIXTURES
from tests.wire.eventstream_build import header, message

BOUNDED = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CATALOG = Catalog()
OPTIONS = CheckOptions()

# Values a recording may hold: JSON-like trees, plus what broke streamcheck before.
ODD_SCALARS = st.sampled_from(
    [2**64, -(2**63) - 1, 10**30, 1e308, float("inf"), float("nan"), "\u2028", "", "\x00", True]
)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | ODD_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def deep(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


DEEP = st.sampled_from([200, 256, 300, 990]).map(deep)
VALUES = JSONISH | DEEP


def _json(value: Any) -> bytes:
    """JSON text for any generated value: orjson where it can, else the standard library
    (ints past 64 bits, nesting past orjson's 254 levels)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        import json
        import sys

        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 5000))
        try:
            return json.dumps(value).encode()
        finally:
            sys.setrecursionlimit(limit)


def run_all(name: str, data: bytes) -> int:
    """What `check` does with a file of these bytes, and every report format. Returns the
    number of findings, or -1 for the documented one-line input error."""
    stream = io.BytesIO(data)
    head = stream.read(files.HEAD)
    report = Report(fail_on=OPTIONS.fail_on)
    try:
        reader = files.READERS[files._format(name, head, "auto")]
        for exchange in reader(name, stream, head):
            report.results.append(check_exchange(exchange, OPTIONS, CATALOG))
    except StreamcheckError as exc:
        assert str(exc) and "\n" not in str(exc), repr(str(exc))
        return -1
    for fmt in ("json", "sarif", "junit", "github"):
        render(report, fmt, tool_version="test").encode("utf-8")
    return sum(1 for _ in report.findings())


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


def _decode(framing: str, chunks: list[bytes]) -> None:
    decoder = decoder_for(framing, Location(source="<test>"))
    for chunk in chunks:
        decoder.decode(chunk, None)
    decoder.flush()


# -- decoders ---------------------------------------------------------------------------------

SSE_LINES = st.lists(
    st.one_of(
        VALUES.map(lambda v: b"data: " + _json(v)),
        st.sampled_from([b"data: [DONE]", b": ping", b"event: x", b"id: 1", b"retry: 5", b""]),
        st.binary(max_size=30),
    ),
    max_size=12,
)
ENDINGS = st.sampled_from([b"\n", b"\r\n", b"\r"])


@BOUNDED
@given(SSE_LINES, ENDINGS, st.lists(st.integers(0, 10_000), max_size=5))
def test_sse_decoder_and_check_take_any_bytes(
    lines: list[bytes], end: bytes, cuts: list[int]
) -> None:
    body = end.join(lines) + end * 2
    _decode("sse", _split(body, cuts))
    assert run_all("x.sse", body) >= -1


@BOUNDED
@given(
    st.lists(VALUES.map(_json) | st.binary(max_size=30), max_size=10),
    st.lists(st.integers(0, 10_000), max_size=5),
)
def test_ndjson_decoder_and_check_take_any_bytes(lines: list[bytes], cuts: list[int]) -> None:
    body = b"\n".join(lines) + b"\n"
    _decode("ndjson", _split(body, cuts))
    assert run_all("x.ndjson", body) >= -1


@BOUNDED
@given(
    st.lists(VALUES.map(_json), max_size=6),
    st.binary(max_size=20),
    st.lists(st.integers(0, 10_000), max_size=5),
)
def test_json_array_decoder_and_check_take_any_bytes(
    items: list[bytes], tail: bytes, cuts: list[int]
) -> None:
    body = b"[" + b",\r\n".join(items) + b"]" + tail
    _decode("jsonarray", _split(body, cuts))
    assert run_all("x.json", body) >= -1


@BOUNDED
@given(
    st.lists(VALUES.map(_json), min_size=1, max_size=4),
    st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), max_size=4),
    st.lists(st.integers(0, 10_000), max_size=4),
)
def test_eventstream_decoder_and_check_take_any_bytes(
    payloads: list[bytes], flips: list[tuple[int, int]], cuts: list[int]
) -> None:
    body = bytearray(
        b"".join(
            message(header(":event-type", "chunk") + header(":message-type", "event"), p)
            for p in payloads
        )
    )
    for at, byte in flips:
        body[at % len(body)] = byte
    _decode("eventstream", _split(bytes(body), cuts))
    assert run_all("x.eventstream", bytes(body)) >= -1


@BOUNDED
@given(
    st.lists(
        st.tuples(st.sampled_from([b"0", b"2", b"3", b"9", b"d", b"e", b"f", b"x", b""]), VALUES),
        max_size=8,
    ),
    st.lists(st.integers(0, 10_000), max_size=4),
)
def test_tagged_decoder_and_check_take_any_lines(
    parts: list[tuple[bytes, Any]], cuts: list[int]
) -> None:
    """The Vercel AI SDK data stream (`CODE:JSON` lines), the relay framing."""
    body = b"".join(tag + b":" + _json(value) + b"\n" for tag, value in parts)
    _decode("tagged", _split(body, cuts))
    assert run_all("x.txt", body) >= -1


# -- containers -------------------------------------------------------------------------------

TAPE_HEADER = {
    "streamcheck_tape": 1,
    "provider": "openai",
    "api": "chat-completions",
    "api_version": None,
    "request": {
        "method": "POST",
        "url": "https://api.openai.com/v1/chat/completions",
        "headers": {},
        "body": {"stream": True},
    },
    "response": {"status": 200, "headers": {"content-type": "text/event-stream"}},
}
HEADER_PATHS = [
    ("provider",),
    ("api_version",),
    ("request",),
    ("request", "url"),
    ("request", "headers"),
    ("request", "body"),
    ("response", "status"),
    ("response", "headers"),
    ("streamcheck_tape",),
]


def _set(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    copy = orjson.loads(orjson.dumps(doc))
    target = copy
    for step in path[:-1]:
        target = target[step] if isinstance(target.get(step), dict) else target.setdefault(step, {})
    target[path[-1]] = value
    return copy


@BOUNDED
@given(st.sampled_from(HEADER_PATHS), VALUES, st.lists(VALUES, max_size=3), VALUES)
def test_tape_reader_takes_any_field_values(
    path: tuple[str, ...], value: Any, chunk_times: list[Any], end: Any
) -> None:
    lines = [_json(_set(TAPE_HEADER, path, value))]
    lines += [_json({"t": t, "text": 'data: {"x": 1}\n\n'}) for t in chunk_times]
    lines.append(_json({"end": end, "t": 1}))
    assert run_all("x.tape", b"\n".join(lines) + b"\n") >= -1


def _cassette(request: dict[str, Any], response: dict[str, Any]) -> bytes:
    return yaml.safe_dump(
        {"interactions": [{"request": request, "response": response}], "version": 1}
    ).encode()


@BOUNDED
@given(
    st.sampled_from(["uri", "method", "headers", "body", "parsed_body"]),
    st.sampled_from(["status", "headers", "body", "parsed_body"]),
    VALUES.filter(lambda v: not isinstance(v, float) or v == v),
    VALUES.filter(lambda v: not isinstance(v, float) or v == v),
)
def test_cassette_reader_takes_any_field_values(
    req_key: str, resp_key: str, req_value: Any, resp_value: Any
) -> None:
    request: dict[str, Any] = {
        "method": "POST",
        "uri": "https://api.openai.com/v1/chat/completions",
    }
    response: dict[str, Any] = {
        "status": {"code": 200},
        "headers": {"content-type": ["text/event-stream"]},
        "body": {"string": 'data: {"x": 1}\n\n'},
    }
    request[req_key], response[resp_key] = req_value, resp_value
    try:
        data = _cassette(request, response)
    except (yaml.YAMLError, RecursionError):
        return  # PyYAML's dumper cannot write it: not an input a file can hold
    assert run_all("x.yaml", data) >= -1


HAR_KEYS = [
    ("request", "url"),
    ("request", "headers"),
    ("request", "postData"),
    ("response", "status"),
    ("response", "headers"),
    ("response", "content"),
    ("timings",),
    ("request",),
    ("response",),
]


@BOUNDED
@given(st.sampled_from(HAR_KEYS), VALUES)
def test_har_reader_takes_missing_and_wrong_typed_fields(path: tuple[str, ...], value: Any) -> None:
    entry = {
        "request": {
            "method": "POST",
            "url": "https://api.openai.com/v1/chat/completions",
            "headers": [],
        },
        "response": {
            "status": 200,
            "headers": [{"name": "content-type", "value": "text/event-stream"}],
            "content": {"mimeType": "text/event-stream", "text": 'data: {"x": 1}\n\n'},
        },
        "timings": {"wait": 5},
    }
    entry = _set(entry, path, value)
    assert run_all("x.har", _json({"log": {"version": "1.2", "entries": [entry]}})) >= -1


@BOUNDED
@given(
    st.sampled_from([b"200 OK", b"401 Unauthorized", b"100 Continue", b"999 X", b"20 short"]),
    st.lists(st.binary(max_size=40), max_size=4),
    st.binary(max_size=200),
)
def test_curl_dump_reader_takes_any_headers_and_body(
    status: bytes, headers: list[bytes], body: bytes
) -> None:
    data = b"HTTP/1.1 " + status + b"\r\n" + b"\r\n".join(headers) + b"\r\n\r\n" + body
    assert run_all("x.http", data) >= -1


FIXTURE_FILES = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.stat().st_size < 200_000)


WEBSOCKET_FILES = [
    p
    for p in FIXTURE_FILES
    if (p.suffix in (".tape", ".har") and b"_webSocketMessages" in p.read_bytes())
    or (p.suffix == ".tape" and b'"transport": "websocket"' in p.read_bytes())
    or p.parent.name == "openai-realtime"
]


def test_websocket_recordings_are_among_the_fuzzed() -> None:
    assert {p.suffix for p in WEBSOCKET_FILES} == {".tape", ".har"}


@pytest.mark.parametrize("kind", [".tape", ".yaml", ".har", ".http", ".eventstream", "websocket"])
@BOUNDED
@given(data=st.data())
def test_container_fixtures_mangled_end_in_findings_or_one_line_error(
    kind: str, data: st.DataObject
) -> None:
    chosen = (
        WEBSOCKET_FILES if kind == "websocket" else [p for p in FIXTURE_FILES if p.suffix == kind]
    )
    path = data.draw(st.sampled_from(chosen))
    body = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(body)))
        action = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip" and body:
            body[at % len(body)] ^= 1 << data.draw(st.integers(0, 7))
        elif action == "cut":
            del body[at:]
        else:
            body[at:at] = data.draw(
                st.sampled_from([b"9" * 5000, b"[" * 300, b"1e400", b"\xff", b"*a", b"&a "])
            )
    assert run_all(path.name, bytes(body)) >= -1


def test_check_bytes_takes_every_value_at_the_top() -> None:
    """The public entry point, not only the readers: a frame of each odd shape."""
    for value in [deep(990), deep(300), 2**70, 10**5000 // 10**4000, "\u2028", None]:
        report = check_bytes(b"data: " + _json(value) + b"\n\n")
        assert report.results

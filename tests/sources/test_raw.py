"""`curl -i` dumps and raw bodies: status lines, interim responses, header block ends."""

from __future__ import annotations

import copy
from pathlib import Path

import orjson
import pytest

from streamcheck import InputError, check_bytes, check_paths
from streamcheck.model import Exchange
from streamcheck.sources import read_path
from tests.conftest import run_streamcheck
from tests.protocols.test_openai_responses import events
from tests.streams import CLEAN

SSE = CLEAN.encode()
ERROR = b'{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}'


def read(tmp_path: Path, data: bytes) -> tuple[Exchange, bytes]:
    path = tmp_path / "dump.http"
    path.write_bytes(data)
    # The file stays open while read_path's generator is alive: read the body inside the loop.
    for exchange in read_path(str(path)):
        return exchange, b"".join(chunk for chunk, _ in exchange.chunks)
    raise AssertionError("no exchange")


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-Request-Id: r1\r\n\r\n",
        b"HTTP/1.1 200 OK\nContent-Type: text/event-stream\nX-Request-Id: r1\n\n",
        b"HTTP/2 200 \r\ncontent-type: text/event-stream\r\nx-request-id: r1\r\n\r\n",
        b"HTTP/2 200\ncontent-type: text/event-stream\nx-request-id: r1\n\n",
        b"HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\nX-Request-Id: r1\r\n\r\n",
    ],
    ids=["http1.1-crlf", "http1.1-lf", "http2-crlf", "http2-lf", "http1.0"],
)
def test_status_line_and_headers(tmp_path: Path, head: bytes) -> None:
    exchange, body = read(tmp_path, head + SSE)
    assert exchange.status == 200
    assert exchange.content_type == "text/event-stream"
    assert exchange.header("x-request-id") == "r1"
    assert body == SSE
    [result] = check_paths([str(tmp_path / "dump.http")]).results
    assert (result.status, result.frames, [f.code for f in result.findings]) == (200, 4, [])


@pytest.mark.parametrize(
    "interim",
    [
        b"HTTP/1.1 100 Continue\r\n\r\n",
        b"HTTP/1.1 200 Connection established\r\n\r\n",
        b"HTTP/1.0 200 Connection Established\r\nProxy-Agent: squid\r\n\r\n",
        b"HTTP/1.1 200 Connection established\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n",
        b"HTTP/1.1 200 Connection established\n\n",
    ],
    ids=["100-continue", "connect", "connect-with-headers", "connect-then-continue", "lf"],
)
def test_interim_blocks_are_skipped(tmp_path: Path, interim: bytes) -> None:
    final = b"HTTP/2 429 \r\ncontent-type: application/json\r\nretry-after: 20\r\n\r\n"
    exchange, body = read(tmp_path, interim + final + ERROR)
    assert exchange.status == 429
    assert exchange.header("retry-after") == "20"
    assert "proxy-agent" not in {k.lower() for k in exchange.headers}
    assert body == ERROR
    [result] = check_paths([str(tmp_path / "dump.http")]).results
    assert result.error_class is not None
    assert [f.code for f in result.findings] == ["SC401"]


def test_connection_established_without_a_final_response_is_the_status(tmp_path: Path) -> None:
    # curl -i through a proxy to a server that sent nothing: the CONNECT block is all there is.
    exchange, body = read(tmp_path, b"HTTP/1.1 200 Connection established\r\n\r\n")
    assert exchange.status == 200 and body == b""


def test_header_block_longer_than_the_sniffed_head(tmp_path: Path) -> None:
    head = b"HTTP/1.1 200 OK\r\n" + b"".join(
        b"X-Padding-%d: %s\r\n" % (i, b"v" * 60) for i in range(100)
    )
    exchange, body = read(tmp_path, head + b"Content-Type: text/event-stream\r\n\r\n" + SSE)
    assert exchange.status == 200 and len(exchange.headers) == 101
    assert body == SSE


def test_crlf_headers_then_lf_body(tmp_path: Path) -> None:
    exchange, body = read(tmp_path, b"HTTP/1.1 200 OK\r\nA: 1\r\n\r\n" + SSE)
    assert exchange.headers == {"A": "1"} and body == SSE


def test_raw_body_has_no_status(tmp_path: Path) -> None:
    exchange, body = read(tmp_path, SSE)
    assert exchange.status is None and exchange.headers == {} and body == SSE


def test_headers_that_never_end_are_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "dump.http"
    path.write_bytes(b"HTTP/1.1 200 OK\r\n" + b"X-Long: " + b"v" * 70000 + b"\r\n")
    with pytest.raises(InputError, match="headers never end"):
        check_paths([str(path)])
    done = run_streamcheck("check", str(path))
    assert done.returncode == 2 and done.stderr.count("\n") == 1


def test_curl_dump_from_stdin() -> None:
    dump = b"HTTP/2 200\r\ncontent-type: text/event-stream\r\n\r\n" + SSE
    done = run_streamcheck("check", "--format", "json", "-", input=dump)
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"status": 200' in done.stdout


def test_check_bytes_splits_payloads_of_several_responses_calls_as_check_does() -> None:
    """The library call reads a body as the CLI does: payloads of calls in a row (a new
    response.created with a new id after a terminal event) are one exchange each."""
    body = b""
    for rid in ("resp_1", "resp_2"):
        for event in events():
            event = copy.deepcopy(event)
            if "response" in event:
                event["response"]["id"] = rid
            body += orjson.dumps(event) + b"\n"
    report = check_bytes(body)
    assert [(r.api, r.frames) for r in report.results] == [("responses", 10)] * 2
    assert {f.code for f in report.findings()} == {"SC902"}
    # named as one HTTP response (a status), the body is one exchange: the second call is
    # frames after the terminator
    assert "SC302" in {f.code for f in check_bytes(body, status=200).findings()}

"""What Envoy's ext_proc filter sends an external processor for one HTTP exchange, built from a
recording: the request headers (pseudo-headers and all, the credential a real app sends), the
request body, the response headers with `:status`, and the response body cut into chunks at
the given offsets, the last with `end_of_stream` (or a separate empty one), or none of that
when the stream is to end early. No Envoy binary runs in these tests: this is the sequence
Envoy's documentation gives for `processing_mode` SEND headers and STREAMED bodies."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import orjson
from envoy.config.core.v3 import base_pb2
from envoy.service.ext_proc.v3 import external_processor_pb2 as pb

from streamcheck.model import EndReason
from streamcheck.sources import tape

KEY = "sk-proj-EnvoyCanary0123456789abcdefghijklmnopqrstuvwxyz_AB"
# Recordings made against `streamcheck serve` name their provider in the tape header (what
# `check` goes by); Envoy in front of that provider sees its host as `:authority`.
HOSTS = {"openai": "api.openai.com", "anthropic": "api.anthropic.com"}


@dataclass(slots=True)
class Recorded:
    """One HTTP exchange of a tape, its body whole."""

    path: Path
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int
    headers: dict[str, str]
    body: bytes
    end: EndReason
    splits: list[int] = field(default_factory=list)  # where the recording's chunks began


def recorded(path: Path) -> Recorded:
    with path.open("rb") as handle:
        exchange = next(tape.read(str(path), handle))
        chunks = list(exchange.chunks)
    body = b"".join(data for data, _ in chunks)
    splits, at = [], 0
    for data, _ in chunks[:-1]:
        at += len(data)
        splits.append(at)
    headers = {k.lower(): v for k, v in exchange.request.headers.items()}
    headers["authorization"] = f"Bearer {KEY}"  # what the app really sent (the tape masks it)
    url = exchange.request.url or "http://127.0.0.1/"
    parts = urlsplit(url)
    if parts.hostname in ("127.0.0.1", "localhost") and exchange.provider in HOSTS:
        url = parts._replace(scheme="https", netloc=HOSTS[exchange.provider]).geturl()
    request_body = orjson.dumps(exchange.request.body) if exchange.request.body is not None else b""
    return Recorded(
        path,
        exchange.request.method,
        url,
        headers,
        request_body,
        exchange.status or 200,
        exchange.headers,
        body,
        exchange.end,
        splits,
    )


def _headers(values: dict[str, str]) -> base_pb2.HeaderMap:
    return base_pb2.HeaderMap(
        headers=[base_pb2.HeaderValue(key=k, raw_value=v.encode()) for k, v in values.items()]
    )


def messages(
    exchange: Recorded,
    cuts: Iterable[int] = (),
    *,
    complete: bool = True,
    separate_end: bool = False,
    observability: bool = True,
    request_cut: int | None = None,
) -> list[pb.ProcessingRequest]:
    """The ProcessingRequests for one exchange; `complete=False`: the stream ends early (no
    end_of_stream: Envoy's stream closes when the client or the upstream goes away)."""
    parts = urlsplit(exchange.url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    request = {
        ":method": exchange.method,
        ":path": path,
        ":authority": parts.netloc,
        ":scheme": parts.scheme or "https",
        **exchange.request_headers,
    }
    mode = {"observability_mode": observability}
    out = [
        pb.ProcessingRequest(
            request_headers=pb.HttpHeaders(
                headers=_headers(request), end_of_stream=not exchange.request_body
            ),
            **mode,
        )
    ]
    if exchange.request_body:
        pieces = [exchange.request_body]
        if request_cut is not None:
            cut = request_cut % len(exchange.request_body)
            pieces = [exchange.request_body[:cut], exchange.request_body[cut:]]
        for n, piece in enumerate(pieces):
            last = n == len(pieces) - 1
            out.append(
                pb.ProcessingRequest(
                    request_body=pb.HttpBody(body=piece, end_of_stream=last), **mode
                )
            )
    response = {":status": str(exchange.status), **exchange.headers}
    body = exchange.body
    out.append(
        pb.ProcessingRequest(
            response_headers=pb.HttpHeaders(headers=_headers(response), end_of_stream=not body),
            **mode,
        )
    )
    if not body:
        return out
    points = sorted({c for c in cuts if 0 < c < len(body)})
    pieces = [body[a:b] for a, b in zip([0, *points], [*points, len(body)], strict=True)]
    for n, piece in enumerate(pieces):
        last = n == len(pieces) - 1
        end = complete and last and not separate_end
        out.append(
            pb.ProcessingRequest(response_body=pb.HttpBody(body=piece, end_of_stream=end), **mode)
        )
    if complete and separate_end:
        out.append(pb.ProcessingRequest(response_body=pb.HttpBody(end_of_stream=True), **mode))
    return out

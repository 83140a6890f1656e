"""Envoy's ext_proc protobuf messages (envoy.service.ext_proc.v3, from xds-protos) to plain
`Event`s, and the empty CONTINUE answers Envoy waits for when not in observability mode.

A header's value comes in `raw_value` (bytes) from current Envoy versions and in `value` from
older ones; both are read.
"""

from __future__ import annotations

from typing import Any

from envoy.service.ext_proc.v3 import external_processor_pb2 as pb

from streamcheck.live.extproc import events
from streamcheck.live.extproc.events import Event

_KINDS = (
    events.REQUEST_HEADERS,
    events.REQUEST_BODY,
    events.RESPONSE_HEADERS,
    events.RESPONSE_BODY,
    events.REQUEST_TRAILERS,
    events.RESPONSE_TRAILERS,
)


def event(message: Any) -> Event:
    """The plain event one ProcessingRequest carries."""
    kind = message.WhichOneof("request") or ""
    observability = bool(message.observability_mode)
    if kind in (events.RESPONSE_BODY, events.REQUEST_BODY):
        part = getattr(message, kind)
        return Event(
            kind, body=part.body, end_of_stream=part.end_of_stream, observability=observability
        )
    if kind in (events.REQUEST_HEADERS, events.RESPONSE_HEADERS):
        part = getattr(message, kind)
        return Event(
            kind,
            headers=header_map(part.headers),
            end_of_stream=part.end_of_stream,
            observability=observability,
        )
    if kind in (events.REQUEST_TRAILERS, events.RESPONSE_TRAILERS):
        return Event(
            kind, headers=header_map(getattr(message, kind).trailers), observability=observability
        )
    return Event("", observability=observability)


def header_map(headers: Any) -> dict[str, str]:
    """A HeaderMap as a dict (names lower-cased; a repeated header joined by ", ")."""
    out: dict[str, str] = {}
    for header in headers.headers:
        value = header.raw_value.decode("utf-8", "replace") if header.raw_value else header.value
        name = header.key.lower()
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def continue_response(kind: str) -> Any:
    """The answer that lets Envoy go on unchanged (`CommonResponse` status CONTINUE)."""
    if kind in (events.REQUEST_HEADERS, events.RESPONSE_HEADERS):
        return pb.ProcessingResponse(**{kind: pb.HeadersResponse()})
    if kind in (events.REQUEST_BODY, events.RESPONSE_BODY):
        return pb.ProcessingResponse(**{kind: pb.BodyResponse()})
    if kind in (events.REQUEST_TRAILERS, events.RESPONSE_TRAILERS):
        return pb.ProcessingResponse(**{kind: pb.TrailersResponse()})
    return None

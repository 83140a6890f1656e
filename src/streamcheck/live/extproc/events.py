"""One Envoy ext_proc message as plain data (what `messages.py` makes of a ProcessingRequest)."""

from __future__ import annotations

from dataclasses import dataclass, field

REQUEST_HEADERS = "request_headers"
REQUEST_BODY = "request_body"
RESPONSE_HEADERS = "response_headers"
RESPONSE_BODY = "response_body"
REQUEST_TRAILERS = "request_trailers"
RESPONSE_TRAILERS = "response_trailers"


@dataclass(slots=True)
class Event:
    kind: str  # one of the names above, or "" for a message that carries none of them
    headers: dict[str, str] = field(default_factory=dict)  # names lower-cased, pseudo ones too
    body: bytes = b""
    end_of_stream: bool = False
    # False when Envoy waits for an answer to this message (not in observability mode).
    observability: bool = True

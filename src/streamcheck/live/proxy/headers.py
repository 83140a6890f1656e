"""Which headers pass the proxy. Everything passes both ways, in order and with its case,
except the hop-by-hop headers of RFC 9110 section 7.6.1 (each side's own connection: the
server and httpx write their own framing) and, toward the upstream, Host (httpx writes the
upstream's). The body's bytes are never re-encoded: Content-Encoding and Content-Length pass.
"""

from __future__ import annotations

from collections.abc import Iterable

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)


def _dropped(headers: Iterable[tuple[bytes, bytes]], also: frozenset[bytes]) -> set[bytes]:
    """Hop-by-hop names, and the ones a Connection header lists."""
    names = set(HOP_BY_HOP | also)
    for name, value in headers:
        if name.lower() == b"connection":
            names.update(v.strip().lower() for v in value.split(b",") if v.strip())
    return names


def upstream_request(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The app's request headers as sent on to the upstream."""
    drop = _dropped(headers, frozenset({b"host"}))
    return [(name, value) for name, value in headers if name.lower() not in drop]


def app_response(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The upstream's response headers as given to the app."""
    drop = _dropped(headers, frozenset())
    return [(name, value) for name, value in headers if name.lower() not in drop]


def websocket_request(headers: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    """The app's upgrade request headers for the upstream handshake: the handshake's own
    (Sec-WebSocket-Key, -Version, -Extensions) are the websockets library's to write."""
    own = frozenset(
        {
            b"host",
            b"sec-websocket-key",
            b"sec-websocket-version",
            b"sec-websocket-extensions",
            b"sec-websocket-protocol",
        }
    )
    drop = _dropped(headers, own)
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in headers
        if name.lower() not in drop
    ]

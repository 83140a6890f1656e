"""A WebSocket upgrade relayed to the upstream (the websockets library), each message passed
on as it comes, either way, and teed into the push checker after it went on.

The upstream's handshake answer decides: a refusal (an HTTP status, an error body) is passed
to the app as that status and body (and checked as an HTTP answer); an acceptance is passed as
an acceptance with the upstream's subprotocol and headers. The close is passed on with its code
and reason; a connection lost without a close frame drops the app's connection too.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.frames import CloseCode

from streamcheck.live.proxy import headers as hop
from streamcheck.live.proxy.cuts import UpstreamCut
from streamcheck.live.proxy.gate import Feed, Gate
from streamcheck.live.proxy.routes import Router
from streamcheck.model import Close, CloseState, Direction, EndReason, Message

Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]

# Headers of the upstream's 101 that belong to its own handshake, not to the app's.
_HANDSHAKE = frozenset(
    {b"sec-websocket-accept", b"sec-websocket-extensions", b"sec-websocket-protocol"}
)


async def relay(
    router: Router, gate: Gate, connect_timeout: float, scope: Scope, receive: Receive, send: Send
) -> None:
    connected = await receive()
    if connected["type"] != "websocket.connect":
        return
    route = router.find(scope["path"])
    if route is None:
        await send({"type": "websocket.close", "code": 1008, "reason": "no route"})
        return
    raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
    url = route.ws_target(raw_path, scope.get("query_string", b""))
    raw_headers = list(scope["headers"])
    tee = gate.admit("GET", url, raw_headers)
    started = time.monotonic()
    try:
        upstream = await connect(
            url,
            additional_headers=hop.websocket_request(raw_headers),
            subprotocols=scope.get("subprotocols") or None,
            compression=None,
            max_size=None,
            proxy=None,
            user_agent_header=None,
            ping_interval=None,  # the app's own pings pass through; none of ours
            open_timeout=connect_timeout,
        )
    except InvalidStatus as exc:  # the upstream answered the upgrade with an HTTP status
        await _refused(gate, tee, exc, send)
        return
    except (OSError, InvalidHandshake, InvalidURI, TimeoutError):
        gate.release(tee, EndReason.RESET)
        await send({"type": "websocket.close", "code": 1011, "reason": "upstream unreachable"})
        return
    response = upstream.response
    assert response is not None
    head = [
        (name.encode("latin-1"), value.encode("latin-1"))
        for name, value in response.headers.raw_items()
    ]
    kept = [(n, v) for n, v in hop.app_response(head) if n.lower() not in _HANDSHAKE]
    await send({"type": "websocket.accept", "subprotocol": upstream.subprotocol, "headers": kept})
    if tee is not None:
        tee.response(response.status_code, head, websocket=True)
    ups = asyncio.ensure_future(_from_upstream(upstream, tee, send, started))
    downs = asyncio.ensure_future(_from_app(upstream, tee, receive, started))
    try:
        await asyncio.wait((ups, downs), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (ups, downs):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await upstream.close()
    close = _close_of(upstream, round(time.monotonic() - started, 6))
    end = EndReason.EOF if close.state is CloseState.CLOSED else EndReason.RESET
    gate.release(tee, end, close)
    if close.state is CloseState.NO_CLOSE_FRAME and ups.done() and not downs.done():
        raise UpstreamCut("no close frame")  # the upstream vanished: so does the app's socket


async def _from_upstream(
    upstream: ClientConnection, tee: Feed | None, send: Send, started: float
) -> None:
    """Upstream -> app, until the upstream closes; then its close code goes to the app."""
    try:
        async for data in upstream:
            if isinstance(data, str):
                await send({"type": "websocket.send", "text": data})
                payload, binary = data.encode("utf-8", "surrogatepass"), False
            else:
                await send({"type": "websocket.send", "bytes": data})
                payload, binary = data, True
            if tee is not None:
                at = round(time.monotonic() - started, 6)
                tee.message(Message(Direction.RECEIVED, payload, binary, at))
    except ConnectionClosed:
        pass
    received = upstream.protocol.close_rcvd
    if received is not None:
        code = 1000 if received.code == CloseCode.NO_STATUS_RCVD else int(received.code)
        with contextlib.suppress(Exception):
            await send({"type": "websocket.close", "code": code, "reason": received.reason})


async def _from_app(
    upstream: ClientConnection, tee: Feed | None, receive: Receive, started: float
) -> None:
    """App -> upstream, until the app closes; its close code goes to the upstream."""
    while True:
        message: dict[str, Any] = await receive()
        if message["type"] == "websocket.disconnect":
            code = int(message.get("code") or 1000)
            reason = str(message.get("reason") or "")
            with contextlib.suppress(Exception):
                await upstream.close(code if code not in (1005, 1006) else 1000, reason)
            return
        text, data = message.get("text"), message.get("bytes")
        if text is not None:
            await upstream.send(text)
            payload, binary = text.encode("utf-8", "surrogatepass"), False
        elif data is not None:
            await upstream.send(data)
            payload, binary = data, True
        else:
            continue
        if tee is not None:
            at = round(time.monotonic() - started, 6)
            tee.message(Message(Direction.SENT, payload, binary, at))


async def _refused(gate: Gate, tee: Feed | None, exc: InvalidStatus, send: Send) -> None:
    """The upstream refused the upgrade: the app gets that status, headers and body."""
    answer = exc.response
    body = bytes(answer.body or b"")
    head = [
        (name.encode("latin-1"), value.encode("latin-1"))
        for name, value in answer.headers.raw_items()
    ]
    if tee is not None:
        tee.response(answer.status_code, head, websocket=False)
        tee.chunk(body)
    await send(
        {
            "type": "websocket.http.response.start",
            "status": answer.status_code,
            "headers": [(n, v) for n, v in hop.app_response(head) if n.lower() != b"content-length"]
            + [(b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "websocket.http.response.body", "body": body, "more_body": False})
    gate.release(tee, EndReason.EOF)


def _close_of(upstream: ClientConnection, at: float) -> Close:
    """How the upstream socket ended, from the close frames the protocol saw."""
    protocol = upstream.protocol
    received, sent = protocol.close_rcvd, protocol.close_sent
    if received is None and sent is None:
        return Close(CloseState.NO_CLOSE_FRAME, time=at)
    if received is not None and (sent is None or protocol.close_rcvd_then_sent):
        frame, by = received, "server"
    else:
        assert sent is not None
        frame, by = sent, "client"
    code = None if frame.code == CloseCode.NO_STATUS_RCVD else int(frame.code)
    return Close(CloseState.CLOSED, code, frame.reason, by, at)

"""`serve`'s WebSocket half: a WebSocket tape is replayed as an upgrade on its recorded path
(`/v1/realtime` for the Realtime API; any `...BidiGenerateContent` path for a Gemini Live
tape), on the same port as the HTTP replays.

The replay follows the tape: before each server message that the recording shows after a
client message, it waits for the client to have sent as many messages (the session's turns), and
between server messages it keeps the recorded gaps, scaled by the speed. Then it closes as the
recording did. Faults (`x-streamcheck-fault` header, or the same name as a query parameter for
browsers, which cannot set headers on a WebSocket; or `--fault`):

    truncate-after:N   the first N server messages, then a clean close (1000)
    drop-terminator    every server message but the last (the end frame), then the close
    close:CODE         half the server messages, then a close frame with CODE; 1005 sends a
                       close frame with no status, 1006 drops the connection with none
    stall:N            half the server messages, N seconds of silence, the rest
    reset              half the server messages, then the connection is dropped (1006)
    http-*             the upgrade is refused with that HTTP error (a bad key, no access)

Runs under uvicorn's "websockets-sansio" implementation (the `websockets` library, the one
openai-python's client uses). ASGI can only send a close frame with a status code, so a close
with no status (1005) and a drop without a close frame (1006) are written on the protocol's own
connection object, which is the `send` callable's owner there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from streamcheck.exceptions import ConfigError
from streamcheck.live.serve import faults
from streamcheck.live.serve.faults import Fault
from streamcheck.live.serve.fixtures import (
    FAULT_HEADER,
    FIXTURE_HEADER,
    SPEED_HEADER,
    Fixture,
    ServeOptions,
    find,
)
from streamcheck.live.serve.replies import own_error
from streamcheck.model import Close, CloseState, Direction, Message
from streamcheck.report.terminal import printable
from streamcheck.wire.websocket import sendable

WS_FAULTS = ("truncate-after", "drop-terminator", "close", "stall", "reset")
_NORMAL = Close(CloseState.CLOSED, 1000, "", "server")


def plan(
    messages: list[Message], close: Close | None, fault: Fault | None
) -> tuple[list[Message | float], Close]:
    """What to send (messages, and float seconds of stall) and how to close, for a fault."""
    recorded = close if close is not None and close.state is not CloseState.UNKNOWN else _NORMAL
    received = [i for i, m in enumerate(messages) if m.direction is Direction.RECEIVED]
    if fault is None:
        return list(messages), recorded
    half = received[len(received) // 2] if received else len(messages)
    if fault.name == "truncate-after":
        keep = int(fault.arg or 0)
        cut = received[keep] if keep < len(received) else len(messages)
        return list(messages[:cut]), _NORMAL
    if fault.name == "drop-terminator":
        last = received[-1] if received else None
        return [m for i, m in enumerate(messages) if i != last], recorded
    if fault.name == "stall":
        return [*messages[:half], float(fault.arg or 0), *messages[half:]], recorded
    if fault.name == "reset":
        return list(messages[:half]), Close(CloseState.NO_CLOSE_FRAME)
    if fault.name == "close":
        code = int(fault.arg if fault.arg is not None else 1000)  # parse_fault checked it
        if code == 1006:
            return list(messages[:half]), Close(CloseState.NO_CLOSE_FRAME)
        return list(messages[:half]), Close(CloseState.CLOSED, None if code == 1005 else code)
    return list(messages), recorded


# A close frame's payload is at most 125 bytes (RFC 6455 5.5): the code's 2 and the reason's.
_MAX_REASON = 123


def sendable_close(close: Close) -> tuple[Close, str | None]:
    """How to end the replay of a recorded close, and a line for the log when that is not the
    recorded close itself: a frame cannot carry every code a tape may hold (RFC 6455 7.4).

    1005 in a tape is a frame with no status and 1006 no frame at all (what the codes report);
    1015 is a TLS failure, which ends a connection with no frame; any other code no frame may
    carry (70000, 1004, 999) is what a server's WebSocket library refuses to send, failing the
    connection with 1011 (internal error) instead, as the `websockets` library's server does
    when its handler raises. A reason over 123 bytes is cut to fit the frame."""
    code = close.code
    if close.state is not CloseState.CLOSED or code is None or sendable(code):
        if len(close.reason.encode("utf-8", "surrogatepass")) <= _MAX_REASON:
            return close, None
        reason = close.reason.encode("utf-8", "surrogatepass")[:_MAX_REASON]
        kept = reason.decode("utf-8", "ignore")
        cut = Close(close.state, close.code, kept, close.by, close.time)
        return cut, f"the recorded close reason is cut to {_MAX_REASON} bytes (RFC 6455 5.5)"
    if code == 1005:
        return Close(CloseState.CLOSED, None, "", close.by, close.time), (
            "the recorded close code 1005 cannot be sent in a frame (RFC 6455 7.4.1): "
            "sending a close frame with no status, which a client reports as 1005"
        )
    if code in (1006, 1015):
        return Close(CloseState.NO_CLOSE_FRAME, time=close.time), (
            f"the recorded close code {code} cannot be sent in a frame (RFC 6455 7.4.1): "
            "dropping the connection without a close frame, which a client reports as 1006"
        )
    return Close(CloseState.CLOSED, 1011, "", close.by, close.time), (
        f"the recorded close code {code} cannot be sent in a frame (RFC 6455 7.4): sending 1011, "
        "as a server whose WebSocket library refuses that code fails the connection"
    )


def with_sockets(app: ASGIApp, fixtures: list[Fixture], options: ServeOptions) -> ASGIApp:
    """`app` with WebSocket upgrades replayed here, outside starlette's middleware: the replay
    needs the server's own `send` (see `end`), which the middleware would wrap."""

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await handle(fixtures, options, WebSocket(scope, receive, send))
        else:
            await app(scope, receive, send)

    return asgi


def fault_of(websocket: WebSocket, default: Fault | None) -> Fault | None:
    given = websocket.headers.get(FAULT_HEADER) or websocket.query_params.get(FAULT_HEADER)
    return faults.parse_fault(given) if given else default


async def handle(fixtures: list[Fixture], options: ServeOptions, websocket: WebSocket) -> None:
    """One WebSocket upgrade: pick the tape, apply the fault, replay."""
    try:
        fault = fault_of(websocket, options.fault)
        speed = float(
            websocket.headers.get(SPEED_HEADER)
            or websocket.query_params.get(SPEED_HEADER)
            or options.speed
        )
        name = (
            websocket.headers.get(FIXTURE_HEADER)
            or websocket.query_params.get(FIXTURE_HEADER)
            or options.fixture
        )
        fixture = find(fixtures, name) if name else pick(fixtures, websocket.url.path)
    except (ConfigError, ValueError) as exc:  # a bad header or name: the client's error
        await _deny(websocket, 400, f"streamcheck serve: {exc}")
        return
    if fixture is None or fixture.messages is None:
        await _deny(
            websocket, 404, f"streamcheck serve: no WebSocket recording at {websocket.url.path}"
        )
        return
    if fault is not None and fault.name in faults.HTTP_FAULTS:
        reply = faults.error_reply(fault, "openai", "", "")
        await websocket.send_denial_response(Response(reply.body, reply.status, reply.headers))
        return
    if fault is not None and fault.name not in WS_FAULTS:
        await _deny(
            websocket, 400, f"streamcheck serve: fault {fault} does not apply to a WebSocket"
        )
        return
    steps, recorded = plan(fixture.messages, fixture.close, fault)
    close, note = sendable_close(recorded)
    if note is not None:
        # The name is a file's (from the replayed tree): nothing a terminal obeys.
        logging.getLogger("uvicorn.error").warning("%s: %s", printable(fixture.name), note)
    await websocket.accept(headers=[(b"x-streamcheck-fixture", fixture.name.encode())])
    with contextlib.suppress(WebSocketDisconnect):
        await replay(websocket, steps, close, max(speed, 0.0))


async def _deny(websocket: WebSocket, status: int, message: str) -> None:
    await websocket.send_denial_response(own_error(status, message))


def pick(fixtures: list[Fixture], path: str) -> Fixture | None:
    sockets = [f for f in fixtures if f.messages is not None]
    exact = [f for f in sockets if f.path == path]
    pool = exact or [
        f
        for f in sockets
        if (path.rstrip("/").endswith("/realtime") and f.api == "realtime")
        # Gemini Live: any version's path finds a Live tape (google-genai 3 asks for v1,
        # earlier ones for v1beta; Vertex AI's path differs again).
        or ("BidiGenerateContent" in path and f.api == "live")
    ]
    pool.sort(key=lambda f: f.defects)
    return pool[0] if pool else None


async def replay(
    websocket: WebSocket, steps: list[Message | float], close: Close, speed: float
) -> None:
    incoming = Inbox(websocket)
    reader = asyncio.ensure_future(incoming.run())
    try:
        sent_by_client = 0
        last_time: float | None = None
        for step in steps:
            if isinstance(step, float):  # a stall: it ends early when the client leaves
                if await incoming.gone_within(step):
                    return
                continue
            if step.direction is Direction.SENT:
                sent_by_client += 1
                await incoming.wait_for(sent_by_client)
                last_time = step.time
                continue
            if speed > 0 and step.time is not None and last_time is not None:
                gap = (step.time - last_time) / speed
                if gap > 0 and await incoming.gone_within(gap):
                    return
            last_time = step.time if step.time is not None else last_time
            if incoming.gone:
                return
            if step.binary:
                await websocket.send_bytes(step.data)
            else:
                await websocket.send_text(step.data.decode("utf-8", "surrogatepass"))
        await end(websocket, close)
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader


class Inbox:
    """Counts the client's messages as they arrive, so the replay can wait for its turns."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.count = 0
        self.gone = False
        self.changed = asyncio.Event()

    async def run(self) -> None:
        try:
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                self.count += 1
                self.changed.set()
        finally:
            self.gone = True
            self.changed.set()

    async def gone_within(self, seconds: float) -> bool:
        """Wait `seconds` (at most MAX_STALL), or less if the client leaves; whether it left."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(min(seconds, faults.MAX_STALL)):
                while not self.gone:
                    self.changed.clear()
                    await self.changed.wait()
        return self.gone

    async def wait_for(self, count: int) -> None:
        while self.count < count and not self.gone:
            self.changed.clear()
            await self.changed.wait()


async def end(websocket: WebSocket, close: Close) -> None:
    """Close as `close` says: a close frame with its code, one with no status, or none."""
    if close.state is CloseState.CLOSED and close.code is not None:
        await websocket.close(close.code, close.reason or None)
        return
    protocol = _protocol(websocket)
    if protocol is None:  # not uvicorn's websockets-sansio: the nearest ASGI can do
        await websocket.close(1000 if close.state is CloseState.CLOSED else 1011)
        return
    if close.state is CloseState.CLOSED:
        protocol.conn.send_close()  # no code: a close frame with an empty payload (1005)
        protocol.transport.write(b"".join(protocol.conn.data_to_send()))
        protocol.close_sent = True
        await asyncio.sleep(0.05)  # let the client see it and answer before the TCP close
        protocol.transport.close()
    else:
        protocol.transport.abort()  # no close frame at all (1006)


def _protocol(websocket: WebSocket) -> Any:
    owner = getattr(websocket._send, "__self__", None)
    return owner if hasattr(owner, "conn") and hasattr(owner, "transport") else None

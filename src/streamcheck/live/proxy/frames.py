"""The frames between the proxy and its checker process, over a socketpair (never a file).

Each frame: a 9-byte head, little-endian `u32 length of the body, u8 kind, u32 exchange
number`, then the body. A chunk's body is its arrival time (f64, seconds since the request)
and its bytes as they passed; a WebSocket message adds its direction and opcode; the rest
are small JSON objects. Making a chunk's frame costs one struct.pack: the forwarding side
does nothing else per chunk.

What crosses: the request as it came (the URL, the headers with the app's keys, the body up
to MAX_REQUEST_BODY) so that the checker collects the credentials (redact.collect) and
masks them in every output, as it does in process. The frames exist only in the two
processes' memory and the socket's kernel buffer; no code writes a frame, or a part of one,
anywhere: a frame the checker cannot read is reported by its kind and size only.
"""

from __future__ import annotations

import math
import socket
import struct
from collections.abc import Iterator
from typing import IO, Any, Protocol

import orjson

from streamcheck.model import Close, CloseState, Direction, EndReason, Message

MAX_REQUEST_BODY = 4 * 1024 * 1024  # request body sent to the checker (kept, parsed) up to this
HEAD = struct.Struct("<IBI")
AT = struct.Struct("<d")
MESSAGE_AT = struct.Struct("<dBB")

# proxy -> checker
CONFIG, OPEN, REQUEST, RESPONSE, CHUNK, MESSAGE, FINISH, DROP, UNCHECKED, EVENT = range(1, 11)
# checker -> proxy: READY / FAILED once; then ACK after each batch it read (body: u64
# exchanges finished, their lines written; u64 frames done, CONFIG aside), so the proxy knows
# what a dead checker lost, and tells the next one the notes (EVENT, UNCHECKED) it never did.
READY, FAILED, ACK = 20, 21, 22
COUNTS = struct.Struct("<QQ")


class Checking(Protocol):
    """What the frames are made into (checks.Checks), and what the proxy side calls."""

    def open(
        self,
        number: int,
        method: str,
        url: str,
        headers: list[tuple[bytes, bytes]],
        started: float,
    ) -> None: ...
    def request_chunk(self, number: int, data: bytes) -> None: ...
    def response(
        self,
        number: int,
        status: int,
        headers: list[tuple[bytes, bytes]],
        websocket: bool,
        ttfb: float,
    ) -> None: ...
    def chunk(self, number: int, at: float, data: bytes) -> None: ...
    def message(self, number: int, message: Message) -> None: ...
    def finish(
        self,
        number: int,
        end: EndReason,
        close: Close | None,
        duration: float,
        request_bytes: int,
    ) -> None: ...
    def drop(self, number: int) -> None: ...
    def unchecked(self, reason: str, count: int = 1) -> None: ...
    def event(self, what: str, message: str) -> None: ...


def frame(kind: int, number: int, body: bytes) -> bytes:
    return HEAD.pack(len(body), kind, number) + body


def json_frame(kind: int, number: int, value: Any) -> bytes:
    return frame(kind, number, orjson.dumps(value))


def text_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in headers]


def raw_headers(headers: list[list[str]]) -> list[tuple[bytes, bytes]]:
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]


def close_value(close: Close | None) -> dict[str, Any] | None:
    if close is None:
        return None
    return {
        "state": close.state.value,
        "code": close.code,
        "reason": close.reason,
        "by": close.by,
        "time": close.time,
    }


def batches(sock: socket.socket, size: int = 1024 * 1024) -> Iterator[list[tuple[int, int, bytes]]]:
    """The frames as they arrive, a list per read of the socket, until the other end closes."""
    pending = bytearray()
    while True:
        data = sock.recv(size)
        if not data:
            return
        pending += data
        found = []
        at = 0
        while len(pending) - at >= HEAD.size:
            length, kind, number = HEAD.unpack_from(pending, at)
            end = at + HEAD.size + length
            if end > len(pending):
                break
            found.append((kind, number, bytes(pending[at + HEAD.size : end])))
            at = end
        del pending[:at]
        yield found


def read(stream: IO[bytes]) -> Iterator[tuple[int, int, bytes]]:
    """(kind, exchange number, body) of each frame until the other end closes."""
    while True:
        head = stream.read(HEAD.size)
        if len(head) < HEAD.size:
            return
        size, kind, number = HEAD.unpack(head)
        body = stream.read(size) if size else b""
        if len(body) < size:
            return
        yield kind, number, body


def apply(kind: int, number: int, body: bytes, checks: Checking) -> None:
    """Make one proxy -> checker frame into the call it stands for."""
    if kind == CHUNK:
        checks.chunk(number, AT.unpack_from(body)[0], body[AT.size :])
    elif kind == MESSAGE:
        at, direction, binary = MESSAGE_AT.unpack_from(body)
        checks.message(
            number,
            Message(
                Direction.SENT if direction else Direction.RECEIVED,
                body[MESSAGE_AT.size :],
                bool(binary),
                None if math.isnan(at) else at,
            ),
        )
    elif kind == REQUEST:
        checks.request_chunk(number, body)
    elif kind == OPEN:
        value = orjson.loads(body)
        checks.open(
            number, value["method"], value["url"], raw_headers(value["headers"]), value["started"]
        )
    elif kind == RESPONSE:
        value = orjson.loads(body)
        checks.response(
            number,
            value["status"],
            raw_headers(value["headers"]),
            value["websocket"],
            value["ttfb"],
        )
    elif kind == FINISH:
        value = orjson.loads(body)
        close = value["close"]
        checks.finish(
            number,
            EndReason(value["end"]),
            None
            if close is None
            else Close(
                CloseState(close["state"]),
                close["code"],
                close["reason"],
                close["by"],
                close["time"],
            ),
            value["duration"],
            value["request_bytes"],
        )
    elif kind == DROP:
        checks.drop(number)
    elif kind == UNCHECKED:
        for reason, count in orjson.loads(body).items():
            checks.unchecked(reason, int(count))
    elif kind == EVENT:
        value = orjson.loads(body)
        checks.event(value["event"], value["message"])
    else:
        raise ValueError(f"unknown frame kind {kind} ({len(body)} bytes)")

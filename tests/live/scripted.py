"""Small misbehaving HTTP servers on 127.0.0.1 for the live tests: each connection reads one
request, then plays a script (send bytes, wait, reset, hang), so a test can make a server do
what the replay server cannot (answer headers then go silent, drip, reset, echo a key back).
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

# One step of a script: bytes to send, a pause in seconds, an event to wait for (set by the
# test: up to 120 s), or one of the words below.
Step = bytes | float | str | threading.Event
RESET = "reset"  # close with SO_LINGER 0: the peer gets a TCP RST
HANG = "hang"  # keep the connection open and send nothing until the server stops
Script = Callable[["Received"], list[Step]]


@dataclass(slots=True)
class Received:
    """What the client sent: request line, headers (lower-case names) and body."""

    line: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return self.line.split(" ")[1] if " " in self.line else ""


@dataclass(slots=True)
class Server:
    url: str
    received: list[Received] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)


def sse_head(status: int = 200, content_type: str = "text/event-stream") -> bytes:
    reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized"}.get(status, "Error")
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: {content_type}\r\n"
        "transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    ).encode()


def chunk(data: bytes) -> bytes:
    """One piece of a chunked body (RFC 9112 section 7.1)."""
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


LAST_CHUNK = b"0\r\n\r\n"


def json_reply(status: int, body: bytes) -> bytes:
    reason = {400: "Bad Request", 401: "Unauthorized", 422: "Unprocessable Entity"}.get(
        status, "Error"
    )
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


def _read_request(conn: socket.socket) -> Received | None:
    data = b""
    while b"\r\n\r\n" not in data:
        more = conn.recv(65536)
        if not more:
            return None
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    while len(body) < length:
        more = conn.recv(65536)
        if not more:
            break
        body += more
    return Received(lines[0], headers, body)


def _play(conn: socket.socket, steps: list[Step], stop: threading.Event) -> None:
    for step in steps:
        if isinstance(step, bytes):
            conn.sendall(step)
        elif isinstance(step, threading.Event):
            step.wait(120)
        elif isinstance(step, float | int):
            if stop.wait(float(step)):
                return
        elif step == RESET:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        elif step == HANG:
            stop.wait(120)
            return


@contextmanager
def scripted(
    script: Script, tls: ssl.SSLContext | None = None, greeting: bytes | None = None
) -> Iterator[Server]:
    """Serve `script` on a free 127.0.0.1 port; yields the server (its base URL, requests).
    With `greeting`, each connection gets those bytes at once, before anything is read (a
    plain-HTTP server answering a TLS client's hello), and is closed."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    server = Server(f"{'https' if tls else 'http'}://127.0.0.1:{port}")

    def handle(conn: socket.socket) -> None:
        try:
            if greeting is not None:
                conn.sendall(greeting)
                return
            if tls is not None:
                try:
                    conn = tls.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):
                    return  # the client refused the handshake: that is the test
            request = _read_request(conn)
            if request is None:
                return
            server.received.append(request)
            _play(conn, script(request), server.stop)
        except OSError:
            pass
        finally:
            conn.close()

    def accept() -> None:
        while not server.stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(30)
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        thread.join(timeout=5)
        listener.close()


def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then released): connecting is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port

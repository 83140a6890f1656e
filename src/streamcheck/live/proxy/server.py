"""Run the proxy under uvicorn: bound to 127.0.0.1 unless told otherwise, HTTP/1.1 (h11) and
WebSocket upgrades, no headers of uvicorn's own added to the upstream's (server, date)."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable, Iterator

import uvicorn

from streamcheck.exceptions import ConfigError
from streamcheck.live.proxy.app import Proxy
from streamcheck.live.proxy.cuts import QuietCuts


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    sock.listen(2048)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def server_for(app: Proxy, backlog: int = 2048) -> uvicorn.Server:
    logging.getLogger("uvicorn.error").addFilter(QuietCuts())
    config = uvicorn.Config(
        app,
        http="h11",
        ws="websockets-sansio",
        lifespan="on",
        log_level="warning",
        access_log=False,
        server_header=False,
        date_header=False,
        backlog=backlog,
        ws_max_size=2**31 - 1,  # a Realtime audio event can be megabytes: the upstream decides
        ws_ping_interval=None,  # the app's pings pass through; none of ours
        timeout_keep_alive=75,
    )
    return uvicorn.Server(config)


def serve(app: Proxy, sock: socket.socket, ready: Callable[[], None]) -> None:
    """Serve until Ctrl-C / SIGTERM."""
    server = server_for(app)
    original = server.startup

    async def startup(sockets: list[socket.socket] | None = None) -> None:
        await original(sockets)
        ready()

    server.startup = startup  # type: ignore[method-assign]
    server.run(sockets=[sock])


@contextlib.contextmanager
def running(app: Proxy, host: str = "127.0.0.1") -> Iterator[str]:
    """The proxy in a thread on a free port (tests, the benchmark): its base URL."""
    sock = bind(host, 0)
    server = server_for(app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise ConfigError("the proxy did not start")
            threading.Event().wait(0.01)
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()

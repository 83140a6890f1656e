"""`streamcheck serve`: replay recordings as a local provider endpoint, with injected faults.

A starlette app under uvicorn. Endpoints (shapes from PROVIDERS.md sections 2.1, 2.3 and 2.4):
    POST /v1/chat/completions, /chat/completions, /openai/v1/chat/completions   OpenAI chat
    POST /openai/deployments/{deployment}/chat/completions?api-version=...      Azure OpenAI
    POST /v1/messages                                                           Anthropic
    GET  /v1/models, /v1/models/{model}                                         model listing
    POST anything else: a fixture recorded at that URL path
Which recording answers: the `x-streamcheck-fixture` header (or --fixture) names one (file stem,
`stem#N` for the N-th exchange of a file, or its path); otherwise the first recording of that
API, preferring one recorded for the same features (tools, n, usage, cap, stop, JSON output,
logprobs, thinking: replay_match.py), then one whose model matches the request. Faults come
from --fault or the `x-streamcheck-fault` header (see `faults.py`). Timing follows the
recording, scaled by --speed (`x-streamcheck-speed`); 0 sends as fast as possible.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope
from starlette.types import Send as AsgiSend

from streamcheck import redact
from streamcheck.exceptions import ConfigError
from streamcheck.live.serve import faults
from streamcheck.live.serve.faults import Fault, Reset, Stall, Step
from streamcheck.live.serve.fixtures import FAULT_HEADER, SPEED_HEADER, Fixture, find

# What tests and helpers import from here (the recordings moved to fixtures.py; the names stay).
from streamcheck.live.serve.fixtures import FIXTURE_HEADER as FIXTURE_HEADER
from streamcheck.live.serve.fixtures import ServeOptions as ServeOptions
from streamcheck.live.serve.fixtures import load_fixtures as load_fixtures
from streamcheck.live.serve.replay_match import features
from streamcheck.live.serve.replies import own_error

# Headers of the recording that describe the recorded transfer, not the replayed one.
_HOP_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "content-encoding", "connection", "keep-alive"}
)
_API_FAMILY = {"openai": "chat-completions", "azure": "chat-completions", "anthropic": "messages"}


def request_dialect(path: str) -> str | None:
    if path.endswith("/messages"):
        return "anthropic"
    if "/openai/deployments/" in path:
        return "azure"
    if path.endswith("/chat/completions"):
        return "openai"
    return None


class Replayer:
    """Answers requests from the loaded fixtures."""

    def __init__(self, fixtures: list[Fixture], options: ServeOptions) -> None:
        self.fixtures = fixtures
        self.options = options
        if options.fixture:
            self.find(options.fixture)  # fail at start, not on the first request

    def find(self, name: str) -> Fixture:
        return find(self.fixtures, name)

    def pick(
        self, path: str, dialect: str | None, model: str | None, body: Any = None
    ) -> Fixture | None:
        if dialect is not None:
            api = _API_FAMILY[dialect]
            provider_ok = {"anthropic"} if dialect == "anthropic" else {"openai", "azure-openai"}
            pool = [f for f in self.fixtures if f.api == api and f.provider in provider_ok]
            pool = pool or [f for f in self.fixtures if f.api == api]
        else:
            pool = [f for f in self.fixtures if f.path == path]
        asked = features(body)
        same = [f for f in pool if asked and f.features == asked]
        if same:  # recordings of what the request asks for; then the model decides
            same.sort(key=lambda f: (f.model != model, f.status != 200, f.defects))
            return same[0]
        pool.sort(key=lambda f: (f.status != 200, f.defects, f.model != model))
        return pool[0] if pool else None

    async def handle(self, request: Request) -> Response:
        raw = await request.body()
        try:
            body = orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError:
            body = {}
        path = request.url.path
        dialect = request_dialect(path)
        model = str(body.get("model") or "") if isinstance(body, dict) else ""
        if dialect == "azure":
            model = path.split("/openai/deployments/", 1)[1].split("/", 1)[0]
        try:
            fault = self._fault(request)
            speed = float(request.headers.get(SPEED_HEADER, self.options.speed))
            name = request.headers.get(FIXTURE_HEADER) or self.options.fixture
            fixture = self.find(name) if name else self.pick(path, dialect, model or None, body)
        except (ConfigError, ValueError) as exc:
            return own_error(400, f"streamcheck serve: {exc}")
        if fault is not None and fault.name in faults.HTTP_FAULTS:
            reply = faults.error_reply(
                fault,
                dialect or (fixture.dialect if fixture else "openai"),
                model,
                request.query_params.get("api-version", ""),
            )
            return Response(reply.body, reply.status, reply.headers)
        if fixture is None or fixture.messages is not None:
            return own_error(404, f"streamcheck serve: no recording answers POST {path}")
        if fault is not None and fault.name == "close":
            return own_error(400, "streamcheck serve: fault close:N applies to WebSockets only")
        frames = faults.split_frames([(s.data, s.time) for s in fixture.chunks], fixture.framing)
        stream_dialect = "anthropic" if dialect == "anthropic" else fixture.dialect
        if stream_dialect == "openai" and fixture.api == "responses":
            stream_dialect = "responses"  # its own terminal and error events (faults.py)
        steps = faults.plan(fault, frames, fixture.chunks, stream_dialect)
        headers = {k: v for k, v in fixture.headers.items() if k.lower() not in _HOP_HEADERS}
        headers[FIXTURE_HEADER] = fixture.name
        return ReplayResponse(steps, fixture.status, headers, max(speed, 0.0))

    def _fault(self, request: Request) -> Fault | None:
        given = request.headers.get(FAULT_HEADER)
        return faults.parse_fault(given) if given else self.options.fault

    async def models(self, request: Request) -> Response:
        wanted = request.path_params.get("model")
        names = sorted({f.model for f in self.fixtures if f.model})
        listed = [
            {"id": n, "object": "model", "created": 0, "owned_by": "streamcheck"} for n in names
        ]
        if wanted is None:
            return JSONResponse({"object": "list", "data": listed})
        for item in listed:
            if item["id"] == wanted:
                return JSONResponse(item)
        return faults_response(Fault("http-404-model"), wanted)


def faults_response(fault: Fault, model: str) -> Response:
    reply = faults.error_reply(fault, "openai", model)
    return Response(reply.body, reply.status, reply.headers)


class ConnectionAborted(Exception):
    """Raised inside a response to make uvicorn drop the connection mid-body (fault `reset`)."""


class ReplayResponse(Response):
    """Sends the steps of a replay plan with the recording's timing, scaled by `speed`."""

    def __init__(
        self, steps: Iterator[Step], status: int, headers: dict[str, str], speed: float
    ) -> None:
        # Not Response.__init__: it would declare a Content-Length; a replay is chunked.
        self.status_code = status
        self.background = None
        self.init_headers(headers)
        self.steps = steps
        self.speed = speed

    async def __call__(self, scope: Scope, receive: Receive, send: AsgiSend) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        self.gone = False
        async for data in self._timed(receive):
            await send({"type": "http.response.body", "body": data, "more_body": True})
        if not self.gone:
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _timed(self, receive: Receive) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for step in self.steps:
            if isinstance(step, Stall):
                if await self._gone_within(receive, step.seconds):
                    return
                start += step.seconds  # the recording's later times shift by the stall
            elif isinstance(step, Reset):
                raise ConnectionAborted("fault: reset")
            else:
                if self.speed > 0 and step.time is not None:
                    delay = step.time / self.speed - (loop.time() - start)
                    if delay > 0 and await self._gone_within(receive, delay):
                        return
                yield step.data

    async def _gone_within(self, receive: Receive, seconds: float) -> bool:
        """Wait `seconds` (at most MAX_STALL), or less if the client disconnects (then True)
        or the server stops (then the body is cut as by `reset`): a stall must hold neither a
        connection whose client left nor a shutdown until it ends."""

        async def disconnected() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            self.gone = True

        waits = [asyncio.ensure_future(disconnected()), asyncio.ensure_future(_stopping().wait())]
        try:
            await asyncio.wait(
                waits, timeout=min(seconds, faults.MAX_STALL), return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for wait in waits:
                wait.cancel()
        if not self.gone and _stopping().is_set():
            raise ConnectionAborted("serve is stopping")
        return self.gone


_STOPPING: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Event] = (
    weakref.WeakKeyDictionary()
)


def _stopping() -> asyncio.Event:
    """Set when the server running on this loop starts its shutdown (SIGTERM, Ctrl-C)."""
    return _STOPPING.setdefault(asyncio.get_running_loop(), asyncio.Event())


class _QuietAborts(logging.Filter):
    """uvicorn logs a traceback for any exception in the app; an injected reset is not one."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionAborted)


class _RedactedLog(logging.Filter):
    """The access log prints each request line: a `?key=...` query (Gemini's convention) or a
    key in the path must not reach the terminal or a log file in clear."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted_arg(a) for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact.text(record.msg)
        return True


def _redacted_arg(value: object) -> object:
    if not isinstance(value, str):
        return value
    return redact.url(value) if "?" in value else redact.text(value)


def build_app(fixtures: list[Fixture], options: ServeOptions) -> ASGIApp:
    replayer = Replayer(fixtures, options)
    routes = [
        Route("/v1/models", replayer.models, methods=["GET"]),
        Route("/v1/models/{model:path}", replayer.models, methods=["GET"]),
        Route("/models", replayer.models, methods=["GET"]),
        Route("/{path:path}", replayer.handle, methods=["POST"]),
    ]

    logging.getLogger("uvicorn.error").addFilter(_QuietAborts())
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactedLog) for f in logger.filters):
            logger.addFilter(_RedactedLog())
    app = Starlette(routes=routes)
    if any(f.messages is not None for f in fixtures):
        from streamcheck.live.serve import ws_server

        return ws_server.with_sockets(app, fixtures, options)  # upgrades on any recorded path
    return app


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one (read it back with getsockname)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on connections accepted from a socket
    # whose proto says TCP. Without it, on a keep-alive connection each body chunk after the
    # head waited for the client's delayed ACK: 40 ms added to every replay's first byte.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


SHUTDOWN_GRACE = 2  # seconds


def _server(app: ASGIApp, access_log: bool) -> uvicorn.Server:
    from importlib.util import find_spec

    # The websockets library's sans-I/O implementation: the one WebSocket library (openai-python
    # uses it), and its connection object can send a close frame with no status (ws_server.py).
    ws = "websockets-sansio" if find_spec("websockets") else "none"
    config = uvicorn.Config(
        app,
        log_level="info" if access_log else "warning",
        access_log=access_log,
        lifespan="off",
        ws=ws,
        # SIGTERM or Ctrl-C: replays still sending (a stall, a slow recording) get this long,
        # then are cancelled; without it the server waits for each to end, however long.
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
    )
    server = uvicorn.Server(config)
    original = server.shutdown

    async def shutdown(sockets: list[socket.socket] | None = None) -> None:
        _stopping().set()  # replays waiting out a stall or a gap end now
        await original(sockets=sockets)

    server.shutdown = shutdown  # type: ignore[method-assign]
    return server


def serve(
    app: ASGIApp, sock: socket.socket, access_log: bool = False, ready: Callable[[], Any] = str
) -> None:
    """Run until Ctrl-C (uvicorn handles the signal and shuts down cleanly)."""
    server = _server(app, access_log)
    original = server.startup

    async def startup(sockets: list[socket.socket] | None = None) -> None:
        await original(sockets=sockets)
        ready()

    server.startup = startup  # type: ignore[method-assign]
    server.run(sockets=[sock])


@contextlib.contextmanager
def running(
    paths: list[str], options: ServeOptions | None = None, host: str = "127.0.0.1"
) -> Iterator[str]:
    """Serve `paths` from a thread on a free port; yields the base URL (tests, notebooks)."""
    app = build_app(load_fixtures(paths), options or ServeOptions())
    sock = bind(host, 0)
    server = _server(app, access_log=False)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise ConfigError("the replay server did not start")
            threading.Event().wait(0.01)
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()

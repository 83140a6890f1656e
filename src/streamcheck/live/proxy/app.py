"""`streamcheck proxy`: a raw ASGI app that forwards each request to its upstream and the
answer back, byte for byte and chunk by chunk as it arrives, and tees each exchange into the
checking after the bytes have been passed on (gate.Feed: to the checker process, process.py,
or with `--checker inline` to checks.Checks in this process).

What the app sees is the upstream's answer: the status, the headers (hop-by-hop ones aside,
headers.py) and every body byte, each chunk sent on as soon as it is read, with the server's
flow control between (a slow reader slows the upstream read: no buffering). A client that
leaves closes the upstream response. An upstream that resets or times out mid-body makes the
proxy drop the app's connection the same way (no clean end the upstream did not send). The
only answers of the proxy's own: 404 for a path no route serves, 502 when no upstream answered.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import orjson

from streamcheck.live.proxy import headers as hop
from streamcheck.live.proxy.cuts import ClientLeft, UpstreamCut
from streamcheck.live.proxy.gate import Feed, Gate, Link
from streamcheck.live.proxy.routes import Router
from streamcheck.model import EndReason

if TYPE_CHECKING:
    from streamcheck.check import CheckOptions
    from streamcheck.live.observe import Outputs
    from streamcheck.live.proxy.process import CheckerProcess

POOLS = 16  # upstream connection pools (see Proxy.upstream)
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})  # RFC 9110 9.2.2
MAX_REPLAY = 4 * 1024 * 1024  # a request body kept to be sent again (see send_upstream)
# Kept-alive upstream connections are dropped after this many idle seconds: below the 5 s of
# uvicorn's and Node's servers, so the proxy does not reuse one the server is closing.
KEEPALIVE_EXPIRY = 4.0
Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True, slots=True)
class ProxyOptions:
    sample: float = 1.0  # share of exchanges checked
    max_checked: int = 64  # exchanges checked at once; the rest pass unchecked (counted)
    connect_timeout: float = 10.0
    read_timeout: float | None = None  # None: wait as long as the app does
    keep_bytes: int = 8 * 1024 * 1024  # body kept per exchange for a tape of a failing one
    check: bool = True  # False: a plain pass-through proxy (the benchmark's baseline)


class Proxy:
    """The ASGI app. One per process: it holds the upstream connection pool and the checking:
    `checker` (a process of its own, started before the server runs), or else `outputs`
    written by a checker in this process (`--checker inline`, tests)."""

    def __init__(
        self,
        router: Router,
        outputs: Outputs | None,
        options: ProxyOptions = ProxyOptions(),
        check_options: CheckOptions | None = None,
        draw: Callable[[], float] = random.random,
        checker: CheckerProcess | None = None,
    ) -> None:
        self.router = router
        self.options = options
        self.checker = checker if options.check else None
        link: Link | None = None
        if options.check and checker is None and outputs is not None:
            from streamcheck.check import CheckOptions
            from streamcheck.live.proxy.checks import Checks

            link = Checks(
                outputs, check_options or CheckOptions(), options.keep_bytes, options.read_timeout
            )
        self.gate = Gate(link, options.sample, options.max_checked, draw)
        self.clients: list[httpx.AsyncClient | None] = [None] * POOLS

    # -- ASGI --------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self.http(scope, receive, send)
        elif kind == "websocket":
            from streamcheck.live.proxy import ws

            await ws.relay(
                self.router, self.gate, self.options.connect_timeout, scope, receive, send
            )
        elif kind == "lifespan":
            await self.lifespan(receive, send)

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.upstream(0)
                if self.checker is not None:
                    self.gate.link = await self.checker.attach()
                    self.checker.on_link = self._relink
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for client in self.clients:
                    if client is not None:
                        await client.aclose()
                if self.checker is not None:  # the exchanges are over: their lines written
                    await self.checker.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _relink(self, link: Link | None) -> None:
        self.gate.link = link

    def upstream(self, key: int) -> httpx.AsyncClient:
        """An upstream client (made in the server's event loop), one of POOLS by `key` (the
        app's connection: its requests come one after another, so they reuse the same pool).
        httpcore's pool matches each waiting request against every connection it holds, so
        its cost per request grows with the square of the streams in flight: 200 streams in
        one pool spent more CPU there than in forwarding (bench/proxy.py, see notes)."""
        index = key % POOLS
        client = self.clients[index]
        if client is None:
            options = self.options
            client = httpx.AsyncClient(
                timeout=httpx.Timeout(
                    options.read_timeout, connect=options.connect_timeout, pool=None
                ),
                limits=httpx.Limits(
                    max_connections=None,
                    max_keepalive_connections=64,
                    keepalive_expiry=KEEPALIVE_EXPIRY,
                ),
                follow_redirects=False,
                trust_env=False,  # no proxy or certificate settings from the environment
            )
            # httpx adds Accept, Accept-Encoding, Connection and User-Agent to every request
            # that lacks them: the upstream would then compress what the app did not ask to be.
            for name in list(client.headers):
                del client.headers[name]
            self.clients[index] = client
        return client

    # -- HTTP --------------------------------------------------------------------------------

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_path = scope.get("raw_path") or scope["path"].encode()
        path = raw_path.decode("latin-1")
        route = self.router.find(scope["path"])
        if route is None:
            await own_error(send, 404, f"streamcheck proxy: no route for {scope['path']}")
            return
        method = scope["method"]
        url = route.target(path, scope.get("query_string", b""))
        raw_headers = list(scope["headers"])
        tee = self.gate.admit(method, url, raw_headers)
        forwarded = hop.upstream_request(raw_headers)
        names = {name.lower() for name, _ in raw_headers}
        has_body = b"content-length" in names or b"transfer-encoding" in names
        client = self.upstream((scope.get("client") or ("", 0))[1])
        body = RequestBody(receive, tee) if has_body else None
        try:
            response = await self.send_upstream(client, method, url, forwarded, body)
        except ClientLeft:
            self.gate.release(tee, EndReason.INTERRUPTED)
            return
        except httpx.TimeoutException:
            self.gate.release(tee, EndReason.TIMEOUT)
            await own_error(send, 502, f"streamcheck proxy: {route.upstream} did not answer")
            return
        except httpx.HTTPError as exc:
            self.gate.release(tee, EndReason.RESET)
            await own_error(
                send, 502, f"streamcheck proxy: cannot reach {route.upstream} ({_why(exc)})"
            )
            return
        await self.relay(response, tee, receive, send)

    async def send_upstream(
        self,
        client: httpx.AsyncClient,
        method: str,
        url: str,
        headers: list[tuple[bytes, bytes]],
        body: RequestBody | None,
    ) -> httpx.Response:
        """The upstream's response head. A kept-alive connection the upstream closed just as
        it was reused (its idle timeout) fails before any answer; as Go's http.Transport does,
        the request goes again, once, on a new connection, only when sending it twice is safe:
        an idempotent method, or an Idempotency-Key header (an LLM call is a POST: it is not
        sent twice; KEEPALIVE_EXPIRY keeps such reuse rare), and a body kept whole."""
        request = client.build_request(
            method, url, headers=headers, content=body.first() if body else None
        )
        try:
            return await client.send(request, stream=True)
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            safe = method in IDEMPOTENT or any(
                name.lower() in (b"idempotency-key", b"x-idempotency-key") for name, _ in headers
            )
            if not safe or (body is not None and not body.replayable):
                raise
        request = client.build_request(
            method, url, headers=headers, content=body.again() if body else None
        )
        return await client.send(request, stream=True)

    async def relay(
        self, response: httpx.Response, tee: Feed | None, receive: Receive, send: Send
    ) -> None:
        """The upstream's answer to the app, chunk by chunk; the app leaving stops it."""
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": hop.app_response(response.headers.raw),
            }
        )
        if tee is not None:  # after the head went on: the app never waits for the checker
            tee.response(response.status_code, response.headers.raw, websocket=False)
        pump = asyncio.ensure_future(self.pump(response, tee, send))
        watch = asyncio.ensure_future(_left(receive))
        try:
            await asyncio.wait((pump, watch), return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not pump.done():  # the app left: stop reading the upstream
                pump.cancel()
            watch.cancel()
            end = EndReason.INTERRUPTED
            try:
                end = await pump
            except asyncio.CancelledError:
                end = EndReason.INTERRUPTED
            finally:
                await response.aclose()
                self.gate.release(tee, end)
        if end in (EndReason.RESET, EndReason.TIMEOUT):
            raise UpstreamCut(end.value)

    async def pump(self, response: httpx.Response, tee: Feed | None, send: Send) -> EndReason:
        """Forward first, then tee: the app never waits for the checker."""
        try:
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                if tee is not None:
                    tee.chunk(chunk)
        except httpx.TimeoutException:
            return EndReason.TIMEOUT
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.NetworkError):
            return EndReason.RESET
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return EndReason.EOF


class RequestBody:
    """The app's request body, passed on as it arrives (and teed, up to a cap), and kept up to
    MAX_REPLAY so that it can be sent again if the first connection fails before any answer."""

    def __init__(self, receive: Receive, tee: Feed | None) -> None:
        self.receive = receive
        self.tee = tee
        self.kept: list[bytes] = []
        self.size = 0
        self.more = True
        self.replayable = True

    async def first(self) -> AsyncIterator[bytes]:
        async for chunk in self._rest():
            yield chunk

    async def again(self) -> AsyncIterator[bytes]:
        for chunk in list(self.kept):
            yield chunk
        async for chunk in self._rest():
            yield chunk

    async def _rest(self) -> AsyncIterator[bytes]:
        while self.more:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ClientLeft
            chunk = message.get("body", b"")
            self.more = message.get("more_body", False)
            if chunk:
                self.size += len(chunk)
                if self.size <= MAX_REPLAY:
                    self.kept.append(chunk)
                else:
                    self.replayable, self.kept = False, []
                if self.tee is not None:
                    self.tee.request_chunk(chunk)
                yield chunk


async def _left(receive: Receive) -> None:
    """Returns when the app's connection goes away (or the response has completed)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def own_error(send: Send, status: int, message: str) -> None:
    """An answer of the proxy itself, in OpenAI's error shape (what most SDKs parse)."""
    body = orjson.dumps(
        {"error": {"message": message, "type": "proxy_error", "param": None, "code": None}}
    )
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _why(exc: httpx.HTTPError) -> str:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        cause = cause.__cause__ or cause.__context__
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]

"""One proxied exchange teed into the push checker and the outputs, beside the traffic.

The proxy forwards first and tees after: this object only ever sees copies of what passed, each
with the time the proxy saw it (seconds since the request), in the checker process or, with
`--checker inline`, in the proxy's own; it never raises into the traffic. A failure inside the
checker (a bug of streamcheck's) stops checking that exchange, is logged once
(`Outputs.internal_error`) and the bytes flow on.

Credentials: the request's are collected (`redact.collect`) before anything is stored and
masked in every output; the request kept for the log and tapes is the redacted one.
"""

from __future__ import annotations

from typing import Any

import orjson

from streamcheck import redact
from streamcheck.check import CheckOptions, StreamChecker
from streamcheck.live.inflate import CODINGS, Inflater
from streamcheck.live.observe import BodyKeeper, Observed, Outputs
from streamcheck.live.proxy.frames import MAX_REQUEST_BODY
from streamcheck.model import Close, EndReason, Exchange, ExchangeResult, Message, Request
from streamcheck.schemas import Catalog
from streamcheck.sources import hints


def text_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in raw}


class Tee:
    """Feed it the request, the response head, each chunk or message, then `finish()` once."""

    def __init__(
        self,
        outputs: Outputs,
        options: CheckOptions,
        catalog: Catalog,
        keep_bytes: int,
        method: str,
        url: str,
        headers: list[tuple[bytes, bytes]],
        started: float,
        read_timeout: float | None = None,
    ) -> None:
        self.outputs = outputs
        self.read_timeout = read_timeout  # the proxy's own: a timeout end is then its doing
        self.options = options
        self.catalog = catalog
        self.keep_bytes = keep_bytes
        self.started = started  # wall clock (epoch seconds) when the request began
        self.method = method
        # Kept raw until the first body byte went on: redacting and detecting cost time the
        # app would otherwise wait for (`_prepare`).
        self.raw_url, self.raw_headers = url, headers
        self.url = url
        self.secrets: frozenset[str] = frozenset()
        self.request_headers: dict[str, str] = {}
        self.hint = hints.NONE
        self.prepared = False
        self.websocket = False
        self.raw_response: list[tuple[bytes, bytes]] = []
        self.body_parts: list[bytes] = []
        self.body_size = 0
        self.request_body: Any = None
        self.status: int | None = None
        self.response_headers: dict[str, str] = {}
        self.ttfb: float | None = None
        self.checker: StreamChecker | None = None
        self.keeper: BodyKeeper | None = None
        self.inflater: Inflater | None = None  # a compressed body, undone for the checker
        self.notes: list[str] = []  # what the body's decoding could not undo (SC902)
        self.bytes_out = 0
        self.failed = False  # the checker failed: the rest passes unchecked
        self.done = False

    # -- what passed ---------------------------------------------------------------------------

    def request_chunk(self, data: bytes) -> None:
        if self.body_size + len(data) <= MAX_REQUEST_BODY:
            self.body_parts.append(data)
        self.body_size += len(data)

    def response(
        self, status: int, headers: list[tuple[bytes, bytes]], websocket: bool, ttfb: float
    ) -> None:
        """The response head arrived (for a WebSocket: the upgrade's answer). The checker is
        made at the first chunk."""
        self.ttfb = ttfb
        self.status = status
        self.raw_response = headers
        self.websocket = websocket

    def chunk(self, data: bytes, at: float) -> None:
        self.bytes_out += len(data)
        if self.checker is None and self.keeper is None and not self.failed:
            self._guard(self._start)
        checker, keeper = self.checker, self.keeper
        if checker is None or keeper is None:
            return
        try:
            if self.inflater is None:
                keeper.add(data, at)
                checker.feed(data, at)
            else:
                for piece in self.inflater.feed(data):
                    keeper.add(piece, at)
                    checker.feed(piece, at)
        except Exception as exc:
            self._failed(exc)

    def message(self, message: Message) -> None:
        if message.direction.value == "received":
            self.bytes_out += len(message.data)
        else:
            self.body_size += len(message.data)
        if self.checker is None and self.keeper is None and not self.failed:
            self._guard(self._start)
        checker, keeper = self.checker, self.keeper
        if checker is None or keeper is None:
            return
        try:
            keeper.message(message)
            checker.feed_message(message)
        except Exception as exc:
            self._failed(exc)

    # -- the end --------------------------------------------------------------------------------

    def finish(
        self, end: EndReason, close: Close | None, duration: float, request_bytes: int
    ) -> str | None:
        """The exchange is over: close the checker and write the outputs; the verdict.
        `request_bytes`: the request body's size (the part past MAX_REQUEST_BODY is not sent
        here: it is counted, never kept)."""
        if self.done:
            return None
        self.done = True
        self.body_size = max(self.body_size, request_bytes)
        if self.checker is None and self.keeper is None and not self.failed:
            if self.status is None:
                self._guard(self._prepare)
            else:
                self._guard(self._start)  # a response with no body
        if self.status is None:  # no response came: the upstream was unreachable
            self._parse_body()
            result = self._no_response(end)
        elif self.checker is None:
            return None  # checking failed (already logged)
        else:
            checker = self.checker
            self.checker = None
            try:
                result = checker.close(end, close, end_time=round(duration, 6))
                checker.release()  # its cycles freed now, not by the collector's passes
            except Exception as exc:
                self._failed(exc)
                return None
        observed = Observed(
            result=result,
            request=Request(self.method, self.url, self.request_headers, self.request_body),
            status=self.status,
            headers=self.response_headers,
            started=self.started,
            ttfb=self.ttfb,
            duration=duration,
            bytes_in=self.body_size,
            bytes_out=self.bytes_out,
            keeper=self.keeper,
            secrets=self.secrets,
            close=close,
        )
        return self.outputs.emit(observed)

    def _prepare(self) -> None:
        """Credentials collected, the request redacted, the provider hinted (once)."""
        if self.prepared:
            return
        self.prepared = True
        plain = text_headers(self.raw_headers)
        self.secrets = redact.collect(self.raw_url, plain)
        with redact.scope(self.secrets):
            self.url = redact.url(self.raw_url)
            self.request_headers = redact.headers(plain)
        self.hint = hints.from_request(self.raw_url, plain)
        self.raw_headers = []

    def _start(self) -> None:
        self._prepare()
        self._parse_body()
        websocket = self.websocket
        self.response_headers = text_headers(self.raw_response)
        headers = self.response_headers
        coding = headers.get("content-encoding", "").strip().lower()
        if coding in CODINGS and not websocket:
            # The checker and the tape get the body the app's HTTP library hands the app.
            self.inflater = Inflater(coding, self.notes)
            headers = {k: v for k, v in headers.items() if k != "content-encoding"}
        exchange = Exchange(
            source="proxy",
            index=0,
            request=Request(self.method, self.url, self.request_headers, self.request_body),
            status=self.status,
            headers=headers,
            chunks=(),
            provider=self.hint.provider,
            api=self.hint.api,
            api_version=self.hint.api_version,
            secrets=self.secrets,
            notes=self.notes,
            arrival_times=True,  # each chunk timed as it passed: the cause of a cut can tell
            read_timeout=self.read_timeout,
        )
        if websocket:
            exchange.messages = ()
        self.keeper = BodyKeeper(self.keep_bytes)
        self.checker = StreamChecker(exchange, self.options, self.catalog)

    def _parse_body(self) -> None:
        if not self.body_parts:
            return
        raw, self.body_parts = b"".join(self.body_parts), []
        if self.body_size > MAX_REQUEST_BODY:
            return
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return
        self.secrets |= redact.collect(body=body)
        with redact.scope(self.secrets):
            try:
                self.request_body = orjson.loads(redact.text(orjson.dumps(body).decode()))
            except (orjson.JSONDecodeError, orjson.JSONEncodeError):
                self.request_body = None

    def _no_response(self, end: EndReason) -> ExchangeResult:
        """The verdict on an exchange no upstream answered (a cut before any byte)."""
        return ExchangeResult(
            source="proxy",
            index=0,
            provider=self.hint.provider,
            api=self.hint.api,
            api_version=self.hint.api_version,
            status=None,
            framing=None,
            frames=0,
            bytes=0,
            end=end,
            findings=[],
            url=self.url,
        )

    def _guard(self, step: Any) -> None:
        try:
            step()
        except Exception as exc:
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        self.checker = None
        if self.failed:
            return
        self.failed = True
        what = str(exc).splitlines()[0] if str(exc) else ""
        with redact.scope(self.secrets):
            self.outputs.internal_error(redact.text(f"{type(exc).__name__}: {what}"))

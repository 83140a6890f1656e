"""One Envoy ext_proc stream (one HTTP exchange) as a state object, without I/O.

Envoy sends, in order and as configured: the request headers (`:method`, `:path`,
`:authority`, ...), the request body in chunks, the response headers (`:status`), the response
body chunks as they pass, and maybe trailers. The session builds the exchange from them:
credentials are collected (to be masked wherever they show up again) and never stored, the
request body is parsed to know the model and whether a stream was asked for, the response
chunks go to the checker with their time since the request headers arrived, and a copy is kept
for a tape. The exchange ends at the response's `end_of_stream` (or its trailers); a gRPC
stream that ends before that is a cut stream (EndReason.RESET): the client's answer was cut
or the client left.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable
from typing import Any, Protocol

import orjson

from streamcheck import redact
from streamcheck.live.extproc import events
from streamcheck.live.extproc.events import Event
from streamcheck.live.inflate import CODINGS, Inflater
from streamcheck.live.observe import BodyKeeper, Observed
from streamcheck.model import EndReason, Exchange, ExchangeResult, Finding, Request
from streamcheck.sources import hints

MAX_REQUEST_BODY = 4 * 1024 * 1024  # parsed for the model and stream flag up to this size
# Request members that carry the prompt (OpenAI chat, Responses, Anthropic, Gemini, Ollama,
# legacy completions) and tool definitions: dropped on arrival.
PROMPT_MEMBERS = frozenset(
    {"messages", "input", "contents", "system", "prompt", "instructions", "tools", "functions"}
)


# Response body messages are held and fed to the checker together up to this many bytes:
# Envoy sends every upstream write as its own message (often one SSE event), and the checker's
# fixed cost per feed would otherwise be paid for each. Each chunk keeps its arrival time and
# boundary, so the findings are those of feeding them one by one; nothing is reported before
# the exchange ends, so holding delays nothing.
HOLD_BYTES = 16 * 1024


class PushChecker(Protocol):
    def feed(self, chunk: bytes, time: float | None) -> list[Finding]: ...

    def feed_many(self, chunks: list[tuple[bytes, float | None]]) -> list[Finding]: ...

    def close(self, end: EndReason) -> ExchangeResult: ...

    def release(self) -> None: ...


CheckerFactory = Callable[[Exchange], PushChecker]


class Session:
    """Feed it every event of one gRPC stream (`receive`), then `finish()` once."""

    def __init__(
        self,
        checker_for: CheckerFactory,
        keep_bytes: int = 8 * 1024 * 1024,
        source: str = "ext-proc",
        now: Callable[[], float] = clock.monotonic,
        wall: Callable[[], float] = clock.time,
    ) -> None:
        self.checker_for = checker_for
        self.keep_bytes = keep_bytes
        self.source = source
        self.now = now
        self.wall = wall
        self.started = 0.0  # wall-clock seconds at the request headers
        self.t0 = 0.0
        self.method = "POST"
        self.url: str | None = None
        self.request_headers: dict[str, str] = {}
        self.secrets: frozenset[str] = frozenset()
        self.body_parts: list[bytes] = []
        self.body_size = 0
        self.request_body: Any = None
        self.status: int | None = None
        self.response_headers: dict[str, str] = {}
        self.ttfb: float | None = None
        self.checker: PushChecker | None = None
        self.keeper: BodyKeeper | None = None
        self.bytes_out = 0
        self.held: list[tuple[bytes, float | None]] = []  # body chunks not yet fed
        self.held_size = 0
        self.ended: EndReason | None = None
        self.inflater: Inflater | None = None
        self.notes: list[str] = []  # what the body's decoding could not undo (SC902)

    # -- events --------------------------------------------------------------------------------

    def receive(self, event: Event) -> bool:
        """Take one event; True once the exchange has ended (`finish()` may be called)."""
        kind = event.kind
        if kind == events.RESPONSE_BODY:
            return self.response_body(event.body, event.end_of_stream)
        if kind == events.REQUEST_HEADERS:
            self._request_headers(event.headers)
        elif kind == events.REQUEST_BODY:
            self._request_body(event.body, event.end_of_stream)
        elif kind == events.RESPONSE_HEADERS:
            self._response_headers(event.headers, event.end_of_stream)
        elif kind == events.RESPONSE_TRAILERS and self.checker is not None:
            self.ended = EndReason.EOF
        return self.ended is not None

    def _request_headers(self, headers: dict[str, str]) -> None:
        self.t0 = self.now()
        self.started = self.wall()
        self.method = headers.get(":method", "POST")
        path = headers.get(":path", "/")
        authority = headers.get(":authority") or headers.get("host") or "unknown"
        scheme = headers.get(":scheme", "https")
        url = f"{scheme}://{authority}{path}"
        plain = {k: v for k, v in headers.items() if not k.startswith(":")}
        # Collected before anything is redacted, then only the redacted forms are kept.
        self.secrets = redact.collect(url, plain)
        with redact.scope(self.secrets):
            self.url = redact.url(url)
            self.request_headers = redact.headers(plain)

    def _request_body(self, data: bytes, end: bool) -> None:
        if self.body_size <= MAX_REQUEST_BODY:
            self.body_parts.append(data)
        self.body_size += len(data)
        if end:
            self._parse_request_body()

    def _parse_request_body(self) -> None:
        if not self.body_parts or self.body_size > MAX_REQUEST_BODY:
            self.body_parts = []
            return
        raw = b"".join(self.body_parts)
        self.body_parts = []
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return
        if isinstance(body, dict):
            # The prompt is never kept: what the checker reads of a request is `stream`,
            # `stream_options` and `options`, the outputs the model; a tape needs no prompt,
            # and masking a long one would cost more than checking the answer.
            body = {k: v for k, v in body.items() if k not in PROMPT_MEMBERS}
        self.secrets |= redact.collect(body=body)
        with redact.scope(self.secrets):
            self.request_body = _redacted(body)

    def _response_headers(self, headers: dict[str, str], end: bool) -> None:
        if self.body_parts:  # the request body's last message had no end_of_stream
            self._parse_request_body()
        self.ttfb = self.now() - self.t0
        try:
            self.status = int(headers.get(":status", ""))
        except ValueError:
            self.status = None
        self.response_headers = {k: v for k, v in headers.items() if not k.startswith(":")}
        coding = self.response_headers.get("content-encoding", "").strip().lower()
        if coding in CODINGS:
            # The checker and the tape get the body the client's HTTP library hands the app.
            self.inflater = Inflater(coding, self.notes)
            del self.response_headers["content-encoding"]
        # What the host and path say (api.openai.com, an Azure resource, Gemini's paths), as
        # for a cassette's request: behind a gateway's own host the frames decide.
        hint = hints.from_request(self.url, self.request_headers)
        exchange = Exchange(
            source=self.source,
            index=0,
            request=Request(self.method, self.url, self.request_headers, self.request_body),
            status=self.status,
            headers=self.response_headers,
            chunks=(),
            provider=hint.provider,
            api=hint.api,
            api_version=hint.api_version,
            notes=self.notes,
            secrets=self.secrets,
        )
        self.keeper = BodyKeeper(self.keep_bytes)
        self.checker = self.checker_for(exchange)
        if end:
            self.ended = EndReason.EOF

    def response_body(self, data: bytes, end: bool) -> bool:
        """One response body chunk (the hot path); True once the exchange has ended."""
        checker = self.checker
        if checker is None or self.keeper is None:
            return False  # a body with no headers before it: nothing to check it against
        if data:
            at = self.now() - self.t0
            self.bytes_out += len(data)
            if self.inflater is None:
                self.held.append((data, at))
                self.held_size += len(data)
            else:
                for piece in self.inflater.feed(data):
                    self.held.append((piece, at))
                    self.held_size += len(piece)
            if self.held_size >= HOLD_BYTES:
                self._feed_held()
        if end:
            self._feed_held()
            self.ended = EndReason.EOF
            return True
        return False

    def _feed_held(self) -> None:
        """The held body chunks to the checker and the tape's keeper, in one go."""
        held = self.held
        if not held or self.checker is None or self.keeper is None:
            return
        self.held, self.held_size = [], 0
        self.keeper.add_many(held)
        self.checker.feed_many(held)

    # -- the end -------------------------------------------------------------------------------

    @property
    def checked(self) -> bool:
        """Whether a response began (the exchange has something to judge)."""
        return self.checker is not None

    def finish(self) -> Observed | None:
        """Close the checker (a cut when the stream ended early); None without a response."""
        if self.checker is None:
            return None
        end = self.ended or EndReason.RESET
        duration = self.now() - self.t0
        self._feed_held()  # a cut stream's last chunks, or after trailers
        result = self.checker.close(end)
        self.checker.release()  # its cycles freed now, not by the collector's passes
        self.checker = None
        return Observed(
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
        )


def _redacted(body: Any) -> Any:
    """A request body with every credential masked (as a tape stores it)."""
    try:
        return orjson.loads(redact.text(orjson.dumps(body).decode("utf-8")))
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return None

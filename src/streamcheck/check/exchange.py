"""One exchange from first byte to verdict: pick the protocol and version, sniff the framing,
decode the stream (frames go to `frames.handle`) or hand a whole body to `body`, and collect.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any

import orjson

from streamcheck import redact, rules
from streamcheck.check import frames
from streamcheck.check import framing as framing_checks
from streamcheck.check.frames import MALFORMED
from streamcheck.check.options import CheckOptions
from streamcheck.check.sink import Sink
from streamcheck.exceptions import ConfigError
from streamcheck.model import EndReason, Exchange, ExchangeResult, Finding, Location
from streamcheck.protocols import Context, Protocol, StreamState, find, named_by_headers
from streamcheck.schemas import Catalog, SchemaSet
from streamcheck.wire import DECODERS, decoder_for
from streamcheck.wire.sniff import STREAM_FRAMINGS, first_line_end, first_line_open, sniff

SNIFF_BYTES = 1024
# URLs that ask for a stream without a body flag (Gemini, Bedrock, watsonx, query flags).
_STREAM_URL_MARKS = (
    ":streamGenerateContent",
    "alt=sse",
    "/converse-stream",
    "/invoke-with-response-stream",
    "/text_stream",
    "stream=true",
)
MAX_ERROR_BODY = 4 * 1024 * 1024  # an error body is read whole up to this size


class ExchangeChecker:
    """Checks one exchange. Use `check_exchange()`; this class holds the per-stream state."""

    def __init__(self, exchange: Exchange, options: CheckOptions, catalog: Catalog) -> None:
        self.exchange = exchange
        self.options = options
        self.catalog = catalog
        self.location = Location(source=exchange.source, exchange=exchange.index)
        self.sink = Sink(options)
        self.sink.kind_of = self._frame_kind
        self.candidates = options.protocols()
        # The config's default protocol, when its defaults name exactly one: it judges a stream
        # whose recording names no API and whose frames no protocol claims.
        preferred = options.preferred()
        self.fallback = preferred[0] if len(preferred) == 1 else None
        self.protocol: type[Protocol] | None = None
        self.version: str | None = None
        self.schemas: SchemaSet | None = None
        self.state: StreamState | None = None
        self.framing: str | None = None
        self.frames = 0
        self.bytes = 0
        self.error_class: str | None = None
        # kind -> the compiled validator's is_valid, bound once per schema set (hot path)
        self.validators: dict[str, Callable[[Any], bool]] = {}
        # Schema drift (SC203) is opt-in (`--select SC203`): real streams gain members weekly,
        # so on by default it would put info noise on nearly every clean recording.
        self.drift_on = any(code.strip().upper() == "SC203" for code in options.select)
        self.drift_budget: dict[str, int] = {}  # kind -> frames left to compare for SC203
        self.drift_seen: set[tuple[str, str]] = set()
        self.unknown_reported = False
        # Frames that were not JSON while no protocol was known: (location, message,
        # evidence), judged once the protocol is (frames.settle); past the list, a count.
        self.undecided: list[tuple[Location, str, str]] = []
        self.undecided_more = 0
        self.unclaimed = False  # a recorded URL no protocol claims: frames are not judged
        self.recording_notes: set[str] = set()  # SC902 messages already given (check.recorders)
        self.sse_header_on_ndjson = False  # decided at the end: stripped framing or SC113
        self.timing: dict[str, float] = {}
        self._last_time: float | None = None
        self._choose_by_request()

    # -- protocol and version ------------------------------------------------------------------

    def _choose_by_request(self) -> None:
        """Pick the protocol from the provider hint and the recorded request, when they tell."""
        exchange = self.exchange
        pool = self.candidates
        named = named_by_headers(exchange.headers) if not self.options.provider else None
        if named is not None:
            chosen = next((p for p in pool if p.name == named), None)
            if chosen is not None:
                self.use(chosen)
                return
        hinted: list[type[Protocol]] = []
        if exchange.provider and not self.options.provider:
            hinted = [p for p in find(exchange.provider) if p in pool]
            if exchange.api:
                # A hinted API no registered protocol speaks (a Responses call while only Chat
                # is known) must not fall back to another API of the same provider.
                hinted = [p for p in hinted if exchange.api in (p.api, p.name)]
            pool = hinted or pool
        if (self.options.provider or self.options.force_protocols or hinted) and len(pool) == 1:
            self.use(next(iter(pool)))
            return
        request = exchange.request
        if request.url is None and not request.headers:
            # A raw body: match_request reads only the request, so every score would be 0; and
            # scoring would import every protocol module.
            self.candidates = pool
            return
        scored = sorted(((p.match_request(exchange), p.name, p) for p in pool), reverse=True)
        if scored and scored[0][0] > 0:
            self.use(scored[0][2])
        elif exchange.provider and not hinted and not (self.options.provider or self.options.api):
            # The URL names a provider's API that no protocol here implements (Anthropic's
            # legacy /v1/complete, Cohere's /v1/generate, Gemini's Interactions): its frames must
            # not be claimed by another API's grammar because they look alike. SC901 says so;
            # framing, error bodies and in-stream error objects are still checked.
            self.candidates = []
            self.unclaimed = True
        else:
            # An unknown host (a gateway, a self-hosted server): the frames decide, and a
            # stream no protocol claims gets SC901.
            self.candidates = pool

    def use(self, protocol: type[Protocol]) -> None:
        """Make `protocol` the exchange's: resolve the API version and its schemas, and start
        the grammar."""
        self.protocol = protocol
        own = protocol.own_schemas()
        if own is not None:
            self.catalog.add(own)
        self._check_declared_framing()
        requested = self.options.api_version or self.exchange.api_version
        requested = requested or protocol.version(self.exchange)
        available = self.catalog.versions(protocol.provider, protocol.api)
        default = self.options.default_api_version
        if not requested and default and (default in available or self.defaulted(protocol)):
            requested = default  # the config's version, for a recording that names none
        requested = protocol.version_aliases.get(requested or "", requested)
        forced = self.options.api_version or (self.defaulted(protocol) and default)
        if forced and forced not in available:
            raise ConfigError(
                f"no schemas for {protocol.provider}/{protocol.api} version "
                f"{forced!r} (shipped: {', '.join(available) or 'none'})"
            )
        self.version = requested if requested in available else None
        self.schemas = self.catalog.get(protocol.provider, protocol.api, self.version)
        self.validators = {}
        if self.schemas is not None:
            self.version = self.schemas.version
            if requested and requested not in available:
                self.sink(
                    rules.finding(
                        "SC910",
                        f"the request asked for {protocol.provider}/{protocol.api} version "
                        f"{requested!r}, which has no schemas here; checked against "
                        f"{self.version!r} (shipped: {', '.join(available)})",
                        self.location,
                    )
                )
        elif requested:
            self.version = requested
        request_body = self.exchange.request.body
        ctx = Context(
            location=self.location,
            emit=self.sink,
            api_version=self.version or "",
            request=request_body if isinstance(request_body, dict) else {},
            url=self.exchange.request.url,
        )
        # Named as the API's own: by flags (not the generic `openai-compatible`), or by the
        # exchange itself (a live call to a `--provider openai` target: conform, smoke, record).
        flagged = self.options.provider not in (None, "", "openai-compatible") or (
            self.defaulted(protocol) and self.options.default_provider != "openai-compatible"
        )
        ctx.named = bool(flagged or self.options.api_version) or self.exchange.provider in (
            "openai",
            "azure-openai",
        )
        self.state = protocol.stream(ctx)

    def defaulted(self, protocol: type[Protocol]) -> bool:
        """Whether `protocol` is one the config's defaults name (the recording did not say
        otherwise): it is then judged as if named by flags."""
        return bool(self.options.default_provider or self.options.default_api) and (
            protocol in self.options.preferred()
        )

    def _check_declared_framing(self) -> None:
        if self.protocol is not None and self.protocol.declared:
            framing_checks.declared_framing(self)

    # -- the run -------------------------------------------------------------------------------

    def run(self) -> ExchangeResult:
        """Check the whole exchange and return its verdict.

        The request's credentials are masked in everything made meanwhile (evidence, messages,
        the tape a live call writes as it streams), whatever their shape."""
        with redact.scope(self.exchange.secrets):
            self._run()
            self._cut_off()
            # Readers add notes while the body is consumed (a tape with no end record), so last.
            for note in self.exchange.notes:
                self.sink(rules.finding("SC902", note, self.location))
            self.unknown_endpoint()
            result = self._result()
            if self.exchange.messages is None:
                self._diagnose(result)
            return result

    def _cut_off(self) -> None:
        """SC503 / SC504: the transfer stopped before the body ended (a live call's read
        timeout or reset, or a tape that recorded one): whatever the grammar says, the client
        got an exception and a partial answer. A WebSocket's end is its close (SC6xx says it)."""
        if self.exchange.messages is not None:
            return
        end = self.exchange.end
        seen = f"after {self.bytes} bytes ({self.frames} frames)"
        where = self.location.at(offset=self.bytes)
        if end is EndReason.TIMEOUT:
            message = f"the read timed out: no more bytes within the read timeout, {seen}"
            self.sink(rules.finding("SC503", message, where))
        elif end is EndReason.RESET:
            message = f"the connection was reset before the body ended, {seen}"
            self.sink(rules.finding("SC504", message, where))

    def _diagnose(self, result: ExchangeResult) -> None:
        """Why the stream was cut, stalled or buffered (check/cause.py), once, at the end."""
        from streamcheck.check import cause

        exchange = self.exchange
        facts = cause.Facts(
            end=exchange.end,
            end_time=exchange.end_time,
            read_timeout=exchange.read_timeout,
            first_byte=self.timing.get("first_byte"),
            last_byte=self.timing.get("total"),
            frames=self.frames,
            bytes=self.bytes,
            status=exchange.status,
            framing=self.framing,
            arrival_times=exchange.arrival_times,
            max_gap=self.timing.get("max_gap"),
        )
        result.cause, found = cause.diagnose(
            facts, exchange.headers, result.findings, self.location
        )
        kept = [
            f for f in found if rules.selected(f.code, self.options.select, self.options.ignore)
        ]
        if kept:
            result.findings.extend(kept)
        if exchange.end_time is not None:
            self.timing["end"] = exchange.end_time

    def asked_for_stream(self) -> bool | None:
        """Whether the recorded request wanted a stream; None when nothing was recorded.

        A raw body or curl dump has no request: it was given to us to be checked as a stream.
        """
        request = self.exchange.request
        if request.url is None and request.body is None:
            return None
        body = request.body
        if isinstance(body, dict) and isinstance(body.get("stream"), bool):
            return bool(body["stream"])
        url = request.url or ""
        if any(mark in url for mark in _STREAM_URL_MARKS):
            return True
        accept = next((v for k, v in request.headers.items() if k.lower() == "accept"), "")
        if "text/event-stream" in accept:
            return True
        # Ollama's native API streams unless told not to.
        return (
            isinstance(body, dict)
            and self.protocol is not None
            and (self.protocol.framing == "ndjson")
        )

    def _not_checked(self, why: str) -> None:
        """SC903: the exchange was not judged (why)."""
        self.sink(rules.finding("SC903", why, self.location.at(offset=0, line=1)))

    def unknown_endpoint(self) -> None:
        """A recorded call to a URL no protocol or provider hint knows (a cassette's telemetry
        or file download): say so once, since no schema or grammar looked at it."""
        exchange = self.exchange
        if self.protocol or self.unknown_reported or not exchange.request.url:
            return
        if exchange.provider and not self.unclaimed:
            return
        if self.asked_for_stream() is False and self.framing not in STREAM_FRAMINGS:
            return  # a plain call (telemetry, a download) already reported as SC903
        self.unknown_reported = True
        self.sink(rules.finding("SC901", self.unknown_api("the body"), self.location))

    def unknown_api(self, what: str) -> str:
        """SC901's message for a recorded call no protocol implements."""
        url = (self.exchange.request.url or "").split("?", 1)[0]
        named = " ".join(n for n in (self.exchange.provider, self.exchange.api) if n)
        api = f" ({named})" if named else ""
        return (
            f"no protocol streamcheck implements serves {url}{api}; only {what} was checked, "
            "no other API's schema or grammar"
        )

    def _run(self) -> None:
        """Sniff the framing from the first bytes, then decode a stream or judge a whole body."""
        if self.exchange.messages is not None:
            from streamcheck.check import websocket

            websocket.run(self)
            return
        chunks = iter(self.exchange.chunks)
        head_chunks, head = self._read_head(chunks)
        complete = len(head) < SNIFF_BYTES
        content_type = self.exchange.content_type
        framing = self.options.framing or sniff(head, content_type, complete)
        if framing == "jsonarray" and "jsonarray" not in DECODERS:
            framing = "json"
        self.framing = framing
        self._check_declared_framing()
        all_chunks = chain(head_chunks, chunks)
        status = self.exchange.status
        if framing not in STREAM_FRAMINGS and self.asked_for_stream() is False:
            known = self.protocol is not None or self.exchange.provider is not None
            if status is None or status < 400 or not known:
                self._read_body(all_chunks)
                what = "a call to a known provider API" if known else "an LLM API call"
                self._not_checked(f"not a streaming request ({what}); its answer was not checked")
                return
        if framing == "empty":
            from streamcheck.check import body

            body.empty(self)
        elif framing == "jsonarray" and status is not None and status >= 400:
            from streamcheck.check import body

            # Gemini wraps error bodies in an array (`[{"error": {...}}]`): an error, not a stream.
            body.check_body(self, self._read_body(all_chunks), framing)
        elif framing in STREAM_FRAMINGS and framing in DECODERS:
            framing_checks.content_type(self, framing, content_type)
            if status is not None and status >= 400:
                self.sink(
                    rules.finding(
                        "SC405",
                        f"HTTP {status} came with a {framing} body",
                        self.location,
                    )
                )
            self.stream(all_chunks, framing)
        else:
            # Bodies that are not streams (error documents, HTML pages) are the rare path: their
            # module, and the error classifier it uses, load only when one turns up.
            from streamcheck import errors
            from streamcheck.check import body

            whole = self._read_body(all_chunks)
            if self.protocol is not None and self.protocol.framing == "ndjson":
                value = errors.parse_body(whole)
                if value is not None and errors.error_object(value) is None:
                    self.framing = "ndjson"
                    self.stream(iter([(whole, None)]), "ndjson")
                    return
            body.check_body(self, whole, framing)

    def _read_head(
        self, chunks: Iterator[tuple[bytes, float | None]]
    ) -> tuple[list[tuple[bytes, float | None]], bytes]:
        """Chunks until SNIFF_BYTES have arrived, and those bytes.

        A body that opens with a JSON object is sniffed by its structure, not by a byte budget:
        whether a second object follows the first line (NDJSON) can only be seen past that line,
        and a real first event (a Responses `response.created`, a Gemini chunk with a signature)
        is often longer than the budget. So more is read, up to the line limit, until the first
        line has ended and the next one has begun.
        """
        taken: list[tuple[bytes, float | None]] = []
        size = 0
        for chunk in chunks:
            taken.append(chunk)
            size += len(chunk[0])
            if size >= SNIFF_BYTES:
                break
        head = b"".join(c for c, _ in taken)
        if size < SNIFF_BYTES or head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"{":
            return taken, head[:SNIFF_BYTES]
        while first_line_open(head) and len(head) <= self.options.max_line:
            more = next(chunks, None)
            if more is None:
                break
            taken.append(more)
            head += more[0]
        return taken, head[: max(SNIFF_BYTES, first_line_end(head) + SNIFF_BYTES)]

    def _read_body(self, chunks: Iterator[tuple[bytes, float | None]]) -> bytes:
        """The rest of a body that is not a stream, kept up to MAX_ERROR_BODY."""
        parts: list[bytes] = []
        size = 0
        for chunk, time in chunks:
            self.tick(time, len(chunk))
            if size < MAX_ERROR_BODY:
                parts.append(chunk[: MAX_ERROR_BODY - size])
            size += len(chunk)
        return b"".join(parts)

    def tick(self, time: float | None, size: int) -> None:
        """Account for a chunk: bytes, time to first byte, and silences (SC501)."""
        self.bytes += size
        if time is None:
            return
        if self._last_time is None:
            self.timing["first_byte"] = time
        else:
            gap = time - self._last_time
            if gap > self.timing.get("max_gap", 0.0):
                self.timing["max_gap"] = round(gap, 6)
            if gap > self.options.max_gap:
                self.sink(
                    rules.finding(
                        "SC501",
                        f"no bytes for {gap:.1f} s (limit {self.options.max_gap:g} s)",
                        self.location.at(offset=self.bytes - size),
                    )
                )
        self.timing["total"] = time
        self._last_time = time

    def stream(self, chunks: Iterator[tuple[bytes, float | None]], framing: str) -> None:
        """Decode a stream chunk by chunk and hand each batch of frames to `frames.handle`."""
        decoder = decoder_for(framing, self.location, self.options.max_line)
        handle = frames.handle
        sink = self.sink
        for chunk, time in chunks:
            self.tick(time, len(chunk))
            batch = decoder.decode(chunk, time)
            if decoder.findings:
                sink.extend(decoder.findings)
            if batch:
                handle(self, batch)
        batch = decoder.flush()
        if batch:
            handle(self, batch)
        if getattr(decoder, "unterminated", None) is not None:
            from streamcheck.check import recorders

            recorders.at_eof(self, decoder)
        sink.extend(decoder.findings)
        self.end(decoder.comments)

    def end(self, comments: int) -> None:
        """End of the body: the grammar's end rules, first-content timing (SC502), and SC313
        for a body that decoded to no frames."""
        if self.undecided:
            frames.settle(self)
        state = self.state
        protocol = self.protocol
        stripped = (
            self.framing == "ndjson"
            and protocol is not None
            and protocol.framing == "sse"
            and "ndjson" not in protocol.also_framed
        )
        if self.sse_header_on_ndjson and not stripped:
            framing_checks.mismatch(self, "ndjson", "text/event-stream")
        if state is not None:
            if stripped:
                from streamcheck.check import recorders

                recorders.stripped_note(self)
            if (stripped or self.recording_notes) and protocol and protocol.terminator:
                # The recording lost the SSE framing (payloads only, or the data: lines
                # without their blank lines): whether the sentinel came cannot be told.
                state.ctx.emit = _without("SC301", state.ctx.emit)
            clean_eof = self.exchange.end in (EndReason.EOF, EndReason.UNKNOWN)
            self.guard(state.end, clean_eof)
            if state.ctx.error_class:
                self.error_class = state.ctx.error_class
            first = state.first_content_time
            if first is not None:
                self.timing["first_content"] = first
                if first > self.options.max_first_token:
                    self.sink(
                        rules.finding(
                            "SC502",
                            f"first content after {first:.1f} s "
                            f"(limit {self.options.max_first_token:g} s)",
                            self.location,
                        )
                    )
        if self.frames == 0 and self.error_class is None:
            extra = f" ({comments} comment lines only)" if comments else ""
            self.sink(
                rules.finding("SC313", f"the body decoded to no frames{extra}", self.location)
            )

    def _frame_kind(self, index: int) -> str | None:
        """The kind of the frame being handled, when a finding points at it: parsed again
        (findings are few), else its SSE event name; None for another frame."""
        frame = self.state.ctx.frame if self.state is not None else None
        if frame is None or frame.index != index:
            return None
        protocol = self.protocol
        if protocol is not None:
            with contextlib.suppress(*MALFORMED, orjson.JSONDecodeError):
                kind = protocol.kind(orjson.loads(frame.data), frame.event)
                if kind is not None:
                    return kind
        return frame.event

    def guard(self, step: Callable[..., None], *args: Any) -> None:
        """A malformed frame must never crash the run: its schema finding says what is wrong."""
        with contextlib.suppress(*MALFORMED):
            step(*args)

    def _result(self) -> ExchangeResult:
        """The verdict: what was detected and seen, and the findings."""
        protocol = self.protocol
        return ExchangeResult(
            source=self.exchange.source,
            index=self.exchange.index,
            # Without a protocol module, what the URL said (a cassette's host) is still known.
            provider=protocol.provider if protocol else self.exchange.provider,
            api=protocol.api if protocol else self.exchange.api,
            api_version=self.version if protocol else self.exchange.api_version,
            status=self.exchange.status,
            framing=self.framing,
            frames=self.frames,
            bytes=self.bytes,
            end=self.exchange.end,
            findings=self.sink.result(),
            url=self.exchange.request.url,
            error_class=self.error_class,
            timing=self.timing,
            body_offset=self.exchange.body_offset,
            body_line=self.exchange.body_line,
        )


def _without(code: str, emit: Callable[[Finding], None]) -> Callable[[Finding], None]:
    """`emit` that drops findings of `code` (a rule the recording cannot be judged by)."""

    def emit_kept(finding: Finding) -> None:
        if finding.code != code:
            emit(finding)

    return emit_kept


def check_exchange(exchange: Exchange, options: CheckOptions, catalog: Catalog) -> ExchangeResult:
    """Check one exchange and return its verdict."""
    return ExchangeChecker(exchange, options, catalog).run()

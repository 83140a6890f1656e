"""The push driver: bytes (or WebSocket messages) in as they arrive, findings out, and at the
end the verdict. Sans-I/O, like h11's `Connection`: it never reads a socket or a file, so
`check` (recordings, `exchange.check_exchange`), `record`, `smoke`, `conform`, the proxy and
ext-proc all drive the same object, each doing its own I/O.

    checker = StreamChecker(exchange, options, catalog)   # request, status, headers known
    new = checker.feed(chunk, seconds_since_request)        # findings kept from this chunk
    ...
    result = checker.close(EndReason.EOF)                  # the ExchangeResult (verdict)

For a WebSocket exchange (`exchange.messages` is not None, e.g. `()`) use `feed_message` and
`close(end, close_record)`. Memory per stream is bounded whatever the body's length: the first
bytes are held until the framing can be told (SNIFF_BYTES, or the first line of a body that
opens with `{`, up to --max-line), a decoder holds at most one unfinished frame (--max-line),
a body that is not a stream is kept up to MAX_ERROR_BODY, and findings past --max-per-code are
only counted. The stage functions live in the modules the state object is passed to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from streamcheck import redact
from streamcheck.check import choose, finish, frames, timing
from streamcheck.check import framing as framing_checks
from streamcheck.check.options import CheckOptions
from streamcheck.check.sink import masked
from streamcheck.check.state import ExchangeState
from streamcheck.model import (
    Close,
    EndReason,
    Exchange,
    ExchangeResult,
    Finding,
    Frame,
    Message,
    Texts,
)
from streamcheck.schemas import Catalog
from streamcheck.wire import DECODERS, Decoder, decoder_for
from streamcheck.wire.sniff import STREAM_FRAMINGS, first_line_end, first_line_open, sniff

if TYPE_CHECKING:
    from streamcheck.wire.websocket import WebSocketDecoder

SNIFF_BYTES = 1024
MAX_ERROR_BODY = 4 * 1024 * 1024  # an error body is read whole up to this size


@dataclass(frozen=True, slots=True)
class Progress:
    """A stream's progress so far: what a live display shows."""

    status: int | None
    framing: str | None
    frames: int
    bytes: int
    timing: dict[str, float]
    findings: list[Finding]  # the last ones kept, masked


class _Mode(Enum):
    HEAD = "head"  # the framing is not known yet: the first chunks are held
    STREAM = "stream"  # decoded chunk by chunk
    BODY = "body"  # kept whole (up to MAX_ERROR_BODY) and judged at the end
    UNCHECKED = "unchecked"  # a call that did not ask for a stream: counted, not judged
    IGNORED = "ignored"  # an empty body decided: what follows is not read
    WEBSOCKET = "websocket"


def _released(finding: Finding) -> None:
    """`emit` of a released checker's grammar: nothing is checked any more."""


class StreamChecker:
    """Checks one exchange fed as it arrives. Not thread-safe: one driver per stream."""

    __slots__ = (
        "_body",
        "_body_size",
        "_decoder",
        "_head",
        "_head_size",
        "_mode",
        "_result",
        "_websocket",
        "state",
    )

    def __init__(self, exchange: Exchange, options: CheckOptions, catalog: Catalog) -> None:
        self.state = state = ExchangeState(exchange, options, catalog)
        state.sink.kind_of = lambda index: frames.frame_kind(state, index)
        self._head: list[tuple[bytes, float | None]] = []
        self._head_size = 0
        self._body: list[bytes] = []
        self._body_size = 0
        self._decoder: Decoder | None = None
        self._websocket: WebSocketDecoder | None = None
        self._result: ExchangeResult | None = None
        token = redact.enter(exchange.secrets)  # redact.scope without its generator
        try:
            choose.by_request(state)
            if exchange.messages is not None:
                from streamcheck.check import websocket

                self._websocket = websocket.start(state)
                self._mode = _Mode.WEBSOCKET
            else:
                self._mode = _Mode.HEAD
        finally:
            redact.leave(token)

    # -- what a driver reads while the stream runs ----------------------------------------------

    @property
    def exchange(self) -> Exchange:
        return self.state.exchange

    def progress(self, last: int = 8) -> Progress:
        """Where the stream is (for a live display): a copy, safe to keep."""
        state = self.state
        return Progress(
            status=state.exchange.status,
            framing=state.framing,
            frames=state.frames,
            bytes=state.bytes,
            timing=dict(state.timing),
            findings=self.findings(last),
        )

    def findings(self, last: int | None = None) -> list[Finding]:
        """The findings kept so far (the `last` ones only), masked."""
        kept = self.state.sink.findings
        with redact.scope(self.state.exchange.secrets):
            return [masked(f) for f in (kept[-last:] if last else kept)]

    def finished(self) -> bool | None:
        """Whether the protocol's stream has reached its end (None: no protocol, or it
        cannot tell): a WebSocket client lingers briefly after it, then closes."""
        grammar = self.state.grammar
        if grammar is None:
            return None
        try:
            return grammar.finished()
        except frames.MALFORMED:
            return None

    # -- input ----------------------------------------------------------------------------------

    def feed(self, data: bytes, time: float | None = None) -> list[Finding]:
        """A chunk of the response body, `time` seconds after the request; the findings it
        made (kept ones, masked). Empty chunks are harmless."""
        mark = len(self.state.sink.findings)
        self.take(data, time)
        # redact.scope's work without its generator: this runs once per chunk.
        token = redact.enter(self.state.exchange.secrets)
        try:
            return self._made_since(mark)
        finally:
            redact.leave(token)

    def take(self, data: bytes, time: float | None = None) -> None:
        """`feed` for a driver that reads the findings from `close` (the pull driver,
        check.exchange): the same checks, without masking each chunk's findings into a list
        no one reads (close masks them all; a finding made in a file of a folder was masked
        twice, its evidence three times with the excerpt's own)."""
        token = redact.enter(self.state.exchange.secrets)
        try:
            if self._mode is _Mode.STREAM:
                self._stream(data, time)
            else:
                self._feed(data, time)
        finally:
            redact.leave(token)

    def ending(self) -> None:
        """The bytes fed next are the body's last: nothing follows them. A driver that knows
        it (a recording held whole) says so; it changes no finding. The frame loop then makes a
        template (check/repeat.py) only where enough frames follow to pay for it: a template
        made among a short body's last frames costs more than the frames it would spare."""
        self.state.ending = True

    def _feed(self, data: bytes, time: float | None) -> None:
        """A chunk before the body turned out to be a stream (or of one that is not)."""
        mode = self._mode
        if mode is _Mode.STREAM:
            self._stream(data, time)
        elif mode is _Mode.HEAD:
            self._head.append((data, time))
            self._head_size += len(data)
            if self._head_size >= SNIFF_BYTES and self._head_known():
                self._decide(complete=False)
        elif mode is _Mode.BODY or mode is _Mode.UNCHECKED:
            self._keep(data, time)
        elif mode is _Mode.WEBSOCKET:
            raise ValueError("feed() on a WebSocket exchange: use feed_message()")

    def feed_many(self, chunks: Sequence[tuple[bytes, float | None]]) -> list[Finding]:
        """Chunks that arrived one after another, each with its arrival time: the findings,
        in the same order, that `feed` on each in turn would make (each chunk is still timed
        and decoded on its own, so its frames carry its time), for one scope and one pass of
        the frame loop over the lot. A live driver that gets many small writes (Envoy sends
        each as its own message) holds them and feeds them together."""
        mark = len(self.state.sink.findings)
        token = redact.enter(self.state.exchange.secrets)
        try:
            pending: list[Frame] = []
            for data, time in chunks:
                if self._mode is not _Mode.STREAM:
                    self._feed(data, time)  # the head, or a body judged whole: as `feed`
                else:
                    pending = self._stream_later(data, time, pending)
            if pending:
                frames.handle(self.state, pending)
            return self._made_since(mark)
        finally:
            redact.leave(token)

    def feed_message(self, message: Message) -> list[Finding]:
        """A WebSocket message, either way (the client's own are skipped); its findings."""
        if self._websocket is None:
            raise ValueError("feed_message() on an HTTP exchange: use feed()")
        from streamcheck.check import websocket

        mark = len(self.state.sink.findings)
        with redact.scope(self.state.exchange.secrets):
            websocket.message(self.state, self._websocket, message)
            return self._made_since(mark)

    def feed_messages(self, run: Sequence[Message]) -> list[Finding]:
        """WebSocket messages that arrived one after another: the findings, in the same order,
        that `feed_message` on each in turn would make, for one scope and a frame loop per run
        of received text messages (check/websocket.py `messages`). The pull driver feeds a
        recorded session so, a few hundred messages at a time."""
        if self._websocket is None:
            raise ValueError("feed_messages() on an HTTP exchange: use feed()")
        from streamcheck.check import websocket

        mark = len(self.state.sink.findings)
        token = redact.enter(self.state.exchange.secrets)
        try:
            websocket.messages(self.state, self._websocket, run)
            return self._made_since(mark)
        finally:
            redact.leave(token)

    def feed_texts(self, texts: Texts) -> list[Finding]:
        """Received text messages that arrived one after another, as columns (each one's bytes
        and time): the findings, in the same order, that `feed_message` on a Message of each
        would make. A recorded session's reader gives its common messages so (a tape's, in
        runs: no Message made for each)."""
        if self._websocket is None:
            raise ValueError("feed_texts() on an HTTP exchange: use feed()")
        from streamcheck.check import websocket

        mark = len(self.state.sink.findings)
        token = redact.enter(self.state.exchange.secrets)
        try:
            websocket.texts(self.state, self._websocket, texts)
            return self._made_since(mark)
        finally:
            redact.leave(token)

    def close(
        self,
        end: EndReason | None = None,
        close: Close | None = None,
        end_time: float | None = None,
    ) -> ExchangeResult:
        """The body is over (`end`: how; None keeps what the exchange says, for a reader that
        set it while the body was read); for a WebSocket, `close` is how the socket closed;
        `end_time`, seconds since the request when it ended (the cause of a cut weighs it
        against hops' limits). Returns the verdict; a second call returns the same one."""
        if self._result is not None:
            return self._result
        state = self.state
        exchange = state.exchange
        if end is not None:
            exchange.end = end
        if close is not None:
            exchange.close = close
        if end_time is not None:
            exchange.end_time = end_time
        state.ending = True  # what is decoded from here on is the body's last frames
        token = redact.enter(exchange.secrets)  # redact.scope without its generator
        try:
            if self._websocket is not None:
                from streamcheck.check import websocket

                websocket.end(state, self._websocket, exchange.close)
            else:
                if self._mode is _Mode.HEAD:
                    self._decide(complete=self._head_size < SNIFF_BYTES)
                self._end_of_body()
            finish.after_body(state)
            result = finish.result(state)
            if exchange.messages is None:
                finish.diagnose(state, result)  # the cause of a cut (check/cause.py)
            self._result = result
        finally:
            redact.leave(token)
        return result

    def release(self) -> None:
        """Break the reference cycles checking made, once the result is taken: the sink's
        frame-kind callback holds the state, a grammar holds its own bound methods (its
        hints), a template is its own `after`. What the exchange held is then freed at once
        by reference counting, not left to the cyclic collector: a folder of small files left
        about 60 objects of cyclic garbage a file, and the collector's passes over them (and
        over everything they reached) were about a tenth of the run. The checker is of no
        further use."""
        state = self.state
        state.sink.kind_of = None
        grammar = state.grammar
        if grammar is not None:
            grammar.ctx.emit = _released  # a wrapper of the sink's may hold the context
            held = getattr(grammar, "__dict__", None)
            if held is not None:
                held.clear()
        for template in state.repeat_made:
            template.after = None  # type: ignore[assignment]
        state.repeat_made = []
        state.repeat = []
        state.repeat_last = state.repeat_next = None

    def _made_since(self, mark: int) -> list[Finding]:
        """What one feed call made: the findings kept past `mark` (how many were kept before
        it), masked. Called inside the call's redaction scope."""
        kept = self.state.sink.findings
        return [masked(f) for f in kept[mark:]] if len(kept) > mark else []

    # -- the body, by what it turned out to be --------------------------------------------------

    def _head_known(self) -> bool:
        """Whether the held bytes tell the framing. A body that opens with a JSON object is
        sniffed by its structure, not by a byte budget: whether a second object follows the
        first line (NDJSON) can only be seen past that line, and a real first event (a
        Responses `response.created`, a Gemini chunk with a signature) is often longer than
        the budget. So more is held, up to the line limit, until the first line has ended and
        the next one has begun."""
        head = self._held()
        if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"{":
            return True
        return not (first_line_open(head) and len(head) <= self.state.options.max_line)

    def _held(self) -> bytes:
        """The held chunks' bytes: the one chunk itself when only one is held (a file's whole
        body, read at once), without a generator to join it."""
        held = self._head
        return held[0][0] if len(held) == 1 else b"".join([c for c, _ in held])

    def _sniffed(self) -> bytes:
        head = self._held()
        if self._head_size < SNIFF_BYTES or head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"{":
            return head[:SNIFF_BYTES]
        return head[: max(SNIFF_BYTES, first_line_end(head) + SNIFF_BYTES)]

    def _decide(self, complete: bool) -> None:
        """Sniff the framing from the held bytes, then take them as a stream or a body."""
        state = self.state
        exchange = state.exchange
        head = self._sniffed()
        content_type = exchange.content_type
        framing = state.options.framing or sniff(head, content_type, complete)
        if framing == "jsonarray" and "jsonarray" not in DECODERS:
            framing = "json"
        state.framing = framing
        choose.declared_framing(state)
        held, self._head = self._head, []
        status = exchange.status
        if framing not in STREAM_FRAMINGS and choose.asked_for_stream(state) is False:
            known = state.protocol is not None or exchange.provider is not None
            if status is None or status < 400 or not known:
                self._mode = _Mode.UNCHECKED
                for data, time in held:
                    self._keep(data, time)
                return
        if framing == "empty":
            from streamcheck.check import body

            if exchange.body_elsewhere is not None:
                body.kept_elsewhere(state, exchange.body_elsewhere)
            else:
                body.empty(state)
            self._mode = _Mode.IGNORED
            return
        if (
            framing in STREAM_FRAMINGS
            and framing in DECODERS
            and not (framing == "jsonarray" and status is not None and status >= 400)
        ):
            framing_checks.content_type(state, framing, content_type)
            if status is not None and status >= 400:
                from streamcheck import rules

                message = f"HTTP {status} came with a {framing} body"
                state.sink(rules.finding("SC405", message, state.location))
            self._decoder = decoder_for(framing, state.location, state.options.max_line)
            self._mode = _Mode.STREAM
            for data, time in held:
                self._stream(data, time)
            return
        # Gemini wraps error bodies in an array (`[{"error": {...}}]`): an error, not a stream.
        # Bodies that are not streams (error documents, HTML pages) are the rare path.
        self._mode = _Mode.BODY
        for data, time in held:
            self._keep(data, time)

    def _stream(self, data: bytes, time: float | None) -> None:
        """One chunk of a stream: account, decode, and hand the frames to the hot path."""
        state = self.state
        decoder = self._decoder
        assert decoder is not None
        timing.tick(state, time, len(data))
        batch = decoder.decode(data, time)
        if decoder.findings:
            state.sink.extend(decoder.findings)
        if batch:
            frames.handle(state, batch)

    def _stream_later(self, data: bytes, time: float | None, pending: list[Frame]) -> list[Frame]:
        """`_stream` for `feed_many`: the chunk is timed and decoded now, its frames join
        `pending` for one frame loop later. What the frame loop would have reported before a
        finding of this chunk's timing or decoding is reported first, so the order of findings
        (and which ones a cap per code keeps) is the order `feed` gives."""
        state = self.state
        decoder = self._decoder
        assert decoder is not None
        if pending and timing.reports(state, time):
            frames.handle(state, pending)
            pending = []
        timing.tick(state, time, len(data))
        batch = decoder.decode(data, time)
        if decoder.findings:
            if pending:
                frames.handle(state, pending)
                pending = []
            state.sink.extend(decoder.findings)
        if not batch:
            return pending
        if pending:
            pending.extend(batch)
            return pending
        return batch

    def _keep(self, data: bytes, time: float | None) -> None:
        """A chunk of a body that is judged whole: kept up to MAX_ERROR_BODY."""
        timing.tick(self.state, time, len(data))
        if self._mode is _Mode.BODY and self._body_size < MAX_ERROR_BODY:
            self._body.append(data[: MAX_ERROR_BODY - self._body_size])
        self._body_size += len(data)

    def _end_of_body(self) -> None:
        state = self.state
        mode = self._mode
        if mode is _Mode.STREAM:
            self._flush()
        elif mode is _Mode.UNCHECKED:
            known = state.protocol is not None or state.exchange.provider is not None
            what = "a call to a known provider API" if known else "an LLM API call"
            finish.not_checked(
                state, f"not a streaming request ({what}); its answer was not checked"
            )
        elif mode is _Mode.BODY:
            self._whole(b"".join(self._body))
            self._body = []

    def _flush(self) -> None:
        state = self.state
        decoder = self._decoder
        assert decoder is not None
        batch = decoder.flush()
        if batch:
            frames.handle(state, batch)
        if getattr(decoder, "unterminated", None) is not None:
            from streamcheck.check import recorders

            delivered = recorders.at_eof(state, decoder)
            if delivered:
                frames.handle(state, delivered)
        state.sink.extend(decoder.findings)
        finish.end_of_body(state, decoder.comments)

    def _whole(self, whole: bytes) -> None:
        """A body judged whole: an error document, an HTML page, a JSON answer; or NDJSON
        that a protocol streams as NDJSON after all (one line, no error object)."""
        from streamcheck import errors
        from streamcheck.check import body

        state = self.state
        framing = state.framing or "text"
        status = state.exchange.status
        if framing == "jsonarray" and status is not None and status >= 400:
            body.check_body(state, whole, framing)
            return
        if state.protocol is not None and state.protocol.framing == "ndjson":
            value = errors.parse_body(whole)
            if value is not None and errors.error_object(value) is None:
                state.framing = "ndjson"
                self._decoder = decoder_for("ndjson", state.location, state.options.max_line)
                self._mode = _Mode.STREAM
                self._stream(whole, None)
                self._flush()
                return
        body.check_body(state, whole, framing)

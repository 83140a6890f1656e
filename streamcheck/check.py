"""The pipeline for one exchange: sniff, decode, parse, validate, run the grammar, collect.

Per frame the hot path is: decoder split (C) -> orjson.loads -> kind by discriminator (a dict
lookup) -> jsonschema-rs is_valid -> grammar state machine. Messages are built only for frames
that fail.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import orjson

from streamcheck import errors, rules
from streamcheck.exceptions import ConfigError
from streamcheck.model import (
    EndReason,
    Exchange,
    ExchangeResult,
    Finding,
    Frame,
    Location,
    Severity,
)
from streamcheck.protocols import REGISTRY, SENTINEL, Context, Protocol, StreamState, find
from streamcheck.redact import excerpt
from streamcheck.schemas import Catalog, SchemaSet
from streamcheck.wire import DECODERS, DEFAULT_MAX_LINE, decoder_for
from streamcheck.wire.sniff import STREAM_FRAMINGS, sniff

SNIFF_BYTES = 1024
DRIFT_SAMPLE = 8  # frames of each kind per exchange compared with the schema for drift (SC203)
# URLs that ask for a stream without a body flag (Gemini, Bedrock, watsonx, query flags).
_STREAM_URL_MARKS = (
    ":streamGenerateContent",
    "alt=sse",
    "/converse-stream",
    "/invoke-with-response-stream",
    "/text_stream",
    "stream=true",
)
# What a grammar step may raise on a frame whose shape the schema already reported.
_MALFORMED = (KeyError, IndexError, TypeError, AttributeError, ValueError)
MAX_ERROR_BODY = 4 * 1024 * 1024  # an error body is read whole up to this size


@dataclass(frozen=True, slots=True)
class CheckOptions:
    provider: str | None = None
    api: str | None = None
    api_version: str | None = None
    framing: str | None = None  # force sse / ndjson / ... for raw bodies
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: Severity = Severity.ERROR
    max_line: int = DEFAULT_MAX_LINE
    max_gap: float = 30.0
    max_first_token: float = 20.0
    schema_dirs: tuple[Path, ...] = ()
    max_per_code: int = 50  # findings of one code per exchange before they are summarised

    def protocols(self) -> list[type[Protocol]]:
        """The protocols the flags allow; every protocol when no flag narrows them."""
        candidates = list(REGISTRY.values())
        if self.provider:
            candidates = find(self.provider)
            if not candidates:
                known = ", ".join(sorted({p.provider for p in REGISTRY.values()}))
                raise ConfigError(f"unknown provider {self.provider!r} (known: {known})")
        if self.api:
            narrowed = [p for p in candidates if self.api in (p.api, p.name)]
            if not narrowed:
                known = ", ".join(sorted(p.api for p in candidates))
                raise ConfigError(f"unknown api {self.api!r} (known here: {known})")
            candidates = narrowed
        return candidates


class _Sink:
    """Collects findings: applies --select/--ignore and caps repeats of one code."""

    # A plain class, not a dataclass: per-exchange state needs no generated eq/repr, and each
    # dataclass costs about half a millisecond of start-up.
    __slots__ = ("counts", "findings", "options", "suppressed")

    def __init__(self, options: CheckOptions) -> None:
        self.options = options
        self.findings: list[Finding] = []
        self.counts: dict[str, int] = {}
        self.suppressed: dict[str, tuple[int, Finding]] = {}

    def __call__(self, finding: Finding) -> None:
        code = finding.code
        if not rules.selected(code, self.options.select, self.options.ignore):
            return
        seen = self.counts.get(code, 0)
        self.counts[code] = seen + 1
        if seen < self.options.max_per_code:
            self.findings.append(finding)
        else:
            count, first = self.suppressed.get(code, (0, finding))
            self.suppressed[code] = (count + 1, first)

    def wants(self, code: str) -> bool:
        """Whether a finding of `code` would be kept, so worth its message and evidence."""
        options = self.options
        return self.counts.get(code, 0) < options.max_per_code and rules.selected(
            code, options.select, options.ignore
        )

    def tally(self, code: str, location: Location) -> None:
        """Count a finding that will not be shown, without building its message or evidence."""
        self(rules.finding(code, "", location))

    def extend(self, findings: list[Finding]) -> None:
        for finding in findings:
            self(finding)
        findings.clear()

    def result(self) -> list[Finding]:
        for code, (count, first) in self.suppressed.items():
            self.findings.append(
                Finding(
                    code,
                    first.name,
                    first.severity,
                    f"{count} more {code} findings in this exchange not shown",
                    first.location.at(frame=None, offset=None, line=None, path=None),
                )
            )
        end = 1 << 62
        self.findings.sort(key=lambda f: end if f.location.offset is None else f.location.offset)
        return self.findings


class ExchangeChecker:
    """Checks one exchange. Use `check_exchange()`; this class holds the per-stream state."""

    def __init__(self, exchange: Exchange, options: CheckOptions, catalog: Catalog) -> None:
        self.exchange = exchange
        self.options = options
        self.catalog = catalog
        self.location = Location(source=exchange.source, exchange=exchange.index)
        self.sink = _Sink(options)
        self.candidates = options.protocols()
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
        self.timing: dict[str, float] = {}
        self._last_time: float | None = None
        self._choose_by_request()

    # -- protocol and version ------------------------------------------------------------------

    def _choose_by_request(self) -> None:
        exchange = self.exchange
        pool = self.candidates
        hinted: list[type[Protocol]] = []
        if exchange.provider and not self.options.provider:
            hinted = [p for p in find(exchange.provider) if p in pool]
            if exchange.api:
                # A hinted API no registered protocol speaks (a Responses call while only Chat
                # is known) must not fall back to another API of the same provider.
                hinted = [p for p in hinted if exchange.api in (p.api, p.name)]
            pool = hinted or pool
        if len(pool) == 1 and (self.options.provider or hinted):
            self._use(pool[0])
            return
        scored = sorted(((p.match_request(exchange), p.name, p) for p in pool), reverse=True)
        if scored and scored[0][0] > 0:
            self._use(scored[0][2])
        else:
            self.candidates = pool

    def _use(self, protocol: type[Protocol]) -> None:
        self.protocol = protocol
        requested = self.options.api_version or self.exchange.api_version
        requested = requested or protocol.version(self.exchange)
        requested = protocol.version_aliases.get(requested or "", requested)
        available = self.catalog.versions(protocol.provider, protocol.api)
        if self.options.api_version and self.options.api_version not in available:
            raise ConfigError(
                f"no schemas for {protocol.provider}/{protocol.api} version "
                f"{self.options.api_version!r} (shipped: {', '.join(available) or 'none'})"
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
        self.state = protocol.stream(ctx)

    # -- the run -------------------------------------------------------------------------------

    def run(self) -> ExchangeResult:
        self._run()
        # Readers add notes while the body is consumed (a tape with no end record), so last.
        for note in self.exchange.notes:
            self.sink(rules.finding("SC902", note, self.location))
        self._unknown_endpoint()
        return self._result()

    def _asked_for_stream(self) -> bool | None:
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
        self.sink(rules.finding("SC903", why, self.location.at(offset=0, line=1)))

    def _unknown_endpoint(self) -> None:
        """A recorded call to a URL no protocol or provider hint knows (a cassette's telemetry
        or file download): say so once, since no schema or grammar looked at it."""
        exchange = self.exchange
        if self.protocol or exchange.provider or self.unknown_reported or not exchange.request.url:
            return
        if self._asked_for_stream() is False and self.framing not in STREAM_FRAMINGS:
            return  # a plain call (telemetry, a download) already reported as SC903
        self.unknown_reported = True
        url = exchange.request.url.split("?", 1)[0]
        self.sink(
            rules.finding(
                "SC901",
                f"no known provider API serves {url}; only the body was checked",
                self.location,
            )
        )

    def _run(self) -> None:
        chunks = iter(self.exchange.chunks)
        head_chunks, head = self._read_head(chunks)
        complete = len(head) < SNIFF_BYTES
        content_type = self.exchange.content_type
        framing = self.options.framing or sniff(head, content_type, complete)
        if framing == "jsonarray" and "jsonarray" not in DECODERS:
            framing = "json"
        self.framing = framing
        all_chunks = chain(head_chunks, chunks)
        status = self.exchange.status
        if framing not in STREAM_FRAMINGS and self._asked_for_stream() is False:
            known = self.protocol is not None or self.exchange.provider is not None
            if status is None or status < 400 or not known:
                self._read_body(all_chunks)
                what = "a call to a known provider API" if known else "an LLM API call"
                self._not_checked(f"not a streaming request ({what}); its answer was not checked")
                return
        if framing == "empty":
            self._empty()
        elif framing == "jsonarray" and status is not None and status >= 400:
            # Gemini wraps error bodies in an array (`[{"error": {...}}]`): an error, not a stream.
            self._body(self._read_body(all_chunks), framing)
        elif framing in STREAM_FRAMINGS and framing in DECODERS:
            self._check_framing_header(framing, content_type)
            if status is not None and status >= 400:
                self.sink(
                    rules.finding(
                        "SC405",
                        f"HTTP {status} came with a {framing} body",
                        self.location,
                    )
                )
            self._stream(all_chunks, framing)
        else:
            body = self._read_body(all_chunks)
            if self.protocol is not None and self.protocol.framing == "ndjson":
                value = errors.parse_body(body)
                if value is not None and errors.error_object(value) is None:
                    self.framing = "ndjson"
                    self._stream(iter([(body, None)]), "ndjson")
                    return
            self._body(body, framing)

    def _read_head(
        self, chunks: Iterator[tuple[bytes, float | None]]
    ) -> tuple[list[tuple[bytes, float | None]], bytes]:
        taken: list[tuple[bytes, float | None]] = []
        size = 0
        for chunk in chunks:
            taken.append(chunk)
            size += len(chunk[0])
            if size >= SNIFF_BYTES:
                break
        return taken, b"".join(c for c, _ in taken)[:SNIFF_BYTES]

    def _read_body(self, chunks: Iterator[tuple[bytes, float | None]]) -> bytes:
        parts: list[bytes] = []
        size = 0
        for chunk, time in chunks:
            self._tick(time, len(chunk))
            if size < MAX_ERROR_BODY:
                parts.append(chunk[: MAX_ERROR_BODY - size])
            size += len(chunk)
        return b"".join(parts)

    def _tick(self, time: float | None, size: int) -> None:
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

    def _stream(self, chunks: Iterator[tuple[bytes, float | None]], framing: str) -> None:
        decoder = decoder_for(framing, self.location, self.options.max_line)
        handle = self._frames
        sink = self.sink
        for chunk, time in chunks:
            self._tick(time, len(chunk))
            frames = decoder.decode(chunk, time)
            if decoder.findings:
                sink.extend(decoder.findings)
            if frames:
                handle(frames)
        frames = decoder.flush()
        if frames:
            handle(frames)
        sink.extend(decoder.findings)
        self._end(decoder.comments)

    def _end(self, comments: int) -> None:
        state = self.state
        if state is not None:
            clean_eof = self.exchange.end in (EndReason.EOF, EndReason.UNKNOWN)
            self._guard(state.end, clean_eof)
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

    # -- frames ----------------------------------------------------------------------------------

    def _frames(self, frames: list[Frame]) -> None:
        """The hot path: every frame of a stream passes here, one decoded chunk at a time.

        Names are bound to locals once per batch; a frame that parses, has a known kind and
        passes its schema costs orjson + one dict lookup + jsonschema-rs is_valid + the grammar.
        """
        start = 0
        while self.protocol is None or self.frames == 0:  # detection and the first frame
            if start == len(frames):
                return
            self.frames += 1
            self._frame(frames[start])
            start += 1
        self.frames += len(frames) - start
        state = self.state
        assert state is not None
        ctx, step = state.ctx, state.frame
        protocol = self.protocol
        specials = protocol.sentinels | protocol.tolerated
        longest = max(map(len, specials), default=-1)
        kind_of = protocol.kind
        validators = self.validators
        loads, malformed_json = orjson.loads, orjson.JSONDecodeError
        for frame in frames[start:] if start else frames:
            data = frame.data
            kind: str | None = None
            if len(data) <= longest and data in specials:
                value: Any = SENTINEL
            else:
                try:
                    value = loads(data)
                except malformed_json as exc:
                    value = self._framing_value(frame) if frame.meta is not None else None
                    if value is None:
                        self._bad_data(frame, exc)
                        continue
                kind = kind_of(value, frame.event)
                if kind is not None:
                    is_valid = validators.get(kind)
                    if is_valid is None or not is_valid(value):
                        ctx.frame = frame
                        self._validate(kind, value, frame)
            ctx.frame = frame
            # contextlib.suppress would cost an object and two calls per frame.
            try:  # noqa: SIM105
                step(frame, value, kind)
            except _MALFORMED:
                pass  # a malformed frame must never crash the run: its schema finding says why

    def _frame(self, frame: Frame) -> None:
        """One frame the slow way: before the protocol is known, and the first frame."""
        data = frame.data
        protocol = self.protocol
        if (
            protocol is not None and (data in protocol.sentinels or data in protocol.tolerated)
        ) or (protocol is None and data == b"[DONE]"):
            value: Any = SENTINEL
        else:
            try:
                value = orjson.loads(data)
            except orjson.JSONDecodeError as exc:
                value = self._framing_value(frame)
                if value is None:
                    self._bad_data(frame, exc)
                    return
        if protocol is None:
            protocol = self._detect(value, frame)
            if protocol is None:
                self._unknown_frame(frame, value)
                return
        state = self.state
        assert state is not None
        if self.frames == 1 and value is not SENTINEL:
            self._version_from_frame(protocol, value)
        state.ctx.frame = frame
        kind = None if value is SENTINEL else protocol.kind(value, frame.event)
        if kind is not None:
            self._validate(kind, value, frame)
        self._guard(state.frame, frame, value, kind)

    def _framing_value(self, frame: Frame) -> Any:
        """The value of a frame with no JSON whose content is in its framing headers (an AWS
        `:message-type: error` message), asked of the protocol or of every candidate."""
        if frame.meta is None:
            return None
        for protocol in [self.protocol] if self.protocol else self.candidates:
            value = protocol.framing_value(frame)
            if value is not None:
                return value
        return None

    def _version_from_frame(self, protocol: type[Protocol], value: Any) -> None:
        """An older shape seen in the first frame picks its schemas, unless a version was named."""
        if self.options.api_version or self.exchange.api_version:
            return
        implied = protocol.frame_version(value, self.version)
        if implied and implied != self.version:
            chosen = self.catalog.get(protocol.provider, protocol.api, implied)
            if chosen is not None:
                self.schemas, self.version = chosen, implied
                self.validators = {}
                assert self.state is not None
                self.state.ctx.api_version = implied

    def _guard(self, step: Callable[..., None], *args: Any) -> None:
        """A malformed frame must never crash the run: its schema finding says what is wrong."""
        with contextlib.suppress(*_MALFORMED):
            step(*args)

    def _detect(self, value: Any, frame: Frame) -> type[Protocol] | None:
        if value is SENTINEL:
            # A stream that starts with its terminator (`data: [DONE]` and nothing before) still
            # names its protocol when only one uses that sentinel.
            # After frames no protocol knew (legacy completions, Cohere v2) it names nothing.
            owners = [p for p in self.candidates if frame.data in p.sentinels]
            if len(owners) == 1 and self.frames == 1:
                self._use(owners[0])
                return owners[0]
            return None
        for protocol in self.candidates:
            if protocol.match_frame(value, frame.event):
                self._use(protocol)
                return protocol
        # A stream whose first frame is an error object: its shape names the API family, so the
        # grammar sees the error (and a `[DONE]` after it is success-after-failure, SC404).
        obj = errors.error_object(value)
        if obj is not None:
            shape = errors.classify(None, 200, value=obj).shape
            owner = next((p for p in self.candidates if shape in p.error_shapes), None)
            if owner is not None:
                self._use(owner)
                return owner
        return None

    def _validate(self, kind: str, value: Any, frame: Frame) -> None:
        schemas = self.schemas
        if schemas is None:
            return
        is_valid = self.validators.get(kind)
        if is_valid is None and kind in schemas.files:
            is_valid = self.validators[kind] = schemas.validator(kind).is_valid
        if is_valid is None:
            assert self.state is not None
            self.state.ctx.report(
                "SC202",
                f"frame kind {kind!r} is not defined by {schemas.provider}/{schemas.api} "
                f"{schemas.version}",
                evidence=excerpt(frame.data),
            )
            return
        if self.drift_on and self.drift_budget.get(kind, DRIFT_SAMPLE) and type(value) is dict:
            self._drift(kind, value, schemas)
        if is_valid(value):
            return
        if not (self.sink.wants("SC201") or self.sink.wants("SC205")):
            # Past the cap (or deselected): python-jsonschema's message would be thrown away.
            keywords = schemas.keywords(kind, value)
            if keywords:
                only_enums = all(k == "enum" for k in keywords)
                self.sink.tally("SC205" if only_enums else "SC201", self.location)
            return
        problems = schemas.explain(kind, value)
        if not problems:
            return
        best = problems[0]
        only_enums = all(p.keyword == "enum" for p in problems)
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        assert self.state is not None
        self.state.ctx.report(
            "SC205" if only_enums else "SC201",
            f"{kind} frame: {best.message} at {best.path}{more} "
            f"[{schemas.provider}/{schemas.api} {schemas.version}]",
            path=best.path,
            evidence=excerpt(frame.data),
        )

    def _drift(self, kind: str, value: dict[str, Any], schemas: SchemaSet) -> None:
        """SC203 on a sample: the first DRIFT_SAMPLE frames of each kind are compared with the
        schema's top-level members (a precomputed set), once per new member. Providers add
        members to every frame of a kind, so a sample finds them; the hot path pays one dict
        lookup per frame after the sample."""
        self.drift_budget[kind] = self.drift_budget.get(kind, DRIFT_SAMPLE) - 1
        known = schemas.members(kind)
        if known is None:
            return
        for member in value.keys() - known:
            if (kind, member) in self.drift_seen:
                continue
            self.drift_seen.add((kind, member))
            assert self.state is not None
            self.state.ctx.report(
                "SC203",
                f"{kind} frame has a member {member!r} that {schemas.provider}/{schemas.api} "
                f"{schemas.version} does not describe",
                path=f"/{member}",
            )

    def _bad_data(self, frame: Frame, exc: orjson.JSONDecodeError) -> None:
        data = frame.data
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            if not self.sink.wants("SC102"):
                self.sink.tally("SC102", self.location)
                return
            where = self.location.at(
                frame=frame.index, offset=frame.offset, line=frame.line or None
            )
            offset = frame.data_offset + bad.start if frame.data_offset >= 0 else frame.offset
            self.sink(
                rules.finding(
                    "SC102",
                    f"frame {frame.index}: invalid UTF-8 byte {data[bad.start : bad.start + 1]!r}",
                    where.at(offset=offset),
                    evidence=excerpt(data[max(0, bad.start - 60) : bad.start + 20]),
                )
            )
            return
        stripped = data.rstrip()
        cut = stripped[:1] in (b"{", b"[") and exc.pos >= len(stripped) - 1
        if self.protocol is None and not cut:
            # Only a protocol promises JSON; without one, plain-text events (Replicate, watsonx
            # text streams) are unjudged, which SC901 says once.
            if not self.unknown_reported:
                self.unknown_reported = True
                where = self.location.at(
                    frame=frame.index, offset=frame.offset, line=frame.line or None
                )
                message = "no known provider API streams plain-text data; only framing was checked"
                self.sink(rules.finding("SC901", message, where, evidence=excerpt(data)))
            return
        if not self.sink.wants("SC101" if cut else "SC103"):
            self.sink.tally("SC101" if cut else "SC103", self.location)
            return
        where = self.location.at(frame=frame.index, offset=frame.offset, line=frame.line or None)
        if cut:
            message = f"frame {frame.index}: JSON is cut off after {len(stripped)} bytes"
            self.sink(rules.finding("SC101", message, where, evidence=excerpt(data)))
        else:
            message = f"frame {frame.index}: data is not JSON ({exc.msg})"
            self.sink(rules.finding("SC103", message, where, evidence=excerpt(data)))

    def _unknown_frame(self, frame: Frame, value: Any) -> None:
        where = self.location.at(frame=frame.index, offset=frame.offset, line=frame.line or None)
        obj = errors.error_object(value)
        if obj is not None:
            verdict = errors.classify(None, 200, value=obj)
            self.error_class = verdict.klass
            self.sink(
                rules.finding(
                    "SC403",
                    f"error inside a 200 stream: {verdict.describe()}",
                    where,
                    evidence=excerpt(frame.data),
                    hint=verdict.hint,
                )
            )
            return
        if not self.unknown_reported and value is not SENTINEL:
            self.unknown_reported = True
            self.sink(
                rules.finding(
                    "SC901",
                    "no known provider API matches this stream; only framing was checked",
                    where,
                    evidence=excerpt(frame.data),
                )
            )

    # -- bodies that are not streams ---------------------------------------------------------------

    def _empty(self) -> None:
        status = self.exchange.status
        if status is not None and status >= 400:
            verdict = errors.classify(b"", status)
            self.error_class = verdict.klass
            self.sink(
                rules.finding(
                    "SC402",
                    f"HTTP {status} with an empty body: {verdict.describe()}",
                    self.location,
                    hint=verdict.hint,
                )
            )
        else:
            self.sink(rules.finding("SC114", "the response body is empty", self.location))

    def _check_framing_header(self, framing: str, content_type: str | None) -> None:
        expected = {
            "sse": ("text/event-stream",),
            "ndjson": (
                "application/x-ndjson",
                "application/stream+json",
                "application/jsonl",
                "application/json",
            ),
            "jsonarray": ("application/json",),
            "eventstream": ("application/vnd.amazon.eventstream",),
        }[framing]
        if content_type and content_type not in expected:
            self.sink(
                rules.finding(
                    "SC113",
                    f"body is {framing} but Content-Type says {content_type}",
                    self.location,
                )
            )

    def _body(self, body: bytes, framing: str) -> None:
        status = self.exchange.status
        value = errors.parse_body(body) if framing in ("json", "jsonarray") else None
        failed = status is not None and status >= 400  # any JSON under an error status is one
        if value is not None and not failed and errors.error_object(value) is None:
            self._not_an_error(value, body)
            return
        provider = self.protocol.provider if self.protocol else self.exchange.provider
        verdict = errors.classify(
            body, status, self.exchange.content_type, value, self.exchange.headers, provider
        )
        self.error_class = verdict.klass
        # A URL the hints placed at a provider but no protocol serves (Bedrock's count-tokens,
        # a non-streaming Converse call) keeps the hint: its error is not a stream API's.
        if self.protocol is None and not (self.exchange.provider and self.exchange.request.url):
            owner = next((p for p in self.candidates if verdict.shape in p.error_shapes), None)
            if owner is not None:
                self._use(owner)
        where = self.location.at(offset=0, line=1)
        provider = (
            self.protocol.provider if self.protocol else self.exchange.provider or "the server"
        )
        streamed = self._asked_for_stream() is not False
        crash = self._crash_note(value) if streamed else ""
        instead = " instead of a stream" if streamed else " (the call was not a streaming one)"
        if verdict.documented:
            self.sink(
                rules.finding(
                    "SC401",
                    f"{provider} answered with an error body{instead}: {verdict.describe()}{crash}",
                    where,
                    evidence=excerpt(body),
                    hint=verdict.hint,
                )
            )
        else:
            what = {"html": "an HTML page", "text": "plain text"}.get(
                verdict.shape, f"an error in an undocumented shape ({verdict.shape})"
            )
            self.sink(
                rules.finding(
                    "SC402",
                    f"{'expected a stream, ' if streamed else ''}got {what}: "
                    f"{verdict.describe()}{crash}",
                    where,
                    evidence=excerpt(body),
                    hint=verdict.hint,
                )
            )

    def _crash_note(self, value: Any) -> str:
        if self.protocol is None or value is None:
            return ""
        if self.protocol.api == "chat-completions":  # OpenAI, Azure and compatible dialects
            return (
                "; a client that reads chunk['choices'][0]['finish_reason'] raises "
                "KeyError on this body"
            )
        return ""

    def _not_an_error(self, value: Any, body: bytes) -> None:
        where = self.location.at(offset=0, line=1)
        if self.protocol is None:
            for protocol in self.candidates:
                if protocol.match_frame(value, None):
                    self._use(protocol)
                    break
        if self.protocol is None:
            # No known API: a JSON answer may be right for it (Replicate answers the stream
            # request with the URL of the stream). SC901 says nothing was judged.
            self._unknown_endpoint()
            if not self.unknown_reported:
                self.unknown_reported = True
                message = "no known provider API answers with this JSON document; not judged"
                self.sink(rules.finding("SC901", message, where, evidence=excerpt(body)))
            return
        kind = value.get("object") or value.get("type") if isinstance(value, dict) else None
        self.sink(
            rules.finding(
                "SC206",
                f"the body is one complete JSON document ({kind or type(value).__name__}), "
                "not a stream",
                where,
                evidence=excerpt(body),
            )
        )

    def _result(self) -> ExchangeResult:
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


def check_exchange(exchange: Exchange, options: CheckOptions, catalog: Catalog) -> ExchangeResult:
    return ExchangeChecker(exchange, options, catalog).run()

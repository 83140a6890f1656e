"""Plain data passed between the pipeline stages.

source -> Exchange -> wire decoder -> Frame -> protocol -> Finding -> reporter.
Nothing here knows a provider or a file format.
"""

from __future__ import annotations

import enum
import operator
import reprlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

_T = TypeVar("_T")


def _by_value(cls: type[_T]) -> type[_T]:
    """`__eq__`, `__repr__` and `__hash__` as dataclass writes them, for a dataclass declared
    with `repr=False, eq=False`: the same answers from the same fields, without compiling code;
    and `__reduce__`, pickling it as its class and fields.

    dataclass writes each method as source text and compiles it (exec) when the class is made:
    for this module's classes about 13 M instructions of every run's start-up, as much as a
    small file's check (issue 22). Here one function of each kind serves every class, reading
    the fields through operator.attrgetter. Equal when the other is of the very same class and
    the compared fields are equal as a tuple; the repr lists the shown fields, "..." on
    recursion; frozen classes hash the tuple of their compared fields, the others are
    unhashable. tests/test_model.py holds each class to the dataclass it would otherwise be.
    """
    declared = fields(cls)  # type: ignore[arg-type]
    compared = _values([f.name for f in declared if f.compare])
    shown = [f.name for f in declared if f.repr]
    shown_values = _values(shown)

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is self.__class__:
            return bool(compared(self) == compared(other))
        return NotImplemented

    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        pairs = ", ".join(f"{n}={v!r}" for n, v in zip(shown, shown_values(self), strict=True))
        return f"{self.__class__.__qualname__}({pairs})"

    def __hash__(self: Any) -> int:
        return hash(hashed(self))

    def __reduce__(self: Any) -> tuple[type[Any], tuple[Any, ...]]:
        # Pickled as the class and its fields, rebuilt by __init__ (every field is an init
        # field here): a frozen slots dataclass's own __setstate__ asks fields() per object,
        # and a --jobs run unpickles every result, finding and location its workers made.
        return self.__class__, every(self)

    hashed = _values([f.name for f in declared if (f.compare if f.hash is None else f.hash)])
    every = _values([f.name for f in declared])
    assert all(f.init for f in declared), cls  # __reduce__ passes every field to __init__
    frozen = cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    methods = {
        "__eq__": __eq__,
        "__repr__": __repr__,
        "__hash__": __hash__ if frozen else None,
        "__reduce__": __reduce__,
    }
    for name, method in methods.items():
        if method is not None:
            method.__qualname__ = f"{cls.__qualname__}.{name}"
        setattr(cls, name, method)
    return cls


def _values(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    if len(names) == 1:
        return lambda obj: (getattr(obj, names[0]),)
    getter: Callable[[Any], tuple[Any, ...]] = operator.attrgetter(*names)
    return getter


class Severity(enum.IntEnum):
    """How bad a finding is; a run fails on findings at or above a threshold (default: error)."""

    INFO = 10
    WARNING = 20
    ERROR = 30

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None


# Baseline states of a finding (SARIF's baselineState names; "absent" is an SC920 finding).
NEW, UNCHANGED, ABSENT = "new", "unchanged", "absent"
UNJUDGED = "SC901"  # the finding that says no protocol could judge an exchange


class EndReason(enum.Enum):
    """How the body of an exchange stopped arriving."""

    EOF = "eof"  # the server closed the body normally
    RESET = "reset"  # the connection was reset or the transfer was cut
    TIMEOUT = "timeout"  # the client gave up waiting
    INTERRUPTED = "interrupted"  # the user stopped the recording (Ctrl-C)
    UNKNOWN = "unknown"  # the recording does not say (raw bodies, cassettes)


# Ends no sender chose: the client gave up, the connection broke, the user stopped it.
STOPPED = (EndReason.TIMEOUT, EndReason.RESET, EndReason.INTERRUPTED)
# A hop that gave up waiting for its upstream answers with its own status: 504 Gateway Timeout
# (RFC 9110 section 15.6.5), or Cloudflare's 524, whose documentation says it is the origin not
# answering within the Proxy Read Timeout.
GATEWAY_TIMEOUTS = (504, 524)


class Direction(enum.Enum):
    """Which way a WebSocket message went, seen from the client that recorded it."""

    SENT = "sent"  # client -> server
    RECEIVED = "received"  # server -> client


# Not frozen, like Frame: one is made per message read (a frozen dataclass's __init__ sets each
# field through object.__setattr__, three times the cost); nothing changes one once made.
@_by_value
@dataclass(slots=True, repr=False, eq=False)
class Message:
    """One WebSocket message (all its fragments joined), as the client saw it."""

    direction: Direction
    data: bytes  # a text message's UTF-8 bytes, or a binary message's bytes
    binary: bool = False  # opcode 2 (binary) rather than 1 (text)
    time: float | None = None  # seconds since the connection was opened, when known


# A run of a recorded WebSocket session's messages is held at once: it ends at this many
# messages, or at this many bytes (a tape line may hold 64 MiB: a session of big messages is
# then held about one at a time, as when fed one by one).
MESSAGES_PER_RUN = 512
BYTES_PER_RUN = 1 << 20


@_by_value
@dataclass(slots=True, repr=False, eq=False)
class Texts:
    """Received text messages, one after another, as two columns: each one's bytes and its
    arrival time. What a recorded session's reader hands the checker for its common messages
    in place of a `Message` each (`StreamChecker.feed_texts`): reading a tape line costs about
    what checking its event does, and a Message per line with a loop over them in each stage
    was 8% of checking a Realtime session (valgrind instruction counts, issue 22)."""

    data: list[bytes]
    times: list[float]  # seconds since the connection was opened, never going backwards


class Runs:
    """Messages (`Exchange.messages`) that their reader can also give a run at a time (a
    tape's, sources/tape_ws.py): lists of messages, or `Texts` where the client's own
    messages, which make no frames, are left out. Either way consumes the one session; the
    pull driver reads the runs. (A plain base class: a typing.Protocol costs every start-up.)"""

    __slots__ = ()

    def __iter__(self) -> Iterator[Message]:
        raise NotImplementedError

    def runs(self) -> Iterator[list[Message] | Texts]:
        raise NotImplementedError


class CloseState(enum.Enum):
    """Whether a WebSocket's end was a close frame (RFC 6455 section 7)."""

    CLOSED = "closed"  # a close frame was received or sent; its code may be absent (1005)
    NO_CLOSE_FRAME = "no-close-frame"  # the TCP connection ended without one (1006)
    UNKNOWN = "unknown"  # the recording cannot say (browser devtools HAR records no close)


@_by_value
@dataclass(frozen=True, slots=True, repr=False, eq=False)
class Close:
    """How a WebSocket ended.

    `code` is the status code of the close frame, None when the frame carried none (what the
    receiving API reports as 1005); with NO_CLOSE_FRAME an API reports 1006, which is never
    sent on the wire. `by` is "server" or "client" (who sent the first close frame), when known.
    """

    state: CloseState = CloseState.UNKNOWN
    code: int | None = None
    reason: str = ""
    by: str | None = None
    time: float | None = None

    @property
    def reported_code(self) -> int | None:
        """The code a WebSocket API (browser `CloseEvent.code`, websockets) reports."""
        if self.state is CloseState.NO_CLOSE_FRAME:
            return 1006
        if self.state is CloseState.CLOSED:
            return 1005 if self.code is None else self.code
        return None


@_by_value
@dataclass(frozen=True, slots=True, repr=False, eq=False)
class Request:
    """What was asked, secrets already redacted."""

    method: str = "POST"
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # parsed JSON body when known


@_by_value
@dataclass(slots=True, repr=False, eq=False)
class Exchange:
    """One request and its streamed answer, whatever file or socket it came from.

    `chunks` yields (bytes, seconds since the request or None) in arrival order; it may be a
    generator over a file or a socket, so it is consumed once.
    """

    source: str
    index: int
    request: Request
    status: int | None
    headers: dict[str, str]
    chunks: Iterable[tuple[bytes, float | None]]
    end: EndReason = EndReason.UNKNOWN
    # Provider/API/version hints a container format carried (a tape header, a cassette URL).
    provider: str | None = None
    api: str | None = None
    api_version: str | None = None
    # A file format problem that still let the exchange be read (e.g. a cassette body that
    # had to be re-encoded). Reported as findings by the checker.
    notes: list[str] = field(default_factory=list)
    # Where the body's first byte sits in the source file (byte offset, 1-based line), so that
    # body positions can be shown as file positions. None when the body is not stored as one
    # contiguous run of the file (tapes, cassettes, HAR): positions then stay body-relative.
    body_offset: int | None = None
    body_line: int | None = None
    # A WebSocket exchange has `messages` (both directions, in order; consumed once, like
    # `chunks`, which stays empty) and, once they are consumed, `close`. An HTTP exchange has
    # neither. `status` is then the upgrade's (101) and `headers` its response headers.
    messages: Iterable[Message] | None = None
    close: Close | None = None
    # The credential values the request carried (redact.collect, taken before the request was
    # redacted): masked wherever they appear again while this exchange is checked (an error
    # body that echoes the key). Never rendered.
    secrets: frozenset[str] = field(default=frozenset(), repr=False)
    # When the body's end was seen (seconds since the request: a tape's end record, a live
    # call), so the silence before a cut can be measured; None when the recording does not say.
    end_time: float | None = None
    # The recording client's read timeout in seconds, when known (a live call, a tape `record`
    # wrote): a TIMEOUT end is then the client's own doing, not a hop's.
    read_timeout: float | None = None
    # Whether chunk times are the times each chunk arrived (tapes, live calls), not one time
    # given to a whole body (HAR): only then can a buffered delivery be told from a stream.
    arrival_times: bool = False
    # The file a recording keeps this response's body in instead (WireMock's `bodyFileName`,
    # Hoverfly's `bodyFile`): the body is not in what was named, so it is not judged (SC901).
    body_elsewhere: str | None = None

    @property
    def transport(self) -> str:
        """ "websocket" or "http"."""
        return "http" if self.messages is None else "websocket"

    def header(self, name: str) -> str | None:
        lower = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lower:
                return value
        return None

    @property
    def content_type(self) -> str | None:
        value = self.header("content-type")
        return value.split(";", 1)[0].strip().lower() if value else None


@_by_value
@dataclass(slots=True, repr=False, eq=False)
class Frame:
    """One decoded unit of a stream: an SSE event, an NDJSON line, an array element, ..."""

    index: int  # 0-based position among the frames of its exchange
    offset: int  # byte offset of the frame's first byte in the body
    line: int  # 1-based line of the frame's first byte (0 for binary framings)
    data: bytes  # the payload as it arrived (SSE data lines joined by LF)
    event: str | None = None  # SSE event name; eventstream :event-type
    time: float | None = None  # arrival time of the chunk that completed the frame
    data_offset: int = -1  # byte offset where `data` starts when it is contiguous, else -1
    meta: dict[str, str] | None = None  # framing headers (AWS eventstream) when the wire has them


@_by_value
@dataclass(frozen=True, slots=True, repr=False, eq=False)
class Location:
    """Where a finding points. Every field is optional; reporters print what is known."""

    source: str | None = None
    exchange: int | None = None
    frame: int | None = None
    offset: int | None = None
    line: int | None = None
    path: str | None = None  # JSON pointer inside the frame, e.g. /choices/0/finish_reason

    def at(self, **changes: Any) -> Location:
        values = {name: getattr(self, name) for name in self.__slots__}
        values.update(changes)
        return Location(**values)


@_by_value
@dataclass(frozen=True, slots=True, repr=False, eq=False)
class Finding:
    """A defect found in a stream. Data, never raised."""

    code: str
    name: str
    severity: Severity
    message: str
    location: Location = Location()
    evidence: str | None = None  # redacted excerpt of what arrived
    hint: str | None = None  # likely cause and fix
    # The schema kind of the frame the finding points at (`chunk`, `message_delta`), when the
    # checker knew it: part of what identifies a finding across edits (baseline).
    frame_kind: str | None = None
    # Set by the baseline stage: "new" (not in the baseline) or "unchanged" (in it).
    baseline: str | None = None

    def to_dict(self) -> dict[str, Any]:
        loc = {k: getattr(self.location, k) for k in self.location.__slots__}
        out = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.label,
            "message": self.message,
            "location": {k: v for k, v in loc.items() if v is not None},
            "evidence": self.evidence,
            "hint": self.hint,
        }
        if self.baseline is not None:
            out["baseline"] = self.baseline
        return out


class ClientCall:
    """One tool call as an SDK assembled it (arguments redacted, as text).

    Plain classes here and below, not dataclasses: each dataclass costs start-up time, and
    these are built only by `check --client` and `--baseline`.
    """

    __slots__ = ("arguments", "id", "name")

    def __init__(self, name: str | None, arguments: str, id: str | None = None) -> None:
        self.name = name
        self.arguments = arguments
        self.id = id

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "arguments": self.arguments}


class ClientOutcome:
    """What an application using an official SDK received from one exchange, replayed through
    the SDK's streaming code path (`check --client`). Plain, redacted data."""

    __slots__ = (
        "client",
        "differences",
        "error",
        "error_message",
        "finish",
        "finish_name",
        "items",
        "sdk_path",
        "sdk_version",
        "skipped",
        "text",
        "tool_calls",
    )

    def __init__(
        self, client: str, sdk_version: str | None, finish_name: str = "finish_reason"
    ) -> None:
        self.client = client  # openai-python, anthropic-python, vercel-ai-ui
        self.sdk_version = sdk_version
        # Where the SDK was loaded from, when it is the project's own (vercel-ai-ui: node_modules).
        self.sdk_path: str | None = None
        self.finish_name = finish_name  # what this SDK calls the finish
        # None when the replay ran; else why it did not (an API this client does not speak).
        self.skipped: str | None = None
        self.text = ""
        self.tool_calls: list[ClientCall] = []
        self.finish: str | None = None  # finish_reason / stop_reason as the app sees it
        self.items = 0  # chunks or events the app iterated over
        self.error: str | None = None  # exception class the app gets, `openai.APIConnectionError`
        self.error_message: str | None = None  # redacted
        # Where what the app sees differs from what the stream holds, one sentence each.
        self.differences: list[str] = []

    @property
    def verdict(self) -> str:
        """raises, silent (ends normally without a finish reason), ok, or skipped."""
        if self.skipped is not None:
            return "skipped"
        if self.error is not None:
            return "raises"
        return "ok" if self.finish else "silent"

    def to_dict(self) -> dict[str, Any]:
        return {
            "client": self.client,
            "sdk_version": self.sdk_version,
            "sdk_path": self.sdk_path,
            "verdict": self.verdict,
            "skipped": self.skipped,
            "text": self.text,
            "tool_calls": [call.to_dict() for call in self.tool_calls],
            "finish": self.finish,
            "finish_name": self.finish_name,
            "items": self.items,
            "error": self.error,
            "error_message": self.error_message,
            "differences": self.differences,
        }


class Timeline:
    """One exchange's frames by arrival time, and the answer they assembled (`timeline/`, built
    only for the HTML report): plain, redacted data a reporter draws without computing.

    `points` are (seconds since the request or None, frame kind, payload bytes), one per frame
    up to a cap (`elided` counts the rest); `text` and `tool_calls` are what the frames
    assembled, capped, for the APIs whose deltas `timeline/` knows."""

    __slots__ = ("elided", "points", "text", "text_capped", "tool_calls")

    def __init__(self) -> None:
        self.points: list[tuple[float | None, str, int]] = []
        self.elided = 0
        self.text = ""
        self.text_capped = False
        self.tool_calls: list[ClientCall] = []

    def to_dict(self) -> dict[str, Any]:
        return {
            "points": [list(p) for p in self.points],
            "elided": self.elided,
            "text": self.text,
            "text_capped": self.text_capped,
            "tool_calls": [call.to_dict() for call in self.tool_calls],
        }


class Cause:
    """Why a stream was cut or stalled, as far as the recording shows (check/cause.py): the
    evidence in words, the hop it points at, and that hop's fix. Plain strings, computed once
    per exchange at its end, so every reporter (and later a proxy or an HTML report) renders
    it without computing anything."""

    __slots__ = ("evidence", "finding", "fix", "hop", "kind", "refs", "summary")

    def __init__(
        self,
        kind: str,
        summary: str,
        *,
        hop: str | None = None,
        fix: str | None = None,
        evidence: list[str] | None = None,
        finding: str | None = None,
        refs: list[str] | None = None,
    ) -> None:
        # client-timeout, client-cancel, stall, idle-timeout, total-timeout, reset, clean-close,
        # in-band-error, gateway-timeout (a 504 or 524 a hop answered)
        self.kind = kind
        self.summary = summary  # one sentence worded as evidence, never as certainty
        self.hop = hop  # "nginx", "Cloudflare", "the client", or None when none is named
        self.fix = fix  # what to change on that hop
        self.evidence = evidence or []  # the facts it rests on: times, end, headers
        self.finding = finding  # the code of the cut finding it explains (SC503, SC301, ...)
        self.refs = refs or []  # the vendor documentation the limit comes from

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "summary": self.summary,
            "hop": self.hop,
            "fix": self.fix,
            "evidence": self.evidence,
            "finding": self.finding,
            "refs": self.refs,
        }


@_by_value
@dataclass(slots=True, repr=False, eq=False)
class ExchangeResult:
    """The verdict on one exchange: what was detected, what was seen, and the findings."""

    source: str
    index: int
    provider: str | None
    api: str | None
    api_version: str | None
    status: int | None
    framing: str | None
    frames: int
    bytes: int
    end: EndReason
    findings: list[Finding]
    url: str | None = None
    # Classification of an error body or in-stream error (auth, no-access, billing, ...), if any.
    error_class: str | None = None
    timing: dict[str, float] = field(default_factory=dict)
    body_offset: int | None = None  # copied from the Exchange: see there
    body_line: int | None = None
    # The failing threshold for this exchange when a per-path setting differs from the run's.
    fail_on: Severity | None = None
    # Why the stream was cut or stalled, when the recording shows something (check/cause.py).
    cause: Cause | None = None
    # What apps using official SDKs received (`check --client`, one per client asked for).
    clients: list[ClientOutcome] = field(default_factory=list)
    # Frames by arrival time and the assembled answer (only when an HTML report is asked for).
    timeline: Timeline | None = None

    @property
    def client(self) -> ClientOutcome | None:
        """The first client's outcome (a run usually asks for one)."""
        return self.clients[0] if self.clients else None

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    def file_position(self, location: Location) -> tuple[int | None, int | None]:
        """(line, byte offset) of a finding in the source file; None where it does not map."""
        line = offset = None
        if self.body_line is not None and location.line is not None:
            line = self.body_line + location.line - 1
        if self.body_offset is not None and location.offset is not None:
            offset = self.body_offset + location.offset
        return line, offset

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "exchange": self.index,
            "provider": self.provider,
            "api": self.api,
            "api_version": self.api_version,
            "url": self.url,
            "status": self.status,
            "framing": self.framing,
            "frames": self.frames,
            "bytes": self.bytes,
            "end": self.end.value,
            "error_class": self.error_class,
            "timing": self.timing,
            "findings": [f.to_dict() for f in self.findings],
            **({"client": self.clients[0].to_dict()} if self.clients else {}),
            **({"clients": [c.to_dict() for c in self.clients]} if len(self.clients) > 1 else {}),
            **({"cause": self.cause.to_dict()} if self.cause is not None else {}),
        }


class BaselineSummary:
    """How a run compared with a baseline file (`check --baseline`)."""

    __slots__ = ("absent", "entries", "file", "new", "removed", "unchanged", "written")

    def __init__(self, file: str, entries: int = 0) -> None:
        self.file = file  # the baseline as the user named it
        self.entries = entries  # findings the baseline stands for (after a write: written)
        self.unchanged = 0  # findings the baseline holds: reported, never failing
        self.new = 0  # findings not in it
        # One SC920 finding per entry no longer found, so the baseline can shrink.
        self.absent: list[Finding] = []
        self.written = False  # `--write-baseline` rewrote the file in this run
        self.removed = 0  # after a write: entries of checked files the new file no longer holds

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "written": self.written,
            "entries": self.entries,
            "unchanged": self.unchanged,
            "new": self.new,
            "absent": len(self.absent),
            "removed": self.removed,
        }


@_by_value
@dataclass(slots=True, repr=False, eq=False)
class Report:
    """Everything one run found, in input order. Reporters render it and compute nothing."""

    results: list[ExchangeResult] = field(default_factory=list)
    fail_on: Severity = Severity.ERROR
    baseline: BaselineSummary | None = None
    # `--require-judged`: an exchange no protocol could judge (SC901) fails, whatever SC901's
    # severity; without it such exchanges are still counted in the summary, never passed silently.
    require_judged: bool = False

    def findings(self) -> Iterator[Finding]:
        for result in self.results:
            yield from result.findings

    def unjudged(self) -> list[ExchangeResult]:
        """The exchanges no protocol could judge (an SC901 finding: unknown API or protocol)."""
        return [r for r in self.results if any(f.code == UNJUDGED for f in r.findings)]

    def counts(self) -> dict[str, int]:
        """Findings per severity, less those a baseline holds (and plus its SC920 notes)."""
        counts = {s.label: 0 for s in Severity}
        for finding in self.findings():
            if finding.baseline != UNCHANGED:
                counts[finding.severity.label] += 1
        for finding in self.baseline.absent if self.baseline else ():
            counts[finding.severity.label] += 1
        return counts

    def threshold(self, result: ExchangeResult) -> Severity:
        return result.fail_on if result.fail_on is not None else self.fail_on

    def failing(self, result: ExchangeResult) -> list[Finding]:
        """The findings of one exchange at or above its failing threshold (and, with
        `require_judged`, the SC901 that says it was not judged)."""
        threshold = self.threshold(result)
        return [
            f
            for f in result.findings
            if (f.severity >= threshold or (self.require_judged and f.code == UNJUDGED))
            and f.baseline != UNCHANGED
        ]

    def baselined(self, result: ExchangeResult) -> list[Finding]:
        """The findings of one exchange that the baseline holds."""
        return [f for f in result.findings if f.baseline == UNCHANGED]

    @property
    def failed(self) -> bool:
        absent = self.baseline.absent if self.baseline else []
        return any(self.failing(result) for result in self.results) or any(
            f.severity >= self.fail_on for f in absent
        )

"""The Protocol interface and the registry of provider APIs.

A protocol knows, for one provider API: how to recognise its exchanges (URL, headers, the first
frame), which API version an exchange speaks, the frame kind of each frame (its discriminator,
never a oneOf), the stream grammar (a small state machine fed one frame at a time) and how its
error bodies look. It never reads bytes: frames arrive decoded and parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import SplitResult, urlsplit

from streamcheck import errors, rules
from streamcheck.model import Exchange, Finding, Frame, Location, Severity
from streamcheck.redact import excerpt

if TYPE_CHECKING:
    from streamcheck.schemas import SchemaSet


# What a grammar's hot path may return for a frame it handled (check/repeat.py): the paths of
# the strings that may differ in a later frame of otherwise the same bytes (none: the same
# bytes), and what such a frame does to the grammar (given the frame and those strings' raw
# JSON bodies, in the order of the paths). None: no such promise. The promise holds while only
# frames that returned a Hint (and their repeats) reach the grammar: a grammar keeps every
# state its hot paths read or its `again`s skip (a finish, a block's stop, the last choice)
# out of the frames that return one, so frames of other shapes may come between the repeats
# (check/frames.py keeps a few templates; any frame that returns None drops them).
RepeatPath = tuple[str | int, ...]
Hint = tuple[tuple[RepeatPath, ...], Callable[[Frame, list[bytes]], None]]


def repeated_text(body: bytes) -> str:
    """The string a repeated frame's JSON string body holds (check/repeat.py has proved it a
    valid body: no quote, no raw control character, valid escapes and UTF-8)."""
    # find, not `in` (per frame): bytes `in` builds and drops a TypeError first.
    if body.isascii() and body.find(b"\\") < 0:
        return body.decode("ascii")
    import orjson

    decoded: str = orjson.loads(b'"' + body + b'"')
    return decoded


def url_parts(url: str | None) -> SplitResult:
    """A recorded request URL split into parts; an unsplittable one (`http://[::1`: "Invalid
    IPv6 URL") as an empty URL, so it names no provider or version instead of crashing."""
    try:
        return urlsplit(url or "")
    except ValueError:
        return urlsplit("")


def type_member(value: Any, otherwise: str | None) -> str | None:
    """A frame's `type` when it is a string (the discriminator of event-typed APIs: Anthropic,
    Responses, Realtime), else `otherwise` (the SSE event name, or None)."""
    declared = value.get("type") if isinstance(value, dict) else None
    return declared if isinstance(declared, str) else otherwise


SENTINEL = object()  # the parsed value of a frame whose data is a protocol sentinel ([DONE])


class Context:
    """What a stream state machine may use: where it is, and where findings go."""

    # A plain class: per-stream state needs no generated dataclass code at start-up.
    __slots__ = (
        "api_version",
        "dialect",
        "emit",
        "error_class",
        "frame",
        "location",
        "named",
        "request",
        "url",
    )

    def __init__(
        self,
        *,
        location: Location,
        emit: Callable[[Finding], None],
        api_version: str,
        request: dict[str, Any] | None = None,
        url: str | None = None,
    ) -> None:
        self.location = location
        self.emit = emit
        self.api_version = api_version
        self.request: dict[str, Any] = request if request is not None else {}  # parsed body
        self.url = url  # the request URL, when the recording has it
        self.frame: Frame | None = None  # the frame being handled
        self.error_class: str | None = None  # set when an in-stream error was classified
        # The user named the provider or API version (flags, config): judge by it strictly.
        self.named = False
        # The frames showed a server that is not the API's own (openai_client_impact).
        self.dialect = False

    @property
    def resumed_after(self) -> int | None:
        """`starting_after=N` of a resumed stream request (OpenAI Responses), else None."""
        from urllib.parse import parse_qs

        values = parse_qs(url_parts(self.url).query).get("starting_after")
        if values and values[0].isascii() and values[0].isdigit() and len(values[0]) < 19:
            return int(values[0])
        return None

    def report(
        self,
        code: str,
        message: str,
        *,
        path: str | None = None,
        evidence: str | None = None,
        hint: str | None = None,
        severity: Severity | None = None,
        at_end: bool = False,
    ) -> None:
        frame = None if at_end else self.frame
        where = self.location
        if frame is not None:
            where = where.at(
                frame=frame.index, offset=frame.offset, line=frame.line or None, path=path
            )
        elif path is not None:
            where = where.at(path=path)
        self.emit(
            rules.finding(code, message, where, evidence=evidence, hint=hint, severity=severity)
        )


class StreamState:
    """Per-exchange grammar: `frame()` for each parsed frame in order, then `end()` once."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.content_frames = 0  # frames that carried model output (for timing and verdicts)
        self.first_content_time: float | None = None

    def frame(self, frame: Frame, value: Any, kind: str | None) -> Hint | None:
        """One frame in order. A hot path may return a `Hint` (a promise about the frames
        that repeat this one but for some strings); the reference path returns None."""
        raise NotImplementedError

    def end(self, clean_eof: bool) -> None:
        raise NotImplementedError

    def finished(self) -> bool | None:
        """Whether the stream reached the end its grammar defines, asked after `end()`: True
        when it did (a terminator, a final event, every required field), False when a response
        is still open (the stream was cut), None when this protocol cannot tell. A WebSocket's
        close is judged by it: 1000 or 1005 while a response is open is a cut stream (SC603)."""
        return None


class Protocol:
    """One provider API. Subclasses are registered with `@register` and hold no state."""

    name: ClassVar[str]  # e.g. "openai-chat"
    provider: ClassVar[str]  # e.g. "openai"
    api: ClassVar[str]  # e.g. "chat-completions", the folder under schemas/<provider>/
    framing: ClassVar[str] = "sse"
    sentinels: ClassVar[frozenset[bytes]] = frozenset()
    # Sentinels some servers append although the API defines none (OpenRouter ends Responses
    # streams with `data: [DONE]`): parsed as SENTINEL, but they do not identify the protocol.
    tolerated: ClassVar[frozenset[bytes]] = frozenset()
    # Framings other than `framing` that some version of the API streams natively (Cohere v1
    # is NDJSON): a body in one of them is no recording that lost its SSE framing.
    also_framed: ClassVar[frozenset[str]] = frozenset()
    # The sentinel whose absence the grammar reports (SC301), when the end is not a JSON event.
    terminator: ClassVar[bytes | None] = None
    # Whether the official clients hand over each `data:` line as it ends rather than each SSE
    # event (google-genai reads lines): a last event with no blank line after it is delivered.
    line_delivered: ClassVar[bool] = False
    # Versions judged by another version's schemas (Vertex AI `v1beta1` speaks Gemini `v1beta`).
    version_aliases: ClassVar[dict[str, str]] = {}
    # Why a first frame implies an older version (frame_version): said in the SC902 note.
    version_reasons: ClassVar[dict[str, str]] = {}
    # Why the default version judges a stream no request or flag named a version for, when
    # the frames cannot tell versions apart (Open Responses releases): said in one SC902 note.
    default_reason: ClassVar[str | None] = None
    # Another protocol whose streams this one judges when the config's defaults name this one
    # (Open Responses for `openai-responses`: same URL and frames, other schemas). Flags name
    # it directly; detection never picks it.
    stands_for: ClassVar[str | None] = None
    aliases: ClassVar[tuple[str, ...]] = ()  # provider names accepted by --provider
    # Error body shapes (streamcheck.errors) that point to this API when nothing else does.
    error_shapes: ClassVar[tuple[str, ...]] = ()
    # The member whose string value names a frame's schema kind (`type`, `object`), read on the
    # hot path without a call to kind(): the kind is `discriminated[value]`, or the value itself
    # when `discriminated` is None. A frame it does not settle asks kind(), which must agree
    # (tests/protocols/test_registry.py checks every protocol on its fixtures).
    discriminator: ClassVar[str | None] = None
    discriminated: ClassVar[Mapping[str, str] | None] = None
    # The server sends its JSON messages in binary WebSocket frames (the Gemini Live API): a
    # binary message of such a protocol is judged as JSON, not counted as binary data (SC125).
    binary_json: ClassVar[bool] = False
    # What the API's server means by a WebSocket close code, beside RFC 6455's name for it.
    close_meanings: ClassVar[Mapping[int, str]] = {}
    # A user-defined protocol (a protocol file): its schemas come from `own_schemas()`, and the
    # checker reports a body whose framing is not the declared `framing` (SC385).
    declared: ClassVar[bool] = False

    @classmethod
    def own_schemas(cls) -> SchemaSet | None:
        """Schemas that live in no folder (a protocol file's); None for built-in protocols."""
        return None

    @classmethod
    def match_request(cls, exchange: Exchange) -> int:
        """Confidence 0-100 that the exchange belongs to this API, from the request's URL and
        headers only (a raw body, which has neither, is never scored)."""
        return 0

    @classmethod
    def match_frame(cls, value: Any, event: str | None) -> bool:
        """Whether a first parsed frame looks like this API's."""
        return False

    @classmethod
    def version(cls, exchange: Exchange) -> str | None:
        """The API version the exchange asked for, when the request says so."""
        return None

    @classmethod
    def frame_version(cls, value: Any, current: str | None) -> str | None:
        """A version implied by the first frame (an older shape), when the request named none."""
        return None

    @classmethod
    def requested_framing(cls, exchange: Exchange) -> tuple[str, str] | None:
        """The framing the recorded request asked for and why, when the API lets the request
        choose (Gemini: `?alt=sse` or a JSON array); None when it cannot be told."""
        return None

    @classmethod
    def framing_value(cls, frame: Frame) -> Any:
        """The value of a frame whose content is in its framing headers, not its data (an AWS
        event-stream `:message-type: error` message); None for every ordinary frame."""
        return None

    @classmethod
    def kind(cls, value: Any, event: str | None) -> str | None:
        """The schema kind of a parsed frame, by discriminator; None when unknown."""
        return None

    @classmethod
    def stream(cls, ctx: Context) -> StreamState:
        raise NotImplementedError


# Filled as protocol modules are imported; `streamcheck.protocols.every()` has them all, in order.
REGISTRY: dict[str, type[Protocol]] = {}
# How many times `register` ran: what is read from REGISTRY may be kept while this and its
# length stay the same (streamcheck.protocols.in_order).
registered = 0


def register(cls: type[Protocol]) -> type[Protocol]:
    global registered
    REGISTRY[cls.name] = cls
    registered += 1
    return cls


def report_stream_error(ctx: Context, frame: Frame, value: Any, what: str = "error") -> None:
    """SC403 for an error object `what` inside a 200 stream, classified as an error body would
    be (streamcheck.errors); the class also goes to `ctx.error_class` for the verdict."""
    verdict = errors.classify(None, 200, value=value)
    ctx.error_class = verdict.klass
    ctx.report(
        "SC403",
        f"{what} inside a 200 stream: {verdict.describe()}",
        evidence=excerpt(frame.data),
        hint=verdict.hint,
    )


def json_path(*parts: object) -> str:
    return "/" + "/".join(str(p) for p in parts)

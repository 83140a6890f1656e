"""User-defined protocols: one generic protocol driven by a declarative file.

`declared_file.load()` parses and validates a protocol file into a `Spec`; `protocol_for(spec)`
makes the `Protocol` class the checker uses like a built-in one: the kind by a JSON pointer (or
by each kind's `when` schema), the kinds' schemas as a `SchemaSet`, and a grammar that knows the
file's `start` and `end` kinds, what may follow the end (`after-end`, e.g. `[DONE]`), which
pointers must have held a non-null value by the end (`required-by-end`), and which kinds are
errors. Findings: SC380-SC385 (rules/declared.py); error kinds are SC403.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from streamcheck.model import Exchange, Frame
from streamcheck.protocols.base import SENTINEL, Context, Protocol, StreamState, url_parts
from streamcheck.protocols.declared_when import WhenIndex
from streamcheck.protocols.envelope import Codes, Envelope, Enveloped
from streamcheck.redact import excerpt
from streamcheck.schemas import SchemaSet

MISSING = object()
STREAMED = frozenset({"sse", "ndjson", "websocket", "tagged", "jsonarray", "eventstream"})


def resolve(value: Any, pointer: tuple[str, ...]) -> Any:
    """The part of a frame at a parsed JSON pointer, or MISSING."""
    for step in pointer:
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return MISSING
    return value


def parse_pointer(text: str) -> tuple[str, ...]:
    """RFC 6901: `/a/b~1c` -> ('a', 'b/c'); '' is the whole frame."""
    if text == "":
        return ()
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in text[1:].split("/"))


@dataclass(slots=True)
class Kind:
    name: str
    schema: dict[str, Any]
    when: Any = None  # a compiled jsonschema-rs validator, or None (no condition)


@dataclass(slots=True)
class Spec:
    """A protocol file, validated."""

    file: Path
    name: str
    version: str
    framings: tuple[str, ...]  # the first is the protocol's `framing`
    kinds: dict[str, Kind]
    kind_pointer: tuple[str, ...] | None  # None: kinds are chosen by their `when` schemas
    kind_text: str = ""  # the pointer as written, for messages
    start: frozenset[str] = frozenset()
    end: frozenset[str] = frozenset()
    errors: frozenset[str] = frozenset()
    after_end: frozenset[bytes] = frozenset()
    required: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (as written, parsed)
    path: str | None = None  # match: URL path (a glob, or a suffix)
    headers: dict[str, str] = field(default_factory=dict)  # match: header -> value
    first_frame: Any = None  # match: a compiled validator for the first frame
    when_index: WhenIndex | None = None  # the kinds with a `when`, indexed (declared_when.py)
    envelope: Envelope | None = None  # made once from start, end and errors (envelope_of)


def envelope_of(spec: Spec) -> Envelope:
    """A protocol file's envelope: its start, end and error kinds, under the SC38x codes."""
    return Envelope(
        first=spec.start,
        terminal=spec.end,
        errors=spec.errors,
        codes=DECLARED_CODES,
        first_words=", ".join(sorted(spec.start)),
        end_words=f"a frame of an end kind ({', '.join(repr(k) for k in sorted(spec.end))})",
        label=f" [{spec.name}]",
        quote=frozenset({"after_end"}),
    )


DECLARED_CODES = Codes(first="SC382", after_end="SC383", no_end="SC380")


class DeclaredStream(StreamState):
    def __init__(self, ctx: Context, spec: Spec) -> None:
        super().__init__(ctx)
        self.spec = spec
        self.envelope = Enveloped(self, spec.envelope or envelope_of(spec))
        self.seen = {text: False for text, _ in spec.required}

    def frame(self, frame: Frame, value: Any, kind: str | None) -> None:
        spec = self.spec
        envelope = self.envelope
        if value is SENTINEL:
            envelope.seal("the after-end trailer")
            return
        if kind is None and envelope.sealed_by is None:
            envelope.events += 1
            if envelope.events == 1:
                envelope.start_reported = True  # a first frame of no kind: SC384 says it
            self.ctx.report(
                "SC384",
                f"frame {frame.index}: {self._why_no_kind(value)} [{spec.name}]",
                evidence=excerpt(frame.data),
            )
            return
        if not envelope.open(frame, kind):
            return
        assert kind is not None
        envelope.content(frame)
        for text, pointer in spec.required:
            if not self.seen[text] and resolve(value, pointer) not in (None, MISSING):
                self.seen[text] = True
        if kind in spec.errors:
            envelope.error(frame, value, f"a {kind!r} frame")
        if kind in spec.end:
            envelope.ended(f"the {kind!r} frame")
            self._required(f"by the {kind!r} frame", at_end=False)

    def _why_no_kind(self, value: Any) -> str:
        spec = self.spec
        if spec.kind_pointer is None:
            return "no kind's `when` schema accepts it"
        named = resolve(value, spec.kind_pointer)
        if named is MISSING:
            return f"it has no {spec.kind_text or '/'} (the kind pointer)"
        return f"{spec.kind_text} is {excerpt(repr(named).encode(), 60)}, no declared kind"

    def _required(self, when: str, *, at_end: bool) -> None:
        missing = [text for text, done in self.seen.items() if not done]
        for text in missing:
            self.ctx.report(
                "SC381",
                f"{text} never held a value {when} [{self.spec.name}]",
                path=text,
                at_end=at_end,
            )

    def finished(self) -> bool | None:
        """Whether the stream reached an end kind (read by the WebSocket close rules)."""
        if not self.envelope.events:
            return None
        if self.spec.end:
            return self.envelope.stream_end is not None
        return all(self.seen.values()) if self.seen else None

    def end(self, clean_eof: bool) -> None:
        if not self.spec.end and self.envelope.events and not self.envelope.errored:
            self._required("by the end of the stream", at_end=True)
            return
        self.envelope.close(clean_eof)


class DeclaredProtocol(Protocol):
    """The base of the classes `protocol_for` makes; one per protocol file."""

    spec: ClassVar[Spec]
    schema_set: ClassVar[SchemaSet]
    declared = True

    @classmethod
    def own_schemas(cls) -> SchemaSet:
        return cls.schema_set

    @classmethod
    def match_request(cls, exchange: Exchange) -> int:
        spec = cls.spec
        path_ok = header_ok = None
        if spec.path is not None:
            path = url_parts(exchange.request.url).path
            path_ok = bool(path) and (
                fnmatch.fnmatchcase(path, spec.path) or path.endswith(spec.path)
            )
        if spec.headers:
            header_ok = all(
                (exchange.header(name) or exchange_request_header(exchange, name) or "").strip()
                == value
                for name, value in spec.headers.items()
            )
        said = [ok for ok in (path_ok, header_ok) if ok is not None]
        return 98 if said and all(said) else 0

    @classmethod
    def match_frame(cls, value: Any, event: str | None) -> bool:
        spec = cls.spec
        if spec.first_frame is not None:
            return bool(spec.first_frame.is_valid(value))
        if spec.path is not None or spec.headers:
            return False  # the file says which requests are its own: frames do not decide
        if spec.kind_pointer is not None:
            kind = cls.kind(value, event)
            return kind is not None and (not spec.start or kind in spec.start)
        return False

    @classmethod
    def version(cls, exchange: Exchange) -> str | None:
        return cls.spec.version

    @classmethod
    def kind(cls, value: Any, event: str | None) -> str | None:
        spec = cls.spec
        if spec.kind_pointer is not None:
            named = resolve(value, spec.kind_pointer)
            return named if isinstance(named, str) and named in spec.kinds else None
        if spec.when_index is not None:
            chosen = spec.when_index.first(value)
            if chosen is not None:
                return chosen
        return next((k.name for k in spec.kinds.values() if k.when is None), None)

    @classmethod
    def stream(cls, ctx: Context) -> DeclaredStream:
        return DeclaredStream(ctx, cls.spec)


def framing_mismatch(protocol: type[Protocol] | None, framing: str | None) -> str | None:
    """Why a declared protocol's exchange has the wrong framing (SC385), or None."""
    if not isinstance(protocol, type) or not issubclass(protocol, DeclaredProtocol):
        return None
    spec = protocol.spec
    if framing is None or framing in spec.framings or framing not in STREAMED:
        return None
    return (
        f"the body is {framing}, but the protocol file {spec.file} declares framing "
        f"{' or '.join(spec.framings)}"
    )


def exchange_request_header(exchange: Exchange, name: str) -> str | None:
    lower = name.lower()
    return next((v for k, v in exchange.request.headers.items() if k.lower() == lower), None)


def protocol_for(spec: Spec) -> type[DeclaredProtocol]:
    """The Protocol class of one protocol file (not registered: only runs that name the file
    use it)."""
    schemas = SchemaSet("user", spec.name, spec.version, origin=str(spec.file))
    spec.envelope = envelope_of(spec)
    for name, kind in spec.kinds.items():
        schemas.add(name, kind.schema, spec.file)
    single = spec.kind_pointer if spec.kind_pointer and len(spec.kind_pointer) == 1 else None
    attributes: dict[str, Any] = {
        "name": f"user:{spec.name}",
        "provider": "user",
        "api": spec.name,
        "framing": spec.framings[0],
        "tolerated": spec.after_end,
        "spec": spec,
        "schema_set": schemas,
        # A top-level kind member is read on the hot path, as built-in protocols' `type` is.
        "discriminator": single[0] if single else None,
        "discriminated": {name: name for name in spec.kinds} if single else None,
        "__module__": __name__,
    }
    return type(f"Declared[{spec.name}]", (DeclaredProtocol,), attributes)

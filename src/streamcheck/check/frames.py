"""The frames of a stream: the hot path, protocol detection on the first frame, schema checks
(fast validity for every frame, python-jsonschema messages only for failing ones), drift, and
data that is not JSON.

Per frame the hot path is: decoder split -> orjson.loads -> kind by discriminator (a dict
lookup) -> jsonschema-rs is_valid -> grammar state machine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from streamcheck import rules
from streamcheck.model import Frame
from streamcheck.protocols import SENTINEL, Protocol
from streamcheck.redact import excerpt
from streamcheck.schemas import SchemaSet

if TYPE_CHECKING:
    from streamcheck.check.exchange import ExchangeChecker

DRIFT_SAMPLE = 8  # frames of each kind per exchange compared with the schema for drift (SC203)
# What a grammar step may raise on a frame whose shape the schema already reported.
# RecursionError: a value nested about a thousand deep (orjson takes 1,024) has no repr.
MALFORMED = (KeyError, IndexError, TypeError, AttributeError, ValueError, RecursionError)


def handle(checker: ExchangeChecker, frames: list[Frame]) -> None:
    """The hot path: every frame of a stream passes here, one decoded chunk at a time.

    Names are bound to locals once per batch; a frame that parses, has a known kind and
    passes its schema costs orjson + one dict lookup + jsonschema-rs is_valid + the grammar.
    """
    start = 0
    while checker.protocol is None or checker.frames == 0:  # detection and the first frame
        if start == len(frames):
            return
        checker.frames += 1
        first_frame(checker, frames[start])
        start += 1
    checker.frames += len(frames) - start
    state = checker.state
    assert state is not None
    ctx, step = state.ctx, state.frame
    protocol = checker.protocol
    specials = protocol.sentinels | protocol.tolerated
    longest = max(map(len, specials), default=-1)
    kind_of = protocol.kind
    named_by, kinds = protocol.discriminator, protocol.discriminated
    validators = checker.validators
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
                value = framing_value(checker, frame) if frame.meta is not None else None
                if value is None:
                    bad_data(checker, frame, exc)
                    continue
            if named_by is not None and type(value) is dict:
                named = value.get(named_by)
                if type(named) is str:
                    kind = named if kinds is None else kinds.get(named)
            if kind is None:
                kind = kind_of(value, frame.event)
            if kind is not None:
                is_valid = validators.get(kind)
                if is_valid is None or not is_valid(value):
                    ctx.frame = frame
                    validate(checker, kind, value, frame)
        ctx.frame = frame
        # contextlib.suppress would cost an object and two calls per frame.
        try:  # noqa: SIM105
            step(frame, value, kind)
        except MALFORMED:
            pass  # a malformed frame must never crash the run: its schema finding says why


def first_frame(checker: ExchangeChecker, frame: Frame) -> None:
    """One frame the slow way: before the protocol is known, and the first frame."""
    data = frame.data
    protocol = checker.protocol
    if (protocol is not None and (data in protocol.sentinels or data in protocol.tolerated)) or (
        protocol is None and data == b"[DONE]"
    ):
        value: Any = SENTINEL
    else:
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            value = framing_value(checker, frame)
            if value is None:
                bad_data(checker, frame, exc)
                return
    if protocol is None:
        protocol = detect(checker, value, frame)
        if protocol is None:
            unknown_frame(checker, frame, value)
            return
        if checker.undecided:
            settle(checker)
    state = checker.state
    assert state is not None
    if checker.frames == 1 and value is not SENTINEL:
        version_from_frame(checker, protocol, value)
    state.ctx.frame = frame
    kind = None if value is SENTINEL else protocol.kind(value, frame.event)
    if kind is not None:
        validate(checker, kind, value, frame)
    checker.guard(state.frame, frame, value, kind)


def framing_value(checker: ExchangeChecker, frame: Frame) -> Any:
    """The value of a frame with no JSON whose content is in its framing headers (an AWS
    `:message-type: error` message), asked of the protocol or of every candidate."""
    if frame.meta is None:
        return None
    for protocol in [checker.protocol] if checker.protocol else checker.candidates:
        value = protocol.framing_value(frame)
        if value is not None:
            return value
    return None


def version_from_frame(checker: ExchangeChecker, protocol: type[Protocol], value: Any) -> None:
    """An older shape seen in the first frame picks its schemas, unless a version was named."""
    if checker.options.api_version or checker.exchange.api_version:
        return
    try:
        implied = protocol.frame_version(value, checker.version)
    except MALFORMED:
        return  # an odd first frame implies no version; its schema finding says why
    if implied and implied != checker.version:
        chosen = checker.catalog.get(protocol.provider, protocol.api, implied)
        if chosen is not None:
            checker.schemas, checker.version = chosen, implied
            checker.validators = {}
            assert checker.state is not None
            checker.state.ctx.api_version = implied


def claims(protocol: type[Protocol], value: Any, event: str | None) -> bool:
    """Whether `protocol` recognises a first frame. A frame of odd shape (a list where a string
    belongs) is no frame of it: detection must never crash on what a stream sends."""
    try:
        return protocol.match_frame(value, event)
    except MALFORMED:
        return False


def detect(checker: ExchangeChecker, value: Any, frame: Frame) -> type[Protocol] | None:
    """The protocol a first frame belongs to (by its shape, a sentinel, or an error
    object's shape), made the checker's; None when no candidate claims it."""
    if value is SENTINEL:
        # A stream that starts with its terminator (`data: [DONE]` and nothing before) still
        # names its protocol when only one uses that sentinel.
        # After frames no protocol knew (legacy completions, Cohere v2) it names nothing.
        owners = [p for p in checker.candidates if frame.data in p.sentinels]
        if len(owners) == 1 and checker.frames == 1:
            checker.use(owners[0])
            return owners[0]
        return None
    for protocol in checker.candidates:
        if claims(protocol, value, frame.event):
            checker.use(protocol)
            return protocol
    # A stream whose first frame is an error object: its shape names the API family, so the
    # grammar sees the error (and a `[DONE]` after it is success-after-failure, SC404).
    from streamcheck import errors  # the error classifier loads only for a stream no API knew

    obj = errors.error_object(value)
    if obj is not None:
        shape = errors.classify(None, 200, value=obj).shape
        owner = next((p for p in checker.candidates if shape in p.error_shapes), None)
        if owner is not None:
            checker.use(owner)
            return owner
    if checker.fallback is not None and checker.fallback in checker.candidates:
        # No frame shape names the API, nor does the recording: the config's default does.
        checker.use(checker.fallback)
        return checker.fallback
    return None


def validate(checker: ExchangeChecker, kind: str, value: Any, frame: Frame) -> None:
    """Schema check of one frame the fast path did not pass: SC202 for an unknown kind,
    SC203 drift on a sample, SC201/SC205 with python-jsonschema's message under the cap."""
    schemas = checker.schemas
    if schemas is None:
        return
    is_valid = checker.validators.get(kind)
    if is_valid is None and kind in schemas.files:
        is_valid = checker.validators[kind] = schemas.validator(kind).is_valid
    if is_valid is None:
        assert checker.state is not None
        checker.state.ctx.report(
            "SC202",
            f"frame kind {kind!r} is not defined by {schemas.provider}/{schemas.api} "
            f"{schemas.version}",
            evidence=excerpt(frame.data),
        )
        return
    if checker.drift_on and checker.drift_budget.get(kind, DRIFT_SAMPLE) and type(value) is dict:
        drift(checker, kind, value, schemas)
    if is_valid(value):
        return
    # The code by jsonschema-rs's keywords first (no messages): past its cap, or deselected,
    # python-jsonschema's message would be thrown away. (Asking whether either code is still
    # wanted made every failing frame pay for a message once SC201 was capped: SC205, never
    # reported, was always wanted; a stream of failing frames was checked 12x slower.)
    keywords = schemas.keywords(kind, value)
    if not keywords:
        return
    code = "SC205" if all(k == "enum" for k in keywords) else "SC201"
    if not checker.sink.wants(code):
        checker.sink.tally(code, checker.location)
        return
    problems = schemas.explain(kind, value)
    if not problems:
        return
    best = problems[0]
    only_enums = all(p.keyword == "enum" for p in problems)
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    assert checker.state is not None
    checker.state.ctx.report(
        "SC205" if only_enums else "SC201",
        f"{kind} frame: {best.message} at {best.path}{more} "
        f"[{schemas.provider}/{schemas.api} {schemas.version}]",
        path=best.path,
        evidence=excerpt(frame.data),
    )


def drift(checker: ExchangeChecker, kind: str, value: dict[str, Any], schemas: SchemaSet) -> None:
    """SC203 on a sample: the first DRIFT_SAMPLE frames of each kind are compared with the
    schema's top-level members (a precomputed set), once per new member. Providers add
    members to every frame of a kind, so a sample finds them; the hot path pays one dict
    lookup per frame after the sample."""
    checker.drift_budget[kind] = checker.drift_budget.get(kind, DRIFT_SAMPLE) - 1
    known = schemas.members(kind)
    if known is None:
        return
    for member in value.keys() - known:
        if (kind, member) in checker.drift_seen:
            continue
        checker.drift_seen.add((kind, member))
        assert checker.state is not None
        checker.state.ctx.report(
            "SC203",
            f"{kind} frame has a member {member!r} that {schemas.provider}/{schemas.api} "
            f"{schemas.version} does not describe",
            path=f"/{member}",
        )


def bad_data(checker: ExchangeChecker, frame: Frame, exc: orjson.JSONDecodeError) -> None:
    """Data that is not JSON: invalid UTF-8 (SC102), JSON cut off (SC101), or other text
    (SC103; SC901 once when no protocol promised JSON)."""
    data = frame.data
    if b"\n" in data or (data == b"[DONE]" and checker.recording_notes):
        from streamcheck.check import recorders

        if recorders.joined_events(checker, frame):
            return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as bad:
        if not checker.sink.wants("SC102"):
            checker.sink.tally("SC102", checker.location)
            return
        where = checker.location.at(frame=frame.index, offset=frame.offset, line=frame.line or None)
        offset = frame.data_offset + bad.start if frame.data_offset >= 0 else frame.offset
        checker.sink(
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
    if checker.protocol is None and not cut:
        # Only a protocol promises JSON, and which one (if any) may be told only by a later
        # frame: the verdict waits (`settle`), so a frame that is not JSON (`1e400`, nesting
        # past 1,024) is SC103 wherever it sits once a protocol is known, and plain-text events
        # of a stream no protocol claims (Replicate, watsonx text streams) are SC901 once.
        if len(checker.undecided) < UNDECIDED_KEPT:
            where = checker.location.at(
                frame=frame.index, offset=frame.offset, line=frame.line or None
            )
            message = f"frame {frame.index}: data is not JSON ({exc.msg})"
            checker.undecided.append((where, message, excerpt(data)))
        else:
            checker.undecided_more += 1
        return
    if not checker.sink.wants("SC101" if cut else "SC103"):
        checker.sink.tally("SC101" if cut else "SC103", checker.location)
        return
    where = checker.location.at(frame=frame.index, offset=frame.offset, line=frame.line or None)
    if cut:
        message = f"frame {frame.index}: JSON is cut off after {len(stripped)} bytes"
        checker.sink(rules.finding("SC101", message, where, evidence=excerpt(data)))
    else:
        message = f"frame {frame.index}: data is not JSON ({exc.msg})"
        checker.sink(rules.finding("SC103", message, where, evidence=excerpt(data)))


UNDECIDED_KEPT = 64  # frames whose SC103 waits for the protocol, kept with their evidence


def settle(checker: ExchangeChecker) -> None:
    """The frames that were not JSON before the protocol was known: SC103 each when one is
    known now; at the end of a stream no protocol claimed, SC901 once (only framing checked)."""
    undecided, more = checker.undecided, checker.undecided_more
    checker.undecided, checker.undecided_more = [], 0
    fallback = checker.fallback
    if checker.protocol is None and fallback is not None and fallback in checker.candidates:
        checker.use(fallback)  # the config's default judges what no frame named
    if checker.protocol is None:
        if not checker.unknown_reported:
            checker.unknown_reported = True
            where, _, evidence = undecided[0]
            message = "no known provider API streams plain-text data; only framing was checked"
            if checker.unclaimed:
                message = checker.unknown_api("framing")
            checker.sink(rules.finding("SC901", message, where, evidence=evidence))
        return
    for where, message, evidence in undecided:
        if checker.sink.wants("SC103"):
            checker.sink(rules.finding("SC103", message, where, evidence=evidence))
        else:
            checker.sink.tally("SC103", where)
    for _ in range(more):
        checker.sink.tally("SC103", checker.location)


def unknown_frame(checker: ExchangeChecker, frame: Frame, value: Any) -> None:
    """A first frame no protocol claims: an in-stream error (SC403) or SC901 once."""
    where = checker.location.at(frame=frame.index, offset=frame.offset, line=frame.line or None)
    from streamcheck import errors

    obj = errors.error_object(value)
    if obj is not None:
        verdict = errors.classify(None, 200, value=obj)
        checker.error_class = verdict.klass
        checker.sink(
            rules.finding(
                "SC403",
                f"error inside a 200 stream: {verdict.describe()}",
                where,
                evidence=excerpt(frame.data),
                hint=verdict.hint,
            )
        )
        return
    if not checker.unknown_reported and value is not SENTINEL:
        checker.unknown_reported = True
        message = "no known provider API matches this stream; only framing was checked"
        checker.sink(
            rules.finding(
                "SC901",
                checker.unknown_api("framing") if checker.unclaimed else message,
                where,
                evidence=excerpt(frame.data),
            )
        )

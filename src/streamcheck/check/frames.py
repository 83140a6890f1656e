"""The frames of a stream: the hot path, protocol detection on the first frame, schema checks
(fast validity for every frame, python-jsonschema messages only for failing ones), drift, and
data that is not JSON.

Per frame the hot path is: decoder split -> orjson.loads -> kind by discriminator (a dict
lookup) -> jsonschema-rs is_valid -> grammar state machine.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import orjson

from streamcheck import rules
from streamcheck.check import choose, repeat
from streamcheck.check.state import ExchangeState
from streamcheck.model import Frame
from streamcheck.protocols import SENTINEL, Protocol
from streamcheck.redact import excerpt
from streamcheck.schemas import SchemaSet

DRIFT_SAMPLE = 8  # frames of each kind per exchange compared with the schema for drift (SC203)
REPEAT_AFTER = 3  # frames with the same hint before a template is made (repeat.py)
# In the body's last frames (ExchangeState.ending), a template is made only when at least
# this many frames follow it: making one costs about what a score of repeats spare.
PAYS_AFTER = 20
# Templates whose links StreamChecker.release breaks (the first made: a short stream makes a
# few). A long stream that keeps making them (a shape, then a frame off the hot path, again
# and again) leaves the rest to the cyclic collector, so the list stays bounded whatever the
# input, as the memory a stream takes must.
RELEASED = 32
KEPT = 4  # templates kept at once: a stream's few frequent shapes (text, tool call, a defect)
# Frames no kept template matched (since one was made, found by a search or turned to) before
# they are all dropped: they are of shapes the stream has left, and each such frame pays for
# trying them.
STALE = 8
# The first and last bytes of a JSON object or array: a frame that starts as one and ends
# otherwise may be one cut short.
_OPENED, _CLOSED = (b"{", b"["), (b"}", b"]")
# What a grammar step may raise on a frame whose shape the schema already reported.
# RecursionError: a value nested about a thousand deep (orjson takes 1,024) has no repr.
MALFORMED = (KeyError, IndexError, TypeError, AttributeError, ValueError, RecursionError)


# protocol -> (its sentinels and tolerated non-JSON data, the longest of them)
_SPECIALS: dict[type[Protocol], tuple[frozenset[bytes], int]] = {}


def handle(state: ExchangeState, frames: list[Frame]) -> None:
    """The hot path: every frame of a stream passes here, one decoded chunk at a time.

    Names are bound to locals once per batch; a frame that parses, has a known kind and
    passes its schema costs orjson + one dict lookup + jsonschema-rs is_valid + the grammar.
    """
    start = 0
    while state.protocol is None or state.frames == 0:  # detection and the first frame
        if start == len(frames):
            return
        state.frames += 1
        first_frame(state, frames[start])
        start += 1
    state.frames += len(frames) - start
    grammar = state.grammar
    assert grammar is not None
    ctx, step = grammar.ctx, grammar.frame
    protocol = state.protocol
    known = _SPECIALS.get(protocol)
    if known is None:  # per protocol, not per batch: a live stream's batches are often one frame
        both = protocol.sentinels | protocol.tolerated
        known = _SPECIALS[protocol] = (both, max(map(len, both), default=-1))
    specials, longest = known
    kind_of = protocol.kind
    named_by, kinds = protocol.discriminator, protocol.discriminated
    validators = state.validators
    loads, malformed_json = orjson.loads, orjson.JSONDecodeError
    # Frames that repeat an earlier hot frame but for their text (check/repeat.py): the kept
    # templates (the one last found by a search or made first), the one that matched the last
    # repeat, and the one expected next (what came after that one the last time: itself in a
    # long run of one shape, the next of a cycle of shapes), whose parts are bound to locals.
    # Taken off the state while this batch runs: a nested handle (bad_data's joined events)
    # starts with none.
    templates, state.repeat = state.repeat, []
    last, state.repeat_last = state.repeat_last, None
    template, state.repeat_next = state.repeat_next, None
    seen = state.repeat_seen
    # Among a body's last frames, the index past which no template is made (too few frames
    # follow to pay for one): the frames past it keep no count of their hints either.
    late = frames[-1].index - PAYS_AFTER if state.ending and frames else None
    missed = state.repeat_missed
    fresh = False  # the expected template has matched no frame yet (`not used`, in a local)
    turns = False  # another template is expected after it (shapes in turn)
    if template is not None:
        same, same_event, again = template.match, template.event, template.again
        count, fresh = template.code, not template.used
        turns = template.after is not template
    for frame in frames[start:] if start else frames:
        data = frame.data
        if template is not None:
            if frame.event == same_event and frame.meta is None:
                bodies = same(data)
                if bodies is not None:
                    if fresh:  # its first repeat: it was not made in vain
                        fresh = False
                        template.used = True
                        state.repeat_budget += 1
                    if count is not None:  # it fails its schema as the template's frame did
                        state.sink.tally(count, state.location)
                    ctx.frame = frame
                    try:  # noqa: SIM105 (as below)
                        again(frame, bodies)
                    except MALFORMED:
                        pass
                    # In a run of one shape nothing more is done per frame: the template is
                    # the one the last repeat matched (`before` below), and `missed` counts on.
                    if turns:  # another shape is expected next
                        last, missed = template, 0
                        template = template.after
                        same, same_event, again = template.match, template.event, template.again
                        count, fresh = template.code, not template.used
                        turns = template.after is not template
                    continue
            if (
                data.startswith(_OPENED)
                and not data.endswith(_CLOSED)
                and _cut_short(templates, frame)
            ):
                # What orjson would refuse as cut off (SC101), told without its exception (a
                # Python JSONDecodeError, about four parses of a frame).
                cut_off(state, frame)
                continue
            if len(templates) > 1 and (found := _another(templates, frame, template)):
                # As above, for a template other than the one expected.
                hit, bodies = found
                if not hit.used:
                    hit.used = True
                    state.repeat_budget += 1
                before = last if turns else template  # the one the last repeat matched
                if before is not None:
                    before.after = hit  # next time, expected after that one
                missed = 0
                last = hit
                if hit.code is not None:
                    state.sink.tally(hit.code, state.location)
                ctx.frame = frame
                try:  # noqa: SIM105 (as below)
                    hit.again(frame, bodies)
                except MALFORMED:
                    pass
                template = hit.after
                same, same_event, again = template.match, template.event, template.again
                count, fresh = template.code, not template.used
                turns = template.after is not template
                continue
            missed += 1
            if missed > STALE:
                template = last = None
                templates.clear()
                seen.clear()
        kind: str | None = None
        passed = False
        counted: str | None = None  # the code of a schema failure only counted (past its cap)
        if len(data) <= longest and data in specials:
            value: Any = SENTINEL
        else:
            try:
                value = loads(data)
            except malformed_json as exc:
                value = framing_value(state, frame) if frame.meta is not None else None
                if value is None:
                    if bad_data(state, frame, exc) and template is not None:
                        # Its lines went through the grammar (a nested handle): see below.
                        template = last = None
                        templates.clear()
                        seen.clear()
                    continue
            if named_by is not None and type(value) is dict:
                named = value.get(named_by)
                if type(named) is str:
                    kind = named if kinds is None else kinds.get(named)
            if kind is None:
                kind = kind_of(value, frame.event)
            if kind is not None:
                is_valid = validators.get(kind)
                if is_valid is None:
                    ctx.frame = frame
                    validate(state, kind, value, frame)
                elif is_valid(value):
                    passed = True
                else:
                    ctx.frame = frame
                    counted = refused(state, kind, value, frame)
        ctx.frame = frame
        # contextlib.suppress would cost an object and two calls per frame.
        try:
            hint = step(frame, value, kind)
        except MALFORMED:  # a malformed frame must never crash the run: its schema finding
            hint = None  # says why
        if hint is None:
            # A frame off the grammar's hot path may change what a kept template's `again`
            # relies on (a finish, a block's stop, a new identity): they are dropped. A frame
            # the hot path took changes nothing another hint's `again` relies on (protocols/
            # base.py), so they stay while frames of other shapes come between their repeats.
            if template is not None:
                template = last = None
                templates.clear()
            if seen:
                seen.clear()
            continue
        # A template is made on the third frame with the same hint (since the last frame off
        # the hot path): a one-off hot frame (a short stream's tool call start) would pay for
        # one it never uses, and a run of two or three (a short answer, a tool call of a few
        # fragments) for one it barely uses (bench/run.py's 1,000 files of 20 events). A frame
        # that failed its schema makes one only when its code is no longer reported (past its
        # cap, or not selected: that stays so for the exchange), after two more frames of its
        # hint failing under the same code (a stray broken frame among clean ones would spend
        # the budget on templates no frame matches): its repeats fail alike (the schema judges
        # none of the strings that vary) and are only counted.
        if (passed or counted is not None) and (late is None or frame.index <= late):
            key = id(hint) if counted is None else (id(hint), counted)
            made = seen.get(key, 0) + 1
            if made < REPEAT_AFTER or state.repeat_budget <= 0:
                seen[key] = made
                continue
            seen[key] = 0
            new = _template(state, frame, value, hint, kind, counted)
            if new is None:
                continue
            templates.insert(0, new)
            if len(templates) > KEPT:
                gone = templates.pop()
                for kept in templates:
                    if kept.after is gone:
                        kept.after = kept
                if last is gone:
                    last = None
            if last is not None:
                last.after = new
            template, fresh, turns, missed, last = new, True, False, 0, new
            same, same_event, again, count = new.match, new.event, new.again, counted
    state.repeat, state.repeat_last, state.repeat_next = templates, last, template
    state.repeat_missed = missed


def _another(
    templates: list[repeat.Template], frame: Frame, expected: repeat.Template
) -> tuple[repeat.Template, list[bytes]] | None:
    """A kept template other than the one expected that `frame` repeats, and its bodies;
    None when none does. The one found moves to the front (the last kept is dropped first)."""
    if frame.meta is not None:
        return None
    data, event = frame.data, frame.event
    for at, template in enumerate(templates):
        if template is not expected and template.event == event:
            bodies = template.match(data)
            if bodies is not None:
                if at:
                    del templates[at]
                    templates.insert(0, template)
                return template, bodies
    return None


def _cut_short(templates: list[repeat.Template], frame: Frame) -> bool:
    """Whether a frame is a kept template's frame cut short (in its fixed bytes or in its first
    string): a proper prefix of JSON. orjson refuses every such prefix (no line break, ASCII,
    so its error position is a byte's) at its end: what bad_data calls cut off. Not for a
    frame whose framing carries its value (`framing_value`)."""
    data = frame.data  # (it starts as a JSON object or array does: handle asked)
    if frame.meta is not None or not data.isascii():
        return False
    if data.find(b"\n") >= 0:  # lines of JSON may be events joined (bad_data)
        return False
    return any(template.cut_short(data) for template in templates)


def _template(
    state: ExchangeState,
    frame: Frame,
    value: Any,
    hint: repeat.Hint,
    kind: str | None,
    code: str | None = None,
) -> repeat.Template | None:
    """A template from a frame that took the grammar's hot path and passed its schema, or
    failed it with `code` only counted. Each attempt uses up some of the exchange's budget,
    given back at a template's first repeat (a stream whose frames never repeat stops paying
    for attempts)."""
    schemas = state.schemas
    if schemas is None or kind is None:
        return None
    state.repeat_budget -= 1
    made = repeat.make(frame, value, hint, schemas.schema(kind), code)
    if made is not None and len(state.repeat_made) < RELEASED:
        state.repeat_made.append(made)
    return made


def guard(step: Callable[..., object], *args: Any) -> None:
    """A malformed frame must never crash the run: its schema finding says what is wrong.
    (try/except, not contextlib.suppress: an object and two calls more, twice per exchange.)"""
    try:  # noqa: SIM105
        step(*args)
    except MALFORMED:
        pass


def frame_kind(state: ExchangeState, index: int) -> str | None:
    """The kind of the frame being handled, when a finding points at it: parsed again
    (findings are few), else its SSE event name; None for another frame (`Sink.kind_of`)."""
    frame = state.grammar.ctx.frame if state.grammar is not None else None
    if frame is None or frame.index != index:
        return None
    protocol = state.protocol
    if protocol is not None:
        with contextlib.suppress(*MALFORMED, orjson.JSONDecodeError):
            kind = protocol.kind(orjson.loads(frame.data), frame.event)
            if kind is not None:
                return kind
    return frame.event


def first_frame(state: ExchangeState, frame: Frame) -> None:
    """One frame the slow way: before the protocol is known, and the first frame."""
    data = frame.data
    protocol = state.protocol
    if (protocol is not None and (data in protocol.sentinels or data in protocol.tolerated)) or (
        protocol is None and data == b"[DONE]"
    ):
        value: Any = SENTINEL
    else:
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            value = framing_value(state, frame)
            if value is None:
                bad_data(state, frame, exc)
                return
    if protocol is None:
        protocol = detect(state, value, frame)
        if protocol is None:
            unknown_frame(state, frame, value)
            return
        protocol = state.protocol or protocol  # the one standing in for it (choose.standing_in)
        if state.undecided:
            settle(state)
    grammar = state.grammar
    assert grammar is not None
    if state.frames == 1 and value is not SENTINEL:
        version_from_frame(state, protocol, value)
    grammar.ctx.frame = frame
    kind = None if value is SENTINEL else protocol.kind(value, frame.event)
    if kind is not None:
        validate(state, kind, value, frame)
    guard(grammar.frame, frame, value, kind)


def framing_value(state: ExchangeState, frame: Frame) -> Any:
    """The value of a frame with no JSON whose content is in its framing headers (an AWS
    `:message-type: error` message), asked of the protocol or of every candidate."""
    if frame.meta is None:
        return None
    for protocol in [state.protocol] if state.protocol else state.candidates:
        value = protocol.framing_value(frame)
        if value is not None:
            return value
    return None


def version_from_frame(state: ExchangeState, protocol: type[Protocol], value: Any) -> None:
    """An older shape seen in the first frame picks its schemas, unless a version was named."""
    if state.options.api_version or state.exchange.api_version:
        return
    try:
        implied = protocol.frame_version(value, state.version)
    except MALFORMED:
        return  # an odd first frame implies no version; its schema finding says why
    if implied is None and protocol.default_reason and state.version:
        if not state.options.default_api_version:
            _say_version(state, protocol, state.version, protocol.default_reason)
        return
    if implied and implied != state.version:
        chosen = state.catalog.get(protocol.provider, protocol.api, implied)
        if chosen is not None:
            _say_version(state, protocol, implied)
            state.schemas, state.version = chosen, implied
            state.validators = choose.validators_of(state)
            assert state.grammar is not None
            state.grammar.ctx.api_version = implied


def _say_version(
    state: ExchangeState, protocol: type[Protocol], implied: str, reason: str | None = None
) -> None:
    """One SC902 note: which version judges the stream and why, since no request or flag named
    one (a mock judged by an old shape without a word hides that it is old)."""
    if reason is None:
        reason = protocol.version_reasons.get(implied, f"its first frame has the {implied} shape")
    instead = f", not {state.version}" if state.version and state.version != implied else ""
    state.sink(
        rules.finding(
            "SC902",
            f"judged by the {protocol.provider} {protocol.api} {implied} schemas{instead}: "
            f"{reason}; name the version with --api-version to judge it by another",
            state.location,
        )
    )


def claims(protocol: type[Protocol], value: Any, event: str | None) -> bool:
    """Whether `protocol` recognises a first frame. A frame of odd shape (a list where a string
    belongs) is no frame of it: detection must never crash on what a stream sends."""
    try:
        return protocol.match_frame(value, event)
    except MALFORMED:
        return False


def detect(state: ExchangeState, value: Any, frame: Frame) -> type[Protocol] | None:
    """The protocol a first frame belongs to (by its shape, a sentinel, or an error
    object's shape), made the state's; None when no candidate claims it."""
    if value is SENTINEL:
        # A stream that starts with its terminator (`data: [DONE]` and nothing before) still
        # names its protocol when only one uses that sentinel.
        # After frames no protocol knew (legacy completions, Cohere v2) it names nothing.
        owners = [p for p in state.candidates if frame.data in p.sentinels]
        if len(owners) == 1 and state.frames == 1:
            choose.use(state, owners[0])
            return owners[0]
        return None
    for protocol in state.candidates:
        if claims(protocol, value, frame.event):
            choose.use(state, protocol)
            return protocol
    # A stream whose first frame is an error object: its shape names the API family, so the
    # grammar sees the error (and a `[DONE]` after it is success-after-failure, SC404).
    from streamcheck import errors  # the error classifier loads only for a stream no API knew

    obj = errors.error_object(value)
    if obj is not None:
        shape = errors.classify(None, 200, value=obj).shape
        owner = next((p for p in state.candidates if shape in p.error_shapes), None)
        if owner is not None:
            choose.use(state, owner)
            return owner
    if state.fallback is not None and state.fallback in state.candidates:
        # No frame shape names the API, nor does the recording: the config's default does.
        choose.use(state, state.fallback)
        return state.fallback
    return None


def validate(state: ExchangeState, kind: str, value: Any, frame: Frame) -> None:
    """Schema check of a frame the hot path could not judge (its kind has no bound validator
    yet, or it is the first frame): SC202 for an unknown kind, else as `refused` when it fails
    (and SC203 drift on a sample when it passes)."""
    schemas = state.schemas
    if schemas is None:
        return
    is_valid = state.validators.get(kind)
    if is_valid is None and kind in schemas.files:
        is_valid = state.validators[kind] = schemas.validator(kind).is_valid
    if is_valid is None:
        assert state.grammar is not None
        state.grammar.ctx.report(
            "SC202",
            f"frame kind {kind!r} is not defined by {schemas.provider}/{schemas.api} "
            f"{schemas.version}",
            evidence=excerpt(frame.data),
        )
        return
    if not is_valid(value):
        refused(state, kind, value, frame)
    elif state.drift_on and state.drift_budget.get(kind, DRIFT_SAMPLE) and type(value) is dict:
        drift(state, kind, value, schemas)


def refused(state: ExchangeState, kind: str, value: Any, frame: Frame) -> str | None:
    """A frame whose schema (of a known kind) refused it: SC203 drift on a sample, then SC201 or
    SC205 with python-jsonschema's message under the cap. Gives the code of a failure it only
    counted (no message: past the cap, or not selected), else None."""
    schemas = state.schemas
    assert schemas is not None  # its validator came from them
    sampled = state.drift_on and state.drift_budget.get(kind, DRIFT_SAMPLE)
    if sampled and type(value) is dict:
        drift(state, kind, value, schemas)
    # The code first, without messages (one is_valid of the schema's enum-blind twin, else
    # jsonschema-rs's keywords): past its cap, or deselected, python-jsonschema's message
    # would be thrown away. (Asking whether either code is still wanted made every failing
    # frame pay for a message once SC201 was capped: SC205, never reported, was always
    # wanted; a stream of failing frames was checked 12x slower.)
    only_enums = schemas.only_enums(kind, value)
    if only_enums is None:
        return None
    code = "SC205" if only_enums else "SC201"
    sink = state.sink
    if not sink.wants(code):
        sink.tally(code, state.location)
        # No template while drift is still sampled: its repeats would skip the sample.
        return None if sampled else code
    problems = schemas.explain(kind, value)
    if not problems:
        return None
    best = problems[0]
    only_enums = all(p.keyword == "enum" for p in problems)
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    assert state.grammar is not None
    state.grammar.ctx.report(
        "SC205" if only_enums else "SC201",
        f"{kind} frame: {best.message} at {best.path}{more} "
        f"[{schemas.provider}/{schemas.api} {schemas.version}]",
        path=best.path,
        evidence=excerpt(frame.data),
    )
    return None


def drift(state: ExchangeState, kind: str, value: dict[str, Any], schemas: SchemaSet) -> None:
    """SC203 on a sample: the first DRIFT_SAMPLE frames of each kind are compared with the
    schema's top-level members (a precomputed set), once per new member. Providers add
    members to every frame of a kind, so a sample finds them; the hot path pays one dict
    lookup per frame after the sample."""
    state.drift_budget[kind] = state.drift_budget.get(kind, DRIFT_SAMPLE) - 1
    known = schemas.members(kind)
    if known is None:
        return
    for member in value.keys() - known:
        if (kind, member) in state.drift_seen:
            continue
        state.drift_seen.add((kind, member))
        assert state.grammar is not None
        state.grammar.ctx.report(
            "SC203",
            f"{kind} frame has a member {member!r} that {schemas.provider}/{schemas.api} "
            f"{schemas.version} does not describe",
            path=f"/{member}",
        )


def bad_data(state: ExchangeState, frame: Frame, exc: orjson.JSONDecodeError) -> bool:
    """Data that is not JSON: invalid UTF-8 (SC102), JSON cut off (SC101), or other text
    (SC103; SC901 once when no protocol promised JSON). True when it was several JSON lines
    judged as frames instead (they went through the grammar)."""
    data = frame.data
    # find, not `in` (per frame): bytes `in` builds and drops a TypeError first.
    if data.find(b"\n") >= 0 or (data == b"[DONE]" and state.recording_notes):
        from streamcheck.check import recorders

        parts = recorders.joined_events(state, frame)
        if parts is not None:
            if parts:
                handle(state, parts)
            return bool(parts)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:
        if not state.sink.wants("SC102"):
            state.sink.tally("SC102", state.location)
            return False
        where = state.location.at(frame=frame.index, offset=frame.offset, line=frame.line or None)
        offset = frame.data_offset + bad.start if frame.data_offset >= 0 else frame.offset
        state.sink(
            rules.finding(
                "SC102",
                f"frame {frame.index}: invalid UTF-8 byte {data[bad.start : bad.start + 1]!r}",
                where.at(offset=offset),
                evidence=excerpt(data[max(0, bad.start - 60) : bad.start + 20]),
            )
        )
        return False
    stripped = data.rstrip()
    # orjson's error position counts characters (its message is about the text it decoded);
    # what rstrip took is ASCII white space, a character a byte.
    size = len(text) - (len(data) - len(stripped))
    cut = stripped[:1] in (b"{", b"[") and exc.pos >= size - 1
    if state.protocol is None and not cut:
        # Only a protocol promises JSON, and which one (if any) may be told only by a later
        # frame: the verdict waits (`settle`), so a frame that is not JSON (`1e400`, nesting
        # past 1,024) is SC103 wherever it sits once a protocol is known, and plain-text events
        # of a stream no protocol claims (Replicate, watsonx text streams) are SC901 once.
        if len(state.undecided) < UNDECIDED_KEPT:
            where = state.location.at(
                frame=frame.index, offset=frame.offset, line=frame.line or None
            )
            message = f"frame {frame.index}: data is not JSON ({exc.msg})"
            state.undecided.append((where, message, excerpt(data)))
        else:
            state.undecided_more += 1
        return False
    if cut:
        cut_off(state, frame)
        return False
    if not state.sink.wants("SC103"):
        state.sink.tally("SC103", state.location)
        return False
    where = state.location.at(frame=frame.index, offset=frame.offset, line=frame.line or None)
    message = f"frame {frame.index}: data is not JSON ({exc.msg})"
    state.sink(rules.finding("SC103", message, where, evidence=excerpt(data)))
    return False


def cut_off(state: ExchangeState, frame: Frame) -> None:
    """SC101 for a frame whose data is JSON cut off (only counted past the cap)."""
    sink = state.sink
    if not sink.wants("SC101"):
        sink.tally("SC101", state.location)
        return
    data = frame.data
    where = state.location.at(frame=frame.index, offset=frame.offset, line=frame.line or None)
    message = f"frame {frame.index}: JSON is cut off after {len(data.rstrip())} bytes"
    sink(rules.finding("SC101", message, where, evidence=excerpt(data)))


UNDECIDED_KEPT = 64  # frames whose SC103 waits for the protocol, kept with their evidence


def settle(state: ExchangeState) -> None:
    """The frames that were not JSON before the protocol was known: SC103 each when one is
    known now; at the end of a stream no protocol claimed, SC901 once (only framing checked)."""
    undecided, more = state.undecided, state.undecided_more
    state.undecided, state.undecided_more = [], 0
    fallback = state.fallback
    if state.protocol is None and fallback is not None and fallback in state.candidates:
        choose.use(state, fallback)  # the config's default judges what no frame named
    if state.protocol is None:
        if not state.unknown_reported:
            state.unknown_reported = True
            where, _, evidence = undecided[0]
            message = "no known provider API streams plain-text data; only framing was checked"
            if state.unclaimed:
                message = choose.unknown_api(state, "framing")
            state.sink(rules.finding("SC901", message, where, evidence=evidence))
        return
    for where, message, evidence in undecided:
        if state.sink.wants("SC103"):
            state.sink(rules.finding("SC103", message, where, evidence=evidence))
        else:
            state.sink.tally("SC103", where)
    for _ in range(more):
        state.sink.tally("SC103", state.location)


def unknown_frame(state: ExchangeState, frame: Frame, value: Any) -> None:
    """A first frame no protocol claims: an in-stream error (SC403) or SC901 once."""
    where = state.location.at(frame=frame.index, offset=frame.offset, line=frame.line or None)
    from streamcheck import errors

    obj = errors.error_object(value)
    if obj is not None:
        verdict = errors.classify(None, 200, value=obj)
        state.error_class = verdict.klass
        state.sink(
            rules.finding(
                "SC403",
                f"error inside a 200 stream: {verdict.describe()}",
                where,
                evidence=excerpt(frame.data),
                hint=verdict.hint,
            )
        )
        return
    if not state.unknown_reported and value is not SENTINEL:
        state.unknown_reported = True
        message = "no known provider API matches this stream; only framing was checked"
        state.sink(
            rules.finding(
                "SC901",
                choose.unknown_api(state, "framing") if state.unclaimed else message,
                where,
                evidence=excerpt(frame.data),
            )
        )

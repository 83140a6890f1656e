"""The envelope every event grammar shares, driven by each protocol's data.

An event stream (Responses, Realtime, Bedrock, Cohere, Gemini Live, a protocol file) has the
same outer rules whatever its events mean: which kinds may open it (and whether the opening
kind comes exactly once), which kinds end it and that nothing follows the end, which kinds are
in-band errors, which kinds are harmless anywhere (a heartbeat), kinds no table names, the SSE
event name agreeing with the JSON kind, and when the first content arrived. A protocol states
these as an `Envelope` (plain data) and its stream holds one `Enveloped`, asked before its own
rules (`Enveloped.open`) and at the end (`Enveloped.close`); the wording of every finding is
here, once. Where order matters beyond first and last, `transitions` is an h11-style table:
state -> {kind: next state}; a kind the current state does not list is reported once per
(state, kind) under `codes.order`.

Codes default to the built-in protocols' (SC309 first event, SC302 after the end, SC301 no
end, SC204 event name, SC403 in-band error); a protocol file's stream uses SC38x.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from streamcheck.model import Frame
from streamcheck.protocols.base import StreamState, report_stream_error
from streamcheck.redact import excerpt

Transitions = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True, slots=True)
class Codes:
    """The finding code of each envelope rule."""

    first: str = "SC309"  # the stream opens with another kind, or the opening kind repeats
    after_end: str = "SC302"  # an event after the terminal one
    no_end: str = "SC301"  # the stream ended with no terminal event
    event_name: str = "SC204"  # the SSE event name is not the JSON kind
    unknown: str | None = None  # a kind no table names (None: the schema says so)
    order: str = "SC309"  # a kind the transition table does not allow in the current state


@dataclass(frozen=True, slots=True)
class Envelope:
    """One protocol's envelope, as data (see the module docstring)."""

    first: frozenset[str] = frozenset()  # kinds that may open the stream; empty: any
    first_once: bool = False  # the opening kind comes exactly once
    terminal: frozenset[str] = frozenset()  # kinds that end the stream; empty: none does
    errors: frozenset[str] = frozenset()  # in-band error kinds (SC403): no cut stream after one
    anywhere: frozenset[str] = frozenset()  # harmless anywhere, after the end too (heartbeats)
    content: frozenset[str] = frozenset()  # kinds that carry model output (timing, verdicts)
    transitions: Transitions | None = None  # h11-style: state -> {kind: next state}
    initial: str = ""  # the transition table's first state
    # How messages name each state ("after generationComplete"), else "in state 'x'".
    state_words: Mapping[str, str] | None = None
    named: bool = False  # an SSE `event:` line must equal the JSON kind
    codes: Codes = field(default_factory=Codes)
    # How messages name the opening and terminal kinds ("response.created"), when not the sets.
    first_words: str = ""
    end_words: str = ""
    first_hint: str | None = None  # cause and fix of a wrong opening kind
    first_path: str | None = None  # the JSON pointer a wrong opening kind is reported at
    end_hint: str | None = None  # cause and fix of a stream cut before its end
    label: str = ""  # appended to messages (" [my-protocol]" for a protocol file)
    # The rules whose findings quote the frame ("first", "after_end"); the quote is part of
    # what a baseline keys a finding on, so each protocol keeps the one it had.
    quote: frozenset[str] = frozenset()

    def first_text(self) -> str:
        return self.first_words or " or ".join(sorted(self.first))

    def end_text(self) -> str:
        return self.end_words or " or ".join(sorted(self.terminal | self.errors))


class Enveloped:
    """One stream's envelope state. `open()` before the protocol's own rules for each event,
    `ended()` when the protocol itself decides an event ended the stream, `close()` at the end."""

    __slots__ = (
        "after_reported",
        "ctx",
        "envelope",
        "errored",
        "events",
        "order_reported",
        "owner",
        "sealed_by",
        "start_reported",
        "started",
        "state",
        "stream_end",
    )

    def __init__(self, owner: StreamState, envelope: Envelope) -> None:
        self.owner = owner  # the stream whose content count and first content time are kept
        self.ctx = owner.ctx
        self.envelope = envelope
        self.events = 0  # events before the end (the after-end ones are not the stream's)
        self.started = False  # an opening kind arrived
        self.start_reported = False
        self.stream_end: str | None = None  # what ended the stream: a kind, or a sentinel
        self.sealed_by: str | None = None  # what later events are after (an end, a trailer)
        self.after_reported = False
        self.errored = False
        self.state = envelope.initial
        self.order_reported: set[tuple[str, str]] = set()

    def open(self, frame: Frame, kind: str | None) -> bool:
        """The envelope's rules for one event: True when the protocol's own rules should see
        it, False when the envelope said all there is (after the end, a repeated opening)."""
        envelope = self.envelope
        if envelope.named and frame.event not in (None, "message") and frame.event != kind:
            self.ctx.report(
                envelope.codes.event_name,
                f"SSE event {frame.event!r} carries JSON type {kind!r}: clients that dispatch "
                "on the event name and those that read the type disagree",
                path="/type",
            )
        if self.sealed_by is not None:
            if kind is not None and kind in envelope.anywhere:
                return False
            self.after(frame, kind)
            return False
        self.events += 1
        if envelope.first and not self.first(frame, kind):
            return False
        if envelope.transitions is not None and kind is not None:
            self.step(kind)
        if kind is not None and envelope.codes.unknown and not self._known(kind):
            self.ctx.report(
                envelope.codes.unknown,
                f"event kind {kind!r} is none this protocol defines{envelope.label}",
                evidence=excerpt(frame.data),
            )
        if kind is not None and kind in envelope.content:
            self.content(frame)
        return True

    def first(self, frame: Frame, kind: str | None) -> bool:
        """The opening rule for one event (`open()` asks it of each): False for a repeated
        opening kind that comes once (reported), True otherwise."""
        envelope = self.envelope
        opening = kind is not None and kind in envelope.first
        if opening and self.started and envelope.first_once:
            self.ctx.report(
                envelope.codes.first,
                f"a second {kind} arrived; it comes exactly once{envelope.label}",
            )
            return False
        if opening:
            self.started = True
        elif not self.started and not self.start_reported:
            self.start_reported = True
            self.ctx.report(
                envelope.codes.first,
                f"the stream starts with {kind!r}, not {envelope.first_text()}{envelope.label}",
                path=envelope.first_path,
                hint=envelope.first_hint,
                evidence=excerpt(frame.data) if "first" in envelope.quote else None,
            )
        return True

    def _known(self, kind: str) -> bool:
        envelope = self.envelope
        if kind in envelope.first or kind in envelope.terminal or kind in envelope.errors:
            return True
        if kind in envelope.anywhere or kind in envelope.content:
            return True
        table = envelope.transitions or {}
        return any(kind in moves for moves in table.values())

    def step(self, kind: str) -> None:
        """One move of the transition table (`open()` makes one per event kind; a protocol
        whose order lives inside an event, such as Gemini Live's serverContent flags, makes
        its own). A kind the table does not name at all is not ordered."""
        table = self.envelope.transitions
        assert table is not None
        moves = table.get(self.state, {})
        if kind in moves:
            self.state = moves[kind]
            return
        if kind in self.envelope.anywhere or (self.state, kind) in self.order_reported:
            return
        if not any(kind in other for other in table.values()):
            return  # a kind the table does not order
        self.order_reported.add((self.state, kind))
        allowed = " or ".join(sorted(moves)) or "nothing"
        words = (self.envelope.state_words or {}).get(self.state, f"in state {self.state!r}")
        self.ctx.report(
            self.envelope.codes.order,
            f"{kind} arrived {words}, where only {allowed} may come{self.envelope.label}",
        )

    def content(self, frame: Frame) -> None:
        """A frame carried model output: counted, and the time to first content starts here."""
        owner = self.owner
        owner.content_frames += 1
        if owner.first_content_time is None:
            owner.first_content_time = frame.time

    def ended(self, end: str) -> None:
        """The protocol says `end` (a terminal kind, `data: [DONE]`) ended the stream."""
        if self.stream_end is None:
            self.stream_end = end
        self.seal(end)

    def seal(self, what: str) -> None:
        """Nothing may follow `what` (an end, or a trailer that is no end: a protocol file's
        `after-end` frames); later events are reported as after it."""
        if self.sealed_by is None:
            self.sealed_by = what

    def sentinel(self, text: str) -> None:
        """A sentinel that ends the stream (`data: [DONE]`): before any terminal event it means
        the answer is cut (the no-end code, at the sentinel)."""
        if self.stream_end is None and self.events:
            self.ctx.report(
                self.envelope.codes.no_end,
                f"{text} arrived before {self.envelope.end_text()}: the answer is cut"
                f"{self.envelope.label}",
            )
        self.ended(text)

    def error(self, frame: Frame, value: Any, what: str) -> None:
        """An in-band error (SC403, classified as an error body); it ends the stream."""
        self.errored = True
        report_stream_error(self.ctx, frame, value, what)

    def after(self, frame: Frame, kind: str | None, end: str | None = None) -> None:
        """An event after the end: reported once, naming what ended the stream."""
        if self.after_reported:
            return
        self.after_reported = True
        what = kind if kind is not None else "a frame"
        self.ctx.report(
            self.envelope.codes.after_end,
            f"{what!r} arrived after {end or self.sealed_by}{self.envelope.label}: clients "
            "stop reading at the end, so it is lost",
            evidence=excerpt(frame.data) if "after_end" in self.envelope.quote else None,
        )

    def close(self, clean_eof: bool, note: str = "", hint: str | None = None) -> bool:
        """At the end of the stream: SC301 (or the protocol's code) when events came but none
        ended it and no in-band error explains it. True when reported."""
        if self.stream_end is not None or self.errored or not self.events:
            return False
        envelope = self.envelope
        if not envelope.terminal and not envelope.errors:
            return False
        how = "" if clean_eof else " (the connection did not end cleanly)"
        plural = "s" if self.events != 1 else ""
        self.ctx.report(
            envelope.codes.no_end,
            f"the stream ended after {self.events} event{plural} without {envelope.end_text()}"
            f"{how}: the answer is cut{note}{envelope.label}",
            at_end=True,
            hint=hint or envelope.end_hint,
        )
        return True

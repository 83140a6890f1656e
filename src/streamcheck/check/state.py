"""The state of one exchange while it is checked: one plain object, no behaviour.

Like h11's `_state.py`: every stage function (`choose`, `frames`, `recorders`, `body`,
`framing`, `timing`, `finish`, `websocket`) takes this object and reads or updates its fields;
the drivers (`push.StreamChecker` for bytes as they arrive, `exchange.check_exchange` for a
recording) own one each and do the I/O. Nothing here reads a socket or a file.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from streamcheck.check.options import CheckOptions
from streamcheck.check.repeat import Template
from streamcheck.check.sink import Sink
from streamcheck.model import Exchange, Location
from streamcheck.protocols import Protocol, StreamState
from streamcheck.schemas import Catalog, SchemaSet


class ExchangeState:
    """What is known about one exchange so far: detection, counters, timing and findings."""

    # A plain class, not a dataclass: per-exchange state needs no generated eq/repr, and each
    # dataclass costs start-up time (see Sink).
    __slots__ = (
        "bytes",
        "candidates",
        "catalog",
        "drift_budget",
        "drift_on",
        "drift_seen",
        "ending",
        "error_class",
        "exchange",
        "fallback",
        "frames",
        "framing",
        "grammar",
        "last_time",
        "location",
        "options",
        "protocol",
        "recording_notes",
        "repeat",
        "repeat_budget",
        "repeat_last",
        "repeat_made",
        "repeat_missed",
        "repeat_next",
        "repeat_seen",
        "schemas",
        "sink",
        "sse_header_on_ndjson",
        "timing",
        "unclaimed",
        "undecided",
        "undecided_more",
        "unknown_reported",
        "validators",
        "version",
    )

    def __init__(self, exchange: Exchange, options: CheckOptions, catalog: Catalog) -> None:
        self.exchange = exchange
        self.options = options
        self.catalog = catalog
        self.location = Location(source=exchange.source, exchange=exchange.index)
        self.sink = Sink(options)
        # Detection order; `Every` imports a protocol module only when detection reaches it.
        self.candidates: Collection[type[Protocol]] = options.protocols()
        # The config's default protocol, when its defaults name exactly one: it judges a stream
        # whose recording names no API and whose frames no protocol claims.
        preferred = options.preferred()
        self.fallback = preferred[0] if len(preferred) == 1 else None
        # Detection (choose.py, frames.detect): the protocol, its API version and schemas, and
        # its grammar (the protocol's state machine, fed one frame at a time).
        self.protocol: type[Protocol] | None = None
        self.version: str | None = None
        self.schemas: SchemaSet | None = None
        self.grammar: StreamState | None = None
        self.framing: str | None = None
        self.frames = 0
        self.bytes = 0
        self.error_class: str | None = None
        # kind -> the compiled validator's is_valid, bound once per schema set (hot path)
        self.validators: dict[str, Callable[[Any], bool]] = {}
        # Schema drift (SC203) is opt-in (`--select SC203`): real streams gain members weekly,
        # so on by default it would put info noise on nearly every clean recording.
        self.drift_on = bool(options.select) and any(
            code.strip().upper() == "SC203" for code in options.select
        )
        self.drift_budget: dict[str, int] = {}  # kind -> frames left to compare for SC203
        self.drift_seen: set[tuple[str, str]] = set()
        # Frames that repeat an earlier hot one but for their text (check/repeat.py): the
        # templates kept, the one the last repeat matched, the one expected next (frames.handle)
        # and how many more may be made in vain (one is taken per attempt, given back at a
        # template's first repeat).
        self.repeat: list[Template] = []
        self.repeat_last: Template | None = None
        self.repeat_next: Template | None = None
        self.repeat_budget = 8
        # The id of a hint (with the code its frame's schema failure was only counted under,
        # when it failed) -> frames of it since a template was made for it: one waits for a
        # third (frames.handle).
        self.repeat_seen: dict[int | tuple[int, str], int] = {}
        # The templates made (each is its own `after` until another follows it), up to
        # frames.RELEASED: what StreamChecker.release unlinks.
        self.repeat_made: list[Template] = []
        self.repeat_missed = 0  # frames in a row that no kept template matched
        # The frames handled from here on are the body's last (StreamChecker.ending, close):
        # a template is made only where enough of them follow (frames.handle).
        self.ending = False
        self.unknown_reported = False
        # Frames that were not JSON while no protocol was known: (location, message,
        # evidence), judged once the protocol is (frames.settle); past the list, a count.
        self.undecided: list[tuple[Location, str, str]] = []
        self.undecided_more = 0
        self.unclaimed = False  # a recorded URL no protocol claims: frames are not judged
        self.recording_notes: set[str] = set()  # SC902 messages already given (recorders)
        self.sse_header_on_ndjson = False  # decided at the end: stripped framing or SC113
        self.timing: dict[str, float] = {}
        self.last_time: float | None = None  # arrival time of the last chunk (timing.tick)

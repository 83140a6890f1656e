"""The checking side of the proxy: the exchanges being checked, by number, each a Tee.

The forwarding side (gate.Feed) says what passed, with the proxy's own times, as calls to
these methods: straight, with `--checker inline`, or as frames over a socket to the checker
process (frames.py), which makes the same calls here. One code path checks either way.
"""

from __future__ import annotations

from streamcheck.check import CheckOptions
from streamcheck.live.observe import Outputs
from streamcheck.live.proxy.tee import Tee
from streamcheck.model import Close, EndReason, Message
from streamcheck.schemas import Catalog

# What a count of exchanges passed unchecked also says in the log (the others are the
# operator's own choice, --sample and --max-checked, and are only counted).
SAID = {
    "behind": "{count} exchange(s) passed unchecked: more than the --checker-backlog-mb cap "
    "was waiting for the checker process (it was behind the traffic)",
    "checker-lost": "{count} exchange(s) passed unchecked: the checker process ended before it "
    "wrote them",
}


class Checks:
    behind = False  # in process there is no backlog: the caller waits for each call
    dead = False

    def __init__(
        self,
        outputs: Outputs,
        options: CheckOptions,
        keep_bytes: int = 8 * 1024 * 1024,
        read_timeout: float | None = None,
    ) -> None:
        self.outputs = outputs
        self.options = options
        self.catalog = Catalog(options.schema_dirs)  # each schema compiled once
        self.keep_bytes = keep_bytes
        self.read_timeout = read_timeout
        self.tees: dict[int, Tee] = {}

    def open(
        self,
        number: int,
        method: str,
        url: str,
        headers: list[tuple[bytes, bytes]],
        started: float,
    ) -> None:
        try:
            self.tees[number] = Tee(
                self.outputs,
                self.options,
                self.catalog,
                self.keep_bytes,
                method,
                url,
                headers,
                started,
                self.read_timeout,
            )
        except Exception as exc:  # a bug of ours: the traffic goes on, logged
            self.outputs.internal_error(f"{type(exc).__name__}: the exchange was not checked")

    def request_chunk(self, number: int, data: bytes) -> None:
        tee = self.tees.get(number)
        if tee is not None:
            tee.request_chunk(data)

    def response(
        self,
        number: int,
        status: int,
        headers: list[tuple[bytes, bytes]],
        websocket: bool,
        ttfb: float,
    ) -> None:
        tee = self.tees.get(number)
        if tee is not None:
            tee.response(status, headers, websocket, ttfb)

    def chunk(self, number: int, at: float, data: bytes) -> None:
        tee = self.tees.get(number)
        if tee is not None:
            tee.chunk(data, at)

    def message(self, number: int, message: Message) -> None:
        tee = self.tees.get(number)
        if tee is not None:
            tee.message(message)

    def finish(
        self,
        number: int,
        end: EndReason,
        close: Close | None,
        duration: float,
        request_bytes: int,
    ) -> None:
        """The exchange is over: its outputs are written (never raises)."""
        tee = self.tees.pop(number, None)
        if tee is None:
            return
        try:
            tee.finish(end, close, duration, request_bytes)
        except Exception as exc:  # the outputs never raise; anything else is a bug of ours
            self.outputs.internal_error(f"{type(exc).__name__}: while finishing")

    def drop(self, number: int) -> None:
        """The exchange stops being checked (the forwarding side counted it): no output."""
        self.tees.pop(number, None)

    def unchecked(self, reason: str, count: int = 1) -> None:
        """`count` exchanges passed unchecked; counted, and said in the log when SAID says."""
        self.outputs.unchecked(reason, count)
        said = SAID.get(reason)
        if said is not None:
            self.outputs.event(f"unchecked-{reason}", said.format(count=count))

    def event(self, what: str, message: str) -> None:
        """A line of the proxy's own for the log (the checker process restarted)."""
        self.outputs.event(what, message)

    def close(self) -> None:
        """The link ended: exchanges never finished are let go (nothing is written for them)."""
        self.tees.clear()

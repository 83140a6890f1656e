"""Which exchanges are checked (sampling, the cap on exchanges checked at once, a checker that
is behind or gone) and the Feed of each one that is; shared by the HTTP and WebSocket halves.

A Feed is the forwarding side of one checked exchange: it stamps what passed with the time
the proxy saw it and hands it to the checking (`link`: checks.Checks in process, or pipe.Pipe
to the checker process). It never raises into the traffic.
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Callable
from typing import Protocol

from streamcheck.live.proxy.frames import MAX_REQUEST_BODY, Checking
from streamcheck.model import Close, EndReason, Message


class Link(Checking, Protocol):
    """The checking as the gate sees it: `behind` when it cannot take more now, `dead` when
    it is gone (a checker process that ended)."""

    behind: bool
    dead: bool


class Feed:
    __slots__ = ("dropped", "finished", "link", "number", "request_bytes", "t0")

    def __init__(
        self, link: Link, number: int, method: str, url: str, raw: list[tuple[bytes, bytes]]
    ) -> None:
        self.link = link
        self.number = number
        self.t0 = clock.monotonic()
        self.request_bytes = 0
        self.dropped = False
        self.finished = False
        link.open(number, method, url, raw, clock.time())

    def _live(self) -> bool:
        """False once this exchange stopped being checked; a checker that fell behind drops
        it here (counted as "behind")."""
        if self.dropped:
            return False
        link = self.link
        if link.dead:
            self.dropped = True
            return False
        if link.behind:
            self.dropped = True
            link.drop(self.number)
            link.unchecked("behind")
            return False
        return True

    def request_chunk(self, data: bytes) -> None:
        sent = self.request_bytes <= MAX_REQUEST_BODY  # the one that crosses the cap tells it
        self.request_bytes += len(data)
        if sent and self._live():
            self.link.request_chunk(self.number, data)

    def response(self, status: int, headers: list[tuple[bytes, bytes]], websocket: bool) -> None:
        if self._live():
            ttfb = clock.monotonic() - self.t0
            self.link.response(self.number, status, headers, websocket, ttfb)

    def chunk(self, data: bytes) -> None:
        if self._live():
            self.link.chunk(self.number, clock.monotonic() - self.t0, data)

    def message(self, message: Message) -> None:
        if self._live():
            self.link.message(self.number, message)

    def finish(self, end: EndReason, close: Close | None = None) -> None:
        if self.finished:
            return
        self.finished = True
        if self._live():
            duration = clock.monotonic() - self.t0
            self.link.finish(self.number, end, close, duration, self.request_bytes)


class Gate:
    def __init__(
        self,
        link: Link | None,
        sample: float = 1.0,
        max_checked: int = 64,
        draw: Callable[[], float] = random.random,
    ) -> None:
        self.link = link  # None: nothing is checked (--no-check, or the checker is gone)
        self.sample = sample
        self.max_checked = max_checked
        self.draw = draw
        self.active = 0  # exchanges being checked now (one event loop: no lock)
        self.streams = 0  # every exchange seen
        self.unchecked = 0  # passed on without a check (sampled out, over the cap, behind)
        self.numbers = 0

    def admit(self, method: str, url: str, raw: list[tuple[bytes, bytes]]) -> Feed | None:
        """A Feed when this exchange is checked; None (counted) when it passes unchecked."""
        self.streams += 1
        link = self.link
        if link is None:
            return None
        reason = None
        if link.dead:
            reason = "checker-lost"
        elif self.sample < 1.0 and self.draw() >= self.sample:
            reason = "sampled-out"
        elif self.active >= self.max_checked:
            reason = "over-cap"
        elif link.behind:
            reason = "behind"
        if reason is not None:
            self.unchecked += 1
            link.unchecked(reason)
            return None
        self.numbers = (self.numbers + 1) % 2**32
        try:
            feed = Feed(link, self.numbers, method, url, raw)
        except Exception as exc:  # a bug of ours: the traffic goes on, logged
            link.event("checker-error", f"{type(exc).__name__}: the exchange was not checked")
            return None
        self.active += 1
        return feed

    def release(self, feed: Feed | None, end: EndReason, close: Close | None = None) -> None:
        """The exchange is over: its outputs are written (never raises)."""
        if feed is None:
            return
        self.active -= 1
        try:
            feed.finish(end, close)
        except Exception as exc:  # the checking never raises; anything else is a bug of ours
            if not feed.link.dead:
                feed.link.event("checker-error", f"{type(exc).__name__}: while finishing")

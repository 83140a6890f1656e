"""Times read from recordings: seconds since the request, as timing rules may trust them.

A recorder (or a hand, or an attacker) may write any number where a time belongs: 1e308,
-1e308, a clock that went backwards. Such values are no evidence of a silence: a finite number
of seconds from 0 up to `MAX_SECONDS` (31 years: far past any stream, short enough to print)
is a time; what our own tape format holds outside that is an input error (tape.py), what
another tool's file holds is dropped with a note. Times of one exchange that go backwards say
its recorder's clock cannot be trusted: from there on its times are dropped, and a note says
so, rather than a silence being measured between two of them.
"""

from __future__ import annotations

import math
from typing import Any

from streamcheck.model import Exchange

MAX_SECONDS = 1e9


# A clock reading (seconds since 1970, as devtools records messages): up to the year 5138.
MAX_STAMP = 1e11


def seconds(value: Any, most: float = MAX_SECONDS) -> float | None:
    """`value` as seconds if it is a number from 0 up to `most`, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int past a float's range
        return None
    return number if math.isfinite(number) and 0 <= number < most else None


def stamp(value: Any) -> float | None:
    """`value` as a clock reading (seconds since 1970), else None."""
    return seconds(value, MAX_STAMP)


class Arrivals:
    """The times of one exchange's chunks or messages, in the order they were recorded: once
    one goes backwards, it and every later one are dropped (None), and a note says so once."""

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        self.last: float | None = None
        self.broken = False

    def __call__(self, time: float | None, where: str) -> float | None:
        if self.broken or time is None:
            return None
        if self.last is not None and time < self.last:
            self.broken = True
            self.exchange.notes.append(
                f"arrival times go backwards ({where}: {time:.6g} s after {self.last:.6g} s): "
                "the recorder's clock is not to be trusted, so times from there on are ignored "
                "(no silence is measured)"
            )
            return None
        self.last = time
        return time

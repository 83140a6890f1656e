"""Per-chunk accounting: bytes, time to first byte, the largest silence, and SC501 for a
silence past --max-gap. Called once for each chunk or received message, before it is decoded."""

from __future__ import annotations

from operator import sub

from streamcheck import rules
from streamcheck.check.state import ExchangeState
from streamcheck.model import Message


def tick(state: ExchangeState, time: float | None, size: int) -> None:
    """Account for a chunk of `size` bytes that arrived `time` seconds after the request."""
    state.bytes += size
    if time is None:
        return
    timing = state.timing
    last = state.last_time
    if last is None:
        timing["first_byte"] = time
    else:
        gap = time - last
        if gap > timing.get("max_gap", 0.0):
            timing["max_gap"] = round(gap, 6)
        if gap > state.options.max_gap:
            state.sink(
                rules.finding(
                    "SC501",
                    f"no bytes for {gap:.1f} s (limit {state.options.max_gap:g} s)",
                    state.location.at(offset=state.bytes - size),
                )
            )
    timing["total"] = time
    state.last_time = time


def reports(state: ExchangeState, time: float | None) -> bool:
    """Whether `tick` at `time` will report a silence (SC501): a driver that batches frames
    handles those before it first, to keep the order of findings."""
    last = state.last_time
    return time is not None and last is not None and time - last > state.options.max_gap


def ticks(state: ExchangeState, messages: list[Message]) -> bool:
    """`tick` on each of `messages` (received one after another) when none of them reports a
    silence: True, all accounted as `tick` would (the same figures, the timing keys in the same
    order). When one would report, False and nothing accounted: the driver ticks them one by
    one, judging the frames before the silence first. A message without a time adds its bytes
    only (`tick` skips the rest), so the gaps are those between the timed ones: `timed`."""
    times = [m.time for m in messages if m.time is not None]
    if not times:
        state.bytes += sum(len(m.data) for m in messages)
        return True
    return timed(state, times, [m.data for m in messages])


def timed(state: ExchangeState, times: list[float], data: list[bytes]) -> bool:
    """`tick` on each of several received messages, given as columns (model.Texts; `times`
    those of the timed ones, in order, `data` every message's bytes), when none reports a
    silence: True, all accounted as `tick` on each would; False and nothing accounted when one
    would report. The gaps are taken by map, not a loop. The largest silence is rounded once:
    `tick` rounds each new largest one, and the last of those rounds as the largest does."""
    last = state.last_time
    widest = max(map(sub, times[1:], times), default=0.0)
    if last is not None and times[0] - last > widest:
        widest = times[0] - last
    if widest > state.options.max_gap:
        return False
    state.bytes += sum(map(len, data))
    timing = state.timing
    if last is None:
        timing["first_byte"] = times[0]
    timing["total"] = times[-1]  # before max_gap, as `tick` makes them
    if widest > timing.get("max_gap", 0.0):
        timing["max_gap"] = round(widest, 6)
    state.last_time = times[-1]
    return True

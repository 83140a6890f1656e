"""Why a stream was cut, stalled or buffered, from what the recording holds: the silence before
the end and the whole duration against the documented limits of well-known hops (hops.py), the
headers that name a hop, a reset versus a clean close, an error event just before the end, and
the recording client's own read timeout.

Run once per exchange at its end (never per frame) on plain facts, it returns a `model.Cause`
(reporters render it under the cut finding) and findings: SC505 when the arrival times show a
buffered delivery, SC506 when the end matches a hop's documented limit. Everything is worded as
evidence ("consistent with"), never as certainty; without arrival times nothing is said about
buffering or limits.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from streamcheck import redact, rules
from streamcheck.check.hops import IDLE, LIMITS, SIGNS, Limit
from streamcheck.model import GATEWAY_TIMEOUTS, STOPPED, Cause, EndReason, Finding, Location

# Findings that say a stream stopped before its end, the first present in this order is the one
# the cause is shown under: the transfer's own end first, then framing, then grammar.
CUT_CODES = (
    "SC503",  # read timeout
    "SC504",  # connection reset
    "SC101",  # truncated frame
    "SC116",  # truncated JSON array
    "SC115",  # incomplete line at EOF
    "SC301",  # missing terminator
    "SC360",  # relay stream unfinished
    "SC380",  # declared stream unfinished
    "SC351",  # realtime response not completed
    "SC350",  # realtime response not done
    "SC114",  # empty body
)
IN_BAND_ERRORS = ("SC403", "SC352")
ERROR_BODIES = ("SC402", "SC401", "SC405", "SC114")
STREAMS = ("sse", "ndjson", "jsonarray", "eventstream", "tagged")
# Buffering: the first byte this late, then the whole body within this window, over at least
# this many frames. A model that streams sends its frames over hundreds of milliseconds; even
# the fastest providers start within a second, so a late start followed by everything at once
# is what an intermediary that holds the body until the upstream finishes looks like.
LATE_FIRST_BYTE = 2.0
BULK_WINDOW = 0.05
BULK_FRAMES = 10
COMPRESSED = ("gzip", "br", "deflate", "zstd", "compress")


class Facts(NamedTuple):
    """What the checker measured over one exchange (seconds since the request)."""

    end: EndReason
    end_time: float | None  # when the end was seen
    read_timeout: float | None  # the recording client's
    first_byte: float | None
    last_byte: float | None
    frames: int
    bytes: int
    status: int | None
    framing: str | None
    arrival_times: bool  # chunk times are arrival times (tapes, live calls)
    max_gap: float | None = None  # the longest silence between two chunks


def diagnose(
    facts: Facts, headers: dict[str, str], findings: list[Finding], location: Location
) -> tuple[Cause | None, list[Finding]]:
    """The cause of a cut or stall (None when the stream was not cut, or nothing in the
    recording points anywhere), and the SC505 / SC506 findings it rests on. finish.diagnose
    asks only when there is something to weigh: a finding, arrival times, an end no sender
    chose or a gateway's timeout (each branch below concludes nothing without them)."""
    lower = {k.lower(): v for k, v in headers.items()}
    found: list[Finding] = []
    buffered = _buffered(facts, lower, location)
    if buffered is not None:
        found.append(buffered)
    codes = {f.code for f in findings}
    if facts.status in GATEWAY_TIMEOUTS:
        gateway = _gateway_timeout(facts, lower)
        if gateway is not None:
            gateway.finding = next((c for c in ERROR_BODIES if c in codes), None)
        return gateway, found
    error = _error_at_end(facts, findings)
    cut = facts.end in STOPPED or any(c in codes for c in CUT_CODES)
    if not cut and error is None:
        stall = _stall(facts, lower) if "SC501" in codes else None
        if stall is not None:
            stall.finding = "SC501"
        return stall, found
    cause = _cause(facts, lower, findings)
    if cause is None:
        return None, found
    cause.finding = next((c for c in CUT_CODES if c in codes), error.code if error else None)
    if cause.kind in ("idle-timeout", "total-timeout"):
        found.append(
            rules.finding(
                "SC506",
                f"the end matches a hop's documented limit: {cause.evidence[-1]}",
                location,
                evidence=cause.summary,
                hint="the cause line under the cut says what to change; `streamcheck explain "
                "SC506` lists each hop's limit and where it is documented",
            )
        )
    return cause, found


# -- the cause ---------------------------------------------------------------------------------


def _cause(facts: Facts, headers: dict[str, str], findings: list[Finding]) -> Cause | None:
    named = _named(headers)
    seen = ", ".join(f"{name}: {value}" for _, name, value in named)
    passed = _passed(named)
    silence, total = _silence(facts), _total(facts)
    times = _times(facts, silence, total)
    if facts.end is EndReason.TIMEOUT:
        return _client_timeout(facts, silence, times, seen)
    if facts.end is EndReason.INTERRUPTED:
        return Cause(
            "client-cancel",
            "the client stopped the transfer itself (the recording says interrupted: Ctrl-C "
            "in `record`, or a browser's net::ERR_ABORTED from an AbortController, a "
            "navigation or a closed tab), not the server or a hop",
            hop="the client",
            fix="if the app cancels on purpose there is nothing to fix; else find what aborts "
            "the request (a timeout wrapper, a component that unmounts)",
            evidence=[*times, *_headers(seen)],
        )
    error = _error_at_end(facts, findings)
    if error is not None:
        return Cause(
            "in-band-error",
            f"an error event arrived just before the end (frame {error.location.frame}): "
            f"{_brief(error.message)}; the sender ended the stream, not a hop",
            fix="handle in-stream errors like HTTP errors of the same class: retry overloaded "
            "and rate-limit errors with backoff, surface the rest",
            evidence=[*times, *_headers(seen)],
        )
    limit = _hop_limit(silence, total, {hop for hop, _, _ in named})
    if limit is not None:
        return _limit_cause(limit, silence, total, times, seen)
    if facts.end is EndReason.RESET:
        if silence is not None and total is not None:
            when = f" {_dur(silence)} after the last byte ({_dur(total)} after the request)"
        else:
            when = f" {_dur(total)} after the request" if total is not None else ""
        weighed = (
            "no documented hop limit matches those times"
            if total is not None
            else "the recording holds no times to weigh against hops' limits"
        )
        return Cause(
            "reset",
            f"the connection was reset{when}; {weighed}"
            + (f"; the response passed through {passed} ({seen})" if passed else ""),
            hop=named[0][0] if named else None,
            fix="a hop or the server dropped the connection mid-stream: read "
            + (f"{passed}'s logs" if passed else "the server's and each proxy's logs")
            + " around that time, and retry the request",
            evidence=[*times, *_headers(seen)],
        )
    if facts.end is EndReason.EOF:
        when = f" {_dur(silence)} after the last byte" if silence is not None else ""
        return Cause(
            "clean-close",
            f"the server closed the body cleanly{when}, without the stream's end: consistent "
            "with the sending app stopping early (its generator raised, or its worker was "
            "stopped), not a network cut"
            + (f"; the response passed through {passed} ({seen})" if passed else ""),
            fix="look in the serving app's log for an exception at that time; a proxy in "
            "front of it may have closed on its own limit",
            evidence=[*times, *_headers(seen)],
        )
    return None


def _gateway_timeout(facts: Facts, headers: dict[str, str]) -> Cause | None:
    """HTTP 524 (Cloudflare's own) or a 504 from a hop the headers name, or whose time to the
    answer matches a documented limit: the hop gave up waiting for its upstream."""
    named = _named(headers)
    seen = ", ".join(f"{name}: {value}" for _, name, value in named)
    total = _total(facts)
    hops = {hop for hop, _, _ in named}
    if facts.status == 524:
        hops = {"Cloudflare"}
    limits = [m for m in LIMITS if m.hop in hops]
    timed = [m for m in limits if _near(total, m.seconds)] if total is not None else []
    if not hops and total is not None:
        match = _hop_limit(total, total, set())
        timed = match[0] if match is not None else []
    if not hops and not timed:
        return None
    chosen = timed or limits
    who = " or ".join(m.hop for m in chosen) if chosen else _passed(named)
    head = f"HTTP {facts.status} came from {who}"
    if facts.status == 524:
        head = (
            "HTTP 524 is Cloudflare's: the origin sent no response within its Proxy Read "
            "Timeout (100 s by default)"
        )
    if timed:
        head += f"; it answered {total:.1f} s after the request, consistent with " + " or ".join(
            f"{_owned(m)} ({m.seconds:g} s)" for m in timed
        )
    elif facts.status == 504:
        head += ", which gave up waiting for the server behind it"
    if seen:
        head += f"; {seen}"
    fix = (
        "; ".join(f"{m.hop}: {m.fix}" for m in chosen)
        if len(chosen) > 1
        else (chosen[0].fix if chosen else f"raise {who}'s upstream timeout")
    )
    return Cause(
        "gateway-timeout",
        head,
        hop=who,
        fix="send the response headers and a first byte at once, then stream; " + fix,
        evidence=[*_times(facts, None, total), *_headers(seen)],
        refs=[m.ref for m in chosen],
    )


def _stall(facts: Facts, headers: dict[str, str]) -> Cause | None:
    """A silence the stream survived, but that is past the idle timeout of hops it did not go
    through: behind any of them (in production, say) it would have been cut there."""
    gap = facts.max_gap
    if gap is None or not facts.arrival_times:
        return None
    named = {hop for hop, _, _ in _named(headers)}
    shorter = [m for m in LIMITS if m.kind == IDLE and m.seconds < gap and m.hop not in named]
    if not shorter:
        return None
    such = ", ".join(f"{_owned(m)} ({m.seconds:g} s)" for m in shorter)
    return Cause(
        "stall",
        f"the stream went silent for {gap:.1f} s and then went on: longer than {such}; "
        "behind such a hop it would have been cut there",
        fix="keep bytes flowing during long waits: an SSE comment line (`: keep-alive`) every "
        "15 s resets every idle timer on the way",
        evidence=[f"longest silence {gap:.1f} s"],
        refs=[m.ref for m in shorter],
    )


def _client_timeout(facts: Facts, silence: float | None, times: list[str], seen: str) -> Cause:
    limit = f" ({facts.read_timeout:g} s)" if facts.read_timeout is not None else ""
    quiet = f"no byte for {silence:.1f} s, so " if silence is not None else ""
    return Cause(
        "client-timeout",
        f"{quiet}the recording client gave up: its own read timeout{limit} expired while "
        "the server (or a hop) still held the connection open"
        + (f"; response headers: {seen}" if seen else ""),
        hop="the client",
        fix="raise the client's read timeout (`--read-timeout`, the SDK's `timeout`) when the "
        "model thinks long before answering; if the upstream stalls, have it send keep-alive "
        "comments",
        evidence=[*times, *_headers(seen)],
    )


def _limit_cause(
    match: tuple[list[Limit], bool],
    silence: float | None,
    total: float | None,
    times: list[str],
    seen: str,
) -> Cause:
    limits, named = match
    first = limits[0]
    such = " or ".join(_owned(limit) for limit in limits)
    if first.kind == IDLE:
        kind = "idle-timeout"
        head = (
            f"ended {silence:.1f} s after the last byte, consistent with an idle timeout of "
            f"{first.seconds:g} s such as {such}"
        )
    else:
        kind = "total-timeout"
        head = (
            f"ended {total:.1f} s after the request, consistent with a limit of "
            f"{first.seconds:g} s on the whole response such as {such}"
        )
    if seen:
        head += f"; {seen}"
    fixes = [limit.fix for limit in limits]
    fix = fixes[0] if len(limits) == 1 else "; ".join(f"{m.hop}: {m.fix}" for m in limits)
    return Cause(
        kind,
        head,
        hop=" or ".join(limit.hop for limit in limits),
        fix=fix + ("" if named else " (no header names the hop: check which of them is there)"),
        evidence=[*times, *_headers(seen), f"{such} ({first.seconds:g} s)"],
        refs=[limit.ref for limit in limits],
    )


def _owned(limit: Limit) -> str:
    """`nginx's default proxy_read_timeout`."""
    return f"{limit.hop}'s {limit.setting.removeprefix('its ')}"


def _hop_limit(
    silence: float | None, total: float | None, named: set[str]
) -> tuple[list[Limit], bool] | None:
    """The documented limits the times match (those of a hop the headers name, when any do),
    and whether a header named the hop."""
    matches = [
        limit
        for limit in LIMITS
        if _near(silence if limit.kind == IDLE else total, limit.seconds)
        # A hop's idle timer runs from the request while no byte has come: a silence from the
        # start is also the whole duration, so only idle limits judge it.
    ]
    if not matches:
        return None
    chosen = [limit for limit in matches if limit.hop in named]
    if chosen:
        return chosen, True
    if named:
        return None  # the headers name other hops: a limit of a hop not seen is no evidence
    # No header names a hop: every hop whose limit matches, of the first matching kind/figure.
    first = matches[0]
    return [m for m in matches if (m.kind, m.seconds) == (first.kind, first.seconds)], False


def _near(seconds: float | None, limit: float) -> bool:
    """Whether a measured time is the limit, give or take the latency between the hop's clock
    and the recording client's (a second or two, a few percent on long limits)."""
    if seconds is None:
        return False
    return limit - max(1.0, 0.02 * limit) <= seconds <= limit + max(2.0, 0.03 * limit)


def _error_at_end(facts: Facts, findings: list[Finding]) -> Finding | None:
    """An in-stream error in the last two frames: the sender ended the stream on purpose."""
    for finding in reversed(findings):
        frame = finding.location.frame
        if finding.code in IN_BAND_ERRORS and frame is not None and frame >= facts.frames - 2:
            return finding
    return None


# -- facts in words ----------------------------------------------------------------------------


def _silence(facts: Facts) -> float | None:
    """Seconds between the last byte (or the request, if no byte came) and the end; only when
    chunk times are arrival times (a HAR gives its whole body the first byte's time)."""
    if facts.end_time is None or not facts.arrival_times:
        return None
    start = facts.last_byte if facts.last_byte is not None else 0.0
    return max(0.0, facts.end_time - start)


def _total(facts: Facts) -> float | None:
    return facts.end_time if facts.end_time is not None else facts.last_byte


def _times(facts: Facts, silence: float | None, total: float | None) -> list[str]:
    out = []
    if facts.first_byte is not None:
        out.append(f"first byte at {facts.first_byte:.1f} s")
    if facts.last_byte is not None and facts.arrival_times:
        out.append(f"last byte at {facts.last_byte:.1f} s")
    if facts.end_time is not None:
        out.append(f"end ({facts.end.value}) at {facts.end_time:.1f} s")
    elif facts.end is not EndReason.UNKNOWN:
        out.append(f"end: {facts.end.value}")
    return out


def _named(headers: dict[str, str]) -> list[tuple[str, str, str]]:
    """(hop, header, value) for each hop the headers name, one per hop, in SIGNS order."""
    out: list[tuple[str, str, str]] = []
    hops: set[str] = set()
    for hop, name, part in SIGNS:
        value = headers.get(name)
        if value is None or hop in hops or (part and part not in value.lower()):
            continue
        hops.add(hop)
        out.append((hop, name, _brief(redact.text(value), 40)))
    return out


def _passed(named: list[tuple[str, str, str]]) -> str:
    hops = [hop for hop, _, _ in named]
    return ", ".join(hops[:-1]) + (" and " if len(hops) > 1 else "") + hops[-1] if hops else ""


def _headers(seen: str) -> list[str]:
    return [f"headers: {seen}"] if seen else []


def _dur(seconds: float) -> str:
    """`12.0 s`, or `10 ms` under a second (a clean close right after the last byte)."""
    return f"{seconds:.1f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"


def _brief(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- buffering ---------------------------------------------------------------------------------


def _buffered(facts: Facts, headers: dict[str, str], location: Location) -> Finding | None:
    """SC505: a late first byte, then the whole body at once (only with arrival times)."""
    first, last = facts.first_byte, facts.last_byte
    if not facts.arrival_times or first is None or last is None:
        return None
    if facts.framing not in STREAMS or (facts.status is not None and facts.status >= 400):
        return None
    span = last - first
    if first < LATE_FIRST_BYTE or span > BULK_WINDOW or facts.frames < BULK_FRAMES:
        return None
    signs = list(_buffer_signs(headers))
    message = (
        f"the whole body ({facts.frames} frames, {facts.bytes} bytes) arrived within "
        f"{span * 1000:.0f} ms, {first:.1f} s after the request: consistent with an "
        "intermediary holding the stream until it ended"
    )
    if signs:
        message += f" ({', '.join(signs)})"
    return rules.finding("SC505", message, location.at(offset=0))


def _buffer_signs(headers: dict[str, str]) -> Iterable[str]:
    """Headers that go with a buffered event stream: a length known before the body, or a
    compressed body (compressors hold bytes until their buffer fills)."""
    length = headers.get("content-length")
    if length is not None:
        yield f"content-length: {_brief(length, 20)}"
    encoding = headers.get("content-encoding", "").lower()
    if any(name in encoding for name in COMPRESSED):
        yield f"content-encoding: {_brief(encoding, 20)}"
    for _, name, value in _named(headers):
        yield f"{name}: {value}"

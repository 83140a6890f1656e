"""The class of one checked exchange: smoke's classes (live/exitcodes.py), from its result.

ok, defects (findings at or above the failing severity), or the class of its error body or
in-stream error (auth, no-access, billing, rate-limit, bad-request), or unreachable (a reset,
a timeout, a 5xx or a body no class knows).
"""

from __future__ import annotations

from streamcheck.live.exitcodes import error_class
from streamcheck.model import EndReason, ExchangeResult, Severity


def verdict(result: ExchangeResult, fail_on: Severity = Severity.ERROR) -> str:
    """One of live/exitcodes.CLASSES' names (never "usage": that is a smoke configuration)."""
    if result.error_class is not None:
        return error_class(result.error_class, result.status)
    if result.end in (EndReason.RESET, EndReason.TIMEOUT):
        return "unreachable"
    if any(f.severity >= fail_on for f in result.findings):
        return "defects"
    return "ok"


# Codes that say a stream stopped before its end (framing, grammar, transport, WebSocket).
CUT_CODES = frozenset(
    {"SC101", "SC116", "SC301", "SC360", "SC380", "SC503", "SC504", "SC601", "SC603"}
)


def cut(result: ExchangeResult) -> bool:
    """Whether the stream was cut: reset or timed out, or an error finding says it ended early
    (a missing terminator only as an error: after a finish it is a warning, no cut)."""
    if result.end in (EndReason.RESET, EndReason.TIMEOUT):
        return True
    return any(f.code in CUT_CODES and f.severity is Severity.ERROR for f in result.findings)

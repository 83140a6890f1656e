"""The class of one checked exchange: smoke's classes (live/exitcodes.py), from its result.

ok, defects (findings at or above the failing severity), or the class of its error body or
in-stream error (auth, no-access, billing, rate-limit, bad-request), or unreachable (a reset,
a timeout, a 5xx or a body no class knows).
"""

from __future__ import annotations

from streamcheck.model import EndReason, ExchangeResult, Severity

_BY_ERROR_CLASS = {
    "auth": "auth",
    "no-access": "no-access",
    "not-found": "no-access",
    "region": "no-access",  # the key may not be used from here: as no access, exit 4
    "billing": "billing",
    "rate-limit": "rate-limit",
    "overloaded": "rate-limit",
    # Permanent: the provider refused this request as sent (PROVIDERS.md section 3).
    "bad-request": "bad-request",
    "context-length": "bad-request",
    "content-filter": "bad-request",
}
# 4xx statuses that are transient after all: request timeout, too early, rate limited.
_TRANSIENT_4XX = frozenset({408, 425, 429})


def verdict(result: ExchangeResult, fail_on: Severity = Severity.ERROR) -> str:
    """One of live/exitcodes.CLASSES' names (never "usage": that is a smoke configuration)."""
    if result.error_class is not None:
        klass = _BY_ERROR_CLASS.get(result.error_class, "unreachable")
        status = result.status or 0
        if klass == "unreachable" and 400 <= status < 500 and status not in _TRANSIENT_4XX:
            klass = "bad-request"  # an error body no class knows, under a permanent 4xx
        return klass
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

"""Smoke verdict classes and their exit codes. No heavy imports: the CLI help reads this."""

from __future__ import annotations

# class -> (exit code, what it means). The README and `smoke --help` print this table.
CLASSES: dict[str, tuple[int, str]] = {
    "ok": (0, "key streams from the model; the stream is clean"),
    "defects": (1, "stream defects at or above --fail-on"),
    "usage": (2, "bad flags or config; key variable not set"),
    "auth": (3, "bad key: missing, invalid or revoked"),
    "no-access": (4, "no access to the model; no such model/deployment; region not supported"),
    "billing": (5, "no quota, credit or billing; spend limit"),
    "rate-limit": (6, "rate limited, or the provider is overloaded"),
    "unreachable": (7, "unreachable, timeout, reset, 5xx, HTML or odd body"),
    # Added after 1-7, so their numbers stay. A 400 is no transient trouble: the same request
    # fails the same way until someone changes it (or the config that built it).
    "bad-request": (8, "request refused as sent: HTTP 400, 413, 422, other 4xx; context, filter"),
}
# Worst first: with several targets the first class present here decides the exit code.
PRECEDENCE = (
    "usage",
    "auth",
    "no-access",
    "billing",
    "bad-request",
    "defects",
    "unreachable",
    "rate-limit",
    "ok",
)


def exit_table() -> str:
    rows = [f"{code}  {name:12} {text}" for name, (code, text) in CLASSES.items()]
    order = " > ".join(PRECEDENCE[:-1])
    return "\n".join(rows) + f"\nWith several targets the worst wins: {order}."


# An error body's or in-stream error's class (errors/classes.py) -> the smoke class it means.
BY_ERROR_CLASS = {
    "auth": "auth",
    "no-access": "no-access",
    "not-found": "no-access",
    "region": "no-access",  # the key may not be used from here: as no access, exit 4
    "billing": "billing",
    "rate-limit": "rate-limit",
    "overloaded": "rate-limit",
    # Permanent: the provider refused this request as sent.
    "bad-request": "bad-request",
    "context-length": "bad-request",
    "content-filter": "bad-request",
}
# 4xx statuses that are transient after all: request timeout, too early, rate limited.
TRANSIENT_4XX = frozenset({408, 425, 429})


def error_class(error: str, status: int | None) -> str:
    """The smoke class of an exchange whose body or stream carried an error of class `error`
    (smoke and the proxy's log line say the same of one answer)."""
    klass = BY_ERROR_CLASS.get(error, "unreachable")
    if klass == "unreachable" and 400 <= (status or 0) < 500 and status not in TRANSIENT_4XX:
        klass = "bad-request"  # an error body no class knows, under a permanent 4xx
    return klass

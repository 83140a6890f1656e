"""Metric label values a hostile client cannot multiply.

A model name comes from the request body, which anyone who can reach the proxy writes: each
distinct value would be a new time series in Prometheus. Values are normalised (lower case,
a small alphabet, a length cap), anything shaped like a key becomes "redacted", and after
`limit` distinct values every new one is "other".
"""

from __future__ import annotations

import re
import threading

from streamcheck import redact

_UNSAFE = re.compile(r"[^a-z0-9._:/\-]")
MAX_LENGTH = 64


def normalise(value: str | None) -> str:
    """A value fit for a label, or "unknown"."""
    if not value:
        return "unknown"
    if redact.text(value) != value:
        return "redacted"
    cleaned = _UNSAFE.sub("", value.strip().lower())[:MAX_LENGTH]
    return cleaned or "unknown"


class BoundedLabel:
    """Normalised values, at most `limit` distinct ones; the rest are "other"."""

    def __init__(self, limit: int = 100) -> None:
        self.limit = limit
        self.seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, value: str | None) -> str:
        label = normalise(value)
        if label in self.seen:
            return label
        with self._lock:
            if len(self.seen) >= self.limit:
                return "other"
            self.seen.add(label)
        return label

"""How a proxied exchange ends early: the upstream's cut passed on to the app, or the app gone."""

from __future__ import annotations

import logging


class UpstreamCut(Exception):
    """Raised after the response began to make the server drop the app's connection: the
    upstream's body was cut (reset, timeout), and the app must see it cut too."""


class QuietCuts(logging.Filter):
    """uvicorn logs an exception that ends a response as an error with its traceback; a cut
    passed on is what the proxy meant to do (its log line says why)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, UpstreamCut)


class ClientLeft(Exception):
    """The app closed its connection while the request was still being read."""

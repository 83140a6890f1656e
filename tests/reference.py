"""A check run with the hot paths and shortcuts (as shipped, and with templates made wherever a
repeat may follow) and on the reference path alone (protocols.shortcuts.reference_only): speed
must never change a verdict."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from streamcheck.check import frames
from streamcheck.check.options import CheckOptions
from streamcheck.model import ExchangeResult
from streamcheck.protocols.shortcuts import reference_only
from streamcheck.run import check_paths


def verdict(result: ExchangeResult) -> tuple[Any, ...]:
    """All a result says: where it is, what it is, how it ended and why, its findings, and its
    timing with its keys in order (a JSON report prints them so; a WebSocket session's is
    accounted per run of messages or one message at a time)."""
    cause = result.cause
    return (
        *(result.source, result.index, result.provider, result.api, result.end, result.frames),
        None if cause is None else [getattr(cause, slot) for slot in cause.__slots__],
        *(result.findings, list(result.timing.items()), result.bytes, result.framing),
    )


@contextmanager
def templates_anywhere() -> Iterator[None]:
    """Templates made even among a body's last frames, where they cannot pay (frames.PAYS_AFTER
    0): a short recording then takes every fast path a long one does."""
    before = frames.PAYS_AFTER
    frames.PAYS_AFTER = 0
    try:
        yield
    finally:
        frames.PAYS_AFTER = before


def checked_both_ways(path: Path, options: CheckOptions | None = None) -> list[ExchangeResult]:
    """`path` checked with the fast paths (as shipped, and with templates anywhere) and on the
    reference path; fails unless every verdict is the same. The results with templates
    anywhere."""
    shipped = check_paths([str(path)], options).results
    with templates_anywhere():
        fast = check_paths([str(path)], options).results
    with reference_only():
        reference = check_paths([str(path)], options).results
    assert [verdict(r) for r in fast] == [verdict(r) for r in reference], path
    assert [verdict(r) for r in shipped] == [verdict(r) for r in reference], path
    return fast

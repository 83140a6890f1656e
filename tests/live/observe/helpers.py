"""Checked exchanges for the output tests: a recording read and checked as `check` does, its
body kept by a BodyKeeper on the way, as a driver keeps it beside the checker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from streamcheck.check import CheckOptions, check_exchange
from streamcheck.live.observe import BodyKeeper, Observed
from streamcheck.model import Exchange
from streamcheck.schemas import Catalog
from streamcheck.sources import tape

CATALOG = Catalog(())


def observed_from(exchange: Exchange, started: float = 1_765_000_000.25) -> Observed:
    keeper = BodyKeeper()
    chunks = exchange.chunks

    def kept() -> Iterator[tuple[bytes, float | None]]:
        for data, at in chunks:
            keeper.add(data, at)
            yield data, at

    exchange.chunks = kept()
    result = check_exchange(exchange, CheckOptions(), CATALOG)
    return Observed(
        result=result,
        request=exchange.request,
        status=exchange.status,
        headers=exchange.headers,
        started=started,
        bytes_in=120,
        keeper=keeper,
        secrets=exchange.secrets,
    )


def observed_tape(path: Path, started: float = 1_765_000_000.25) -> Observed:
    with path.open("rb") as handle:
        exchange = next(tape.read(str(path), handle))
        return observed_from(exchange, started)

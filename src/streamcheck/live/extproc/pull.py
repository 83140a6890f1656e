"""Interim push checker: the pull checker (`check_exchange`) in a thread of its own, fed chunk
by chunk through a queue. It stands in for the push checker's `feed(chunk, time)` /
`close(end)` until that lands; the session sees only those two calls."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from streamcheck.check import CheckOptions, check_exchange
from streamcheck.model import EndReason, Exchange, ExchangeResult, Finding
from streamcheck.schemas import Catalog


class ThreadedChecker:
    def __init__(self, exchange: Exchange, options: CheckOptions, catalog: Catalog) -> None:
        self._queue: queue.SimpleQueue[tuple[bytes, float | None] | EndReason] = queue.SimpleQueue()
        self._result: ExchangeResult | None = None
        self._error: BaseException | None = None
        exchange.chunks = self._chunks(exchange)
        self._thread = threading.Thread(
            target=self._run, args=(exchange, options, catalog), daemon=True
        )
        self._thread.start()

    def _chunks(self, exchange: Exchange) -> Iterator[tuple[bytes, float | None]]:
        while True:
            item = self._queue.get()
            if isinstance(item, EndReason):
                exchange.end = item
                return
            yield item

    def _run(self, exchange: Exchange, options: CheckOptions, catalog: Catalog) -> None:
        try:
            self._result = check_exchange(exchange, options, catalog)
        except BaseException as exc:  # handed to close(), which raises it in the caller
            self._error = exc

    def feed(self, chunk: bytes, time: float | None) -> list[Finding]:
        self._queue.put((chunk, time))
        return []

    def close(self, end: EndReason) -> ExchangeResult:
        self._queue.put(end)
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

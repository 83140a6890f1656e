"""The pull driver: one recorded exchange, read to its end through the push checker.

A thin loop over what the reader yields (chunks or WebSocket messages); how the body ended
(`exchange.end`, `exchange.close`) is read after the loop, since readers set it as they go.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from streamcheck.check.options import CheckOptions
from streamcheck.check.push import StreamChecker
from streamcheck.model import Exchange, ExchangeResult, Message
from streamcheck.protocols import shortcuts
from streamcheck.schemas import Catalog

MESSAGES_PER_RUN = 512
# A run's messages are held together: a run ends at this many bytes too, so a session of
# big messages (a tape line may hold 64 MiB) holds about one at a time, as fed one by one.
BYTES_PER_RUN = 1 << 20


def check_exchange(exchange: Exchange, options: CheckOptions, catalog: Catalog) -> ExchangeResult:
    """Check one exchange and return its verdict."""
    checker = StreamChecker(exchange, options, catalog)
    if exchange.messages is not None:
        if shortcuts.batched:
            # A few hundred messages per call: one frame loop each (push.feed_messages), the
            # memory of a run bounded; the reader runs outside the checker's redaction scope.
            for run in _runs(exchange.messages):
                checker.feed_messages(run)
        else:  # the reference: one message at a time, as live drivers feed them
            feed_message = checker.feed_message
            for message in exchange.messages:
                feed_message(message)
    else:
        feed = checker.feed
        for data, time in exchange.chunks:
            feed(data, time)
    return checker.close()


def _runs(messages: Iterable[Message]) -> Iterator[list[Message]]:
    """`messages` in runs of up to MESSAGES_PER_RUN messages or about BYTES_PER_RUN bytes."""
    run: list[Message] = []
    size = 0
    for message in messages:
        run.append(message)
        size += len(message.data)
        if size >= BYTES_PER_RUN or len(run) == MESSAGES_PER_RUN:
            yield run
            run, size = [], 0
    if run:
        yield run

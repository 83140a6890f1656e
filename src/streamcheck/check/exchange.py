"""The pull driver: one recorded exchange, read to its end through the push checker.

A thin loop over what the reader yields (chunks or WebSocket messages); how the body ended
(`exchange.end`, `exchange.close`) is read after the loop, since readers set it as they go.
"""

from __future__ import annotations

from itertools import islice

from streamcheck.check.options import CheckOptions
from streamcheck.check.push import StreamChecker
from streamcheck.model import Exchange, ExchangeResult
from streamcheck.protocols import shortcuts
from streamcheck.schemas import Catalog

MESSAGES_PER_RUN = 512


def check_exchange(exchange: Exchange, options: CheckOptions, catalog: Catalog) -> ExchangeResult:
    """Check one exchange and return its verdict."""
    checker = StreamChecker(exchange, options, catalog)
    if exchange.messages is not None:
        if shortcuts.batched:
            # A few hundred messages per call: one frame loop each (push.feed_messages), the
            # memory of a run bounded; the reader runs outside the checker's redaction scope.
            messages, feed_messages = iter(exchange.messages), checker.feed_messages
            while run := list(islice(messages, MESSAGES_PER_RUN)):
                feed_messages(run)
        else:  # the reference: one message at a time, as live drivers feed them
            feed_message = checker.feed_message
            for message in exchange.messages:
                feed_message(message)
    else:
        feed = checker.feed
        for data, time in exchange.chunks:
            feed(data, time)
    return checker.close()

"""The pull driver: one recorded exchange, read to its end through the push checker.

A thin loop over what the reader yields (chunks or WebSocket messages); how the body ended
(`exchange.end`, `exchange.close`) is read after the loop, since readers set it as they go.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from streamcheck.check.options import CheckOptions
from streamcheck.check.push import StreamChecker
from streamcheck.model import (
    BYTES_PER_RUN,
    MESSAGES_PER_RUN,
    Exchange,
    ExchangeResult,
    Message,
    Runs,
    Texts,
)
from streamcheck.protocols import shortcuts
from streamcheck.schemas import Catalog

__all__ = ["BYTES_PER_RUN", "MESSAGES_PER_RUN", "check_exchange"]


def check_exchange(exchange: Exchange, options: CheckOptions, catalog: Catalog) -> ExchangeResult:
    """Check one exchange and return its verdict."""
    checker = StreamChecker(exchange, options, catalog)
    messages = exchange.messages
    if messages is not None:
        if shortcuts.batched:
            # A few hundred messages per call: one frame loop each (push.feed_messages), the
            # memory of a run bounded; the reader runs outside the checker's redaction scope.
            # A reader that gives runs itself (a tape) gives its common messages as columns
            # (model.Texts: no Message each), fed with feed_texts.
            runs = messages.runs() if isinstance(messages, Runs) else _runs(messages)
            for run in runs:
                if isinstance(run, Texts):
                    checker.feed_texts(run)
                else:
                    checker.feed_messages(run)
        else:  # the reference: one message at a time, as live drivers feed them
            feed_message = checker.feed_message
            for message in messages:
                feed_message(message)
    else:
        take = checker.take  # the findings are read from close, masked once
        chunks = exchange.chunks
        if type(chunks) is tuple or type(chunks) is list:
            # A body held whole (a small file read at once): its last chunk is known, and the
            # checker is told so before it (StreamChecker.ending).
            for data, time in chunks[:-1]:
                take(data, time)
            if chunks:
                checker.ending()
                take(*chunks[-1])
        else:
            for data, time in chunks:
                take(data, time)
    result = checker.close()
    checker.release()
    return result


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

"""The pipeline for one exchange: sniff, decode, parse, validate, run the grammar, collect.

`push.StreamChecker` is the core: sans-I/O, fed chunks (or WebSocket messages) as they arrive,
returning findings, and the verdict at `close()`; `exchange.check_exchange` drives it over a
recording. The per-exchange state is one plain object (`state.ExchangeState`) that the stage
modules take: `choose` (protocol and version), `timing`, `frames` (the per-frame hot path),
`recorders`, `framing`, `body` (answers that are not streams), `websocket`, `finish` (the end
and the verdict); `sink` collects findings; `CheckOptions` says what to check. Messages are
built only for frames that fail.
"""

from streamcheck.check.exchange import check_exchange
from streamcheck.check.options import CheckOptions
from streamcheck.check.push import StreamChecker

__all__ = ["CheckOptions", "StreamChecker", "check_exchange"]

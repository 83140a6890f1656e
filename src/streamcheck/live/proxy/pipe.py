"""The proxy's end of the socket to its checker process: the Checking calls, made into frames.

Nothing here waits. Frames are gathered and written once per turn of the event loop (one
send for all the chunks that passed in that turn), through the asyncio transport, which keeps
what the socket cannot take yet. That backlog is capped: past `cap` bytes the transport says
so (pause_writing) and the pipe is `behind`; the gate then passes new exchanges unchecked and
the exchanges in flight stop being teed (a DROP frame each), all counted as "behind", until
the backlog is down to half the cap (resume_writing), when the counts go to the checker.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import Callable

import orjson

from streamcheck.live.proxy import frames
from streamcheck.model import Close, EndReason, Message

_AT = frames.AT.pack
_HEAD = frames.HEAD.pack
_MESSAGE_AT = frames.MESSAGE_AT.pack


class Pipe(asyncio.Protocol):
    def __init__(
        self,
        cap: int,
        lost: Callable[[Pipe], None],
        ready: Callable[[dict[str, object]], None] | None = None,
    ) -> None:
        self.cap = cap
        self._lost = lost
        self._ready = ready
        self.transport: asyncio.Transport | None = None
        self.behind = False
        self.dead = False
        self.opened: set[int] = set()  # exchanges whose FINISH or DROP was not sent yet
        self.ended = 0  # FINISH frames sent
        self.acked = 0  # of those, how many the checker said it has done
        self.sent = 0  # frames sent
        # EVENT and UNCHECKED frames the checker has not said it did: (frame index, event or
        # counts); a restart tells them to the next checker.
        self.notes: list[tuple[int, tuple[str, str] | dict[str, int]]] = []
        self.counts: Counter[str] = Counter()  # unchecked exchanges not told to the checker
        self._out: list[bytes] = []
        self._scheduled = False
        self._received = b""

    # -- asyncio.Protocol ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.set_write_buffer_limits(high=self.cap, low=self.cap // 2)

    def pause_writing(self) -> None:
        self.behind = True

    def resume_writing(self) -> None:
        self.behind = False
        if self.counts:
            self._schedule()

    def data_received(self, data: bytes) -> None:
        """The checker's few words: READY (with the port its /metrics bound), FAILED."""
        self._received += data
        while len(self._received) >= frames.HEAD.size:
            size, kind, _ = frames.HEAD.unpack_from(self._received)
            end = frames.HEAD.size + size
            if len(self._received) < end:
                return
            body, self._received = self._received[frames.HEAD.size : end], self._received[end:]
            if kind == frames.ACK:
                self.acked, done = frames.COUNTS.unpack(body)
                if self.notes:
                    self.notes = [note for note in self.notes if note[0] >= done]
            elif self._ready is not None:
                value = orjson.loads(body)
                self._ready({"kind": kind, **value})

    @property
    def owed(self) -> int:
        """Exchanges sent to the checker and not yet written by it (the lost, if it died)."""
        return len(self.opened) + self.ended - self.acked

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.dead:
            self.dead = True
            self._lost(self)

    # -- writing ---------------------------------------------------------------------------

    def _put(self, *parts: bytes) -> None:
        """One frame (its parts)."""
        if self.dead:
            return
        self.sent += 1
        self._out.extend(parts)
        if not self._scheduled:
            self._schedule()

    def _schedule(self) -> None:
        self._scheduled = True
        asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        self._scheduled = False
        transport = self.transport
        if self.dead or transport is None or transport.is_closing():
            self._out = []
            return
        if self.counts and not self.behind:
            counts, self.counts = dict(self.counts), Counter()
            self.notes.append((self.sent, counts))
            self.sent += 1
            self._out.append(frames.json_frame(frames.UNCHECKED, 0, counts))
        if self._out:
            data, self._out = b"".join(self._out), []
            transport.write(data)

    def close(self) -> None:
        """No more frames: the checker reads what is left and ends."""
        self.flush()
        transport = self.transport
        if transport is not None and not transport.is_closing() and transport.can_write_eof():
            transport.write_eof()

    # -- the Checking calls ----------------------------------------------------------------

    def open(
        self,
        number: int,
        method: str,
        url: str,
        headers: list[tuple[bytes, bytes]],
        started: float,
    ) -> None:
        self.opened.add(number)
        value = {
            "method": method,
            "url": url,
            "headers": frames.text_headers(headers),
            "started": started,
        }
        self._put(frames.json_frame(frames.OPEN, number, value))

    def request_chunk(self, number: int, data: bytes) -> None:
        self._put(_HEAD(len(data), frames.REQUEST, number), data)

    def response(
        self,
        number: int,
        status: int,
        headers: list[tuple[bytes, bytes]],
        websocket: bool,
        ttfb: float,
    ) -> None:
        value = {
            "status": status,
            "headers": frames.text_headers(headers),
            "websocket": websocket,
            "ttfb": ttfb,
        }
        self._put(frames.json_frame(frames.RESPONSE, number, value))

    def chunk(self, number: int, at: float, data: bytes) -> None:
        self._put(_HEAD(len(data) + 8, frames.CHUNK, number), _AT(at), data)

    def message(self, number: int, message: Message) -> None:
        data = message.data
        sent = message.direction.value == "sent"
        self._put(
            _HEAD(len(data) + frames.MESSAGE_AT.size, frames.MESSAGE, number),
            _MESSAGE_AT(math.nan if message.time is None else message.time, sent, message.binary),
            data,
        )

    def finish(
        self,
        number: int,
        end: EndReason,
        close: Close | None,
        duration: float,
        request_bytes: int,
    ) -> None:
        self.opened.discard(number)
        self.ended += 1
        value = {
            "end": end.value,
            "close": frames.close_value(close),
            "duration": duration,
            "request_bytes": request_bytes,
        }
        self._put(frames.json_frame(frames.FINISH, number, value))

    def drop(self, number: int) -> None:
        self.opened.discard(number)  # counted as behind, not as owed
        self._put(frames.frame(frames.DROP, number, b""))

    def unchecked(self, reason: str, count: int = 1) -> None:
        """Counted here and told to the checker with the next frames sent while not behind."""
        self.counts[reason] += count
        if not self.behind and not self._scheduled and not self.dead:
            self._schedule()

    def event(self, what: str, message: str) -> None:
        if not self.dead:
            self.notes.append((self.sent, (what, message)))
        self._put(frames.json_frame(frames.EVENT, 0, {"event": what, "message": message}))

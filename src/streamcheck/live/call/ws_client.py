"""`record --ws`: one live WebSocket session through the `websockets` library (the one
openai-python's realtime client uses), fed message by message into the same checker.

The session becomes an `Exchange` whose `messages` is a generator over the socket: the client's
first messages (`--send`) go out, then every server message is checked as it arrives and
written to a v2 tape. The recording ends when the server closes, when the connection drops,
after a read timeout, or, once the protocol's stream has reached its end after having been
open (a Realtime `response.done`, a relay's end frame), after `linger` seconds of silence: the
client then closes normally, as a client that got its answer does (a Realtime session never
closes by itself). How it closed (code, reason, who, or no close frame at all) is set on the
exchange before the checker judges the close.
"""

from __future__ import annotations

import time
from pathlib import Path

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.frames import CloseCode
from websockets.http11 import Response
from websockets.sync.client import ClientConnection, connect

from streamcheck import redact
from streamcheck.check import CheckOptions, StreamChecker, check_exchange
from streamcheck.exceptions import LiveCallError
from streamcheck.live.call.client import CallOutcome, Timeouts
from streamcheck.model import (
    Close,
    CloseState,
    Direction,
    EndReason,
    Exchange,
    Message,
    Request,
)
from streamcheck.schemas import Catalog
from streamcheck.sources.tape import TapeWriter


class WebSocketCall:
    """One WebSocket session. `run()` connects, sends, checks what arrives, and returns."""

    def __init__(
        self,
        url: str,
        headers: list[tuple[str, str]],
        sends: list[str],
        options: CheckOptions | None = None,
        timeouts: Timeouts | None = None,
        tape_path: Path | None = None,
        linger: float = 1.0,
    ) -> None:
        self.url = url
        self.headers = headers
        self.sends = sends
        self.options = options or CheckOptions()
        self.timeouts = timeouts or Timeouts()
        self.tape_path = tape_path
        self.linger = linger
        self.catalog = Catalog(self.options.schema_dirs)
        self.tape: TapeWriter | None = None
        self.checker: StreamChecker | None = None
        self.interrupted = False
        self._last = 0.0

    def run(self) -> CallOutcome:
        start = time.monotonic()
        shown = redact.url(self.url)
        try:
            with connect(
                self.url,
                additional_headers=self.headers,
                open_timeout=self.timeouts.connect,
                max_size=None,  # a Realtime audio event can be megabytes
                compression=None,
            ) as ws:
                return self._session(ws, start)
        except InvalidURI:
            raise LiveCallError(f"--ws {shown}: not a ws:// or wss:// URL") from None
        except InvalidStatus as exc:
            return self._refused(exc, start)
        except TimeoutError:
            return CallOutcome(None, "timeout", f"no WebSocket handshake from {shown} in time")
        except (OSError, InvalidHandshake) as exc:
            message = redact.text(f"cannot open a WebSocket to {shown}: {exc}")
            return CallOutcome(None, "unreachable", message)
        except KeyboardInterrupt:
            return CallOutcome(None, "interrupted", "interrupted", True)

    def _exchange(self, response: Response) -> Exchange:
        """The exchange of this call as the upgrade answered it (status and headers)."""
        return Exchange(
            source=redact.url(self.url),
            index=0,
            request=self._request(),
            status=response.status_code,
            headers=dict(response.headers.raw_items()),
            chunks=(),
        )

    def _request(self) -> Request:
        return Request("GET", redact.url(self.url), redact.headers(dict(self.headers)))

    def _refused(self, exc: InvalidStatus, start: float) -> CallOutcome:
        """The server answered the upgrade with an HTTP status: check it as an HTTP answer
        (an error body says why: a bad key, no access)."""
        response = exc.response
        body = bytes(response.body or b"")
        exchange = self._exchange(response)
        exchange.chunks = [(body, round(time.monotonic() - start, 6))]
        exchange.end = EndReason.EOF
        if self.tape_path is not None:
            self.tape = TapeWriter.create(self.tape_path)
            self._header(exchange, "http")
            self.tape.chunk(body, round(time.monotonic() - start, 6))
            self.tape.end(EndReason.EOF, round(time.monotonic() - start, 6))
        result = check_exchange(exchange, self.options, self.catalog)
        return CallOutcome(result, timing=result.timing)

    def _header(self, exchange: Exchange, transport: str) -> None:
        assert self.tape is not None
        self.tape.header(
            provider=None,
            api=None,
            api_version=None,
            request=exchange.request,
            status=exchange.status,
            headers=exchange.headers,
            transport=transport,
        )

    def _session(self, ws: ClientConnection, start: float) -> CallOutcome:
        opened = round(time.monotonic() - start, 6)
        response = ws.response
        assert response is not None
        exchange = self._exchange(response)
        exchange.messages = ()  # a WebSocket exchange: the checker is fed messages
        if self.tape_path is not None:
            self.tape = TapeWriter.create(self.tape_path)
            self._header(exchange, "websocket")
        checker = self.checker = StreamChecker(exchange, self.options, self.catalog)
        end, close = self._receive(ws, checker, start)
        result = checker.close(end, close)
        result.timing["headers"] = opened
        if self.tape is not None:
            self.tape.end(exchange.end, round(self._last, 6), exchange.close)
        return CallOutcome(result, interrupted=self.interrupted, timing=result.timing)

    def _receive(
        self, ws: ClientConnection, checker: StreamChecker, start: float
    ) -> tuple[EndReason, Close]:
        """Send the messages, then feed the checker each one received until the server
        closes, the read times out, or (once the protocol's stream has ended) a short linger
        passes; how the session ended and closed."""
        end = EndReason.EOF
        was_open = False
        close = Close(CloseState.NO_CLOSE_FRAME)
        try:
            for text in self.sends:
                ws.send(text)
                checker.feed_message(
                    self._keep(Message(Direction.SENT, text.encode(), time=self._now(start)))
                )
            while True:
                finished = checker.finished()
                was_open = was_open or finished is False
                lingering = was_open and finished is True
                wait = min(self.timeouts.read, self.linger) if lingering else self.timeouts.read
                try:
                    data = ws.recv(timeout=wait)
                except TimeoutError:
                    if not lingering:
                        end = EndReason.TIMEOUT
                    ws.close()  # a client done waiting closes normally (1000)
                    break
                binary = isinstance(data, bytes)
                payload = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
                checker.feed_message(
                    self._keep(Message(Direction.RECEIVED, payload, binary, self._now(start)))
                )
        except ConnectionClosed:
            pass
        except KeyboardInterrupt:
            self.interrupted = True
            end = EndReason.INTERRUPTED
        finally:
            self._last = time.monotonic() - start
            close = close_of(ws, round(self._last, 6))
            if close.state is CloseState.NO_CLOSE_FRAME and end is EndReason.EOF:
                end = EndReason.RESET
        return end, close

    def _now(self, start: float) -> float:
        self._last = time.monotonic() - start
        return round(self._last, 6)

    def _keep(self, message: Message) -> Message:
        if self.tape is not None:
            self.tape.message(message)
        return message


def close_of(ws: ClientConnection, time: float) -> Close:
    """How the socket ended, from the close frames websockets' protocol saw."""
    protocol = ws.protocol
    received, sent = protocol.close_rcvd, protocol.close_sent
    if received is None and sent is None:
        return Close(CloseState.NO_CLOSE_FRAME, time=time)
    if received is not None and (sent is None or protocol.close_rcvd_then_sent):
        frame, by = received, "server"
    else:
        assert sent is not None
        frame, by = sent, "client"
    code = None if frame.code == CloseCode.NO_STATUS_RCVD else int(frame.code)
    return Close(CloseState.CLOSED, code, frame.reason, by, time)


def read_sends(path: Path) -> list[str]:
    """`--send FILE`: one JSON document (one message), or JSON lines (one message each)."""
    import orjson

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LiveCallError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        orjson.loads(raw)
        return [raw.decode("utf-8").strip()]
    except (orjson.JSONDecodeError, UnicodeDecodeError):
        pass
    messages = []
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise LiveCallError(f"{path}: line {number} is not JSON ({exc})") from None
        messages.append(line.decode("utf-8").strip())
    if not messages:
        raise LiveCallError(f"{path}: no message to send")
    return messages

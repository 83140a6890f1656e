"""The tape: streamcheck's own recording format (read and write).

JSON Lines. A header object starts each exchange:
    {"streamcheck_tape": 2, "transport": "websocket",   (an HTTP tape: 1, no "transport")
     "provider": ..., "api": ..., "api_version": ...,
     "request": {"method", "url", "headers", "body"}, "response": {"status", "headers"}}
then, for HTTP, one object per received body chunk, in arrival order:
    {"t": <seconds since the request>, "text": "..."}   (valid UTF-8)
    {"t": <seconds>, "b64": "..."}                     (anything else)
or, for a WebSocket, one object per message in either direction, in order:
    {"t": <seconds>, "dir": "sent" | "received", "text": "..."}   (a text message)
    {"t": <seconds>, "dir": "sent" | "received", "b64": "..."}    (a binary message)
then one end object:
    {"end": "eof" | "reset" | "timeout" | "interrupted", "t": <seconds>}
(`t` is when the end was seen, so the silence before a cut can be measured; `record` adds
"read_timeout": <seconds>, its client's read timeout)
which for a WebSocket also says how it closed (tape_ws.py):
    "close": {"code": 1000 | null, "reason": "...", "by": "server" | "client"}
           | "no-close-frame" | "unknown"
HTTP tapes are written as version 1 (their lines are the same in both), so older readers and
existing fixtures keep working; version 2 adds the WebSocket lines and `"transport"`. Chunk
boundaries and times are kept so a replay is faithful. Secrets are redacted before anything is
written: headers, URL query keys, and key-shaped strings in bodies and messages, text and
binary alike (a `b64` line is masked as bytes, keeping its length: `redact.data`).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

import orjson

from streamcheck import redact
from streamcheck.exceptions import InputError
from streamcheck.model import Close, EndReason, Exchange, Message, Request
from streamcheck.sources import times

FORMAT_VERSION = 2
# An HTTP tape is still written as format 1 (its lines did not change): every streamcheck reads
# it, and recorded fixtures do not churn. Format 2 is written for WebSocket tapes.
HTTP_FORMAT_VERSION = 1
READABLE_VERSIONS = (1, 2)
MAX_TAPE_LINE = 64 * 1024 * 1024


@dataclass(slots=True)
class _Lines:
    """Reads a tape line by line with a bounded line length."""

    stream: BinaryIO
    source: str
    number: int = 0
    pushed: list[bytes] = field(default_factory=list)

    def next(self) -> bytes | None:
        if self.pushed:
            return self.pushed.pop()
        return self.counted(self.stream.readline(MAX_TAPE_LINE + 1))

    def counted(self, line: bytes) -> bytes | None:
        """A line just read from `stream` (up to MAX_TAPE_LINE + 1 bytes), counted and
        measured; None at the end."""
        if not line:
            return None
        self.number += 1
        if len(line) > MAX_TAPE_LINE:
            raise InputError(f"{self.source}: tape line {self.number} is over 64 MiB")
        return line

    def parse(self, line: bytes) -> dict[str, Any]:
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise InputError(
                f"{self.source}: tape line {self.number} is not JSON ({exc})"
            ) from None
        if not isinstance(value, dict):
            raise InputError(f"{self.source}: tape line {self.number} is not a JSON object")
        return value


def read(source: str, stream: BinaryIO) -> Iterator[Exchange]:
    lines = _Lines(stream, source)
    index = 0
    while True:
        line = lines.next()
        while line is not None and not line.strip():
            line = lines.next()
        if line is None:
            return
        header = lines.parse(line)
        version = header.get("streamcheck_tape")
        if version not in READABLE_VERSIONS or isinstance(version, bool):
            raise InputError(f"{source}: line {lines.number} is not a tape header (format 1 or 2)")
        yield _exchange(source, index, header, lines)
        index += 1


def _text_map(value: Any) -> bool:
    """Absent, or a mapping of header names to string values."""
    return value is None or (
        isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    )


def _header_problem(header: dict[str, Any]) -> str | None:
    """The first field of a tape header (either format) that is not of its type, said in a
    few words; None when all are. Every field read later is checked here, so no value from a
    file (a list nested 1,000 deep where a string belongs) reaches code that recurses on it."""
    request, response = header.get("request") or {}, header.get("response") or {}
    if not isinstance(request, dict):
        return "request must be an object"
    if not isinstance(response, dict):
        return "response must be an object"
    for name in ("provider", "api", "api_version"):
        if not isinstance(header.get(name), str | None):
            return f"{name} must be a string"
    if header.get("transport", "http") not in ("http", "websocket"):
        return "transport must be 'http' or 'websocket'"
    for name in ("method", "url"):
        if not isinstance(request.get(name), str | None):
            return f"request.{name} must be a string"
    for part, where in ((request, "request"), (response, "response")):
        if not _text_map(part.get("headers")):
            return f"{where}.headers must map names to strings"
    status = response.get("status")
    if status is not None and (
        isinstance(status, bool) or not isinstance(status, int) or not 0 <= status <= 999
    ):
        return "response.status must be an HTTP status (a whole number up to 999)"
    return None


def _exchange(source: str, index: int, header: dict[str, Any], lines: _Lines) -> Exchange:
    problem = _header_problem(header)
    if problem is not None:
        raise InputError(f"{source}: tape header at line {lines.number} is malformed: {problem}")
    request = header.get("request") or {}
    response = header.get("response") or {}
    # A tape streamcheck wrote holds no secret; one written by hand or by another tool may:
    # its credentials are collected and masked like a cassette's.
    url, headers = request.get("url"), dict(request.get("headers") or {})
    response_headers = dict(response.get("headers") or {})
    secrets = redact.collect(url, headers, request.get("body")) | redact.collect(
        headers=response_headers
    )
    with redact.scope(secrets):
        exchange = Exchange(
            source=source,
            index=index,
            request=Request(
                method=request.get("method") or "POST",
                url=redact.url(url) if url else None,
                headers=redact.headers(headers),
                body=_redacted(request.get("body")),
            ),
            status=response.get("status"),
            headers=redact.headers(response_headers),
            chunks=(),
            provider=header.get("provider"),
            api=header.get("api"),
            api_version=header.get("api_version"),
            secrets=secrets,
        )
    if header.get("transport") == "websocket":
        from streamcheck.sources import tape_ws

        exchange.messages = tape_ws.Session(exchange, lines)
    else:
        exchange.chunks = _chunks(exchange, lines)
    return exchange


def _chunks(exchange: Exchange, lines: _Lines) -> Iterator[tuple[bytes, float | None]]:
    arrivals = times.Arrivals(exchange)
    while True:
        line = lines.next()
        if line is None:
            exchange.notes.append("the tape has no end record: the recording was cut")
            exchange.end = EndReason.UNKNOWN
            return
        if not line.strip():
            continue
        if line.lstrip().startswith(b'{"streamcheck_tape"'):
            lines.pushed.append(line)
            exchange.notes.append("the tape has no end record before the next exchange")
            return
        item = lines.parse(line)
        if "end" in item:
            exchange.end = end_reason(item, lines)
            # A hand-written tape's odd value here is not worth refusing the file for: it only
            # feeds the cause line.
            exchange.end_time = times.seconds(item.get("t"))
            exchange.read_timeout = times.seconds(item.get("read_timeout"))
            return
        data, _, time = payload(item, lines)
        time = arrivals(time, f"line {lines.number}")
        if time is not None:
            exchange.arrival_times = True
        yield data, time


def end_reason(item: dict[str, Any], lines: _Lines) -> EndReason:
    try:  # EndReason(x) reprs x in its error: a deep list would raise RecursionError
        return EndReason(item["end"] if isinstance(item["end"], str) else "")
    except ValueError:
        raise InputError(
            f"{lines.source}: line {lines.number}: unknown end {redact.brief(item['end'])}"
        ) from None


def payload(item: dict[str, Any], lines: _Lines) -> tuple[bytes, bool, float | None]:
    """(bytes, whether they were base64, time) of a chunk or message line."""
    where = f"{lines.source}: line {lines.number}"
    time = item.get("t")
    if time is not None and (isinstance(time, bool) or not isinstance(time, int | float)):
        raise InputError(f"{where}: t must be a number of seconds, not {redact.brief(time)}")
    seconds = times.seconds(time) if time is not None else None
    if time is not None and seconds is None:
        raise InputError(
            f"{where}: t must be seconds since the request, from 0 up to "
            f"{times.MAX_SECONDS:g}, not {time:.6g}"
        )
    if "text" in item:
        if not isinstance(item["text"], str):
            raise InputError(f"{where}: text must be a string")
        return item["text"].encode("utf-8", "surrogatepass"), False, seconds
    if "b64" in item:
        if not isinstance(item["b64"], str):
            raise InputError(f"{where}: b64 must be a string")
        try:
            return base64.b64decode(item["b64"], validate=True), True, seconds
        except ValueError:
            raise InputError(f"{where}: bad base64") from None
    raise InputError(f"{where}: chunk without text or b64")


class TapeWriter:
    """Writes one exchange as it streams. Every line is flushed, so Ctrl-C keeps what arrived."""

    def __init__(self, out: IO[bytes], closing: bool = False) -> None:
        self.out = out
        self.closing = closing
        self.ended = False
        self.transport = "http"

    @classmethod
    def create(cls, path: Path, overwrite: bool = False) -> TapeWriter:
        try:
            handle = path.open("wb" if overwrite else "xb")
        except FileExistsError:
            raise InputError(f"{path}: already exists (use --overwrite to replace it)") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot write ({exc.strerror})") from None
        return cls(handle, closing=True)

    def header(
        self,
        *,
        provider: str | None,
        api: str | None,
        api_version: str | None,
        request: Request,
        status: int | None,
        headers: dict[str, str],
        transport: str = "http",
    ) -> None:
        self.transport = transport
        body = _redacted(request.body)
        self._write(
            {
                "streamcheck_tape": FORMAT_VERSION if transport != "http" else HTTP_FORMAT_VERSION,
                **({"transport": transport} if transport != "http" else {}),
                "provider": provider,
                "api": api,
                "api_version": api_version,
                "request": {
                    "method": request.method,
                    "url": redact.url(request.url) if request.url else None,
                    "headers": redact.headers(request.headers),
                    "body": body,
                },
                "response": {"status": status, "headers": redact.headers(headers)},
            }
        )

    def chunk(self, data: bytes, time: float | None) -> None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:  # masked too: a chunk cut inside a character is routine
            self._write({"t": _round(time), "b64": _b64(redact.data(data))})
            return
        self._write({"t": _round(time), "text": redact.text(text)})

    def message(self, message: Message) -> None:
        """One WebSocket message (a tape whose header said transport "websocket")."""
        line: dict[str, Any] = {"t": _round(message.time), "dir": message.direction.value}
        if message.binary:
            line["b64"] = _b64(redact.data(message.data))
        else:
            line["text"] = redact.text(message.data.decode("utf-8", "surrogatepass"))
        self._write(line)

    def end(
        self,
        reason: EndReason,
        time: float | None,
        close: Close | None = None,
        read_timeout: float | None = None,
    ) -> None:
        if not self.ended:
            self.ended = True
            line: dict[str, Any] = {"end": reason.value, "t": _round(time)}
            if read_timeout is not None:
                # The recording client's read timeout: a later check can tell the client's
                # own timeout from a hop's cut (check/cause.py).
                line["read_timeout"] = read_timeout
            if self.transport == "websocket":
                from streamcheck.sources import tape_ws

                line["close"] = tape_ws.close_record(close)
            self._write(line)
        if self.closing:
            self.out.close()

    def _write(self, value: dict[str, Any]) -> None:
        self.out.write(orjson.dumps(value) + b"\n")
        self.out.flush()


def _redacted(body: Any) -> Any:
    """A request body with every credential masked (by name, known value and shape)."""
    if body is None:
        return None
    try:
        return orjson.loads(redact.text(orjson.dumps(body).decode("utf-8")))
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):  # a mask spanning JSON syntax, or
        return None  # nesting orjson will not write: keep nothing rather than leak


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _round(time: float | None) -> float | None:
    return None if time is None else round(time, 6)


def dumps(
    exchanges: list[tuple[dict[str, Any], list[tuple[bytes, float | None]], EndReason]],
) -> bytes:
    """HTTP tapes in memory (tests, fixtures): [(header fields, chunks, end)]."""
    buffer = io.BytesIO()
    writer = TapeWriter(buffer)
    for fields, chunks, end in exchanges:
        writer.ended = False
        writer.header(
            provider=fields.get("provider"),
            api=fields.get("api"),
            api_version=fields.get("api_version"),
            request=fields.get("request", Request()),
            status=fields.get("status", 200),
            headers=fields.get("headers", {}),
        )
        last = None
        for data, time in chunks:
            writer.chunk(data, time)
            last = time
        writer.end(end, last)
    return buffer.getvalue()

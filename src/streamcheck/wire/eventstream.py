"""AWS binary event-stream decoder (`application/vnd.amazon.eventstream`), as used by Bedrock
Runtime ConverseStream and InvokeModelWithResponseStream.

Spec: AWS "Event stream encoding" (the smithy `eventstream` framing, awslabs/aws-c-event-stream);
PROVIDERS.md section 2.9. A message is

    total length (uint32 BE) | headers length (uint32 BE) | prelude CRC32 (of the 8 bytes before)
    headers (headers-length bytes) | payload | message CRC32 (of everything before it)

and each header is `name length (uint8) | name (UTF-8) | type (uint8) | value`, with types
0 true, 1 false, 2 byte, 3 short, 4 int, 5 long, 6 bytes (uint16 length), 7 string (uint16
length), 8 timestamp (int64 ms since the epoch), 9 UUID (16 bytes).

Frame.event is the `:event-type` header (`:exception-type` on exception messages), Frame.meta
holds every header as a string, Frame.data is the payload. Decoding is incremental: any split of
the bytes gives the same frames. Memory is bounded by `max_frame` (the buffer never holds more
than one message): a declared length above it, a prelude CRC mismatch or impossible lengths end
decoding (SC117), since after them no later frame boundary can be trusted. A message CRC mismatch
or an undecodable header drops that one message (SC117) and decoding goes on: the prelude CRC
vouched for the boundary. Frame indexes count the messages of the body, dropped ones included.
Bytes left at EOF are a truncated frame (SC101).
"""

from __future__ import annotations

import base64
import uuid
import zlib
from datetime import UTC, datetime

from streamcheck import rules
from streamcheck.model import Finding, Frame, Location
from streamcheck.redact import excerpt

PRELUDE = 12  # total length, headers length, prelude CRC
MIN_MESSAGE = PRELUDE + 4  # no headers, no payload, message CRC
DEFAULT_MAX_FRAME = 16 * 1024 * 1024

# Fixed value sizes by header type; None marks a uint16 length-prefixed value (6, 7).
_FIXED: dict[int, int | None] = {0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 6: None, 7: None, 8: 8, 9: 16}


class HeaderError(ValueError):
    """A header block that cannot be decoded; the message says where."""


def parse_headers(block: bytes) -> dict[str, str]:
    """Decode an event-stream header block into name -> value, every value as a string."""
    out: dict[str, str] = {}
    pos, end = 0, len(block)
    while pos < end:
        size = block[pos]
        pos += 1
        if size == 0 or pos + size + 1 > end:
            raise HeaderError(f"header name length {size} at byte {pos - 1} is impossible")
        try:
            name = block[pos : pos + size].decode("utf-8")
        except UnicodeDecodeError:
            raise HeaderError(f"header name at byte {pos} is not UTF-8") from None
        pos += size
        kind = block[pos]
        pos += 1
        if kind not in _FIXED:
            raise HeaderError(f"header {name!r} has unknown value type {kind}")
        if name in out:  # which one a client keeps is undefined
            raise HeaderError(f"header {name!r} appears twice")
        width = _FIXED[kind]
        if width is None:
            if pos + 2 > end:
                raise HeaderError(f"header {name!r} is cut before its value length")
            width = int.from_bytes(block[pos : pos + 2], "big")
            pos += 2
        if pos + width > end:
            raise HeaderError(f"header {name!r} value ({width} bytes) runs past the header block")
        raw = block[pos : pos + width]
        pos += width
        out[name] = _value(name, kind, raw)
    return out


def _value(name: str, kind: int, raw: bytes) -> str:
    if kind <= 1:
        return "true" if kind == 0 else "false"
    if kind in (2, 3, 4, 5):
        return str(int.from_bytes(raw, "big", signed=True))
    if kind == 6:
        return base64.b64encode(raw).decode("ascii")
    if kind == 7:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise HeaderError(f"header {name!r} string value is not UTF-8") from None
    if kind == 8:
        millis = int.from_bytes(raw, "big", signed=True)
        try:
            stamp = datetime.fromtimestamp(millis / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            return str(millis)
        return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return str(uuid.UUID(bytes=raw))


class EventStreamDecoder:
    framing = "eventstream"

    def __init__(self, location: Location, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self.location = location
        self.max_frame = max_frame
        self.findings: list[Finding] = []
        self.comments = 0  # the framing has none; kept for the Decoder interface
        # Bytes of an incomplete message, kept as the chunks that brought them (joined once the
        # message is whole: a 16 MiB message in 1-byte chunks must not be re-copied per chunk).
        self._pending: list[bytes] = []
        self._size = 0
        self._base = 0  # body offset of the first pending byte
        self._index = 0
        self._need = 0  # total length of the message being collected, once its prelude is read
        self._dead = False  # a framing error made every later boundary untrustworthy
        # Header blocks repeat (Bedrock sends the same three headers per event type): parsed
        # once each. Bounded, since a hostile stream could make every block different.
        self._headers: dict[bytes, dict[str, str]] = {}

    @property
    def buffered(self) -> int:
        """Bytes held for an incomplete message: never more than one message."""
        return self._size

    def decode(self, chunk: bytes, time: float | None = None) -> list[Frame]:
        if self._dead:
            self._base += len(chunk)
            return []
        if self._pending:
            self._pending.append(chunk)
            self._size += len(chunk)
            if self._size < max(self._need, PRELUDE):
                return []
            data = b"".join(self._pending)
            self._pending, self._size = [], 0
        else:
            data = chunk
        out: list[Frame] = []
        view = memoryview(data)
        pos, size = 0, len(data)
        while True:
            if not self._need:
                if size - pos < PRELUDE:
                    break
                if not self._prelude(data[pos : pos + PRELUDE], self._base + pos):
                    self._base += size
                    return out
            need = self._need
            if size - pos < need:
                break
            frame = self._message(data, view, pos, need, time)
            if frame is not None:
                out.append(frame)
            pos += need
            self._need = 0
        view.release()
        if pos < size:
            self._pending = [data[pos:] if pos else data]
            self._size = size - pos
        self._base += pos
        return out

    def flush(self) -> list[Frame]:
        if self._pending and not self._dead:
            rest = b"".join(self._pending)
            where = self.location.at(frame=self._index, offset=self._base)
            wanted = f" of a {self._need}-byte message" if self._need else ""
            message = f"body ends inside an event-stream frame ({len(rest)} bytes{wanted})"
            self.findings.append(
                rules.finding("SC101", message, where, evidence=excerpt(rest[:64]))
            )
        self._pending, self._size = [], 0
        return []

    def _prelude(self, prelude: bytes, offset: int) -> bool:
        total = int.from_bytes(prelude[0:4], "big")
        headers = int.from_bytes(prelude[4:8], "big")
        crc = int.from_bytes(prelude[8:12], "big")
        problem = None
        if zlib.crc32(prelude[0:8]) != crc:
            problem = (
                f"prelude CRC32 {crc:#010x} does not match the computed "
                f"{zlib.crc32(prelude[0:8]):#010x}"
            )
        elif total < MIN_MESSAGE:
            problem = f"total length {total} is below the {MIN_MESSAGE}-byte minimum"
        elif total > self.max_frame:
            problem = f"total length {total} exceeds the {self.max_frame}-byte limit"
        elif headers > total - MIN_MESSAGE:
            problem = f"headers length {headers} does not fit in a {total}-byte message"
        if problem is None:
            self._need = total
            return True
        self._fail(f"{problem}; decoding stopped here", offset, prelude)
        self._dead = True
        self._pending, self._size = [], 0
        return False

    def _message(
        self, data: bytes, view: memoryview, pos: int, total: int, time: float | None
    ) -> Frame | None:
        offset = self._base + pos
        end = pos + total
        crc = int.from_bytes(data[end - 4 : end], "big")
        computed = zlib.crc32(view[pos : end - 4])
        if computed != crc:
            self._fail(
                f"message CRC32 {crc:#010x} does not match the computed {computed:#010x}; "
                "the message was dropped",
                offset,
                data[pos : pos + 64],
            )
            self._index += 1  # indexes count messages in the body, dropped ones too
            return None
        start = pos + PRELUDE + int.from_bytes(data[pos + 4 : pos + 8], "big")
        block = data[pos + PRELUDE : start]
        meta = self._headers.get(block)
        if meta is None:
            try:
                meta = parse_headers(block)
            except HeaderError as exc:
                self._fail(f"{exc}; the message was dropped", offset, data[pos : pos + 64])
                self._index += 1
                return None
            if len(self._headers) < 256:
                self._headers[block] = meta
        event = meta.get(":event-type") or meta.get(":exception-type")
        # Frames of one header block share its (read-only) meta dict.
        frame = Frame(
            self._index, offset, 0, data[start : end - 4], event, time, offset + start - pos, meta
        )
        self._index += 1
        return frame

    def _fail(self, problem: str, offset: int, data: bytes) -> None:
        where = self.location.at(frame=self._index, offset=offset)
        self.findings.append(
            rules.finding(
                "SC117",
                f"event-stream frame at byte {offset}: {problem}",
                where,
                evidence=excerpt(data[:64]),
            )
        )

"""WebSocket messages to frames, and the close to findings (RFC 6455).

One received text message is one frame (RFC 6455 section 5.6: a text message is UTF-8, and
every JSON-over-WebSocket API puts one JSON document in one message), so protocols see frames
exactly as they do for SSE. Sent messages are the client's and make no frames; binary messages
carry no JSON and are counted (SC125), not judged.

The close is the end of the stream, judged by `close_findings` (section 7.4 status codes) once
the protocol has said whether its stream reached its end: a clean-looking close (1000, or a
close frame with no status, reported as 1005) while a response is still open is a cut stream,
which is what many clients treat as a normal end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import accumulate, repeat

from streamcheck import rules
from streamcheck.model import Close, CloseState, Finding, Frame, Location, Message, Severity
from streamcheck.wire.lines import DEFAULT_MAX_LINE

# RFC 6455 7.4.1 codes that say the endpoint failed or refused something (a defect of the
# exchange): protocol error, unsupported data, invalid payload, policy, too big, missing
# extension, bad gateway (1014, IANA registry).
_ERROR_CODES = {
    1002: "protocol error",
    1003: "unsupported data",
    1007: "invalid frame payload data",
    1008: "policy violation",
    1009: "message too big",
    1010: "mandatory extension missing",
    1014: "bad gateway",
}
# Codes RFC 6455 7.4.1 defines for an endpoint to report and forbids in a close frame.
RESERVED = {
    1005: "no status received, a close frame with no code",
    1006: "a connection that ended without a close frame",
    1015: "a TLS handshake that failed, before any frame",
}


def sendable(code: int) -> bool:
    """Whether a close frame may carry `code` (RFC 6455 7.4.1 and 7.4.2, and the IANA
    registry's 1012-1014): what a real endpoint sends, and what a WebSocket library accepts."""
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999


# Codes that ask the client to come back, and what it should do (RFC 6455 7.4.1; IANA
# "WebSocket Close Code Number Registry" for 1012 and 1013).
_COME_BACK = {
    1001: ("SC604", "going away (the server is shutting down or the page navigated away)"),
    1012: ("SC605", "service restart"),
    1013: ("SC606", "try again later (the server is overloaded)"),
}


class WebSocketDecoder:
    """Incremental: `decode(message bytes)` returns the one frame of a received text message."""

    framing = "websocket"

    def __init__(self, location: Location, max_line: int = DEFAULT_MAX_LINE) -> None:
        self.location = location
        self.max_line = max_line
        self.findings: list[Finding] = []
        self.comments = 0  # the Decoder interface's count of SSE comments: none here
        self.binary = 0  # binary messages received
        self._first_binary: Location | None = None
        self._index = 0
        self._offset = 0

    @property
    def buffered(self) -> int:
        return 0  # a message arrives whole: nothing is held between messages

    def decode(self, chunk: bytes, time: float | None = None) -> list[Frame]:
        """One received text message (its fragments already joined) -> its frame."""
        frame = Frame(self._index, self._offset, 0, chunk, time=time, data_offset=self._offset)
        self._index += 1
        self._offset += len(chunk)
        return [frame]

    def texts(self, data: list[bytes], times: Sequence[float | None]) -> list[Frame]:
        """Received text messages, one after another (each one's bytes and time): their
        frames, as `decode` on each. Made by map, not a loop: a frame per message."""
        index, offset = self._index, self._offset
        count = len(data)
        offsets = list(accumulate(map(len, data), initial=offset))
        self._index, self._offset = index + count, offsets[-1]
        lines, events = repeat(0, count), repeat(None, count)
        return list(
            map(Frame, range(index, index + count), offsets, lines, data, events, times, offsets)
        )

    def message(self, message: Message) -> list[Frame]:
        """A received message: a text one becomes a frame, a binary one is counted."""
        if message.binary:
            if self._first_binary is None:
                self._first_binary = self.location.at(offset=self._offset)
            self.binary += 1
            self._offset += len(message.data)
            return []
        return self.decode(message.data, message.time)

    def flush(self) -> list[Frame]:
        if self.binary and self._first_binary is not None:
            self.findings.append(
                rules.finding(
                    "SC125",
                    f"{self.binary} binary message(s) received; only text messages were judged",
                    self._first_binary,
                )
            )
        return []


def close_findings(
    close: Close,
    finished: bool | None,
    location: Location,
    meanings: Mapping[int, str] | None = None,
) -> list[Finding]:
    """The close, judged (SC6xx). `finished` is the protocol's word on its stream: True when it
    reached its end, False when a response is still open, None when the protocol cannot tell
    (an unknown stream): then only codes that are defects on their own are reported.
    `meanings` is what the protocol's server means by a code (Gemini Live's 1007 is an invalid
    argument, not bad UTF-8), said beside the RFC's name."""
    if close.state is CloseState.UNKNOWN:
        return []  # devtools HAR and recorders that never saw the close: nothing to judge
    who = f" by the {close.by}" if close.by else ""
    reason = f" (reason {close.reason!r})" if close.reason else ""
    cut = " while a response was still open" if finished is False else ""
    if close.state is CloseState.NO_CLOSE_FRAME:
        severity = Severity.WARNING if finished else None
        whole = " (the answer had reached its end)" if finished else ""
        message = f"the connection ended without a close frame (1006){cut}{whole}"
        return [rules.finding("SC601", message, location, severity=severity)]
    code = close.reported_code
    assert code is not None
    if close.code is not None and close.code in RESERVED:
        message = (
            f"closed{who} with a close frame carrying {code}, which RFC 6455 reserves for "
            f"{RESERVED[code]} and forbids sending{reason}{cut}"
        )
        return [rules.finding("SC609", message, location)]
    name = "no status, 1005" if close.code is None else f"{code}"
    said = f"; {meanings[code]}" if meanings and code in meanings else ""
    if code == 1011:
        message = f"closed{who} with 1011 (internal server error{said}){reason}{cut}"
        return [rules.finding("SC602", message, location)]
    if code in (1000, 1005):
        # A client that closed cleanly chose to stop (a user, a timeout, a recorder done
        # waiting): the grammar's own finding says the answer is partial; the server hid nothing.
        if finished is False and close.by != "client":
            message = f"closed{who} cleanly ({name}){reason} while a response was still open"
            return [rules.finding("SC603", message, location)]
        return []
    if code in _COME_BACK:
        rule, meaning = _COME_BACK[code]
        severity = Severity.ERROR if finished is False else None
        message = f"closed{who} with {code}: {meaning}{reason}{cut}"
        return [rules.finding(rule, message, location, severity=severity)]
    if code in _ERROR_CODES:
        message = f"closed{who} with {code} ({_ERROR_CODES[code]}{said}){reason}{cut}"
        return [rules.finding("SC607", message, location)]
    if 3000 <= code <= 4999:
        severity = Severity.ERROR if finished is False else None
        message = f"closed{who} with application code {code}{reason}{cut}"
        return [rules.finding("SC608", message, location, severity=severity)]
    message = f"closed{who} with {code}, which RFC 6455 does not allow on the wire{reason}{cut}"
    return [rules.finding("SC609", message, location)]

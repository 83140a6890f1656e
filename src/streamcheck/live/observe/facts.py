"""What a stream says about itself that the log and the span name: the model that answered,
its finish reasons and its token usage, read from the bytes as they pass.

Read by pattern, not parsed: the checker has already parsed every frame, and parsing each
again would cost as much as the check. The patterns find the members every provider API
names (OpenAI chat and Responses `model`, `finish_reason`, `prompt_tokens`/`input_tokens`;
Anthropic `stop_reason`, `input_tokens`/`output_tokens`; Gemini `modelVersion`,
`finishReason`, `promptTokenCount`/`candidatesTokenCount`). A value cut by a chunk boundary is
found in the next chunk: the last `_CARRY` bytes of each chunk are read again with it.

`BodyKeeper` is what a driver feeds beside the checker: it keeps the body for a tape, up to a
cap (memory per stream stays bounded), and reads the facts from its two ends when asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from streamcheck.model import Message

_CARRY = 256
FACT_BYTES = 32 * 1024  # read from each end of a body
_MAX_FINISH = 8
_MODEL = re.compile(rb'"(?:model|modelVersion)"\s*:\s*"([^"\\]{1,200})"')
_FINISH = re.compile(
    rb'"(?:finish_reason|stop_reason|finishReason)"\s*:\s*"([^"\\]{1,64})"'
    rb'|"type"\s*:\s*"response\.(completed|incomplete|failed)"'
)
_INPUT = re.compile(rb'"(?:prompt_tokens|input_tokens|promptTokenCount)"\s*:\s*(\d{1,12})')
_OUTPUT = re.compile(
    rb'"(?:completion_tokens|output_tokens|candidatesTokenCount)"\s*:\s*(\d{1,12})'
)


@dataclass(slots=True)
class StreamFacts:
    """The response model, the finish reasons in order (distinct) and the last usage seen."""

    response_model: str | None = None
    finish_reasons: list[str] = field(default_factory=list)
    input_tokens: int | None = None
    output_tokens: int | None = None
    _tail: bytes = b""

    def read(self, data: bytes) -> None:
        text = self._tail + data if self._tail else data
        self._tail = text[-_CARRY:]
        if self.response_model is None:
            found = _MODEL.search(text)
            if found:
                self.response_model = found.group(1).decode("utf-8", "replace")
        if b"inish" in text or b"top_reason" in text or b"response." in text:
            for match in _FINISH.finditer(text):
                value = (match.group(1) or match.group(2)).decode("utf-8", "replace")
                if value not in self.finish_reasons and len(self.finish_reasons) < _MAX_FINISH:
                    self.finish_reasons.append(value)
        if b"okens" in text or b"TokenCount" in text:
            for match in _INPUT.finditer(text):
                self.input_tokens = int(match.group(1))
            for match in _OUTPUT.finditer(text):
                self.output_tokens = int(match.group(1))


class BodyKeeper:
    """One exchange's body (or WebSocket messages) kept for a tape up to `max_bytes`, and what
    is needed to read its facts. `truncated` says the cap was reached (the tape then ends where
    keeping stopped, and says so).

    Facts are read once, at the end, from the first and last bytes only: a stream names its
    model at its start and its finish reasons and usage at its end (OpenAI's last chunks,
    Anthropic's message_start and message_delta, Gemini's last chunk, Responses'
    response.completed), so the hot path pays one list append per chunk and no scan."""

    __slots__ = (
        "_facts",
        "chunks",
        "kept",
        "max_bytes",
        "messages",
        "tail",
        "tail_size",
        "truncated",
    )

    def __init__(self, max_bytes: int = 8 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.chunks: list[tuple[bytes, float | None]] = []
        self.messages: list[Message] = []
        self.kept = 0
        self.truncated = False
        # Past the cap, the last pieces still arrive here (bounded), for the facts.
        self.tail: list[bytes] = []
        self.tail_size = 0
        self._facts: StreamFacts | None = None

    def add(self, data: bytes, time: float | None) -> None:
        """A response body chunk, `time` seconds after the request."""
        if self.truncated or self.kept + len(data) > self.max_bytes:
            self._past_cap(data)
        else:
            self.kept += len(data)
            self.chunks.append((data, time))

    def message(self, message: Message) -> None:
        """A WebSocket message, either way (facts are read from received text ones)."""
        if self.truncated or self.kept + len(message.data) > self.max_bytes:
            if message.direction.value == "received" and not message.binary:
                self._past_cap(message.data)
            return
        self.kept += len(message.data)
        self.messages.append(message)

    def _past_cap(self, data: bytes) -> None:
        self.truncated = True
        self.tail.append(data)
        self.tail_size += len(data)
        while len(self.tail) > 1 and self.tail_size - len(self.tail[0]) >= FACT_BYTES:
            self.tail_size -= len(self.tail.pop(0))

    @property
    def facts(self) -> StreamFacts:
        """Read on first use, from the first and last FACT_BYTES of what arrived."""
        if self._facts is None:
            pieces = [data for data, _ in self.chunks] or [
                m.data for m in self.messages if m.direction.value == "received" and not m.binary
            ]
            head, end = _ends(pieces)
            if self.tail:
                end = (end + b"".join(self.tail))[-FACT_BYTES:]
            facts = StreamFacts()
            facts.read(head)
            if end:
                facts._tail = b""  # the two ends are not contiguous
                facts.read(end)
            self._facts = facts
        return self._facts


def _ends(pieces: list[bytes]) -> tuple[bytes, bytes]:
    """The first and the last FACT_BYTES of the pieces joined (the end empty when the first
    already holds all), joining no more than that."""
    total = sum(len(p) for p in pieces)
    if total <= 2 * FACT_BYTES:
        return b"".join(pieces), b""
    head: list[bytes] = []
    size = 0
    for piece in pieces:
        head.append(piece)
        size += len(piece)
        if size >= FACT_BYTES:
            break
    end: list[bytes] = []
    size = 0
    for piece in reversed(pieces):
        end.append(piece)
        size += len(piece)
        if size >= FACT_BYTES:
            break
    return b"".join(head)[:FACT_BYTES], b"".join(reversed(end))[-FACT_BYTES:]

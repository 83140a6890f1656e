"""What a stream says about itself that the log and the span name: the model that answered,
its finish reasons and its token usage, read from the bytes.

Read by name, not parsed: the checker has already parsed every frame, and parsing each again
would cost as much as the check. Each member every provider API names (OpenAI chat and
Responses `model`, `finish_reason`, `prompt_tokens`/`input_tokens`; Anthropic `stop_reason`,
`input_tokens`/`output_tokens`; Gemini `modelVersion`, `finishReason`,
`promptTokenCount`/`candidatesTokenCount`) is found with `bytes.find` and only its value is
matched: a pattern scan over the whole text costs ten times as much.

`BodyKeeper` is what a driver feeds beside the checker: it keeps the body for a tape, up to a
cap (memory per stream stays bounded), and reads the facts from its two ends when asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from streamcheck.model import Message

HEAD_BYTES = 4 * 1024  # the model (and Anthropic's input tokens) come first
FACT_BYTES = 8 * 1024  # the finish and the usage come last
_MAX_FINISH = 8
_STRING = re.compile(rb'\s*:\s*"([^"\\]{1,200})"')
_NUMBER = re.compile(rb"\s*:\s*(\d{1,12})")
_MODEL_KEYS = (b'"model"', b'"modelVersion"')
_FINISH_KEYS = (b'"finish_reason"', b'"stop_reason"', b'"finishReason"')
_INPUT_KEYS = (b'"prompt_tokens"', b'"input_tokens"', b'"promptTokenCount"')
_OUTPUT_KEYS = (b'"completion_tokens"', b'"output_tokens"', b'"candidatesTokenCount"')
_RESPONSES_ENDS = (b"response.completed", b"response.incomplete", b"response.failed")


def _values(text: bytes, key: bytes, value: re.Pattern[bytes]) -> Iterator[tuple[int, bytes]]:
    """(position, value) of each `key` in `text` followed by a value of the pattern's kind."""
    at = text.find(key)
    while at != -1:
        found = value.match(text, at + len(key))
        if found:
            yield at, found.group(1)
        at = text.find(key, at + len(key))


@dataclass(slots=True)
class StreamFacts:
    """The response model, the finish reasons in order (distinct) and the last usage seen."""

    response_model: str | None = None
    finish_reasons: list[str] = field(default_factory=list)
    input_tokens: int | None = None
    output_tokens: int | None = None

    def read(self, text: bytes) -> None:
        """Take what `text` says (a later text's usage replaces an earlier one's)."""
        if self.response_model is None:
            for key in _MODEL_KEYS:
                first = next(_values(text, key, _STRING), None)
                if first is not None:
                    self.response_model = first[1].decode("utf-8", "replace")
                    break
        found = [v for key in _FINISH_KEYS for v in _values(text, key, _STRING)]
        found += [(text.find(end), end[9:]) for end in _RESPONSES_ENDS if end in text]
        for _, raw in sorted(found):
            value = raw.decode("utf-8", "replace")
            if value not in self.finish_reasons and len(self.finish_reasons) < _MAX_FINISH:
                self.finish_reasons.append(value)
        for keys, attribute in ((_INPUT_KEYS, "input_tokens"), (_OUTPUT_KEYS, "output_tokens")):
            last = max((v for key in keys for v in _values(text, key, _NUMBER)), default=None)
            if last is not None:
                setattr(self, attribute, int(last[1]))


class BodyKeeper:
    """One exchange's body (or WebSocket messages) kept for a tape up to `max_bytes`, and what
    is needed to read its facts. `truncated` says the cap was reached (the tape then ends where
    keeping stopped, and says so).

    Facts are read once, at the end, from the first 4 and last 8 KiB only: a stream names its
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

    def add_many(self, chunks: list[tuple[bytes, float | None]]) -> None:
        """Response body chunks with their times, as `add` on each."""
        size = sum(len(data) for data, _ in chunks)
        if self.truncated or self.kept + size > self.max_bytes:
            for data, time in chunks:
                self.add(data, time)
        else:
            self.kept += size
            self.chunks.extend(chunks)

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
        """Read on first use, from the first HEAD_BYTES and the last FACT_BYTES that arrived."""
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
                facts.read(end)
            self._facts = facts
        return self._facts


def _ends(pieces: list[bytes]) -> tuple[bytes, bytes]:
    """The first HEAD_BYTES and the last FACT_BYTES of the pieces joined (the end empty when
    the head holds all), joining no more than that: facts are read by pattern, and a pattern
    scan costs by the byte, so only where the facts sit."""
    total = sum(len(p) for p in pieces)
    if total <= HEAD_BYTES + FACT_BYTES:
        return b"".join(pieces), b""
    head: list[bytes] = []
    size = 0
    for piece in pieces:
        head.append(piece)
        size += len(piece)
        if size >= HEAD_BYTES:
            break
    end: list[bytes] = []
    size = 0
    for piece in reversed(pieces):
        end.append(piece)
        size += len(piece)
        if size >= FACT_BYTES:
            break
    return b"".join(head)[:HEAD_BYTES], b"".join(reversed(end))[-FACT_BYTES:]

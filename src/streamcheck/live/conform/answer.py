"""The answer a conform case got, and the registry of expectations over it.

An expectation is `name` or `name=argument` in a case's row; its function returns None when
the answer keeps the promise, else one line saying what is wrong. `expect_chat.py` (OpenAI chat
and the reject case) and `expect_events.py` (Responses, Anthropic) register theirs here;
`judge.py` runs a case's list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from streamcheck.live.conform.cases import Case
from streamcheck.model import ExchangeResult, Location
from streamcheck.wire import decoder_for


@dataclass(slots=True)
class Answer:
    """A case's response: the checker's verdict and the events, parsed once."""

    result: ExchangeResult
    body: bytes
    events: list[tuple[str | None, Any]] = field(default_factory=list)  # (event name, data)
    spec: str | None = None  # the Open Responses release the run holds the answer to

    @classmethod
    def of(cls, result: ExchangeResult, body: bytes, spec: str | None = None) -> Answer:
        answer = cls(result, body, spec=spec)
        if result.framing in ("sse", "ndjson", "jsonarray"):
            decoder = decoder_for(result.framing, Location())
            frames = decoder.decode(body) + decoder.flush()
            for frame in frames:
                try:
                    data: Any = orjson.loads(frame.data)
                except orjson.JSONDecodeError:
                    data = frame.data.decode("utf-8", "replace")
                answer.events.append((frame.event, data))
        return answer

    def objects(self) -> list[dict[str, Any]]:
        return [data for _, data in self.events if isinstance(data, dict)]


Expectation = Callable[[Answer, Case, str | None], str | None]
EXPECTATIONS: dict[str, Expectation] = {}


def expectation(name: str) -> Callable[[Expectation], Expectation]:
    def register(function: Expectation) -> Expectation:
        EXPECTATIONS[name] = function
        return function

    return register

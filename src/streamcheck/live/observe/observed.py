"""One checked live exchange as plain data: what a driver (proxy, ext-proc) hands the outputs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from streamcheck.live.observe.facts import BodyKeeper, StreamFacts
from streamcheck.model import Close, ExchangeResult, Request

# Where a model is named in the URL rather than the body: Gemini `models/{model}:verb`,
# Azure OpenAI `deployments/{name}/`, Bedrock `model/{id}/converse-stream`.
_URL_MODEL = re.compile(r"/(?:models|deployments|model)/([^/:]+)")


@dataclass(slots=True)
class Observed:
    """One exchange after the checker closed it.

    `request` and `headers` may still hold credentials: every output redacts them (and masks
    `secrets`, the values `redact.collect` took from the request, wherever they appear).
    Times are seconds: `started` since the epoch, the others since the request began; None
    where the driver did not measure them (then the checker's timing is used).
    """

    result: ExchangeResult
    request: Request
    status: int | None
    headers: dict[str, str]
    started: float
    ttfb: float | None = None
    ttft: float | None = None
    duration: float | None = None
    bytes_in: int = 0
    bytes_out: int | None = None
    keeper: BodyKeeper | None = None
    secrets: frozenset[str] = field(default=frozenset(), repr=False)
    close: Close | None = None  # a WebSocket's end

    @property
    def facts(self) -> StreamFacts:
        return self.keeper.facts if self.keeper is not None else StreamFacts()

    @property
    def time_to_first_byte(self) -> float | None:
        return self.ttfb if self.ttfb is not None else self.result.timing.get("first_byte")

    @property
    def time_to_first_token(self) -> float | None:
        return self.ttft if self.ttft is not None else self.result.timing.get("first_content")

    @property
    def total(self) -> float | None:
        return self.duration if self.duration is not None else self.result.timing.get("total")

    @property
    def response_bytes(self) -> int:
        return self.bytes_out if self.bytes_out is not None else self.result.bytes

    @property
    def model(self) -> str | None:
        """The model the request asked for: the body's `model`, else the URL's."""
        body: Any = self.request.body
        if isinstance(body, dict) and isinstance(body.get("model"), str):
            return str(body["model"])
        if self.request.url:
            try:
                path = urlsplit(self.request.url).path
            except ValueError:
                return None
            found = _URL_MODEL.search(path)
            if found:
                return unquote(found.group(1))
        return None

    @property
    def codes(self) -> list[str]:
        return sorted({f.code for f in self.result.findings})

    @property
    def cause(self) -> str | None:
        """The kind of the cause of a cut or stall the checker found (check/cause.py:
        client-timeout, idle-timeout, total-timeout, reset, clean-close, in-band-error)."""
        cause = self.result.cause
        return cause.kind if cause is not None else None

    @property
    def cause_hop(self) -> str | None:
        """The hop the cause points at ("nginx", "Cloudflare", "the client"), when named."""
        cause = self.result.cause
        return cause.hop if cause is not None else None

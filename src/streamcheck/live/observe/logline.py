"""One JSON log line per checked exchange: what a log pipeline (Loki, CloudWatch, jq) needs to
find which provider, model or hop cuts streams. Redacted: the URL by `redact.url`, every
string by `redact.text` under the exchange's own credential values."""

from __future__ import annotations

import time
from typing import Any

import orjson

from streamcheck import redact
from streamcheck.live.observe.observed import Observed


def fields(observed: Observed, verdict: str, via: str, tape: str | None) -> dict[str, Any]:
    result = observed.result
    facts = observed.facts
    worst = result.worst()
    request = observed.request
    return {
        "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(observed.started))
        + f".{int(observed.started % 1 * 1000):03d}Z",
        "via": via,
        "provider": result.provider,
        "api": result.api,
        "api_version": result.api_version,
        "model": observed.model,
        "response_model": facts.response_model,
        "method": request.method,
        "url": redact.url(request.url) if request.url else None,
        "status": observed.status,
        "verdict": verdict,
        "error_class": result.error_class,
        "end": result.end.value,
        "codes": observed.codes,
        "worst": worst.label if worst is not None else None,
        "cause": _cause(observed),
        "finish_reasons": facts.finish_reasons,
        "usage": {"input": facts.input_tokens, "output": facts.output_tokens},
        "ttfb_s": _seconds(observed.time_to_first_byte),
        "ttft_s": _seconds(observed.time_to_first_token),
        "duration_s": _seconds(observed.total),
        "bytes_in": observed.bytes_in,
        "bytes_out": observed.response_bytes,
        "frames": result.frames,
        "tape": tape,
    }


# Values that come from the traffic (the URL, headers, the request body, the stream) rather
# than from streamcheck's own tables: each is masked. The others (provider names, verdicts,
# codes, end reasons, error classes, numbers, our tape's name) cannot hold a key, and masking
# them would cost a pattern scan each on every exchange.
FROM_TRAFFIC = (
    "api",
    "api_version",
    "model",
    "response_model",
    "method",
    "url",
    "cause",
    "finish_reasons",
)


def line(observed: Observed, verdict: str, via: str, tape: str | None) -> bytes:
    """The log line, newline-terminated, every value from the traffic redacted."""
    values = fields(observed, verdict, via, tape)
    with redact.scope(observed.secrets):
        for key in FROM_TRAFFIC:
            values[key] = _clean(values[key])
    return orjson.dumps(values) + b"\n"


def event(via: str, what: str, message: str) -> bytes:
    """A line for something other than a checked exchange (the checker failed on a stream)."""
    now = time.time()
    value = {
        "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + "Z",
        "via": via,
        "event": what,
        "message": redact.text(message),
    }
    return orjson.dumps(value) + b"\n"


def _cause(observed: Observed) -> dict[str, Any] | None:
    """What the checker made of a cut or stall: its kind, the hop, the evidence and the fix."""
    cause = observed.result.cause
    if cause is None:
        return None
    return {"kind": cause.kind, "hop": cause.hop, "summary": cause.summary, "fix": cause.fix}


def _clean(value: Any) -> Any:
    """Every string masked (values, not the JSON text: a mask must never split a quote)."""
    if isinstance(value, str):
        return redact.text(value)
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 6)

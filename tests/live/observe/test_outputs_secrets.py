"""Canary sweep of the outputs (tests/test_secrets_sweep.py's keys and detector): a request
that carries keys in every place, answers that echo them, and a model named like one; no log
line, tape, metric, label or span attribute holds a key or a piece of one."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import orjson
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

from streamcheck import redact
from streamcheck.live.observe import OutputOptions, Outputs
from streamcheck.model import EndReason, Exchange, Request
from tests.live.observe.helpers import observed_from
from tests.test_secrets_sweep import CANARY, assert_clean, leaks


def _exchange(status: int, body: bytes, model: str) -> Exchange:
    url = (
        f"https://api.openai.com/v1/chat/completions?api_key={CANARY['query']}"
        f"&key={CANARY['google']}"
    )
    headers = {
        "authorization": f"Bearer {CANARY['openai']}",
        "x-api-key": CANARY["anthropic"],
        "api-key": CANARY["azure"],
        "x-custom-token": CANARY["custom"],
        "content-type": "application/json",
    }
    request_body = {"model": model, "stream": True, "client_secret": CANARY["body"]}
    exchange = Exchange(
        source="canary",
        index=0,
        # What a driver may hand over: the request as it travelled, unredacted.
        request=Request("POST", url, headers, request_body),
        status=status,
        headers={
            "content-type": "application/json" if status != 200 else "text/event-stream",
            "set-cookie": f"session={CANARY['jwt']}",
        },
        chunks=iter([(body[:37], 0.1), (body[37:], 0.2)]),  # a key cut by a chunk boundary
        end=EndReason.EOF if status != 200 else EndReason.RESET,
        secrets=redact.collect(url, headers, request_body),
    )
    return exchange


def _answers() -> list[Exchange]:
    error = {
        "error": {
            "message": "Incorrect API key provided: "
            + "; ".join(CANARY[n] for n in ("openai", "azure", "custom", "body", "query")),
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        }
    }
    frame = {
        "id": "x",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": CANARY["azure"],
        "choices": [{"index": 0, "delta": {"content": f"key {CANARY['anthropic']}"}}],
    }
    stream = b"data: " + orjson.dumps(frame) + b"\n\n"
    return [
        _exchange(401, orjson.dumps(error), "gpt-4o-mini"),
        _exchange(200, stream, CANARY["openai-project"]),
    ]


def test_no_output_holds_a_key(tmp_path: Path) -> None:
    log = io.BytesIO()
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    options = OutputOptions(tapes=tmp_path, metrics_port=0)
    outputs = Outputs(
        options,
        "proxy",
        registry=CollectorRegistry(),
        tracer_provider=provider,
        log_stream=log,
    )
    try:
        verdicts = [outputs.emit(observed_from(exchange)) for exchange in _answers()]
        metrics = httpx.get(f"http://127.0.0.1:{outputs.metrics_port}/metrics").text
    finally:
        outputs.close()
    assert verdicts == ["auth", "unreachable"]  # both checked, both failing: both taped
    tapes = sorted(tmp_path.iterdir())
    assert len(tapes) == 2
    assert_clean("log", log.getvalue())
    for tape in tapes:
        assert_clean(tape.name, tape.read_bytes())
    assert_clean("metrics", metrics)
    assert 'model="redacted"' in metrics  # the model named like a key
    for span in exporter.get_finished_spans():
        assert_clean(f"span {span.name}", span.name + repr(dict(span.attributes or {})))


def test_the_sweep_would_see_a_leak() -> None:
    """The raw request this test hands over does hold the keys."""
    exchange = _answers()[0]
    assert leaks(repr(exchange.request))

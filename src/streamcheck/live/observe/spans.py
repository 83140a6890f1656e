"""One OpenTelemetry span per checked exchange (the `otel` extra), with the GenAI semantic
conventions' attributes where they exist (opentelemetry.io/docs/specs/semconv/gen-ai/
gen-ai-spans: `gen_ai.provider.name`, `gen_ai.request.model`, `gen_ai.response.model`,
`gen_ai.response.finish_reasons`, `gen_ai.usage.input_tokens` / `output_tokens`,
`gen_ai.response.time_to_first_chunk`; the older `gen_ai.system` too, which backends built on
semconv 1.36 and earlier read) and streamcheck's verdict and finding codes beside them.

The span covers the exchange as the proxy or Envoy saw it: it starts when the request began
and ends at the stream's end (times given, not measured here). Kind CLIENT, as the
conventions ask of an inference span, name `{operation} {model}`.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from streamcheck import redact
from streamcheck.live.observe.observed import Observed

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

# streamcheck's provider names -> the conventions' well-known gen_ai.provider.name values.
PROVIDER_NAMES = {
    "openai": "openai",
    "azure-openai": "azure.ai.openai",
    "anthropic": "anthropic",
    "gemini": "gcp.gemini",
    "aws-bedrock": "aws.bedrock",
    "cohere": "cohere",
    "mistral": "mistral_ai",
    "groq": "groq",
    "deepseek": "deepseek",
}
# streamcheck's API names -> gen_ai.operation.name.
OPERATIONS = {"stream-generate-content": "generate_content", "generate": "text_completion"}


class Spans:
    def __init__(self, provider: TracerProvider | None = None, endpoint: str | None = None):
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider

        if provider is None:
            from opentelemetry.sdk.trace.export import BatchSpanProcessor

            provider = TracerProvider(resource=Resource.create({"service.name": "streamcheck"}))
            provider.add_span_processor(BatchSpanProcessor(exporter(endpoint)))
        self.provider = provider
        self.tracer = provider.get_tracer("streamcheck")

    def emit(self, observed: Observed, verdict: str, via: str) -> None:
        from opentelemetry.trace import SpanKind, Status, StatusCode

        attributes = span_attributes(observed, verdict, via)
        start = round(observed.started * 1e6) * 1000  # microseconds: a float has no more
        total = observed.total
        end = start + round((total or 0.0) * 1e6) * 1000
        name = f"{attributes['gen_ai.operation.name']} {attributes.get('gen_ai.request.model', '')}"
        span = self.tracer.start_span(
            name.strip(), kind=SpanKind.CLIENT, attributes=attributes, start_time=start
        )
        if verdict != "ok":
            span.set_status(Status(StatusCode.ERROR, f"streamcheck: {verdict}"))
        span.end(end_time=end)

    def close(self) -> None:
        self.provider.force_flush()
        self.provider.shutdown()


def exporter(endpoint: str | None) -> Any:
    """The OTLP/HTTP protobuf exporter; its JSON twin (otlp_json.py) when the protobuf one
    cannot load because xds-protos overwrote opentelemetry-proto's modules."""
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError as exc:
        from streamcheck.live.observe.otlp_json import JsonSpanExporter

        sys.stderr.write(
            f"streamcheck: the OTLP protobuf exporter does not load ({exc}; xds-protos "
            "overwrites opentelemetry-proto's modules, grpc/grpc#42926): spans go as OTLP/JSON\n"
        )
        return JsonSpanExporter(endpoint)
    # No endpoint: the exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT itself.
    return OTLPSpanExporter(endpoint=endpoint) if endpoint else OTLPSpanExporter()


def span_attributes(observed: Observed, verdict: str, via: str) -> dict[str, Any]:
    result = observed.result
    facts = observed.facts
    provider = PROVIDER_NAMES.get(result.provider or "", result.provider or "unknown")
    values: dict[str, Any] = {
        "gen_ai.operation.name": OPERATIONS.get(result.api or "", "chat"),
        "gen_ai.provider.name": provider,
        "gen_ai.system": provider,
        "gen_ai.request.model": observed.model,
        "gen_ai.response.model": facts.response_model,
        "gen_ai.response.finish_reasons": facts.finish_reasons or None,
        "gen_ai.usage.input_tokens": facts.input_tokens,
        "gen_ai.usage.output_tokens": facts.output_tokens,
        "gen_ai.response.time_to_first_chunk": observed.time_to_first_token,
        "http.response.status_code": observed.status,
        "streamcheck.via": via,
        "streamcheck.verdict": verdict,
        "streamcheck.codes": observed.codes or None,
        "streamcheck.error_class": result.error_class,
        "streamcheck.end": result.end.value,
        "streamcheck.cause": observed.cause,
        "streamcheck.cause.hop": observed.cause_hop,
        "streamcheck.cause.summary": (
            observed.result.cause.summary if observed.result.cause is not None else None
        ),
        "streamcheck.time_to_first_byte": observed.time_to_first_byte,
        "streamcheck.api": result.api,
        "streamcheck.api_version": result.api_version,
    }
    if verdict != "ok":
        values["error.type"] = result.error_class or verdict
    with redact.scope(observed.secrets):
        return {key: _clean(value) for key, value in values.items() if value is not None}


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact.text(value)
    if isinstance(value, list):
        return [redact.text(v) if isinstance(v, str) else v for v in value]
    return value

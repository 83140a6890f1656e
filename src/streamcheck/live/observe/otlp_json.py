"""Spans over OTLP/HTTP in its JSON encoding, for when the protobuf exporter cannot load.

xds-protos (the ext-proc extra) ships its own, older copy of the `opentelemetry.proto`
modules; installed after opentelemetry-proto, it overwrites them and the OTLP exporter fails
to import (`cannot import name 'InstrumentationScope'`: open-telemetry/opentelemetry-python
#4843, grpc/grpc#42926). OTLP/HTTP also takes JSON (opentelemetry.io/docs/specs/otlp,
"JSON Protobuf Encoding": lowerCamelCase names, trace and span ids in hex, enums as numbers,
64-bit integers as strings), which needs no generated code: this exporter sends that.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import httpx
import orjson
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

DEFAULT_ENDPOINT = "http://localhost:4318/v1/traces"


def endpoint_from_environment() -> str:
    """The traces endpoint the OTel environment variables name (as the SDK's exporter reads
    them): OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, or OTEL_EXPORTER_OTLP_ENDPOINT +
    /v1/traces."""
    traces = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if traces:
        return traces
    base = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    return base.rstrip("/") + "/v1/traces" if base else DEFAULT_ENDPOINT


class JsonSpanExporter(SpanExporter):
    def __init__(self, endpoint: str | None = None, timeout: float = 10.0) -> None:
        self.endpoint = endpoint or endpoint_from_environment()
        self.client = httpx.Client(timeout=timeout)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            answer = self.client.post(
                self.endpoint,
                content=orjson.dumps(request(spans)),
                headers={"Content-Type": "application/json"},
            )
        except httpx.HTTPError:
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS if answer.is_success else SpanExportResult.FAILURE

    def shutdown(self) -> None:
        self.client.close()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def request(spans: Sequence[ReadableSpan]) -> dict[str, Any]:
    """An ExportTraceServiceRequest in OTLP's JSON encoding (one resource, one scope each)."""
    groups: dict[int, tuple[Any, list[ReadableSpan]]] = {}
    for span in spans:
        groups.setdefault(id(span.resource), (span.resource, []))[1].append(span)
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": _attributes(resource.attributes if resource else {})},
                "scopeSpans": [
                    {"scope": {"name": "streamcheck"}, "spans": [_span(s) for s in group]}
                ],
            }
            for resource, group in groups.values()
        ]
    }


def _span(span: ReadableSpan) -> dict[str, Any]:
    context = span.context
    out: dict[str, Any] = {
        "traceId": f"{context.trace_id:032x}" if context else "",
        "spanId": f"{context.span_id:016x}" if context else "",
        "name": span.name,
        "kind": span.kind.value + 1,  # OTLP counts SPAN_KIND_UNSPECIFIED as 0
        "startTimeUnixNano": str(span.start_time or 0),
        "endTimeUnixNano": str(span.end_time or 0),
        "attributes": _attributes(span.attributes or {}),
        "status": {"code": span.status.status_code.value},
    }
    if span.parent is not None:
        out["parentSpanId"] = f"{span.parent.span_id:016x}"
    if span.status.description:
        out["status"]["message"] = span.status.description
    return out


def _attributes(values: Any) -> list[dict[str, Any]]:
    return [{"key": key, "value": _value(value)} for key, value in dict(values).items()]


def _value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    return {"arrayValue": {"values": [_value(v) for v in value]}}

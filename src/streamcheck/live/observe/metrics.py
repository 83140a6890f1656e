"""Prometheus metrics of checked exchanges, on their own port (the `metrics` extra).

Labels are bounded: provider, API, verdict, error class, severity and finding code come from
streamcheck's own tables; the model name comes from the request (anyone's input) and passes
through `labels.BoundedLabel`. Each `Metrics` has its own registry, so two in one process
(tests) do not collide and nothing is added to the client library's global one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from streamcheck.live.observe.labels import BoundedLabel, normalise
from streamcheck.live.observe.observed import Observed

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

_TTFT_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)
_DURATION_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 600.0)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None, models: int = 100) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = registry if registry is not None else CollectorRegistry()
        self.model = BoundedLabel(models)
        self.hop = BoundedLabel(50)  # hops come from check/hops.py's table: few
        reg = self.registry
        self.streams = Counter(
            "streamcheck_streams",
            "Checked exchanges by provider, model, verdict (smoke's classes) and error class.",
            ["via", "provider", "api", "model", "verdict", "error_class"],
            registry=reg,
        )
        self.findings = Counter(
            "streamcheck_findings",
            "Findings by code and severity.",
            ["code", "severity"],
            registry=reg,
        )
        self.cuts = Counter(
            "streamcheck_cuts",
            "Streams that ended before their grammar's end (reset, timeout, or a cut found by"
            " the checker), by the kind of cause and the hop it points at, when known.",
            ["provider", "model", "cause", "hop"],
            registry=reg,
        )
        self.ttft = Histogram(
            "streamcheck_time_to_first_token_seconds",
            "Seconds from the request to the first content.",
            ["provider", "model"],
            buckets=_TTFT_BUCKETS,
            registry=reg,
        )
        self.ttfb = Histogram(
            "streamcheck_time_to_first_byte_seconds",
            "Seconds from the request to the response's first byte.",
            ["provider", "model"],
            buckets=_TTFT_BUCKETS,
            registry=reg,
        )
        self.duration = Histogram(
            "streamcheck_stream_duration_seconds",
            "Seconds from the request to the end of the stream.",
            ["provider", "model"],
            buckets=_DURATION_BUCKETS,
            registry=reg,
        )
        self.bytes = Counter(
            "streamcheck_response_bytes",
            "Response body bytes checked.",
            ["provider"],
            registry=reg,
        )
        self.unchecked = Counter(
            "streamcheck_streams_unchecked",
            "Exchanges passed on without a check (sampled-out, over-cap; the proxy's checker "
            "process: behind, checker-lost).",
            ["reason"],
            registry=reg,
        )
        self.errors = Counter(
            "streamcheck_output_errors",
            "Failures of streamcheck itself: an output (log, tape, span) or the checker.",
            ["output"],
            registry=reg,
        )
        self._server: Any = None

    def observe(self, observed: Observed, verdict: str, via: str, cut: bool) -> None:
        result = observed.result
        provider = normalise(result.provider)
        model = self.model(observed.model)
        self.streams.labels(
            via, provider, normalise(result.api), model, verdict, normalise(result.error_class)
        ).inc()
        for finding in result.findings:
            self.findings.labels(finding.code, finding.severity.label).inc()
        if cut:
            hop = self.hop(observed.cause_hop)
            self.cuts.labels(provider, model, normalise(observed.cause), hop).inc()
        ttft = observed.time_to_first_token
        if ttft is not None:
            self.ttft.labels(provider, model).observe(ttft)
        ttfb = observed.time_to_first_byte
        if ttfb is not None:
            self.ttfb.labels(provider, model).observe(ttfb)
        total = observed.total
        if total is not None:
            self.duration.labels(provider, model).observe(total)
        self.bytes.labels(provider).inc(observed.response_bytes)

    def serve(self, port: int, host: str = "127.0.0.1") -> int:
        """Serve /metrics on `host:port` (0: any free port); the port bound."""
        from prometheus_client import start_http_server

        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        self._server = server
        return int(server.server_port)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

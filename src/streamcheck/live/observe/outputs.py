"""The fan-out: each checked exchange to the log, the tape folder, the metrics and the spans.

An output that fails (a full disk, an exporter that cannot connect) never stops the traffic
nor the other outputs: it is counted (`streamcheck_output_errors_total{output}`) and said once
on stderr per output, so a broken collector does not flood the log.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeVar

from streamcheck import redact
from streamcheck.extras import require
from streamcheck.live.observe import logline
from streamcheck.live.observe.observed import Observed
from streamcheck.live.observe.verdict import cut, verdict
from streamcheck.model import Severity

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from prometheus_client import CollectorRegistry

    from streamcheck.live.observe.metrics import Metrics
    from streamcheck.live.observe.spans import Spans
    from streamcheck.live.observe.tapes import TapeFolder

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class OutputOptions:
    log: str | None = "-"  # "-": standard output; a path (appended to); None: no log
    tapes: Path | None = None  # folder for tapes of failing exchanges
    tapes_max_count: int = 1000
    tapes_max_bytes: int = 256 * 1024 * 1024
    metrics_port: int | None = None  # 0: any free port (tests)
    metrics_host: str = "127.0.0.1"
    otel: bool = False
    otel_endpoint: str | None = None
    fail_on: Severity = Severity.ERROR


class Outputs:
    """What each checked exchange writes. `via` names the driver ("proxy", "ext-proc")."""

    def __init__(
        self,
        options: OutputOptions,
        via: str,
        *,
        registry: CollectorRegistry | None = None,
        tracer_provider: TracerProvider | None = None,
        log_stream: IO[bytes] | None = None,
    ) -> None:
        self.options = options
        self.via = via
        self._lock = threading.Lock()
        self._said: set[str] = set()
        self.metrics: Metrics | None = None
        self.spans: Spans | None = None
        self.tapes: TapeFolder | None = None
        self.metrics_port: int | None = None
        self._log: IO[bytes] | None = log_stream
        self._own_log = False
        if options.metrics_port is not None or registry is not None:
            require("metrics", "--metrics-port")
            from streamcheck.live.observe.metrics import Metrics

            self.metrics = Metrics(registry)
        if options.otel or tracer_provider is not None:
            require("otel", "--otel")
            from streamcheck.live.observe.spans import Spans

            self.spans = Spans(tracer_provider, options.otel_endpoint)
        if options.tapes is not None:
            from streamcheck.live.observe.tapes import TapeFolder

            self.tapes = TapeFolder(options.tapes, options.tapes_max_count, options.tapes_max_bytes)
        if self._log is None and options.log is not None:
            if options.log == "-":
                self._log = sys.stdout.buffer
            else:
                self._log = open(options.log, "ab")  # noqa: SIM115 (closed in close())
                self._own_log = True
        if self.metrics is not None and options.metrics_port is not None:
            self.metrics_port = self.metrics.serve(options.metrics_port, options.metrics_host)

    def emit(self, observed: Observed) -> str:
        """Write every output for one exchange; its verdict. Never raises."""
        klass = verdict(observed.result, self.options.fail_on)
        tape = None
        tapes = self.tapes
        if tapes is not None and klass != "ok":
            tape = self._guarded("tape", lambda: tapes.save(observed, klass))
        if self.metrics is not None:
            metrics = self.metrics
            self._guarded(
                "metrics", lambda: metrics.observe(observed, klass, self.via, cut(observed.result))
            )
        if self.spans is not None:
            spans = self.spans
            self._guarded("otel", lambda: spans.emit(observed, klass, self.via))
        if self._log is not None:
            self._guarded("log", lambda: self._write(logline.line(observed, klass, self.via, tape)))
        return klass

    def unchecked(self, reason: str, count: int = 1) -> None:
        """`count` exchanges passed on without a check ("sampled-out", "over-cap", ...)."""
        if self.metrics is not None:
            self.metrics.unchecked.labels(reason).inc(count)

    def internal_error(self, message: str) -> None:
        """The checker failed on a stream (a bug of streamcheck's: the traffic went on)."""
        if self.metrics is not None:
            self.metrics.errors.labels("checker").inc()
        self.event("checker-error", message)

    def event(self, what: str, message: str) -> None:
        """A log line for something other than a checked exchange (`event`: what)."""
        if self._log is not None:
            line = logline.event(self.via, what, message)
            self._guarded("log", lambda: self._write(line))

    def close(self) -> None:
        if self.spans is not None:
            self._guarded("otel", self.spans.close)
        if self.metrics is not None:
            self.metrics.stop()
        if self._log is not None:
            if self._own_log:
                self._log.close()
            else:
                self._guarded("log", self._log.flush)

    def _write(self, data: bytes) -> None:
        assert self._log is not None
        with self._lock:
            self._log.write(data)
            self._log.flush()

    def _guarded(self, output: str, step: Callable[[], T]) -> T | None:
        try:
            return step()
        except Exception as exc:  # an output must never stop the traffic or the other outputs
            if self.metrics is not None:
                self.metrics.errors.labels(output).inc()
            if output not in self._said:
                self._said.add(output)
                what = redact.text(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
                print(f"streamcheck: the {output} output failed: {what}", file=sys.stderr)
            return None

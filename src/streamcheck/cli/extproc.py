"""`ext-proc`: check every stream Envoy shows us, as an Envoy external processor (gRPC).

The gRPC stack (grpcio, Envoy's protos from xds-protos) is imported inside the command."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer

from streamcheck.cli import _fail_on, output_options, sampling
from streamcheck.cli.options import (
    Log,
    MaxChecked,
    MetricsHost,
    MetricsPort,
    Otel,
    OtelEndpoint,
    Sample,
    Schemas,
    Tapes,
    TapesMaxCount,
    TapesMaxMb,
)
from streamcheck.exceptions import StreamcheckError

group = typer.Typer()


@group.command("ext-proc")
def ext_proc(
    host: Annotated[str, typer.Option(help="Interface the gRPC server listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="gRPC port; 0 picks a free one (printed).")] = 50051,
    log: Log = "-",
    tapes: Tapes = None,
    tapes_max_count: TapesMaxCount = 1000,
    tapes_max_mb: TapesMaxMb = 256.0,
    metrics_port: MetricsPort = None,
    metrics_host: MetricsHost = "127.0.0.1",
    otel: Otel = False,
    otel_endpoint: OtelEndpoint = None,
    sample: Sample = 1.0,
    max_checked: MaxChecked = 64,
    fail_on: Annotated[
        str, typer.Option(help="error, warning or info: what saves a tape.")
    ] = "error",
    schemas: Schemas = None,
) -> None:
    """Run beside Envoy as its external processor (ext_proc filter, observability_mode with the
    response body STREAMED): every stream is checked as it passes, with no added latency, and
    each exchange gives a JSON log line, a tape when it fails, metrics and a span.

    README ("Envoy, Envoy AI Gateway, Istio: ext-proc") gives the filter configuration.
    SIGINT or SIGTERM stops the server.
    """
    from streamcheck.extras import require

    require("ext-proc", "streamcheck ext-proc")
    if not 0 <= port <= 65535:
        raise StreamcheckError(f"--port {port}: expected 0 (any free port) to 65535")
    sampling(sample, max_checked)
    severity = _fail_on(fail_on)
    options = output_options(
        log,
        tapes,
        tapes_max_count,
        tapes_max_mb,
        metrics_port,
        metrics_host,
        otel,
        otel_endpoint,
        severity,
    )
    from streamcheck.check import CheckOptions
    from streamcheck.live.extproc import server
    from streamcheck.live.extproc.servicer import Processor
    from streamcheck.live.observe import Outputs

    check_options = CheckOptions(fail_on=severity, schema_dirs=tuple(schemas or ()))
    outputs = Outputs(options, "ext-proc")
    processor = Processor(
        outputs, server.checker_factory(check_options), sample=sample, max_checked=max_checked
    )

    def ready(bound: int) -> None:
        where = (
            f", /metrics on {metrics_host}:{outputs.metrics_port}" if outputs.metrics_port else ""
        )
        sys.stderr.write(
            f"streamcheck ext-proc: listening on {server.address(host, bound)} (gRPC){where}\n"
        )
        sys.stderr.flush()

    try:
        asyncio.run(server.serve(processor, host, port, ready))
    finally:
        outputs.close()
    sys.stderr.write("streamcheck ext-proc: stopped\n")

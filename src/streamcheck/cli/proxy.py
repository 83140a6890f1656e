"""`proxy`: a reverse proxy in front of LLM providers that checks every stream as it passes.

The network stack (uvicorn, httpx, websockets) is imported inside the command."""

from __future__ import annotations

import contextlib
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from streamcheck.cli import _fail_on, _positive, output_options, sampling
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


@group.command("proxy")
def proxy(
    upstream: Annotated[
        list[str] | None,
        typer.Option(
            help="Upstream base URL for every path, or PREFIX=URL to send paths under PREFIX "
            "(taken off) to URL; repeatable, the longest prefix wins.",
        ),
    ] = None,
    routes: Annotated[
        Path | None,
        typer.Option(help='TOML file with a [routes] table of "/prefix" = "URL" entries.'),
    ] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port; 0 picks a free one (printed).")] = 8080,
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
    connect_timeout: Annotated[
        float, typer.Option(help="Seconds to connect to an upstream (502 past it).")
    ] = 10.0,
    read_timeout: Annotated[
        float | None,
        typer.Option(help="Seconds of upstream silence before the stream is cut (default: none)."),
    ] = None,
    check: Annotated[
        bool, typer.Option(help="--no-check forwards only (a baseline to measure against).")
    ] = True,
    fail_on: Annotated[
        str, typer.Option(help="error, warning or info: what saves a tape.")
    ] = "error",
    schemas: Schemas = None,
    checker: Annotated[
        str,
        typer.Option(
            help="process: check in a process of its own at a lower CPU priority (the "
            "forwarding never waits for it); inline: in the proxy's own process.",
        ),
    ] = "process",
    checker_backlog_mb: Annotated[
        float,
        typer.Option(
            help="MB waiting for the checker process past which exchanges pass unchecked "
            "(counted and logged as behind).",
        ),
    ] = 16.0,
    drain_timeout: Annotated[
        float,
        typer.Option(help="Seconds given to the checker to write its last lines on exit."),
    ] = 10.0,
) -> None:
    """Forward requests to the upstream(s) and their streamed answers back, byte for byte and
    chunk by chunk, and check every exchange beside the traffic: a JSON log line each, a
    redacted tape of each failing one, metrics and spans. Keys pass through to the upstream
    and are never logged. The checking never holds a byte back; if it fails, the traffic goes
    on and the failure is logged. Ctrl-C stops it.
    """
    from streamcheck.extras import require

    require("serve", "streamcheck proxy")
    if not 0 <= port <= 65535:
        raise StreamcheckError(f"--port {port}: expected 0 (any free port) to 65535")
    _positive(
        ("--connect-timeout", connect_timeout),
        ("--read-timeout", read_timeout),
        ("--checker-backlog-mb", checker_backlog_mb),
        ("--drain-timeout", drain_timeout),
    )
    if checker not in ("process", "inline"):
        raise StreamcheckError(f"--checker {checker}: expected process or inline")
    sampling(sample, max_checked)
    severity = _fail_on(fail_on)
    outputs_options = output_options(
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
    from streamcheck.live.observe import Outputs
    from streamcheck.live.proxy import routes as routes_
    from streamcheck.live.proxy import server
    from streamcheck.live.proxy.app import Proxy, ProxyOptions
    from streamcheck.live.proxy.process import CheckerProcess

    table = [routes_.route(value) for value in upstream or []]
    if routes is not None:
        table += routes_.load(routes)
    router = routes_.Router(table)
    options = ProxyOptions(
        sample=sample,
        max_checked=max_checked,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        check=check,
    )
    check_options = CheckOptions(fail_on=severity, schema_dirs=tuple(schemas or ()))
    sock = server.bind(host, port)
    outputs = None
    process = None
    if check and checker == "inline":
        outputs = Outputs(outputs_options, "proxy")
    elif check:
        process = CheckerProcess(
            outputs_options,
            check_options,
            options.keep_bytes,
            read_timeout,
            int(checker_backlog_mb * 1024 * 1024),
            drain_timeout,
        )
        try:
            process.start()
        except BaseException:
            sock.close()
            raise
    app = Proxy(router, outputs, options, check_options, checker=process)
    listing = ", ".join(f"{r.prefix} -> {r.upstream}" for r in router.routes)
    metrics_port = (
        outputs.metrics_port
        if outputs is not None
        else process.metrics_port
        if process is not None
        else None
    )

    def ready() -> None:
        metrics = f"; /metrics on {metrics_host}:{metrics_port}" if metrics_port else ""
        sys.stderr.write(
            f"streamcheck proxy: listening on {server.url_of(sock)} ({listing}){metrics}\n"
        )
        sys.stderr.flush()

    # uvicorn shuts down gracefully on SIGTERM (the checker drained), then raises the signal
    # again: here it ends the command as Ctrl-C does, its outputs closed, exit 0.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            server.serve(app, sock, ready)
    finally:
        if outputs is not None:
            outputs.close()
        if process is not None:
            process.stop_now()  # only if the server never ran its shutdown (it drains)
    sys.stderr.write("streamcheck proxy: stopped\n")

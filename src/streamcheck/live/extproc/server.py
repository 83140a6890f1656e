"""Serve the ext_proc processor over gRPC (grpc.aio: one event loop, no thread per stream)
until SIGINT or SIGTERM, then let the streams in flight finish for a few seconds."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Callable

import grpc
from envoy.service.ext_proc.v3 import external_processor_pb2_grpc as pb_grpc

from streamcheck.check import CheckOptions, StreamChecker
from streamcheck.exceptions import StreamcheckError
from streamcheck.live.extproc.servicer import Processor
from streamcheck.live.extproc.session import CheckerFactory
from streamcheck.model import Exchange
from streamcheck.schemas import Catalog

GRACE_SECONDS = 5.0


def checker_factory(options: CheckOptions) -> CheckerFactory:
    """Push checkers sharing one schema catalog (each schema compiled once per process; one
    event loop, so one thread uses it)."""
    catalog = Catalog(options.schema_dirs)

    def checker_for(exchange: Exchange) -> StreamChecker:
        return StreamChecker(exchange, options, catalog)

    return checker_for


def address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def start(processor: Processor, host: str, port: int) -> tuple[grpc.aio.Server, int]:
    """A started server and the port it bound (0 picks a free one)."""
    where = address(host, port)
    _free(host, port, where)
    server = grpc.aio.server()
    pb_grpc.add_ExternalProcessorServicer_to_server(processor, server)
    try:
        bound = server.add_insecure_port(where)
    except RuntimeError:
        bound = 0
    if not bound:
        raise StreamcheckError(f"cannot listen on {where} (in use, or no such address)")
    await server.start()
    return server, bound


def _free(host: str, port: int, where: str) -> None:
    """Say why a port cannot be had in our own words before grpc tries (its C core logs a
    multi-line error of its own to stderr)."""
    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise StreamcheckError(f"cannot listen on {where} ({exc.strerror})") from None
    family, kind, proto, _, address_ = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # grpc binds with SO_REUSEPORT (Linux): another ext-proc on the port shares it (the
        # kernel spreads connections over them); anything else holding it refuses us.
        if hasattr(socket, "SO_REUSEPORT"):
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            probe.bind(address_)
        except OSError as exc:
            raise StreamcheckError(f"cannot listen on {where} ({exc.strerror})") from None


async def serve(processor: Processor, host: str, port: int, ready: Callable[[int], None]) -> None:
    server, bound = await start(processor, host, port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    ready(bound)
    await stop.wait()
    await server.stop(GRACE_SECONDS)

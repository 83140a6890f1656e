"""The checker process: `python -m streamcheck.live.proxy.worker FD`, started by the proxy.

It reads the frames the proxy writes on the socket FD (frames.py), checks each exchange with
the same code as in process (checks.Checks -> tee.Tee -> the push checker) and writes the
outputs (log line, tapes, /metrics, spans). It runs at a lower CPU priority than the proxy,
so forwarding wins the CPU and checking takes what is left. Ctrl-C and SIGTERM are the
proxy's to handle: this process ends when the proxy closes the socket, after the last frame
is checked and its line written (the proxy's drain).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from streamcheck.live.proxy import frames

if TYPE_CHECKING:
    from streamcheck.check import CheckOptions
    from streamcheck.live.observe import OutputOptions

NICE = 10  # below the proxy: a busy machine gives the forwarding the CPU first


def options(value: dict[str, Any]) -> tuple[OutputOptions, CheckOptions]:
    """(OutputOptions, CheckOptions) from the CONFIG frame."""
    from streamcheck.check import CheckOptions
    from streamcheck.live.observe import OutputOptions
    from streamcheck.model import Severity

    out = dict(value["outputs"])
    out["tapes"] = Path(out["tapes"]) if out["tapes"] else None
    out["fail_on"] = Severity(out["fail_on"])
    check = CheckOptions(
        fail_on=Severity(value["fail_on"]),
        schema_dirs=tuple(Path(p) for p in value["schema_dirs"]),
    )
    return OutputOptions(**out), check


def config(
    outputs: OutputOptions, check: CheckOptions, keep_bytes: int, read_timeout: float | None
) -> bytes:
    """The CONFIG frame for `options()`: plain values (no key is in any of them)."""
    out = {
        "log": outputs.log,
        "tapes": str(outputs.tapes) if outputs.tapes is not None else None,
        "tapes_max_count": outputs.tapes_max_count,
        "tapes_max_bytes": outputs.tapes_max_bytes,
        "metrics_port": outputs.metrics_port,
        "metrics_host": outputs.metrics_host,
        "otel": outputs.otel,
        "otel_endpoint": outputs.otel_endpoint,
        "fail_on": int(outputs.fail_on),
    }
    value = {
        "outputs": out,
        "fail_on": int(check.fail_on),
        "schema_dirs": [str(p) for p in check.schema_dirs],
        "keep_bytes": keep_bytes,
        "read_timeout": read_timeout,
    }
    return frames.json_frame(frames.CONFIG, 0, value)


def run(sock: socket.socket) -> int:
    incoming = frames.batches(sock)
    batch: list[tuple[int, int, bytes]] = []
    for batch in incoming:  # the CONFIG frame first (a restarted checker may get more with it)
        if batch:
            break
    if not batch or batch[0][0] != frames.CONFIG:
        return 2
    first, rest = batch[0], batch[1:]
    try:
        from streamcheck.live.observe import Outputs
        from streamcheck.live.proxy.checks import Checks

        value = orjson.loads(first[2])
        output_options, check_options = options(value)
        outputs = Outputs(output_options, "proxy")
        checks = Checks(outputs, check_options, value["keep_bytes"], value["read_timeout"])
    except Exception as exc:  # a busy metrics port, a missing extra: one line for the proxy
        what = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        sock.sendall(frames.json_frame(frames.FAILED, 0, {"message": what}))
        return 2
    sock.sendall(frames.json_frame(frames.READY, 0, {"metrics_port": outputs.metrics_port}))
    said = False
    finished = done = 0
    try:
        for batch in itertools.chain([rest], incoming):
            for kind, number, body in batch:
                try:
                    frames.apply(kind, number, body, checks)
                except Exception as exc:  # a bug of ours; the frame's content is never shown
                    if not said:
                        said = True
                        outputs.internal_error(
                            f"{type(exc).__name__}: a frame of kind {kind} ({len(body)} bytes) "
                            "could not be read"
                        )
                finished += kind == frames.FINISH
            if batch:
                done += len(batch)
                with contextlib.suppress(OSError):  # a proxy gone: the frames end next read
                    sock.sendall(frames.frame(frames.ACK, 0, frames.COUNTS.pack(finished, done)))
    finally:
        checks.close()
        outputs.close()
    return 0


def main() -> int:
    # The proxy drains this process on Ctrl-C / SIGTERM: a signal sent to the whole process
    # group must not end it before the last lines are written.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(NICE)
    sock = socket.socket(fileno=int(sys.argv[1]))
    try:
        return run(sock)
    finally:
        sock.close()


if __name__ == "__main__":
    raise SystemExit(main())

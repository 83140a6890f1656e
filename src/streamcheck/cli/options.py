"""The typer half of what the commands share: options that more than one command group
declares, defined once, and the top level's own `--version`.

`streamcheck.cli` itself imports no typer, so that `check PATH...` with no option runs without
loading it (`main`'s bare lane: about half of `check`'s start-up, issue 22); every command
group imports this module.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from streamcheck.cli import EXIT_OK

Schemas = Annotated[
    list[Path] | None,
    typer.Option("--schemas", metavar="DIR", help="Extra schema folder (repeatable)."),
]


# Options of what every checked live exchange writes (`proxy`, `ext-proc`), defined once: the
# JSON log, the tapes of failing exchanges, /metrics and OpenTelemetry; sampling and the cap.
Log = Annotated[
    str,
    typer.Option(
        help="Where the JSON log line of each checked exchange goes: - (stdout), a "
        "file (appended to), or 'none'."
    ),
]
Tapes = Annotated[
    Path | None,
    typer.Option(
        help="Folder for redacted tapes of failing exchanges (the oldest are dropped at the caps)."
    ),
]
TapesMaxCount = Annotated[int, typer.Option(help="At most this many tapes in --tapes.")]
TapesMaxMb = Annotated[float, typer.Option(help="At most this many MiB of tapes in --tapes.")]
MetricsPort = Annotated[
    int | None,
    typer.Option(help="Serve Prometheus /metrics on this port (needs the [metrics] extra)."),
]
MetricsHost = Annotated[str, typer.Option(help="Interface /metrics listens on.")]
Otel = Annotated[
    bool,
    typer.Option(
        help="Export a span per exchange over OTLP/HTTP (needs the [otel] extra); "
        "the endpoint comes from --otel-endpoint or OTEL_EXPORTER_OTLP_ENDPOINT."
    ),
]
OtelEndpoint = Annotated[
    str | None, typer.Option(help="OTLP/HTTP traces endpoint (http://host:4318/v1/traces).")
]
Sample = Annotated[float, typer.Option(help="Share of exchanges checked, 0 to 1.")]
MaxChecked = Annotated[
    int, typer.Option(help="At most this many exchanges checked at once; the rest pass unchecked.")
]


def root(
    version: Annotated[
        bool, typer.Option("--version", "-V", is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """The top level's own option (`main` answers --version before typer is even built; this
    makes it part of --help)."""
    if version:
        from streamcheck import __version__

        sys.stdout.write(f"streamcheck {__version__}\n")
        raise typer.Exit(EXIT_OK)

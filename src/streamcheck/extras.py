"""Optional extras: which commands need which packages, and the one-line error when absent.

The requirement strings come from the installed package's own metadata (pyproject.toml's
optional-dependencies), so the install command printed is always the one that was declared.
"""

from __future__ import annotations

from importlib.util import find_spec

from streamcheck.exceptions import MissingExtra

# extra -> (module to import, distribution name) for each package the extra brings.
EXTRAS: dict[str, tuple[tuple[str, str], ...]] = {
    "serve": (("starlette", "starlette"), ("uvicorn", "uvicorn")),
    "ws": (("websockets", "websockets"),),
    # `check --client`: the official SDKs whose streaming code path replays recordings.
    "clients": (("openai", "openai"), ("anthropic", "anthropic")),
    # `proxy` and `ext-proc` outputs: /metrics, and OpenTelemetry spans over OTLP/HTTP.
    "metrics": (("prometheus_client", "prometheus-client"),),
    "otel": (
        ("opentelemetry.sdk", "opentelemetry-sdk"),
        ("opentelemetry.exporter.otlp.proto.http", "opentelemetry-exporter-otlp-proto-http"),
    ),
    "ext-proc": (
        ("grpc", "grpcio"),
        ("envoy.service.ext_proc.v3", "xds-protos"),
        ("google.protobuf", "protobuf"),
    ),
}


def declared(extra: str, names: list[str]) -> list[str]:
    """The requirement strings (`starlette>=0.37`) pyproject.toml declares for `names`."""
    from importlib.metadata import PackageNotFoundError, requires

    try:
        listed = requires("streamcheck") or []
    except PackageNotFoundError:  # a checkout on PYTHONPATH, not installed
        listed = []
    found = {}
    for line in listed:
        spec, _, marker = line.partition(";")
        if f'extra == "{extra}"' not in marker.replace("'", '"'):
            continue
        name = spec.strip()
        for known in names:
            if name.lower().startswith(known.lower()):
                found[known] = name
    return [found.get(known, known) for known in names]


def require(extra: str, what: str, only: tuple[str, ...] | None = None) -> None:
    """Raise MissingExtra naming the install command when a package of `extra` is missing
    (`only`: just these of its modules, e.g. the one SDK a `--client` needs)."""
    missing = [
        dist
        for module, dist in EXTRAS[extra]
        if (only is None or module in only) and not _found(module)
    ]
    if not missing:
        return
    wanted = " ".join(f"'{spec}'" for spec in declared(extra, missing))
    raise MissingExtra(
        f"{what} needs {', '.join(missing)}, not installed: pip install {wanted}"
        f" (or install streamcheck with its [{extra}] extra)"
    )


def _found(module: str) -> bool:
    """Whether `module` can be imported (a dotted name whose parent is missing is not)."""
    try:
        return find_spec(module) is not None
    except ModuleNotFoundError:
        return False

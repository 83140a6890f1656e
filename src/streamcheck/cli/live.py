"""The network half of the command line: `serve` replays recordings as a provider endpoint,
`record` makes one live call and keeps it as a tape, `smoke` checks each target's key, model
and stream. The network stack (streamcheck.live.call.client, server) is imported inside them."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from streamcheck.cli import EXIT_FINDINGS, EXIT_OK, _console, _fail_on, _positive
from streamcheck.exceptions import StreamcheckError

if TYPE_CHECKING:
    from streamcheck.check import CheckOptions

group = typer.Typer()

# Options that record and smoke share, defined once. The provider is required-with-a-default
# for record and optional for smoke (absent: the config's targets), so only its help is shared.
_PROVIDER = typer.Option(help="openai, azure, anthropic or openai-compatible.")
Model = Annotated[str | None, typer.Option(help="Model (Azure: defaults the deployment).")]
BaseUrl = Annotated[str | None, typer.Option(help="API base URL.")]
Deployment = Annotated[str | None, typer.Option(help="Azure deployment name.")]
ApiVersion = Annotated[str | None, typer.Option(help="Azure api-version or anthropic-version.")]
Headers = Annotated[
    list[str] | None,
    typer.Option(
        "--header",
        "-H",
        metavar="'NAME: VALUE'",
        help="Extra request header 'Name: value' (repeatable).",
    ),
]
SecretHeaders = Annotated[
    list[str] | None,
    typer.Option(
        "--secret-header",
        metavar="NAME",
        help="Name of a -H header that carries a credential (repeatable): masked in the tape "
        "and in every output. Headers named like key/token/secret/auth are masked anyway.",
    ),
]
ConnectTimeout = Annotated[float, typer.Option(help="Seconds to connect.")]
ReadTimeout = Annotated[float, typer.Option(help="Longest wait for the next bytes.")]
FailOn = Annotated[str, typer.Option(help="error, warning or info.")]
MaxGap = Annotated[float, typer.Option(help="Longest silence in seconds (SC501).")]
NoColor = Annotated[bool, typer.Option("--no-color", help="Plain text output.")]


def _fault_help() -> str:
    from streamcheck.live.serve.fault_names import FAULTS, WEBSOCKET_FAULTS

    faults = FAULTS | WEBSOCKET_FAULTS
    return ", ".join(name + (":N" if arg else "") for name, (arg, _) in faults.items())


def _smoke_help() -> str:
    from streamcheck.live.exitcodes import exit_table

    return (
        "Pre-deploy check: one cheap streaming call per target, fully validated, one verdict "
        "line each.\n\nTargets come from the flags, or from the tool.streamcheck.smoke array of "
        "tables in pyproject.toml (keys: provider, model, base-url, key-env, deployment, "
        "api-version, name).\n\n\b\nExit codes:\n" + exit_table()
    )


@group.command()
def serve(
    paths: Annotated[
        list[str], typer.Argument(metavar="PATH", help="Tapes or recordings to replay.")
    ],
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port; 0 picks a free one (printed).")] = 8400,
    speed: Annotated[
        float, typer.Option(help="Replay speed: 1 original timing, 2 twice as fast, 0 no waits.")
    ] = 1.0,
    fault: Annotated[
        str | None, typer.Option(help=f"Inject into every response: {_fault_help()}.")
    ] = None,
    fixture: Annotated[
        str | None, typer.Option(help="Always replay this recording (file stem or path).")
    ] = None,
    access_log: Annotated[bool, typer.Option(help="Log each request.")] = False,
) -> None:
    """Replay recordings as a local provider endpoint (OpenAI, Azure, Anthropic paths).

    Per request, the x-streamcheck-fault header injects a fault, x-streamcheck-fixture picks a
    recording and x-streamcheck-speed sets the speed. Ctrl-C stops the server.
    """
    from streamcheck.extras import require

    require("serve", "streamcheck serve")
    from streamcheck.live.serve import faults, server
    from streamcheck.live.serve import fixtures as fixtures_

    if not 0 <= port <= 65535:
        raise StreamcheckError(f"--port {port}: expected 0 (any free port) to 65535")
    if speed < 0:
        raise StreamcheckError(f"--speed {speed:g}: expected 0 (no waits) or more")
    chosen = faults.parse_fault(fault) if fault else None
    fixtures = fixtures_.load_fixtures(paths)
    if any(f.messages is not None for f in fixtures):
        # Without it uvicorn answers every upgrade 405 with advice to install uvicorn[standard]:
        # name streamcheck's own extra, before listening.
        require("ws", "streamcheck serve of a WebSocket recording")
    options = fixtures_.ServeOptions(speed=speed, fault=chosen, fixture=fixture)
    app_ = server.build_app(fixtures, options)
    sock = server.bind(host, port)
    from streamcheck.report.terminal import printable

    # File names and a tape's provider and API come from the files: nothing a terminal obeys.
    listing = printable(
        ", ".join(f"{f.name} ({f.provider or '?'}/{f.api or '?'})" for f in fixtures)
    )

    def ready() -> None:
        sys.stdout.write(
            f"streamcheck serve: listening on {server.url_of(sock)}\n"
            f"  recordings: {listing}\n  fault: {chosen or 'none'}; speed: {speed:g}; "
            "Ctrl-C stops\n"
        )
        sys.stdout.flush()

    import signal

    # SIGTERM (what CI and containers send) stops serve as Ctrl-C does: uvicorn handles both,
    # shuts down, then raises the signal it caught again; as KeyboardInterrupt, it ends here.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it handled
        server.serve(app_, sock, access_log, ready)
    sys.stdout.write("streamcheck serve: stopped\n")


def _target(  # type: ignore[no-untyped-def]
    provider: str,
    model: str | None,
    base_url: str | None,
    key_env: str | None,
    deployment: str | None,
    api_version: str | None,
    headers: list[str] | None,
    secret_headers: list[str] | None = None,
):
    from streamcheck import redact
    from streamcheck.live.targets import Target

    pairs = []
    marked = tuple(n.strip().lower() for n in secret_headers or [] if n.strip())
    for header in headers or []:
        name, sep, value = header.partition(":")
        if not sep or not name.strip():
            # Never the value: a malformed header may still be a token.
            raise StreamcheckError(
                f"--header {redact.text(name.strip())!r}: expected 'Name: value'"
            )
        pairs.append((name.strip().lower(), value.strip()))
    return Target(
        provider,
        model,
        base_url,
        key_env,
        deployment,
        api_version,
        headers=tuple(pairs),
        secret_headers=marked,
    )


@group.command()
def record(
    provider: Annotated[str, _PROVIDER] = "openai",
    model: Model = None,
    body: Annotated[
        Path | None, typer.Option(help="JSON request body file (default: a 'ping' request).")
    ] = None,
    base_url: BaseUrl = None,
    key_env: Annotated[
        str | None,
        typer.Option(
            help="Environment variable with the key (default per provider, e.g. "
            "OPENAI_API_KEY, ANTHROPIC_API_KEY, AZURE_OPENAI_API_KEY)."
        ),
    ] = None,
    deployment: Deployment = None,
    api_version: ApiVersion = None,
    header: Headers = None,
    secret_header: SecretHeaders = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the tape here (never overwritten).")
    ] = None,
    connect_timeout: ConnectTimeout = 10.0,
    read_timeout: ReadTimeout = 60.0,
    fail_on: FailOn = "error",
    max_gap: MaxGap = 30.0,
    no_color: NoColor = False,
    ws: Annotated[
        str | None,
        typer.Option(
            "--ws",
            help="Record a WebSocket session at this ws:// or wss:// URL instead of an HTTP "
            "call (the OpenAI Realtime API, an app's relay).",
        ),
    ] = None,
    send: Annotated[
        Path | None,
        typer.Option(help="--ws: the first message(s) to send: one JSON document, or JSON lines."),
    ] = None,
    linger: Annotated[
        float,
        typer.Option(help="--ws: seconds to wait after the stream reached its end, then close."),
    ] = 1.0,
    protocol: Annotated[
        list[Path] | None,
        typer.Option(
            "--protocol",
            metavar="FILE",
            help="A user-defined protocol file (see README); only these judge the stream "
            "(repeatable).",
        ),
    ] = None,
) -> None:
    """Make a live streaming call, validate it as it streams, and save it as a tape.

    With --ws, a WebSocket session: the --send messages go out, every message that arrives is
    validated, and the client closes normally once the protocol's stream has ended (after
    --linger seconds), unless the server closes first.

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or no response,
    130 interrupted (the partial tape is kept).
    """
    from streamcheck.check import CheckOptions
    from streamcheck.exceptions import LiveCallError
    from streamcheck.live.call import display
    from streamcheck.live.call.client import LiveCall, Timeouts
    from streamcheck.live.targets import prepare

    files = tuple(protocol or ())
    if ws is not None:
        _positive(("--connect-timeout", connect_timeout), ("--read-timeout", read_timeout))
        if output is not None and output.exists():
            raise StreamcheckError(f"{output}: already exists (record never overwrites a file)")
        from streamcheck.live.call import ws_record

        code = ws_record.record(
            ws,
            ws_record.Settings(
                headers=header or [],
                key_env=key_env,
                send=send,
                output=output,
                timeouts=Timeouts(connect_timeout, read_timeout),
                options=_checked(
                    CheckOptions(
                        fail_on=_fail_on(fail_on),
                        max_gap=max_gap,
                        protocol_files=files,
                        force_protocols=bool(files),
                    )
                ),
                linger=linger,
                secret_headers=tuple(n.strip().lower() for n in secret_header or ()),
            ),
            _console(no_color),
        )
        raise typer.Exit(code)
    target = _target(
        provider, model, base_url, key_env, deployment, api_version, header, secret_header
    )
    key = target.read_key()  # registers the key as a secret before anything is printed
    request_body = _read_body(body) if body else None
    if output is not None and output.exists():
        raise StreamcheckError(f"{output}: already exists (record never overwrites a file)")
    threshold = _fail_on(fail_on)
    _positive(
        ("--connect-timeout", connect_timeout),
        ("--read-timeout", read_timeout),
        ("--max-gap", max_gap),
    )
    options = _checked(
        CheckOptions(
            fail_on=threshold, max_gap=max_gap, protocol_files=files, force_protocols=bool(files)
        )
    )
    console = _console(no_color)
    call = LiveCall(
        target,
        prepare(target, key, request_body),
        options,
        Timeouts(connect_timeout, read_timeout),
        tape_path=output,
    )
    if console.is_terminal:
        with display.LivePanel(console, target.label) as panel:
            call.observer = panel
            outcome = call.run()
    else:
        outcome = call.run()
    if outcome.result is None and not outcome.interrupted:
        raise LiveCallError(outcome.message or "no response")
    if outcome.result is not None:
        display.print_record(console, outcome.result, threshold)
        cut = display.cut_off_line(outcome.result, read_timeout, call.tape is not None)
        if cut is not None:
            console.print(cut, highlight=False, markup=False)
    if output is not None and call.tape is not None:
        console.print(f"tape: {output}", highlight=False, markup=False)
    if outcome.interrupted:
        console.print(
            "interrupted: the stream was cut short by Ctrl-C"
            + ("; the partial tape is kept" if call.tape is not None else ""),
            highlight=False,
            markup=False,
        )
        raise typer.Exit(130)
    worst = outcome.result.worst() if outcome.result is not None else None
    raise typer.Exit(EXIT_FINDINGS if worst is not None and worst >= threshold else EXIT_OK)


def _checked(options: CheckOptions) -> CheckOptions:
    """A bad protocol file fails before anything is sent (one line, exit 2)."""
    if options.protocol_files:
        options.protocols()
    return options


def _read_body(path: Path) -> dict:  # type: ignore[type-arg]
    import orjson

    try:
        value = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise StreamcheckError(f"{path}: cannot read ({exc.strerror})") from None
    except orjson.JSONDecodeError as exc:
        raise StreamcheckError(f"{path}: not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise StreamcheckError(f"{path}: the request body must be a JSON object")
    return value


@group.command(help=_smoke_help())
def smoke(
    provider: Annotated[str | None, _PROVIDER] = None,
    model: Model = None,
    base_url: BaseUrl = None,
    key_env: Annotated[str | None, typer.Option(help="Environment variable with the key.")] = None,
    deployment: Deployment = None,
    api_version: ApiVersion = None,
    header: Headers = None,
    secret_header: SecretHeaders = None,
    config: Annotated[
        Path | None, typer.Option(help="pyproject.toml holding tool.streamcheck.smoke targets.")
    ] = None,
    connect_timeout: ConnectTimeout = 10.0,
    read_timeout: ReadTimeout = 60.0,
    fail_on: FailOn = "error",
    max_gap: MaxGap = 30.0,
    format: Annotated[
        str, typer.Option("--format", "-f", help="text, or json (one document, all targets).")
    ] = "text",
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Every finding, with hints.")
    ] = False,
    no_color: NoColor = False,
) -> None:
    from streamcheck.check import CheckOptions
    from streamcheck.live.call import display
    from streamcheck.live.call import smoke as smoke_
    from streamcheck.live.call.client import Timeouts
    from streamcheck.schemas import Catalog

    if format not in ("text", "json"):
        raise StreamcheckError(f"--format {format!r}: expected text or json")
    threshold = _fail_on(fail_on)
    if provider is not None:
        targets = [
            _target(
                provider, model, base_url, key_env, deployment, api_version, header, secret_header
            )
        ]
    else:
        from streamcheck.config import find

        path = config or find()
        targets = smoke_.targets_from_config(path) if path is not None else []
        if not targets:
            raise StreamcheckError(
                "no smoke targets: pass --provider (and --model ...) or add "
                "[[tool.streamcheck.smoke]] tables to pyproject.toml"
            )
    _positive(
        ("--connect-timeout", connect_timeout),
        ("--read-timeout", read_timeout),
        ("--max-gap", max_gap),
    )
    options = CheckOptions(fail_on=threshold, max_gap=max_gap)
    timeouts = Timeouts(connect_timeout, read_timeout)
    catalog = Catalog()
    console = _console(no_color)
    verdicts = []
    for target in targets:
        verdict = smoke_.run_target(target, options, timeouts, catalog)
        if format == "text":
            display.print_verdict(console, verdict, verbose)
        verdicts.append(verdict)
    code = smoke_.exit_code(verdicts)
    if format == "json":
        import orjson

        document = {"exit_code": code, "targets": [smoke_.to_dict(v) for v in verdicts]}
        sys.stdout.write(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        console.print(display.smoke_summary(verdicts, code), highlight=False, markup=False)
    raise typer.Exit(code)

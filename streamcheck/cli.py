"""The command line: parse options, call the library, pick a reporter, map to exit codes.

Exit codes: 0 clean; 1 findings at or above --fail-on; 2 usage error or unreadable input.
Heavy imports (httpx, the server, YAML) happen inside the commands that need them.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from streamcheck.exceptions import StreamcheckError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

HELP = (
    "Validate recorded and live LLM provider streams against per-version schemas.\n\n"
    "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or unreadable input."
)
_SETTINGS: dict[str, Any] = {
    "name": "streamcheck",
    "no_args_is_help": True,
    "add_completion": False,
    "pretty_exceptions_enable": False,
}
app = typer.Typer(help=HELP, **_SETTINGS)


def _codes(values: list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for value in values or []:
        out.extend(v.strip().upper() for v in value.split(",") if v.strip())
    return tuple(out)


def _console(no_color: bool = False, stderr: bool = False):  # type: ignore[no-untyped-def]
    import os

    from rich.console import Console

    # --no-color and NO_COLOR (https://no-color.org) mean plain text: no bold either.
    color = not no_color and not os.environ.get("NO_COLOR")
    return Console(
        stderr=stderr,
        no_color=not color,
        color_system="auto" if color else None,
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def check(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Files, folders or globs; '-' for stdin. Default: the config's paths."),
    ] = None,
    format: Annotated[
        str, typer.Option("--format", "-f", help="text, json, junit, sarif or github.")
    ] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    report_to: Annotated[
        list[str] | None,
        typer.Option(
            "--report",
            help="Also write FORMAT:PATH, e.g. junit:out.xml or sarif:out.sarif (repeatable).",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", help="Config file (default: streamcheck.toml or pyproject.toml upwards)."
        ),
    ] = None,
    provider: Annotated[
        str | None, typer.Option(help="Force the provider (openai, anthropic, ...).")
    ] = None,
    api: Annotated[str | None, typer.Option(help="Force the API (chat-completions, ...).")] = None,
    api_version: Annotated[
        str | None, typer.Option(help="Validate against this API version's schemas.")
    ] = None,
    input_format: Annotated[
        str | None, typer.Option(help="auto, sse, ndjson, json, curl, tape, cassette or har.")
    ] = None,
    select: Annotated[
        list[str] | None, typer.Option(help="Only these codes or prefixes (SC1, SC301).")
    ] = None,
    ignore: Annotated[list[str] | None, typer.Option(help="Skip these codes or prefixes.")] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(help="Lowest severity that fails the run: error (default), warning, info."),
    ] = None,
    max_line: Annotated[
        int | None, typer.Option(help="Longest line accepted, in bytes (default 16 MiB).")
    ] = None,
    max_gap: Annotated[
        float | None, typer.Option(help="Longest silence in seconds (SC501, default 30).")
    ] = None,
    schemas: Annotated[
        list[Path] | None, typer.Option("--schemas", help="Extra schema folder (repeatable).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show clean exchanges.")] = False,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs", "-j", help="Check files in N processes (0: one per CPU); same output order."
        ),
    ] = 1,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only the summary line; no progress display.")
    ] = False,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="Plain text output (also: NO_COLOR set).")
    ] = False,
) -> None:
    """Validate recordings: raw SSE/NDJSON bodies, curl -i dumps, tapes, cassettes, HAR.

    Settings come from [tool.streamcheck] in pyproject.toml or a streamcheck.toml (see README,
    "Configuration"); flags win over them.
    """
    from streamcheck import config as configuration
    from streamcheck.model import Report, Severity
    from streamcheck.report import FORMATS
    from streamcheck.run import iter_files
    from streamcheck.sources import FORMATS as INPUT_FORMATS
    from streamcheck.sources import expand

    if format not in FORMATS:
        raise StreamcheckError(f"--format {format!r}: expected {', '.join(FORMATS)}")
    extra = [_report_target(value, FORMATS) for value in report_to or []]
    if input_format is not None and input_format not in INPUT_FORMATS:
        raise StreamcheckError(
            f"--input-format {input_format!r}: expected {', '.join(INPUT_FORMATS)}"
        )
    try:
        threshold = Severity.parse(fail_on) if fail_on is not None else None
    except ValueError as exc:
        raise StreamcheckError(f"--fail-on: {exc}") from None
    cli = configuration.Settings(
        select=configuration.check_codes(_codes(select), "--select") if select else None,
        ignore=configuration.check_codes(_codes(ignore), "--ignore") if ignore else None,
        fail_on=threshold,
        provider=provider,
        api=api,
        api_version=api_version,
        max_line=max_line,
        max_gap=max_gap,
    )
    loaded = configuration.load(config)
    resolved = loaded.resolve(cli, input_format=input_format, schemas=tuple(schemas or ()))
    targets = paths or loaded.default_paths()
    if not targets:
        raise StreamcheckError(
            "no paths given, and no `paths` in a config file (see 'streamcheck check --help')"
        )
    files = expand(targets)
    report = Report(fail_on=resolved.options.fail_on)
    with _progress(len(files), quiet, no_color) as advance:
        report.results.extend(
            iter_files(
                files,
                resolved.options,
                resolved.input_format,
                options_for=resolved.per_path(),
                on_file=advance,
                jobs=_jobs(jobs),
            )
        )
    for extra_format, path in extra:
        _write(path, _render(report, extra_format, verbose))
    if "github" in (format, *(name for name, _ in extra)):
        _github_step_summary(report)
    _emit(report, format, output, verbose, quiet, no_color)
    raise typer.Exit(EXIT_FINDINGS if report.failed else EXIT_OK)


def _jobs(value: int) -> int:
    if value < 0:
        raise StreamcheckError(f"--jobs {value}: expected 0 (one per CPU) or more")
    if value == 0:
        import os

        return os.cpu_count() or 1
    return value


def _github_step_summary(report) -> None:  # type: ignore[no-untyped-def]
    """Inside GitHub Actions, also add a Markdown table to the job's summary page."""
    import os

    from streamcheck.report.github import step_summary

    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(step_summary(report))
    except OSError as exc:
        raise StreamcheckError(
            f"GITHUB_STEP_SUMMARY {target}: cannot write ({exc.strerror})"
        ) from None


def _report_target(value: str, formats: tuple[str, ...]) -> tuple[str, Path]:
    name, sep, path = value.partition(":")
    if not sep or not path or name not in formats:
        raise StreamcheckError(
            f"--report {value!r}: expected FORMAT:PATH with FORMAT one of {', '.join(formats)}"
        )
    return name, Path(path)


def _render(report, format: str, verbose: bool) -> str:  # type: ignore[no-untyped-def]
    from streamcheck import __version__
    from streamcheck.report import render

    return render(report, format, verbose=verbose, tool_version=__version__)


def _emit(report, format, output, verbose, quiet, no_color) -> None:  # type: ignore[no-untyped-def]
    from streamcheck.report import text as text_report

    if format != "text" or output:
        rendered = _render(report, format, verbose)
        if output:
            _write(output, rendered)
        else:
            sys.stdout.write(rendered)
        return
    import os

    plain = no_color or os.environ.get("NO_COLOR") or not sys.stdout.isatty()
    if plain and not os.environ.get("FORCE_COLOR"):
        # What rich prints here is plain text: skip importing it (start-up, issue 6).
        quiet_text = text_report.summary(report) + "\n"
        sys.stdout.write(quiet_text if quiet else text_report.plain(report, verbose))
        return
    console = _console(no_color)
    if quiet:
        console.print(text_report.summary(report))
    else:
        text_report.render(report, console, verbose)


@contextlib.contextmanager
def _progress(total: int, quiet: bool, no_color: bool) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr while many files are checked; nothing when stderr is no
    terminal (CI logs, pipes), with --quiet, or for a single file."""
    if quiet or total < 2 or not sys.stderr.isatty():
        yield lambda path: None
        return
    console = _console(no_color, stderr=True)
    if not console.is_interactive:
        yield lambda path: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (
        TextColumn("checking"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}", markup=False),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("", total=total)
        started = False

        def advance(path: str) -> None:
            nonlocal started
            progress.update(task, advance=1 if started else 0, description=path)
            started = True

        yield advance
        progress.update(task, completed=total)


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise StreamcheckError(f"{path}: cannot write ({exc.strerror})") from None


@app.command("rules")
def list_rules(
    all: Annotated[bool, typer.Option("--all", help="Include retired rules.")] = False,
) -> None:
    """List every rule: code, name, default severity, summary."""
    from streamcheck import rules

    console = _console()
    for rule in sorted(rules.REGISTRY.values(), key=lambda r: r.code):
        if rule.retired and not all:
            continue
        console.print(
            f"{rule.code}  {rule.name:32} {rule.severity.label:8} {rule.summary}",
            highlight=False,
            markup=False,
        )


@app.command()
def explain(code: Annotated[str, typer.Argument(help="A rule code (SC301) or name.")]) -> None:
    """Show one rule's documentation."""
    from streamcheck import rules

    try:
        rule = rules.get(code)
    except KeyError:
        raise StreamcheckError(f"unknown rule {code!r} (see 'streamcheck rules')") from None
    scope = ", ".join(rule.protocols) if rule.protocols != rules.ALL_PROTOCOLS else "all"
    header = (
        f"# {rule.code} {rule.name}\n\n{rule.summary}\n\n"
        f"Severity: {rule.severity.label} · Family: {rule.family} · Applies to: {scope}\n\n"
    )
    sys.stdout.write(header + rule.doc + "\n")


@app.command("schemas")
def list_schemas(
    schemas: Annotated[
        list[Path] | None, typer.Option("--schemas", help="Extra schema folder (repeatable).")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="Config file whose `schemas` to add.")
    ] = None,
) -> None:
    """List shipped and user schemas (--schemas and the config's `schemas`) per provider, API
    and version."""
    from streamcheck import config as configuration
    from streamcheck.schemas import Catalog

    catalog = Catalog(configuration.load(config).schemas + tuple(schemas or ()))
    console = _console()
    for (provider, api, version), found in sorted(catalog.sets.items()):
        default = " (default)" if catalog.default_version(provider, api) == version else ""
        note = catalog.notes.get((provider, api, version), "")
        console.print(
            f"{provider}/{api}/{version}{default} [{found.origin}]: {', '.join(found.kinds())}"
            + (f"\n    {note}" if note else ""),
            highlight=False,
            markup=False,
        )


def _fault_help() -> str:
    from streamcheck.live.fault_names import FAULTS

    return ", ".join(name + (":N" if arg else "") for name, (arg, _) in FAULTS.items())


def _smoke_help() -> str:
    from streamcheck.live.exitcodes import exit_table

    return (
        "Pre-deploy check: one cheap streaming call per target, fully validated, one verdict "
        "line each.\n\nTargets come from the flags, or from the tool.streamcheck.smoke array of "
        "tables in pyproject.toml (keys: provider, model, base-url, key-env, deployment, "
        "api-version, name).\n\n\b\nExit codes:\n" + exit_table()
    )


@app.command()
def serve(
    paths: Annotated[list[str], typer.Argument(help="Tapes or recordings to replay.")],
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
    from streamcheck.live import faults, server

    chosen = faults.parse_fault(fault) if fault else None
    fixtures = server.load_fixtures(paths)
    options = server.ServeOptions(speed=max(speed, 0.0), fault=chosen, fixture=fixture)
    app_ = server.build_app(fixtures, options)
    sock = server.bind(host, port)
    listing = ", ".join(f"{f.name} ({f.provider or '?'}/{f.api or '?'})" for f in fixtures)

    def ready() -> None:
        sys.stdout.write(
            f"streamcheck serve: listening on {server.url_of(sock)}\n"
            f"  recordings: {listing}\n  fault: {chosen or 'none'}; speed: {speed:g}; "
            "Ctrl-C stops\n"
        )
        sys.stdout.flush()

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
):
    from streamcheck.live.targets import Target

    pairs = []
    for header in headers or []:
        name, sep, value = header.partition(":")
        if not sep or not name.strip():
            raise StreamcheckError(f"--header {name.strip()!r}: expected 'Name: value'")
        pairs.append((name.strip().lower(), value.strip()))
    return Target(provider, model, base_url, key_env, deployment, api_version, headers=tuple(pairs))


@app.command()
def record(
    provider: Annotated[
        str, typer.Option(help="openai, azure, anthropic or openai-compatible.")
    ] = "openai",
    model: Annotated[
        str | None, typer.Option(help="Model (Azure: defaults the deployment).")
    ] = None,
    body: Annotated[
        Path | None, typer.Option(help="JSON request body file (default: a 'ping' request).")
    ] = None,
    base_url: Annotated[str | None, typer.Option(help="API base URL.")] = None,
    key_env: Annotated[
        str | None,
        typer.Option(
            help="Environment variable with the key (default per provider, e.g. "
            "OPENAI_API_KEY, ANTHROPIC_API_KEY, AZURE_OPENAI_API_KEY)."
        ),
    ] = None,
    deployment: Annotated[str | None, typer.Option(help="Azure deployment name.")] = None,
    api_version: Annotated[
        str | None, typer.Option(help="Azure api-version or anthropic-version.")
    ] = None,
    header: Annotated[
        list[str] | None,
        typer.Option("--header", "-H", help="Extra request header 'Name: value' (repeatable)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the tape here (never overwritten).")
    ] = None,
    connect_timeout: Annotated[float, typer.Option(help="Seconds to connect.")] = 10.0,
    read_timeout: Annotated[float, typer.Option(help="Longest wait for the next bytes.")] = 60.0,
    fail_on: Annotated[str, typer.Option(help="error, warning or info.")] = "error",
    max_gap: Annotated[float, typer.Option(help="Longest silence in seconds (SC501).")] = 30.0,
    no_color: Annotated[bool, typer.Option("--no-color", help="Plain text output.")] = False,
) -> None:
    """Make a live streaming call, validate it as it streams, and save it as a tape.

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or no response,
    130 interrupted (the partial tape is kept).
    """
    from streamcheck.check import CheckOptions
    from streamcheck.exceptions import LiveCallError
    from streamcheck.live import display
    from streamcheck.live.client import LiveCall, Timeouts
    from streamcheck.live.targets import prepare
    from streamcheck.model import Severity

    target = _target(provider, model, base_url, key_env, deployment, api_version, header)
    key = target.read_key()  # registers the key as a secret before anything is printed
    request_body = _read_body(body) if body else None
    if output is not None and output.exists():
        raise StreamcheckError(f"{output}: already exists (record never overwrites a file)")
    try:
        threshold = Severity.parse(fail_on)
    except ValueError as exc:
        raise StreamcheckError(f"--fail-on: {exc}") from None
    options = CheckOptions(fail_on=threshold, max_gap=max_gap)
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


@app.command(help=_smoke_help())
def smoke(
    provider: Annotated[
        str | None, typer.Option(help="openai, azure, anthropic or openai-compatible.")
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="Model (Azure: defaults the deployment).")
    ] = None,
    base_url: Annotated[str | None, typer.Option(help="API base URL.")] = None,
    key_env: Annotated[str | None, typer.Option(help="Environment variable with the key.")] = None,
    deployment: Annotated[str | None, typer.Option(help="Azure deployment name.")] = None,
    api_version: Annotated[
        str | None, typer.Option(help="Azure api-version or anthropic-version.")
    ] = None,
    header: Annotated[
        list[str] | None,
        typer.Option("--header", "-H", help="Extra request header 'Name: value' (repeatable)."),
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="pyproject.toml holding tool.streamcheck.smoke targets.")
    ] = None,
    connect_timeout: Annotated[float, typer.Option(help="Seconds to connect.")] = 10.0,
    read_timeout: Annotated[float, typer.Option(help="Longest wait for the next bytes.")] = 60.0,
    fail_on: Annotated[str, typer.Option(help="error, warning or info.")] = "error",
    max_gap: Annotated[float, typer.Option(help="Longest silence in seconds (SC501).")] = 30.0,
    format: Annotated[
        str, typer.Option("--format", "-f", help="text, or json (one document, all targets).")
    ] = "text",
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Every finding, with hints.")
    ] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="Plain text output.")] = False,
) -> None:
    from streamcheck.check import CheckOptions
    from streamcheck.live import display
    from streamcheck.live import smoke as smoke_
    from streamcheck.live.client import Timeouts
    from streamcheck.model import Severity
    from streamcheck.schemas import Catalog

    if format not in ("text", "json"):
        raise StreamcheckError(f"--format {format!r}: expected text or json")
    try:
        threshold = Severity.parse(fail_on)
    except ValueError as exc:
        raise StreamcheckError(f"--fail-on: {exc}") from None
    if provider is not None:
        targets = [_target(provider, model, base_url, key_env, deployment, api_version, header)]
    else:
        from streamcheck.config import find

        path = config or find()
        targets = smoke_.targets_from_config(path) if path is not None else []
        if not targets:
            raise StreamcheckError(
                "no smoke targets: pass --provider (and --model ...) or add "
                "[[tool.streamcheck.smoke]] tables to pyproject.toml"
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


def _app_for(args: list[str]) -> typer.Typer:
    """The app holding only the command named first, when one is: typer builds every
    command's click parameters on each run (inspect.signature and typing per parameter), which
    costs `check` a tenth of its start-up for the six commands it does not run (issue 6)."""
    name = args[0] if args else None
    chosen = [
        info
        for info in app.registered_commands
        if name
        == (info.name or (info.callback.__name__ if info.callback else "")).replace("_", "-")
    ]
    if not chosen:
        return app  # top-level --help, a typo: the whole app answers
    single = typer.Typer(**_SETTINGS)
    single.registered_commands = chosen
    single.callback(help=HELP)(_no_options)  # a group, as with the full app: `check` is a command
    return single


def _no_options() -> None:
    pass


def main(argv: list[str] | None = None) -> None:
    """Console entry point: tool errors become one line on stderr and exit code 2."""
    args = sys.argv[1:] if argv is None else argv
    try:
        code = _app_for(args)(args=args, standalone_mode=False)
    except StreamcheckError as exc:
        sys.stderr.write(f"streamcheck: error: {exc}\n")
        sys.exit(EXIT_USAGE)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("streamcheck: interrupted\n")
        sys.exit(130)
    except Exception as exc:  # usage errors and anything unforeseen: one line, exit 2
        import click

        # typer >= 0.22 raises its vendored click's exceptions, older typer click's own.
        if isinstance(exc, typer.Abort | click.exceptions.Abort):
            sys.exit(130)
        if isinstance(exc, typer.exceptions.TyperException | click.exceptions.ClickException):
            ctx = getattr(exc, "ctx", None)
            see = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            sys.stderr.write(f"streamcheck: error: {exc.format_message()}{see}\n")
            sys.exit(EXIT_USAGE)
        sys.stderr.write(f"streamcheck: internal error: {type(exc).__name__}: {exc}\n")
        sys.exit(EXIT_USAGE)
    sys.exit(code if isinstance(code, int) else EXIT_OK)

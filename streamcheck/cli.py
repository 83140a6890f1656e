"""The command line: parse options, call the library, pick a reporter, map to exit codes.

Exit codes: 0 clean; 1 findings at or above --fail-on; 2 usage error or unreadable input.
Heavy imports (httpx, the server, YAML) happen inside the commands that need them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from streamcheck.exceptions import StreamcheckError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

app = typer.Typer(
    name="streamcheck",
    help="Validate recorded and live LLM provider streams against per-version schemas.\n\n"
    "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or unreadable input.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _codes(values: list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for value in values or []:
        out.extend(v.strip().upper() for v in value.split(",") if v.strip())
    return tuple(out)


def _console(no_color: bool = False, stderr: bool = False):  # type: ignore[no-untyped-def]
    import os

    from rich.console import Console

    color = not no_color and "NO_COLOR" not in os.environ
    return Console(stderr=stderr, no_color=not color, highlight=False, soft_wrap=True)


@app.command()
def check(
    paths: Annotated[list[str], typer.Argument(help="Files, folders or globs; '-' for stdin.")],
    format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    provider: Annotated[
        str | None, typer.Option(help="Force the provider (openai, anthropic, ...).")
    ] = None,
    api: Annotated[str | None, typer.Option(help="Force the API (chat-completions, ...).")] = None,
    api_version: Annotated[
        str | None, typer.Option(help="Validate against this API version's schemas.")
    ] = None,
    input_format: Annotated[
        str, typer.Option(help="auto, sse, ndjson, json, curl, tape, cassette or har.")
    ] = "auto",
    select: Annotated[
        list[str] | None, typer.Option(help="Only these codes or prefixes (SC1, SC301).")
    ] = None,
    ignore: Annotated[list[str] | None, typer.Option(help="Skip these codes or prefixes.")] = None,
    fail_on: Annotated[
        str, typer.Option(help="Lowest severity that fails the run: error, warning, info.")
    ] = "error",
    max_line: Annotated[int, typer.Option(help="Longest line accepted, in bytes.")] = 16
    * 1024
    * 1024,
    max_gap: Annotated[float, typer.Option(help="Longest silence in seconds (SC501).")] = 30.0,
    schemas: Annotated[
        list[Path] | None, typer.Option("--schemas", help="Extra schema folder (repeatable).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show clean exchanges.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the summary line.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="Plain text output.")] = False,
) -> None:
    """Validate recordings: raw SSE/NDJSON bodies, curl -i dumps, tapes, cassettes, HAR."""
    from streamcheck.check import CheckOptions
    from streamcheck.model import Report, Severity
    from streamcheck.run import iter_results
    from streamcheck.sources import FORMATS

    if format not in ("text", "json"):
        raise StreamcheckError(f"--format {format!r}: expected text or json")
    if input_format not in FORMATS:
        raise StreamcheckError(f"--input-format {input_format!r}: expected {', '.join(FORMATS)}")
    try:
        threshold = Severity.parse(fail_on)
    except ValueError as exc:
        raise StreamcheckError(f"--fail-on: {exc}") from None
    options = CheckOptions(
        provider=provider,
        api=api,
        api_version=api_version,
        framing=input_format if input_format in ("sse", "ndjson") else None,
        select=_codes(select),
        ignore=_codes(ignore),
        fail_on=threshold,
        max_line=max_line,
        max_gap=max_gap,
        schema_dirs=tuple(schemas or ()),
    )
    report = Report(fail_on=threshold)
    report.results.extend(iter_results(paths, options, input_format))
    _emit(report, format, output, verbose, quiet, no_color)
    raise typer.Exit(EXIT_FINDINGS if report.failed else EXIT_OK)


def _emit(report, format, output, verbose, quiet, no_color) -> None:  # type: ignore[no-untyped-def]
    from streamcheck.report import json as json_report
    from streamcheck.report import text as text_report

    if format == "json":
        rendered = json_report.render(report)
        if output:
            _write(output, rendered)
        else:
            sys.stdout.write(rendered)
        return
    if output:
        from rich.console import Console

        with output.open("w", encoding="utf-8") as handle:
            text_report.render(report, Console(file=handle, no_color=True, width=120), verbose)
        return
    console = _console(no_color)
    if quiet:
        console.print(text_report.summary(report))
    else:
        text_report.render(report, console, verbose)


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
) -> None:
    """List shipped and user schemas per provider, API and version."""
    from streamcheck.schemas import Catalog

    catalog = Catalog(tuple(schemas or ()))
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


def main(argv: list[str] | None = None) -> None:
    """Console entry point: tool errors become one line on stderr and exit code 2."""
    try:
        code = app(args=argv, standalone_mode=False)
    except StreamcheckError as exc:
        sys.stderr.write(f"streamcheck: error: {exc}\n")
        sys.exit(EXIT_USAGE)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("streamcheck: interrupted\n")
        sys.exit(130)
    except Exception as exc:  # click usage errors and anything unforeseen: one line, exit 2
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(EXIT_USAGE)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(130)
        sys.stderr.write(f"streamcheck: internal error: {type(exc).__name__}: {exc}\n")
        sys.exit(EXIT_USAGE)
    sys.exit(code if isinstance(code, int) else EXIT_OK)

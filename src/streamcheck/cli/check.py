"""`streamcheck check`: validate recordings, report in one or more formats, exit 0, 1 or 2.

No `from __future__ import annotations` here, on purpose: typer reads a command's annotations
with typing.get_type_hints on every run, and string annotations make it eval() each of the
eighteen options twice, about 5 ms of `check`'s start-up (issue 6).
"""

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer

from streamcheck.cli import EXIT_FINDINGS, EXIT_OK, Schemas, _console, _fail_on, _positive
from streamcheck.exceptions import StreamcheckError

group = typer.Typer()


def _codes(values: list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for value in values or []:
        out.extend(v.strip().upper() for v in value.split(",") if v.strip())
    return tuple(out)


@group.command()
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
    schemas: Schemas = None,
    protocol: Annotated[
        list[Path] | None,
        typer.Option(
            "--protocol",
            help="A user-defined protocol file (YAML/TOML, see README); only these protocols "
            "judge the exchanges (repeatable).",
        ),
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

    Settings come from \\[tool.streamcheck] in pyproject.toml or a streamcheck.toml (see README,
    "Configuration"); flags win over them.
    """
    from streamcheck import config as configuration
    from streamcheck.model import Report
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
    threshold = _fail_on(fail_on) if fail_on is not None else None
    _positive(("--max-line", max_line), ("--max-gap", max_gap))
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
    resolved = loaded.resolve(
        cli,
        input_format=input_format,
        schemas=tuple(schemas or ()),
        protocols=tuple(protocol or ()),
    )
    if resolved.protocol_files:
        resolved.options.protocols()  # a bad protocol file fails now, before any input is read
    targets = paths or loaded.default_paths()
    if not targets:
        raise StreamcheckError(
            "no paths given, and no `paths` in a config file (see 'streamcheck check --help')"
        )
    notes: list[str] = []
    files = expand(targets, notes)
    for note in notes:  # what a folder walk skipped, once per kind
        sys.stderr.write(f"streamcheck: note: {note}\n")
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

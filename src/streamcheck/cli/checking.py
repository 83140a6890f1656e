"""What `streamcheck check` does: validate recordings, report in one or more formats, return
the exit code (0 or 1; a usage error raises StreamcheckError, exit 2).

No typer here: `check.py` declares the command (its options, help and errors) and calls `run`
with what was parsed; `main` calls `run` itself for `check PATH...` with no option at all,
with `run`'s defaults, which tests/test_check_lane.py holds equal to the command's (start-up:
typer is about half of a small check, issue 22).
"""

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections import Counter

    from streamcheck.baseline.keys import Key
    from streamcheck.config import Config
    from streamcheck.run import ClientRun

from streamcheck.cli import EXIT_FINDINGS, EXIT_OK, _console, _fail_on, _positive
from streamcheck.exceptions import StreamcheckError


def _codes(values: list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for value in values or []:
        out.extend(v.strip().upper() for v in value.split(",") if v.strip())
    return tuple(out)


def run(
    paths: list[str] | None = None,
    format: str = "text",
    output: Path | None = None,
    report_to: list[str] | None = None,
    config: Path | None = None,
    provider: str | None = None,
    api: str | None = None,
    api_version: str | None = None,
    input_format: str | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    fail_on: str | None = None,
    max_line: int | None = None,
    max_gap: float | None = None,
    schemas: list[Path] | None = None,
    protocol: list[Path] | None = None,
    baseline: Path | None = None,
    write_baseline: Path | None = None,
    client: list[str] | None = None,
    node_modules: Path | None = None,
    client_timeout: float | None = None,
    verbose: bool = False,
    jobs: int = 1,
    quiet: bool = False,
    require_judged: bool = False,
    no_color: bool = False,
) -> int:
    """`streamcheck check` with these options (the command's parameters, by the same names):
    the exit code."""
    from streamcheck import config as configuration
    from streamcheck.model import Report
    from streamcheck.report import FORMATS
    from streamcheck.run import iter_files
    from streamcheck.sources import FORMATS as INPUT_FORMATS
    from streamcheck.sources import expand

    if format not in FORMATS:
        raise StreamcheckError(f"--format {format!r}: expected {', '.join(FORMATS)}")
    extra = [report_target(value, FORMATS) for value in report_to or []]
    if input_format is not None and input_format not in INPUT_FORMATS:
        raise StreamcheckError(
            f"--input-format {input_format!r}: expected {', '.join(INPUT_FORMATS)}"
        )
    threshold = _fail_on(fail_on) if fail_on is not None else None
    _positive(
        ("--max-line", max_line), ("--max-gap", max_gap), ("--client-timeout", client_timeout)
    )
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
    client_runs = _clients(client or [], client_timeout, node_modules, loaded.file)
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
    from streamcheck.report.terminal import printable

    notes: list[str] = []
    files = expand(targets, notes)
    for note in notes:  # what a folder walk skipped, once per kind
        sys.stderr.write(f"streamcheck: note: {printable(note)}\n")
    baseline_plan = _baseline_plan(baseline, write_baseline, loaded)
    if baseline_plan is not None:
        # A baseline kept beside the recordings is no recording (a folder walk finds it).
        own = Path(baseline_plan[0]).absolute()
        files = [f for f in files if f == "-" or Path(f).absolute() != own]
    report = Report(
        fail_on=resolved.options.fail_on,
        require_judged=require_judged or loaded.require_judged,
    )
    from streamcheck.cli import OWN_PROCESS, collect  # read now: program() sets it

    if OWN_PROCESS:
        # What start-up made (modules, the config, the protocols and schemas in use) lives to
        # the end: frozen, the collections each file's objects set off skip it (a folder of
        # small files allocates per file; each full collection would walk it all again). Then
        # the collector, off through start-up (cli.program), is on for the files.
        import gc

        gc.freeze()
        collect()
    with _progress(len(files), quiet, no_color) as advance:
        report.results.extend(
            iter_files(
                files,
                resolved.options,
                resolved.input_format,
                options_for=resolved.per_path(),
                on_file=advance,
                jobs=_jobs(jobs),
                clients=client_runs,
                # The HTML report draws each exchange's frames by arrival time.
                timeline="html" in (format, *(name for name, _ in extra)),
            )
        )
    if baseline_plan is not None:
        _apply_baseline(report, files, resolved, *baseline_plan)
    for extra_format, path in extra:
        _write(path, _render(report, extra_format, verbose))
    if "github" in (format, *(name for name, _ in extra)):
        _github_step_summary(report)
    _emit(report, format, output, verbose, quiet, no_color)
    return EXIT_FINDINGS if report.failed else EXIT_OK


def _clients(
    names: list[str], timeout: float | None, node_modules: Path | None, config_file: Path | None
) -> "tuple[ClientRun, ...]":
    """The --client runs, in the order given (a name given twice runs once)."""
    if not names:
        if timeout is not None:
            raise StreamcheckError("--client-timeout needs --client")
        if node_modules is not None:
            raise StreamcheckError("--node-modules needs --client vercel-ai-ui")
        return ()
    # --node-modules belongs to the JavaScript client; with none asked for, the first client
    # says it is not for it.
    node = "vercel-ai-ui" if "vercel-ai-ui" in names else names[0]
    return tuple(
        _client(name, timeout, node_modules if name == node else None, config_file)
        for name in dict.fromkeys(names)
    )


def _client(
    name: str, timeout: float | None, node_modules: Path | None, config_file: Path | None
) -> "ClientRun":
    """One --client run, after checking the name and that its SDK is installed."""
    from streamcheck.clients import CLIENTS, locate
    from streamcheck.extras import EXTRAS, require
    from streamcheck.run import ClientRun

    known = CLIENTS.get(name)
    if known is None:
        raise StreamcheckError(f"--client {name!r}: expected one of {', '.join(CLIENTS)}")
    if any(module == known.sdk for module, _ in EXTRAS["clients"]):
        require("clients", f"--client {name}", only=(known.sdk,))
    return ClientRun(name, timeout, locate(name, node_modules, config_file))


def _baseline_plan(
    baseline: Path | None, write: Path | None, loaded: "Config"
) -> "tuple[Path, str, bool, Counter[Key] | None] | None":
    """(file, label, write?, old entries) for this run's baseline, or None; a baseline that
    cannot be read (or a target that is not one) fails before any recording is checked.
    A run with no baseline imports none of it (tempfile, hashlib: start-up, issue 22)."""
    if write is None and baseline is None and loaded.baseline is None:
        return None
    from streamcheck.baseline import store

    if write is not None:
        if baseline is not None and Path(baseline).absolute() != Path(write).absolute():
            raise StreamcheckError(
                f"--baseline {baseline} and --write-baseline {write}: name one file "
                "(--write-baseline also compares the run with what it writes)"
            )
        store.refuse_dangling(write)
        old = None
        if write.exists():  # through a symbolic link too: the target is read and replaced
            try:
                old = store.read(write)
            except StreamcheckError as exc:
                raise StreamcheckError(f"{exc}; not overwritten") from None
        return write, str(write), True, old
    if baseline is not None:
        return baseline, str(baseline), False, store.read(baseline)
    if loaded.baseline is not None:
        import os

        label = Path(os.path.relpath(loaded.baseline)).as_posix()
        return loaded.baseline, label, False, store.read(loaded.baseline)
    return None


def _apply_baseline(report, files, resolved, path, label, write, old) -> None:  # type: ignore[no-untyped-def]
    from streamcheck import baseline, rules

    def selected(given: str, code: str) -> bool:
        options = resolved.options_for(given)
        return rules.selected(code, options.select, options.ignore)

    options = resolved.options
    scope = baseline.Scope(
        Path(path).absolute().parent, files, selected, (options.select, options.ignore)
    )
    if write:
        baseline.write_and_apply(report, Path(path), scope, label, old)
    else:
        baseline.apply(report, old, scope, label)


def _jobs(value: int) -> int:
    if value < 0:
        raise StreamcheckError(f"--jobs {value}: expected 0 (one per CPU) or more")
    return value  # 0: run.auto_jobs decides once the files are known


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


def report_target(value: str, formats: tuple[str, ...]) -> tuple[str, Path]:
    """`--report FORMAT:PATH` (check and conform), read against the formats a command writes."""
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

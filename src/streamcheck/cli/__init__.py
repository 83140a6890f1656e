"""The command line: parse options, call the library, pick a reporter, map to exit codes.

One module per command group: `check.py` (check), `catalog.py` (rules, explain, schemas),
`live.py` (serve, record, smoke), `conform.py` (conform), `proxy.py` (proxy) and `extproc.py`
(ext-proc). This module holds what they share and the entry point, and imports a group only
when one of its commands runs, so `check` never pays for building the live commands (start-up,
issue 6); `app`, the whole CLI, loads every group on first use. It imports no typer itself
(`options.py` holds the typer options the groups share): `check PATH...` with no option runs
`checking.run`, the check command's implementation, without typer (`_bare_check`, issue 22),
as does `check PATH... --jobs N`.

Exit codes: 0 clean; 1 findings at or above --fail-on; 2 usage error or unreadable input.
Heavy imports (httpx, the server, YAML) happen inside the commands that need them.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from typing import TYPE_CHECKING, Any

from streamcheck.exceptions import StreamcheckError

if TYPE_CHECKING:
    from pathlib import Path

    import typer

    from streamcheck.live.observe import OutputOptions
    from streamcheck.model import Severity

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_PIPE = 141  # the reader of standard output went away (128 + SIGPIPE, as a shell reports)

HELP = (
    "Validate recorded and live LLM provider streams against per-version schemas.\n\n"
    "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or unreadable input."
)
_SETTINGS: dict[str, Any] = {
    "name": "streamcheck",
    "no_args_is_help": True,
    "add_completion": False,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
}
# Command -> the module of this package that registers it on its `group`, in `--help` order.
COMMANDS: dict[str, str] = {
    "check": "check",
    "rules": "catalog",
    "explain": "catalog",
    "schemas": "catalog",
    "serve": "live",
    "record": "live",
    "smoke": "live",
    "conform": "conform",
    "proxy": "proxy",
    "ext-proc": "extproc",
}


def output_options(
    log: str,
    tapes: Path | None,
    tapes_max_count: int,
    tapes_max_mb: float,
    metrics_port: int | None,
    metrics_host: str,
    otel: bool,
    otel_endpoint: str | None,
    fail_on: Severity,
) -> OutputOptions:
    from streamcheck.live.observe import OutputOptions

    if tapes_max_count < 1 or tapes_max_mb <= 0:
        raise StreamcheckError("--tapes-max-count and --tapes-max-mb must be positive")
    if metrics_port is not None and not 0 <= metrics_port <= 65535:
        raise StreamcheckError(f"--metrics-port {metrics_port}: expected 0 to 65535")
    if tapes is not None and tapes.exists() and not tapes.is_dir():
        raise StreamcheckError(f"--tapes {tapes}: not a folder")
    return OutputOptions(
        log=None if log.lower() == "none" else log,
        tapes=tapes,
        tapes_max_count=tapes_max_count,
        tapes_max_bytes=int(tapes_max_mb * 1024 * 1024),
        metrics_port=metrics_port,
        metrics_host=metrics_host,
        otel=otel or otel_endpoint is not None,
        otel_endpoint=otel_endpoint,
        fail_on=fail_on,
    )


def sampling(sample: float, max_checked: int) -> None:
    if not 0 <= sample <= 1:
        raise StreamcheckError(f"--sample {sample:g}: expected a share from 0 to 1")
    if max_checked < 1:
        raise StreamcheckError(f"--max-checked {max_checked}: expected 1 or more")


def _console(no_color: bool = False, stderr: bool = False):  # type: ignore[no-untyped-def]
    from rich.console import Console

    # --no-color and NO_COLOR (https://no-color.org) mean plain text: no bold either.
    color = not no_color and not os.environ.get("NO_COLOR")
    console = Console(
        stderr=stderr,
        no_color=not color,
        color_system="auto" if color else None,
        highlight=False,
        soft_wrap=True,
    )
    console.on_broken_pipe = _broken_pipe  # type: ignore[method-assign]
    return console


def _broken_pipe() -> None:
    """rich's own handling of a closed pipe exits 1 (as if findings failed the run); `main`
    gives every command the same quiet exit instead."""
    raise BrokenPipeError


def _fail_on(value: str) -> Severity:
    from streamcheck.model import Severity

    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise StreamcheckError(f"--fail-on: {exc}") from None


def _positive(*flags: tuple[str, float | None]) -> None:
    """Numeric options that only make sense above zero (limits, timeouts): a usage error, as
    the config file's keys are checked, not a crash deep inside or a finding on every line."""
    for flag, number in flags:
        if number is not None and number <= 0:
            raise StreamcheckError(f"{flag} {number}: must be a positive number")


def _group(module: str) -> typer.Typer:
    # __import__ rather than importlib.import_module: -X importtime sees only the former, and
    # tests/test_check_imports.py reads it.
    group: typer.Typer = __import__(f"{__name__}.{module}", fromlist=["group"]).group
    return group


def _whole_app() -> typer.Typer:
    import typer

    from streamcheck.cli.options import root

    whole = typer.Typer(**_SETTINGS)
    whole.callback(help=HELP)(root)
    for module in dict.fromkeys(COMMANDS.values()):
        whole.registered_commands.extend(_group(module).registered_commands)
    globals()["app"] = whole  # built once: later lookups find it without __getattr__
    return whole


def __getattr__(name: str) -> typer.Typer:
    """`streamcheck.cli.app`, the whole CLI (PEP 562: built when first asked for)."""
    if name == "app":
        return _whole_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _app_for(args: list[str]) -> typer.Typer:
    """The app holding only the command named first, when one is: typer builds every
    command's click parameters on each run (inspect.signature and typing per parameter), which
    costs `check` a tenth of its start-up for the six commands it does not run (issue 6); and
    only that command's module is imported."""
    name = args[0] if args else ""
    module = COMMANDS.get(name)
    chosen = [
        info
        for info in (_group(module).registered_commands if module else [])
        if name
        == (info.name or (info.callback.__name__ if info.callback else "")).replace("_", "-")
    ]
    if not chosen:
        return _whole_app()  # top-level --help, a typo: the whole app answers
    import typer

    from streamcheck.cli.options import root

    single = typer.Typer(**_SETTINGS)
    single.registered_commands = chosen
    single.callback(help=HELP)(root)  # a group, as with the full app: `check` is a command
    return single


def _command(args: list[str]) -> Any:
    """The click command for these arguments, its help tidied: an argument with a metavar
    (PATH...) shows it alone, not followed by typer's type label (`<list[str]>`); its plain
    options read without pydantic (`coerce`: about 60 ms of start-up, issue 22)."""
    import typer.main

    from streamcheck.cli.coerce import plain

    command = typer.main.get_command(_app_for(args))
    plain(command)
    for sub in getattr(command, "commands", {}).values():
        for param in sub.params:
            if param.param_type_name == "argument" and param.metavar is not None:
                param.display_type_rich = lambda ctx: None
    return command


def _click_exceptions() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """(aborts, usage errors): typer >= 0.22 raises its vendored click's exceptions, older
    typer click's own. click itself is not a dependency of a new typer, so it may be absent."""
    import typer

    aborts: list[type[BaseException]] = [typer.Abort]
    usage: list[type[BaseException]] = []
    vendored = getattr(typer, "exceptions", None)
    if vendored is not None and hasattr(vendored, "TyperException"):
        usage.append(vendored.TyperException)
    try:
        import click
    except ImportError:
        pass
    else:
        aborts.append(click.exceptions.Abort)
        usage.append(click.exceptions.ClickException)
    return tuple(aborts), tuple(usage)


def _bare_check(args: list[str]) -> tuple[list[str], int] | None:
    """The paths and the process count of `check PATH...`, with no option or only `--jobs N`
    (`--jobs=N`, `-j N`, `-jN`, N in ASCII digits, given once): every other argument after
    `check` (one at least) a path that does not start with '-'; else None.

    That is what pre-commit and CI run, many times a day, and it needs no option parsing:
    `_check_paths` runs the command's own implementation with its defaults, without loading
    typer (about half of the start-up of a small check, issue 22; a folder checked in
    parallel is the other run CI makes). typer stays the one definition of the command line:
    anything else, `--help` and every other option included, goes through it.
    tests/test_check_lane.py holds the two ways to the same defaults and the same output, exit
    codes and error lines."""
    if len(args) < 2 or args[0] != "check":
        return None
    paths: list[str] = []
    jobs: int | None = None
    rest = iter(args[1:])
    for arg in rest:
        if not arg.startswith("-"):
            paths.append(arg)
            continue
        if arg in ("--jobs", "-j"):
            value = next(rest, "")
        elif arg.startswith("--jobs="):
            value = arg[len("--jobs=") :]
        elif arg.startswith("-j"):
            value = arg[2:]
        else:
            return None
        # Digits only, and once: a sign, a second --jobs or a value typer would refuse (or
        # read otherwise) goes through typer.
        if jobs is not None or not (value.isascii() and value.isdigit()):
            return None
        jobs = int(value)
    if not paths:
        return None
    if os.environ.get("_STREAMCHECK_COMPLETE"):
        return None  # typer answers a shell's completion request (typer/core.py, _main)
    return paths, 1 if jobs is None else jobs


def _check_paths(paths: list[str], jobs: int) -> int:
    """`check PATHS [--jobs N]` with every other option at its default; what typer's
    `Command.main` does with an interrupt or an end of input inside a command, done the same
    (typer/core.py, _main)."""
    from streamcheck.cli.checking import run

    try:
        return run(paths, jobs=jobs)
    except KeyboardInterrupt:
        return 130  # typer: raise Exit(130), returned as the code, nothing said
    except EOFError:
        if sys.stderr is not None:  # typer: click.echo(file=sys.stderr), then Abort
            sys.stderr.write("\n")
            sys.stderr.flush()
        sys.exit(130)


def _masked(what: object) -> str:
    """An error line may quote what the user gave (a header, a file's line, a file name from
    a checked tree): mask credentials, and escape what a terminal would obey."""
    from streamcheck import redact
    from streamcheck.report.terminal import printable

    return printable(redact.text(str(what)))


def main(argv: list[str] | None = None) -> None:
    """Console entry point: tool errors become one line on stderr and exit code 2."""
    args = sys.argv[1:] if argv is None else argv
    bare = not args  # like git: the usage on standard output, and the usage-error status
    if bare:
        args = ["--help"]
    if args[:1] in (["--version"], ["-V"]):
        from streamcheck import __version__

        sys.stdout.write(f"streamcheck {__version__}\n")
        sys.exit(EXIT_OK)
    if sys.stdout is None:  # started with standard output closed (`>&-`)
        sys.stderr.write("streamcheck: error: standard output is closed\n")
        sys.exit(EXIT_USAGE)
    _whole_writes()
    if hasattr(sys.stdout, "reconfigure"):
        # Nothing a recording holds (a lone surrogate in a cassette string) may make printing
        # the report fail: such a character is written as an escape.
        sys.stdout.reconfigure(errors="backslashreplace")
    bare_check = _bare_check(args)
    try:
        if bare_check is not None:
            code = _check_paths(*bare_check)
        else:
            collect()
            code = _command(args).main(args=args, prog_name="streamcheck", standalone_mode=False)
        sys.stdout.flush()  # here, not at exit: a full disk must be an error we can name
    except BrokenPipeError:
        # The reader went away (`| head -1`): stop quietly, as Unix tools do, with the status a
        # shell gives a process that SIGPIPE ended (128 + 13), so `set -o pipefail` still sees
        # that the output was cut.
        _drop_stdout()
        sys.exit(EXIT_PIPE)
    except SystemExit:
        # click turns a write that failed with EPIPE inside a command into exit 1 (as if
        # findings failed the run), after wrapping stdout in its PacifyFlushWrapper: that
        # wrapper is how the closed pipe is told from a real exit 1.
        if type(sys.stdout).__name__ == "PacifyFlushWrapper":
            _drop_stdout()
            sys.exit(EXIT_PIPE)
        raise
    except OSError as exc:  # writing the output failed: a full disk (/dev/full), a closed fd
        _drop_stdout()
        sys.stderr.write(f"streamcheck: error: cannot write the output ({exc.strerror or exc})\n")
        sys.exit(EXIT_USAGE)
    except StreamcheckError as exc:
        sys.stderr.write(f"streamcheck: error: {_masked(exc)}\n")
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        sys.stderr.write("streamcheck: interrupted\n")
        sys.exit(130)
    except Exception as exc:  # usage errors and anything unforeseen: one line, exit 2
        import typer

        if isinstance(exc, typer.Exit):
            sys.exit(exc.exit_code)
        aborts, usage_errors = _click_exceptions()
        if isinstance(exc, aborts):
            sys.exit(130)
        if isinstance(exc, usage_errors):
            ctx = getattr(exc, "ctx", None)
            see = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
            sys.stderr.write(f"streamcheck: error: {_masked(message)}{see}\n")
            sys.exit(EXIT_USAGE)
        sys.stderr.write(f"streamcheck: internal error: {type(exc).__name__}: {_masked(exc)}\n")
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_USAGE if bare else code if isinstance(code, int) else EXIT_OK)


class _WholeWrites(io.BufferedWriter):
    """A buffered writer whose `write` writes everything or raises.

    A write to a pipe whose reader goes away while the write waits returns the count written
    so far; the text layer of standard output ignores that count when it sits right on the
    file (PYTHONUNBUFFERED=1 or `python -u`, common in CI images): the rest of a long report
    was dropped without an error, and `| head -1` ended with the report's exit code instead of
    141. Here the rest is written again, which fails with EPIPE as it should."""

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        total = len(view)
        while view:
            written = super().write(view)
            if not written:
                raise OSError(errno.EIO, "the output accepted no bytes")
            view = view[written:]
        return total


def _whole_writes() -> None:
    """Standard output, when it is the process's own file, rebuilt over `_WholeWrites`
    (unbuffered stays unbuffered: each write goes out at once)."""
    out = sys.stdout
    below = getattr(out, "buffer", None)
    if out is not sys.__stdout__ or not isinstance(out, io.TextIOWrapper):
        return  # a test's capture, an in-process runner: not a file to rebuild
    if isinstance(below, io.FileIO):
        raw, unbuffered = below, True
    elif isinstance(below, io.BufferedWriter):
        raw, unbuffered = below.raw, False
    else:
        return
    out.flush()
    sys.stdout = io.TextIOWrapper(
        _WholeWrites(raw),
        encoding=out.encoding,
        errors=out.errors,
        line_buffering=out.line_buffering,
        write_through=unbuffered,
    )


def _drop_stdout() -> None:
    """Point standard output at /dev/null so the interpreter's flush at exit cannot fail
    again (it would print "Exception ignored ... BrokenPipeError" and exit 120)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


# Whether this process is the `streamcheck` program (`program()`), which owns its heap, rather
# than a caller of `main()` in a process of its own (tests, embedding).
OWN_PROCESS = False


def collect() -> None:
    """The collector on again in the program's own process, where start-up ran without it
    (`program`); a caller of `main()` keeps the collector as it set it."""
    if OWN_PROCESS:
        import gc

        gc.enable()


def program() -> None:
    """The `streamcheck` program (console script and `python -m streamcheck`): `main()`, and
    an exit that skips the interpreter's last garbage collection.

    At exit CPython runs a full cyclic collection over every object still alive: with typer,
    pydantic and rich loaded that costs about 15 ms, as much as the whole check of a small file
    (issue 6). `gc.freeze()` moves those objects out of the collector's reach, so the exit is
    otherwise the normal one: atexit handlers run, standard streams are flushed, modules are
    torn down; what the collection would have freed is the operating system's to reclaim.
    `main()` itself leaves the collector alone, for callers that run it in their own process.
    In this one:
    - start-up runs with the collector off: it makes tens of thousands of objects (modules,
      classes, functions) and next to no garbage, and the collections they set off were about
      5 ms of a small file's check (72.5 -> 67.5 ms CPU). It is on again before a command's
      own work: `check` turns it on once it has frozen what start-up made, before it reads
      the first file (cli/checking.run); any other command, before typer runs it (`collect`).
    - the standard-library modules the libraries import and no check reads are loaded only if
      something reads them (`deferred`).
    """
    import gc

    from streamcheck import deferred

    global OWN_PROCESS
    OWN_PROCESS = True
    gc.disable()
    deferred.defer()
    try:
        main()
    finally:
        gc.freeze()
        # On again for whatever runs after (an exit before start-up ended left it off; a
        # caller that runs the program in its process and catches its exit carries on).
        gc.enable()

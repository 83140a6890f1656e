"""`streamcheck conform`: run the battery of feature cases against an OpenAI- or
Anthropic-compatible server and say, case by case, whether it streams like the real one.
The network stack is imported inside the command."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from streamcheck.cli import _fail_on, _positive
from streamcheck.cli.checking import report_target
from streamcheck.exceptions import StreamcheckError

group = typer.Typer()


def _help() -> str:
    from streamcheck.live.exitcodes import CLASSES

    rows = [
        "0  every case that ran conforms (or the server declined its feature: unsupported)",
        "1  a case does not conform (its reasons name the findings and expectations)",
        "2  usage: bad flags, key variable not set, paid calls not confirmed",
    ]
    rows += [
        f"{code}  {name}: {text} (the server cannot be used)"
        for name, (code, text) in CLASSES.items()
        if code >= 3
    ]
    return (
        "Check that a server streams like OpenAI (chat or Responses), Anthropic, Gemini or "
        "Ollama: one small "
        "streaming request per documented feature (text, caps, stop sequences, usage, n, tool "
        "calls, JSON output, logprobs, thinking, an unknown model), each checked by the full "
        "checker and the case's own expectations. --list shows the cases and their token "
        "caps.\n\nCalls to a server that is not on this machine may cost money: conform asks "
        "first, unless --yes.\n\n\b\nExit codes:\n" + "\n".join(rows)
    )


@group.command(help=_help())
def conform(
    model: Annotated[
        str | None, typer.Option(help="Model to test (required unless --list).")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            help="API base URL (default: the provider's, e.g. https://api.openai.com/v1)."
        ),
    ] = None,
    provider: Annotated[
        str, typer.Option(help="openai, anthropic, gemini or ollama (the dialect).")
    ] = "openai",
    api: Annotated[
        str,
        typer.Option(
            help="openai: chat or responses; gemini: sse or json (the framing); ollama: chat "
            "or generate."
        ),
    ] = "chat",
    spec_version: Annotated[
        str | None,
        typer.Option(
            help="--api responses: the Open Responses release whose compliance checks the "
            "cases cover (2026-01-15 or 2026-04-24, the default)."
        ),
    ] = None,
    cases: Annotated[
        str | None, typer.Option("--cases", help="Comma-separated case names (default: all).")
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", help="List the cases and their token caps; call nothing.")
    ] = False,
    key_env: Annotated[
        str | None,
        typer.Option(
            help="Environment variable with the key (OPENAI_API_KEY, ANTHROPIC_API_KEY, "
            "GEMINI_API_KEY)."
        ),
    ] = None,
    header: Annotated[
        list[str] | None,
        typer.Option(
            "--header",
            "-H",
            metavar="'NAME: VALUE'",
            help="Extra request header 'Name: value' (repeatable).",
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Make paid calls without asking.")
    ] = False,
    format: Annotated[
        str, typer.Option("--format", "-f", help="text, json, junit or markdown.")
    ] = "text",
    report_to: Annotated[
        list[str] | None,
        typer.Option(
            "--report",
            metavar="FORMAT:PATH",
            help="Also write FORMAT:PATH (repeatable), e.g. junit:c.xml.",
        ),
    ] = None,
    connect_timeout: Annotated[float, typer.Option(help="Seconds to connect.")] = 10.0,
    read_timeout: Annotated[float, typer.Option(help="Longest wait for the next bytes.")] = 60.0,
    fail_on: Annotated[str, typer.Option(help="error, warning or info.")] = "error",
) -> None:
    from streamcheck.live.conform.cases import cases_for
    from streamcheck.live.conform.report import FORMATS

    if format not in FORMATS:
        raise StreamcheckError(f"--format {format!r}: expected one of {', '.join(FORMATS)}")
    extra = [report_target(value, FORMATS) for value in report_to or []]
    from streamcheck.live.conform.runner import dialect as case_api

    dialect = case_api(provider, api)
    chosen = _chosen(cases_for(dialect), cases, dialect)
    spec = _spec_version(spec_version, dialect)
    if list_:
        from streamcheck.live.conform.report import listing

        sys.stdout.write(listing(chosen, spec))
        raise typer.Exit(0)
    if not model:
        raise StreamcheckError("--model is required (the model to test)")
    threshold = _fail_on(fail_on)
    _positive(("--connect-timeout", connect_timeout), ("--read-timeout", read_timeout))
    _run(
        provider, api, model, base_url, key_env, header, chosen, yes, format, extra,
        connect_timeout, read_timeout, threshold, spec,
    )  # fmt: skip


def _spec_version(given: str | None, dialect: str) -> str | None:
    """The Open Responses release of an --api responses run (the latest unless named)."""
    from streamcheck.live.conform.open_responses import LATEST, VERSIONS

    if dialect != "responses":
        if given is not None:
            raise StreamcheckError(
                "--spec-version names an Open Responses release: use --api responses"
            )
        return None
    if given is not None and given not in VERSIONS:
        raise StreamcheckError(f"--spec-version {given!r}: expected one of {', '.join(VERSIONS)}")
    return given or LATEST


def _chosen(available, names: str | None, dialect: str):  # type: ignore[no-untyped-def]
    if names is None:
        return available
    by_name = {case.name: case for case in available}
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in by_name]
    if unknown or not wanted:
        raise StreamcheckError(
            f"--cases: no {dialect} case named {unknown[0] if unknown else names!r} "
            f"(known: {', '.join(by_name)})"
        )
    return [by_name[n] for n in dict.fromkeys(wanted)]


def _headers(given: list[str] | None) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in given or []:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise StreamcheckError(f"--header {name.strip()!r}: expected 'Name: value'")
        pairs.append((name.strip().lower(), value.strip()))
    return tuple(pairs)


def _confirm(server, chosen) -> None:  # type: ignore[no-untyped-def]
    """A server not on this machine may bill each call: ask on a terminal, refuse elsewhere."""
    from streamcheck import redact

    tokens = sum(case.max_tokens for case in chosen)
    what = (
        f"{len(chosen)} streaming calls to {redact.url(server.base_url)} "
        f"(model {server.model}, at most {tokens} output tokens)"
    )
    if not sys.stdin.isatty():
        raise StreamcheckError(f"conform would make {what}; pass --yes to allow paid calls")
    # On stderr, read from stdin: stdout carries only the report (click's prompt echoes there).
    sys.stderr.write(f"conform will make {what}. Continue? [y/N]: ")
    sys.stderr.flush()
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        raise StreamcheckError("not confirmed; nothing was sent")


def _run(  # type: ignore[no-untyped-def]
    provider, api, model, base_url, key_env, header, chosen, yes, format, extra,
    connect_timeout, read_timeout, threshold, spec,
) -> None:  # fmt: skip
    from streamcheck.check import CheckOptions
    from streamcheck.live.call.client import Timeouts
    from streamcheck.live.conform import runner as conform_
    from streamcheck.live.conform.report import render

    server = conform_.Server.of(provider, api, model, base_url, key_env, _headers(header), spec)
    server.read_key()  # a missing key is a usage error before any prompt or call
    if not server.loopback and not yes:
        _confirm(server, chosen)
    options = CheckOptions(fail_on=threshold)
    timeouts = Timeouts(connect_timeout, read_timeout)

    def progress(result: conform_.CaseResult) -> None:
        if format == "text" and sys.stderr.isatty():
            sys.stderr.write(f"  {result.case.name}: {result.verdict}\n")

    results = conform_.run(server, chosen, options, timeouts, progress)
    for name, path in extra:
        try:
            path.write_text(render(name, server, results, chosen), encoding="utf-8")
        except OSError as exc:
            raise StreamcheckError(f"{path}: cannot write ({exc.strerror})") from None
    sys.stdout.write(render(format, server, results, chosen))
    raise typer.Exit(conform_.exit_code(results))

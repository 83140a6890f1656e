"""`streamcheck check`: the command line of validating recordings (its options, their help and
errors). What it does is `checking.run`, called with every parsed value; `main` calls `run`
without typer for `check PATH...` with no option (start-up, issue 22).

No `from __future__ import annotations` here, on purpose: typer reads a command's annotations
with typing.get_type_hints on every run, and string annotations make it eval() each of the
eighteen options twice, about 5 ms of `check`'s start-up (issue 6).
"""

from pathlib import Path
from typing import Annotated

import typer

from streamcheck.cli.checking import run
from streamcheck.cli.options import Schemas

group = typer.Typer()


@group.command()
def check(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="PATH",
            help="Files, folders or globs; '-' for stdin. Default: the config's paths.",
        ),
    ] = None,
    format: Annotated[
        str, typer.Option("--format", "-f", help="text, json, junit, sarif, github or html.")
    ] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    report_to: Annotated[
        list[str] | None,
        typer.Option(
            "--report",
            metavar="FORMAT:PATH",
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
        str | None,
        typer.Option(
            help="auto; a body: sse, ndjson, jsonarray, eventstream, tagged, json, curl; "
            "a container: tape, cassette, har, httprr, shaped (a JSON or YAML list of "
            "exchanges in any recorder's layout)."
        ),
    ] = None,
    select: Annotated[
        list[str] | None,
        typer.Option(metavar="CODES", help="Only these codes or prefixes (SC1, SC301)."),
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option(metavar="CODES", help="Skip these codes or prefixes.")
    ] = None,
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
            metavar="FILE",
            help="A user-defined protocol file (YAML/TOML, see README); only these protocols "
            "judge the exchanges (repeatable).",
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="Fail only on findings not in this baseline file (config: baseline).",
        ),
    ] = None,
    write_baseline: Annotated[
        Path | None,
        typer.Option(
            "--write-baseline",
            help="Write the current findings to this baseline file (entries no longer found "
            "are dropped), then report against it.",
        ),
    ] = None,
    client: Annotated[
        list[str] | None,
        typer.Option(
            "--client",
            metavar="NAME",
            help="Also replay each exchange through an official SDK and show what the app "
            "receives: openai-python or anthropic-python (the [clients] extra), or "
            "vercel-ai-ui (node and the npm package ai). Repeat to run several, one after "
            "the other.",
        ),
    ] = None,
    node_modules: Annotated[
        Path | None,
        typer.Option(
            "--node-modules",
            help="For --client vercel-ai-ui: the node_modules folder whose npm package ai runs "
            "(default: STREAMCHECK_NODE_MODULES, else node_modules from here up to the "
            "project's root).",
        ),
    ] = None,
    client_timeout: Annotated[
        float | None,
        typer.Option(
            "--client-timeout",
            help="The SDK's timeout in seconds for --client (default: the SDK's own); a "
            "recorded silence longer than it times out.",
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show clean exchanges.")] = False,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            help="Check files in N processes (0: one per idle CPU, or one process when the"
            " files are little work or the CPUs are busy); same output order.",
        ),
    ] = 1,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only the summary line; no progress display.")
    ] = False,
    require_judged: Annotated[
        bool,
        typer.Option(
            "--require-judged",
            help="Fail when an exchange could not be judged (SC901: no protocol knows its API); "
            "config: require-judged = true.",
        ),
    ] = False,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="Plain text output (also: NO_COLOR set).")
    ] = False,
) -> None:
    """Validate recordings: raw SSE/NDJSON bodies, curl -i dumps, tapes, cassettes, HAR.

    Settings come from [tool.streamcheck] in pyproject.toml or a streamcheck.toml (see README,
    "Configuration"); flags win over them.
    """
    # Every parameter, by name (nothing else is defined yet): `run` takes the same names.
    raise typer.Exit(run(**locals()))

"""What streamcheck knows: `rules` lists the rules, `explain` shows one rule's documentation,
`schemas` lists the schema sets."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from streamcheck.cli import _console
from streamcheck.cli.options import Schemas
from streamcheck.exceptions import StreamcheckError

group = typer.Typer()


@group.command("rules")
def list_rules(
    all: Annotated[bool, typer.Option("--all", help="Include retired rules.")] = False,
) -> None:
    """List every rule: code, name, default severity, summary."""
    from streamcheck import rules
    from streamcheck.report import wrap
    from streamcheck.report.text import output_width

    console = _console()
    width = output_width(console.is_terminal, console.width)
    shown = [
        r for r in sorted(rules.REGISTRY.values(), key=lambda r: r.code) if all or not r.retired
    ]
    name_width = max(len(r.name) for r in shown)
    column = 5 + 2 + name_width + 1 + 8  # code, name, severity: where the summary starts
    # Narrow terminals get the summary under the name rather than in a sliver of a column.
    hanging = column if width - column >= 40 else 7
    for rule in shown:
        lead = f"{rule.code}  {rule.name:{name_width}} {rule.severity.label:8}"
        if hanging == column:
            lines = wrap.fill([(lead, None)], [(rule.summary, None)], width, hanging)
        else:
            head: list[wrap.Line] = [[(lead.rstrip(), None)]]
            lines = head + wrap.fill([(" " * 7, None)], [(rule.summary, None)], width, 7)
        console.print(wrap.plain(lines), highlight=False, markup=False, soft_wrap=True)


@group.command()
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
    from streamcheck.report import wrap
    from streamcheck.report.text import output_width

    # Each paragraph fits the terminal (COLUMNS); to a pipe or a file it stays one line.
    width = output_width(sys.stdout.isatty(), 0)
    paragraphs = (header + rule.doc).split("\n\n")
    text = "\n\n".join(
        wrap.plain(wrap.fill([], [(p, None)], width, 0)) if p.strip() else p for p in paragraphs
    )
    sys.stdout.write(text.rstrip("\n") + "\n")


@group.command("schemas")
def list_schemas(
    schemas: Schemas = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="Config file whose `schemas` to add.")
    ] = None,
) -> None:
    """List shipped and user schemas (--schemas and the config's `schemas`) per provider, API
    and version."""
    from streamcheck import config as configuration
    from streamcheck.report.terminal import printable
    from streamcheck.schemas import Catalog

    catalog = Catalog(configuration.load(config).schemas + tuple(schemas or ()))
    console = _console()
    for (provider, api, version), found in sorted(catalog.sets.items()):
        default = " (default)" if catalog.default_version(provider, api) == version else ""
        note = catalog.notes.get((provider, api, version), "")
        # Folder and file names and versions.json notes of a user's folder: nothing obeyed.
        line = f"{provider}/{api}/{version}{default} [{found.origin}]: {', '.join(found.kinds())}"
        console.print(
            printable(line) + (f"\n    {printable(note)}" if note else ""),
            highlight=False,
            markup=False,
        )

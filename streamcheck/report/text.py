"""Terminal output: findings grouped by file and exchange, then a summary line."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from streamcheck.model import ExchangeResult, Finding, Report, Severity

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render(report: Report, console: Console, verbose: bool = False) -> None:
    """Print every exchange with findings (all exchanges with `verbose`), then the summary."""
    current = None
    for result in report.results:
        if not result.findings and not verbose:
            continue
        if result.source != current:
            current = result.source
            console.print(f"[bold]{escape(result.source)}[/bold]")
        console.print("  " + escape(_headline(result)), highlight=False)
        for finding in result.findings:
            _finding(console, result, finding)
    console.print(summary(report), highlight=False)


def _headline(result: ExchangeResult) -> str:
    what = "/".join(p for p in (result.provider, result.api, result.api_version) if p)
    parts = [
        f"exchange {result.index}",
        what or "unknown protocol",
        f"HTTP {result.status}" if result.status is not None else None,
        result.framing,
        f"{result.frames} frames",
        f"error: {result.error_class}" if result.error_class else None,
    ]
    return " · ".join(p for p in parts if p)


def _finding(console: Console, result: ExchangeResult, finding: Finding) -> None:
    loc = finding.location
    # File positions when the body maps onto the file (a curl -i dump's headers shift it).
    line, offset = result.file_position(loc)
    line = line if line is not None else loc.line
    offset = offset if offset is not None else loc.offset
    where = []
    if loc.frame is not None:
        where.append(f"frame {loc.frame}")
    if line is not None:
        where.append(f"line {line}")
    if offset is not None:
        where.append(f"byte {offset}")
    place = f" ({', '.join(where)})" if where else ""
    style = STYLE[finding.severity]
    console.print(
        f"    [{style}]{finding.severity.label:7}[/{style}] "
        f"[bold]{finding.code}[/bold] {escape(finding.name)}{escape(place)}: "
        f"{escape(finding.message)}",
        highlight=False,
    )
    if finding.evidence:
        console.print(f"            [dim]got:[/dim] {escape(finding.evidence)}", highlight=False)
    if finding.hint:
        console.print(f"            [dim]fix:[/dim] {escape(finding.hint)}", highlight=False)


def summary(report: Report) -> str:
    counts = report.counts()
    files = len({r.source for r in report.results})
    exchanges = len(report.results)
    verdict = "FAIL" if report.failed else "OK"
    return (
        f"{verdict}: {files} file{'s' if files != 1 else ''}, {exchanges} "
        f"exchange{'s' if exchanges != 1 else ''}: {counts['error']} errors, "
        f"{counts['warning']} warnings, {counts['info']} info "
        f"(failing at {report.fail_on.label})"
    )

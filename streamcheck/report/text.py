"""Terminal output: findings grouped by file and exchange, then a summary line."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from streamcheck.model import ExchangeResult, Finding, Report, Severity

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render(report: Report, console: Console, verbose: bool = False) -> None:
    """Print every exchange with findings (all exchanges with `verbose`), then the summary.

    Each exchange is one styled Text printed at once: rich's per-call cost dominates otherwise.
    """
    current = None
    for result in report.results:
        if not result.findings and not verbose:
            continue
        block = Text()
        if result.source != current:
            current = result.source
            block.append(result.source, "bold")
            block.append("\n")
        block.append("  " + _headline(result))
        for finding in result.findings:
            block.append("\n")
            _finding(block, result, finding)
        console.print(block, highlight=False)
    console.print(summary(report), highlight=False, markup=False)


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


def _finding(block: Text, result: ExchangeResult, finding: Finding) -> None:
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
    block.append("    ")
    block.append(f"{finding.severity.label:7}", STYLE[finding.severity])
    block.append(" ")
    block.append(finding.code, "bold")
    block.append(f" {finding.name}{place}: {finding.message}")
    if finding.evidence:
        block.append("\n            ")
        block.append("got:", "dim")
        block.append(f" {finding.evidence}")
    if finding.hint:
        block.append("\n            ")
        block.append("fix:", "dim")
        block.append(f" {finding.hint}")


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

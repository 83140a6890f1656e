"""Terminal output: findings grouped by file and exchange, then a summary line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from streamcheck.model import UNCHANGED, ClientOutcome, ExchangeResult, Finding, Report, Severity
from streamcheck.report.places import client_lines

if TYPE_CHECKING:
    from rich.console import Console

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
# The control characters rich's Text drops (rich.control.strip_control_codes).
_DROPPED = dict.fromkeys((7, 8, 11, 12, 13))


def render(report: Report, console: Console, verbose: bool = False) -> None:
    """Print every exchange with findings (all exchanges with `verbose`), then the summary.

    Each exchange is one styled Text printed at once: rich's per-call cost dominates otherwise.
    """
    from rich.text import Text

    for block in _blocks(report, verbose, Text):
        console.print(block, highlight=False)
    console.print(summary(report), highlight=False, markup=False)


def plain(report: Report, verbose: bool = False) -> str:
    """What `render` prints on a console without colour, without importing rich: `check`
    starts faster when its output goes to a file, a pipe or a CI log."""
    lines = [str(block) for block in _blocks(report, verbose, _Plain)]
    return "\n".join([*lines, summary(report)]) + "\n"


class _Plain:
    """The part of rich's Text that `_blocks` uses, for unstyled output."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def append(self, text: str, style: str | None = None) -> None:
        self.parts.append(text.translate(_DROPPED))

    def __str__(self) -> str:
        return "".join(self.parts).expandtabs(8)


def _blocks(report: Report, verbose: bool, make: Callable[[], Any]) -> Iterator[Any]:
    """One block of text per exchange shown, built with `make()` (rich's Text or _Plain)."""
    current = None
    for result in report.results:
        # Findings a baseline holds are shown only with --verbose (the summary counts them).
        shown = [f for f in result.findings if verbose or f.baseline != UNCHANGED]
        if not shown and not verbose and result.client is None:
            continue
        block = make()
        if result.source != current:
            current = result.source
            block.append(result.source, "bold")
            block.append("\n")
        block.append("  " + _headline(result))
        for finding in shown:
            block.append("\n")
            _finding(block, result, finding)
        if result.client is not None:
            _client(block, result.client)
        yield block
    if report.baseline is not None and report.baseline.absent:
        block = make()
        block.append(f"baseline {report.baseline.file}", "bold")
        for finding in report.baseline.absent:
            block.append("\n    ")
            block.append(f"{finding.severity.label:7}", STYLE[finding.severity])
            block.append(" ")
            block.append(finding.code, "bold")
            block.append(f" {finding.name}: {finding.location.source}: {finding.message}")
        yield block


def _client(block: Any, outcome: ClientOutcome) -> None:
    """What the app would have seen through the SDK, below the exchange's findings."""
    for line in client_lines(outcome):
        block.append("\n    ")
        block.append(line)


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


def _finding(block: Any, result: ExchangeResult, finding: Finding) -> None:
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
    if finding.baseline == UNCHANGED:
        block.append(" [baselined]", "dim")
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
    line = (
        f"{verdict}: {files} file{'s' if files != 1 else ''}, {exchanges} "
        f"exchange{'s' if exchanges != 1 else ''}: {counts['error']} errors, "
        f"{counts['warning']} warnings, {counts['info']} info "
        f"(failing at {report.fail_on.label})"
    )
    return line + baseline_note(report)


def baseline_note(report: Report) -> str:
    """`; baseline b.json: 12 baselined (not shown), 1 new, 2 entries no longer found`."""
    base = report.baseline
    if base is None:
        return ""
    parts = [f"{base.unchanged} baselined" + (" (not shown)" if base.unchanged else "")]
    parts.append(f"{base.new} new")
    if base.absent:
        parts.append(f"{len(base.absent)} entries no longer found")
    written = ""
    if base.written:
        written = f" written ({base.entries} findings"
        written += f", {base.removed} no longer found removed)" if base.removed else ")"
    return f"; baseline {base.file}{written}: " + ", ".join(parts)

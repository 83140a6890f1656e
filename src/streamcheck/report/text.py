"""Terminal output: findings grouped by file and exchange, then a summary line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from streamcheck.model import ExchangeResult, Finding, Report, Severity

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
        if not result.findings and not verbose:
            continue
        block = make()
        if result.source != current:
            current = result.source
            block.append(result.source, "bold")
            block.append("\n")
        block.append("  " + _headline(result))
        for finding in result.findings:
            block.append("\n")
            _finding(block, result, finding)
        yield block


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

"""Terminal output: findings grouped by file and exchange, then a summary line.

Each error and warning says what to do: its own hint, else its rule's cause and fix. Lines fit
the terminal's width (`wrap`): words are never split, continuation lines keep their indent.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from streamcheck.model import UNCHANGED, ClientOutcome, ExchangeResult, Finding, Report, Severity
from streamcheck.report import wrap
from streamcheck.report.places import cause_lines, client_lines, fix_line, position
from streamcheck.report.terminal import printable
from streamcheck.report.wrap import Line, Piece

if TYPE_CHECKING:
    from rich.console import Console

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


# Output to a pipe, a file or a CI log is not wrapped unless COLUMNS asks for it: one finding
# a line stays greppable, and a log viewer has its own width.
UNWRAPPED = 1_000_000
# Columns of a finding: its severity at 4, its code at 12; the evidence and fix lines start at
# 12 and continue under their text.
FINDING_INDENT = 12


def render(
    report: Report,
    console: Console,
    verbose: bool = False,
    group: bool = False,
    width: int | None = None,
) -> None:
    """Print every exchange with findings (all exchanges with `verbose`), then the summary,
    fitted to the console's width; with `group`, one entry per code with its count.

    Each exchange is one styled Text printed at once: rich's per-call cost dominates otherwise.
    """
    from rich.text import Text

    width = width or output_width(console.is_terminal, console.width)
    for lines in _blocks(report, verbose, width, group):
        block = Text()
        for number, line in enumerate(lines):
            if number:
                block.append("\n")
            for text, style in line:
                block.append(text, style)
        # The lines already fit: rich must not wrap them again (it would split words).
        console.print(block, highlight=False, soft_wrap=True)
    console.print(
        wrap.plain(_summary_lines(report, width)), highlight=False, markup=False, soft_wrap=True
    )


def plain(report: Report, verbose: bool = False, width: int | None = None) -> str:
    """What `render` prints on a console without colour, without importing rich: `check`
    starts faster when its output goes to a file, a pipe or a CI log."""
    width = width or output_width(sys.stdout.isatty(), 0)
    blocks = [wrap.plain(lines) for lines in _blocks(report, verbose, width)]
    return "\n".join([*blocks, wrap.plain(_summary_lines(report, width))]) + "\n"


def output_width(is_terminal: bool, terminal: int) -> int:
    """COLUMNS when set; else the terminal's width (`terminal`, or asked of the system when 0);
    else (a pipe, a file, a CI log) no wrapping."""
    import os

    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if not is_terminal:
        return UNWRAPPED
    if terminal:
        return terminal
    import shutil  # only for a terminal: shutil loads bz2 and lzma (start-up, issue 22)

    return shutil.get_terminal_size().columns


def _clean(text: str) -> str:
    """What a recording, a file name or an SDK message says, with every character a terminal
    would obey shown as its escape (the same in both outputs: rich drops none of them then)."""
    return printable(text)


def _blocks(report: Report, verbose: bool, width: int, group: bool = False) -> Iterator[list[Line]]:
    """The lines of each exchange shown, then those of baseline entries no longer found."""
    current = None
    for result in report.results:
        # Findings a baseline holds are shown only with --verbose (the summary counts them).
        shown = [f for f in result.findings if verbose or f.baseline != UNCHANGED]
        if not shown and not verbose and not result.clients:
            continue
        lines: list[Line] = []
        if result.source != current:
            current = result.source
            # A file name stays whole, however long: it is there to be copied.
            lines.append([(_clean(result.source), "bold")])
        lines += wrap.fill([("  ", None)], [(_headline(result), None)], width, 4)
        if group:
            lines += grouped(result, shown, width)
        else:
            said: set[str] = set()  # a fix is printed once per exchange, under its first finding
            for finding in decisive_first(shown):
                lines += _finding(result, finding, width, said=said)
                lines += _cause(result, finding, shown, width)
            lines += _cause(result, None, shown, width)
        for outcome in result.clients:
            lines += _client(outcome, width)
        yield lines
    if report.baseline is not None and report.baseline.absent:
        lines = [[(_clean(f"baseline {report.baseline.file}"), "bold")]]
        for finding in report.baseline.absent:
            body = f"{finding.name}: {finding.location.source}: {finding.message}"
            lines += wrap.fill(
                _finding_lead(finding), [(_clean(body), None)], width, FINDING_INDENT
            )
        yield lines


# Within a severity, what refused or ended the stream (error bodies, timing, the WebSocket
# close, framing, grammar) says more than schema details and notes about the recording.
_FAMILY_RANK = {"SC4": 0, "SC5": 1, "SC6": 2, "SC1": 3, "SC3": 4, "SC2": 5, "SC9": 6}


def decisive_first(findings: list[Finding]) -> list[Finding]:
    """Findings in the order a reader needs them: errors first, then by family (an error body
    or a cut before schema details), each code's findings together in the checker's order: the
    finding that decided the verdict comes first, not five SC201 lines before it."""
    first_seen: dict[str, int] = {}
    for number, finding in enumerate(findings):
        first_seen.setdefault(finding.code, number)
    return sorted(
        findings,
        key=lambda f: (-f.severity, _FAMILY_RANK.get(f.code[:3], 9), first_seen[f.code]),
    )


def grouped(result: ExchangeResult, findings: list[Finding], width: int) -> list[Line]:
    """One entry per code, decisive first: the first finding's place, message, evidence and fix,
    with how many findings of that code there were (`record` and `smoke`)."""
    groups: dict[str, list[Finding]] = {}
    for finding in decisive_first(findings):
        groups.setdefault(finding.code, []).append(finding)
    lines: list[Line] = []
    for same in groups.values():
        lines += _finding(result, same[0], width, count=len(same))
        lines += _cause(result, same[0], findings, width)
    return lines + _cause(result, None, findings, width)


def _client(outcome: ClientOutcome, width: int) -> list[Line]:
    """What the app would have seen through the SDK, below the exchange's findings."""
    lines: list[Line] = []
    for line in client_lines(outcome):
        text = line.lstrip(" ")
        indent = 4 + len(line) - len(text)
        lines += wrap.fill([(" " * indent, None)], [(_clean(text), None)], width, indent + 2)
    return lines


def _headline(result: ExchangeResult) -> str:
    what = "/".join(p for p in (result.provider, result.api, result.api_version) if p)
    parts = [
        f"exchange {result.index}",
        what or "unknown protocol",
        f"HTTP {result.status}" if result.status is not None else None,
        result.framing,
        plural(result.frames, "frame"),
        f"error: {result.error_class}" if result.error_class else None,
    ]
    return _clean(" · ".join(p for p in parts if p))


def plural(count: int, noun: str) -> str:
    """`1 frame`, `2 frames`, `0 errors`."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _finding_lead(finding: Finding) -> list[Piece]:
    return [
        ("    ", None),
        (f"{finding.severity.label:7}", STYLE[finding.severity]),
        (" ", None),
        (finding.code, "bold"),
        (" ", None),
    ]


def _finding(
    result: ExchangeResult,
    finding: Finding,
    width: int,
    count: int = 1,
    said: set[str] | None = None,
) -> list[Line]:
    where = position(result, finding.location)
    if count > 1:
        where = [f"{count} findings, the first" + (f" at {where[0]}" if where else ""), *where[1:]]
    place = f" ({', '.join(where)})" if where else ""
    body: list[Piece] = [(_clean(f"{finding.name}{place}: {finding.message}"), None)]
    if finding.baseline == UNCHANGED:
        body.append((" [baselined]", "dim"))
    lines = wrap.fill(_finding_lead(finding), body, width, FINDING_INDENT)
    if finding.evidence:
        lines.append(_evidence(finding.evidence, width))
    fix = fix_line(finding)
    if fix and (said is None or fix not in said):
        lines += _labelled("fix:", fix, width)
        if said is not None:
            said.add(fix)
    return lines


def _cause(
    result: ExchangeResult, under: Finding | None, shown: list[Finding], width: int
) -> list[Line]:
    """The `cause:` and `try:` lines (check/cause.py) under the first finding of the code they
    explain, or after the findings (`under` None) when no finding of that code is shown."""
    cause = result.cause
    if cause is None:
        return []
    # decisive_first keeps each code's findings in the checker's order, so the first of the
    # cause's code there is its first in `shown`: no sort per finding (a report of many).
    first = next((f for f in shown if f.code == cause.finding), None)
    if under is not first:
        return []
    lines: list[Line] = []
    for line in cause_lines(cause):
        label, _, text = line.partition(" ")
        lines += _labelled(label, text, width)
    return lines


def _labelled(label: str, text: str, width: int) -> list[Line]:
    """`fix: ...` (or another label) under a finding, its text continuing under itself."""
    lead: list[Piece] = [(" " * FINDING_INDENT, None), (label, "dim"), (" ", None)]
    return wrap.fill(lead, [(_clean(text), None)], width, FINDING_INDENT + len(label) + 1)


def _evidence(evidence: str, width: int) -> Line:
    """`got: ...` on one line, elided in the middle to fit: its start and end say the most."""
    lead = " " * FINDING_INDENT
    room = max(width - len(lead) - len("got: "), 8)
    text = " ".join(_clean(evidence).replace("\t", " ").splitlines())
    return [(lead, None), ("got:", "dim"), (" " + wrap.elide(text, room), None)]


def _summary_lines(report: Report, width: int) -> list[Line]:
    return wrap.fill([], [(summary(report), None)], width, 2)


def summary(report: Report) -> str:
    counts = report.counts()
    files = len({r.source for r in report.results})
    exchanges = len(report.results)
    verdict = "FAIL" if report.failed else "OK"
    line = (
        f"{verdict}: {plural(files, 'file')}, {plural(exchanges, 'exchange')}: "
        f"{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, "
        f"{counts['info']} info (failing at {report.fail_on.label})"
    )
    return printable(line + judged_note(report) + baseline_note(report))


def judged_note(report: Report) -> str:
    """`; 2 of 5 exchanges not judged (SC901)`: what no protocol could judge is never passed
    silently, even when SC901's severity does not fail the run."""
    unjudged = len(report.unjudged())
    if not unjudged:
        return ""
    required = ", failing: --require-judged" if report.require_judged else ""
    return f"; {unjudged} of {len(report.results)} exchanges not judged (SC901{required})"


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

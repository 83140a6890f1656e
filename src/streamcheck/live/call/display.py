"""What `record` and `smoke` print: a live panel on a terminal, plain lines when piped.

Everything shown passes through `redact` (keys were registered before the call), and findings
are rendered by `report.text`, which only formats.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from streamcheck import redact
from streamcheck.check import StreamChecker
from streamcheck.live.call.smoke import Verdict
from streamcheck.model import EndReason, ExchangeResult, Report, Severity
from streamcheck.report import text as text_report
from streamcheck.report import wrap
from streamcheck.report.terminal import printable

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


class LivePanel:
    """Observer for `LiveCall`: shows frames, bytes, findings and timing as chunks arrive.

    rich's Live asks for the panel on its own timer (`get_renderable`), not only when bytes
    arrive, so the clock and the silence since the last byte keep moving during a stall.
    """

    def __init__(
        self, console: Console, label: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.console = console
        self.label = label
        self.clock = clock
        self.started = clock()
        self.last_chunk: float | None = None
        self.state: dict[str, Any] = {"chunks": 0, "time": 0.0}
        self.checker: StreamChecker | None = None
        self.live = Live(
            console=console, refresh_per_second=4, transient=True, get_renderable=self.render
        )

    def __enter__(self) -> LivePanel:
        self.started = self.clock()
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(None, None, None)

    def __call__(self, checker: StreamChecker, data: bytes, now: float) -> None:
        self.checker = checker
        self.state["chunks"] += 1
        self.state["time"] = now
        self.last_chunk = self.clock()
        self.live.refresh()

    def render(self) -> Group:
        """The panel as of now (rich calls this on every refresh)."""
        # A copy taken at once: rich calls this from its own thread while the call feeds.
        progress = self.checker.progress() if self.checker is not None else None
        now = self.clock()
        table = Table.grid(padding=(0, 2))
        table.add_row("target", escape(self.label))
        if progress is not None:
            table.add_row("status", str(progress.status))
            table.add_row("frames", f"{progress.frames} ({progress.framing or '?'})")
            table.add_row("bytes", str(progress.bytes))
            timing = progress.timing
            if "first_byte" in timing:
                table.add_row("first byte", f"{timing['first_byte']:.3f} s")
            if "max_gap" in timing:
                table.add_row("largest gap", f"{timing['max_gap']:.3f} s")
        table.add_row("elapsed", f"{now - self.started:.1f} s")
        if self.last_chunk is not None:
            table.add_row("last byte", f"{now - self.last_chunk:.1f} s ago")
        else:
            table.add_row("waiting", "for the first byte")
        lines: list[Text] = []
        if progress is not None:
            for finding in progress.findings:
                line = Text(f"{finding.severity.label:7} ", style=_STYLE[finding.severity])
                line.append(f"{finding.code} {_shown(finding.message)}")
                lines.append(line)
        return Group(table, *lines)


def timing_line(result: ExchangeResult) -> str:
    timing = result.timing
    names = (
        ("headers", "headers"),
        ("first_content", "first content"),
        ("max_gap", "largest gap"),
        ("total", "total"),
    )
    parts = [f"{label} {timing[key]:.3f} s" for key, label in names if key in timing]
    return "timing: " + (", ".join(parts) if parts else "none")


def print_record(console: Console, result: ExchangeResult, fail_on: Severity) -> None:
    """The exchange's findings grouped by code, the one that decides first (each with its
    fix), then the timing and the summary."""
    report = Report([result], fail_on=fail_on)
    text_report.render(report, console, verbose=True, group=True)
    console.print(escape(timing_line(result)), highlight=False)


def cut_off_line(result: ExchangeResult, read_timeout: float, tape_kept: bool) -> str | None:
    """One line saying the transfer was cut (read timeout or reset), or None if it ended."""
    kept = "; the partial tape is kept" if tape_kept else ""
    got = f"after {result.bytes} bytes ({result.frames} frames)"
    if result.end is EndReason.TIMEOUT:
        return f"read timeout: no bytes for {read_timeout:g} s (--read-timeout) {got}{kept}"
    if result.end is EndReason.RESET:
        return f"connection reset: the transfer broke before the body ended, {got}{kept}"
    return None


def print_verdict(console: Console, verdict: Verdict, verbose: bool) -> None:
    mark = "[green]PASS[/green]" if verdict.passed else "[bold red]FAIL[/bold red]"
    klass = "" if verdict.passed else f"[{verdict.klass}, exit {verdict.exit_code}] "
    console.print(
        f"{mark}  {escape(_shown(verdict.target.label))}  {escape(klass)}"
        f"{escape(_shown(verdict.reason))}",
        highlight=False,
    )
    result = verdict.result
    if result is None:
        return
    shown = [f for f in result.findings if verbose or f.severity >= Severity.WARNING]
    width = text_report.output_width(console.is_terminal, console.width)
    lines = text_report.grouped(result, shown, width)
    if lines:  # grouped by code, the one that decided the verdict first, each with its fix
        text = redact.text(wrap.plain(lines))
        console.print(text, highlight=False, markup=False, soft_wrap=True)


def _shown(text: str) -> str:
    """What a server or a recording said, masked and with nothing a terminal would obey."""
    return printable(redact.text(text))


def smoke_summary(verdicts: list[Verdict], code: int) -> str:
    passed = sum(1 for v in verdicts if v.passed)
    failed = sorted({(v.exit_code, v.klass) for v in verdicts if not v.passed})
    classes = ", ".join(f"{k} (exit {c})" for c, k in failed)
    tail = f"; failures: {classes}" if classes else ""
    return f"smoke: {passed} of {len(verdicts)} target(s) passed{tail}; exit {code}"

"""`--format github`: GitHub Actions workflow commands, one annotation per finding.

    ::error file=fixtures/a.sse,line=12,title=SC301 missing-terminator::message

Severity maps to the command: error -> `error`, warning -> `warning`, info -> `notice`. Escaping
follows GitHub's toolkit (actions/toolkit, packages/core/src/command.ts): in the message `%`,
CR and LF become `%25`, `%0D`, `%0A`; in properties `:` and `,` also become `%3A`, `%2C`.
A plain summary line ends the output. Past 10 findings of one kind (GitHub's limit per step),
findings are plain log lines and one notice says how many were not annotated.
"""

from __future__ import annotations

from streamcheck.model import UNCHANGED, UNJUDGED, ExchangeResult, Finding, Report, Severity
from streamcheck.report.places import cause_lines, describe, is_file
from streamcheck.report.terminal import printable
from streamcheck.report.text import summary

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
# GitHub shows at most 10 annotations of each kind per step and drops the rest silently
# (actions/toolkit docs/problem-matchers.md, "Limitations"). Past that, findings are printed as
# plain log lines, and one notice says so.
PER_KIND = 10


def escape_data(text: str) -> str:
    # Then what a terminal would obey (ESC...): the log is a terminal's, locally and on GitHub.
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _pairs(report: Report) -> list[tuple[ExchangeResult, Finding]]:
    """The findings to annotate: a baseline's unchanged ones are counted, never annotated."""
    return [
        (result, finding)
        for result in report.results
        for finding in result.findings
        if finding.baseline != UNCHANGED
    ]


def render(report: Report) -> str:
    pairs = _pairs(report)
    totals = {kind: 0 for kind in COMMAND.values()}
    for _, finding in pairs:
        totals[_kind(report, finding)] += 1
    overflow = sum(max(0, n - PER_KIND) for n in totals.values())
    budget = {kind: PER_KIND for kind in totals}
    if overflow and totals["notice"] >= PER_KIND:
        budget["notice"] -= 1  # keep room for the notice that says findings were not annotated
        overflow += 1
    lines, plain = [], []
    for result, finding in pairs:
        kind = _kind(report, finding)
        where = describe(result, finding)
        if budget[kind] > 0:
            budget[kind] -= 1
            lines.append(_command(kind, result, finding, where))
        else:
            label = f"{finding.severity.label} {finding.code} {finding.name}"
            plain.append(
                _flat(f"streamcheck: {result.source}: {label} ({where}): {finding.message}")
            )
    if plain:
        lines.extend(plain)
        lines.append(
            f"::notice title=streamcheck::{len(plain)} more findings are in the log above, not "
            f"annotated: GitHub shows {PER_KIND} annotations of each kind per step"
        )
    lines.extend(_baseline_lines(report))
    lines.append(summary(report))  # a plain line: shows in the log, is no command
    return "\n".join(lines) + "\n"


def _baseline_lines(report: Report) -> list[str]:
    """One notice with the baseline's counts, and one per entry no longer found."""
    base = report.baseline
    if base is None:
        return []
    title = escape_property(f"streamcheck baseline {base.file}")
    lines = [
        f"::notice title={title}::"
        + escape_data(
            f"{base.unchanged} findings matched the baseline (not annotated), {base.new} new"
            + (f", {len(base.absent)} entries no longer found" if base.absent else "")
        )
    ]
    for finding in base.absent[:ABSENT_NOTICES]:
        source = finding.location.source or base.file
        title = escape_property(f"{finding.code} {finding.name}")
        props = f"file={escape_property(source)},title={title}"
        lines.append(f"::notice {props}::{escape_data(finding.message)}")
    for finding in base.absent[ABSENT_NOTICES:]:  # past that, log lines: notices are capped
        lines.append(_flat(f"streamcheck: {finding.location.source}: {finding.message}"))
    return lines


ABSENT_NOTICES = 5


def _kind(report: Report, finding: Finding) -> str:
    """The workflow command for a finding: by severity, but an exchange that was not judged
    fails the run under --require-judged, so its SC901 is an error annotation then."""
    if report.require_judged and finding.code == UNJUDGED:
        return "error"
    return COMMAND[finding.severity]


def _command(kind: str, result: ExchangeResult, finding: Finding, where: str) -> str:
    properties = {}
    if is_file(result.source):
        properties["file"] = result.source
        line, _ = result.file_position(finding.location)
        if line is not None:
            properties["line"] = str(line)
    properties["title"] = f"{finding.code} {finding.name}"
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    message = escape_data(_message(finding, where, result.source) + _cause(result, finding))
    return f"::{kind} {props}::{message}"


def _cause(result: ExchangeResult, finding: Finding) -> str:
    """The cause lines, on the annotation of the finding they explain."""
    cause = result.cause
    if cause is None or finding.code != cause.finding:
        return ""
    return "".join(f"\n{line}" for line in cause_lines(cause))


def _flat(text: str) -> str:
    """One log line; and a line must not start a workflow command."""
    return printable(text.replace("\r", " ").replace("\n", " "))


def _message(finding: Finding, where: str, source: str) -> str:
    text = f"{finding.message} ({where if is_file(source) else f'{source}, {where}'})"
    if finding.evidence:
        text += f"\ngot: {finding.evidence}"
    if finding.hint:
        text += f"\nfix: {finding.hint}"
    return text


SUMMARY_ROWS = 200  # a step summary is capped at 1 MiB; a long table helps nobody anyway


def step_summary(report: Report) -> str:
    """Markdown for the job's summary page (`$GITHUB_STEP_SUMMARY`): verdict, then a table."""
    verdict = "FAIL" if report.failed else "OK"
    out = [f"### streamcheck: {verdict}", "", _cell(summary(report)), ""]
    rows = _pairs(report)
    if rows:
        out += ["| severity | file | rule | where | message |", "| --- | --- | --- | --- | --- |"]
        for result, finding in rows[:SUMMARY_ROWS]:
            message = finding.message + (f" (fix: {finding.hint})" if finding.hint else "")
            out.append(
                f"| {finding.severity.label} | `{_cell(result.source, code=True)}` "
                f"| {finding.code} {finding.name} | {_cell(describe(result, finding))} "
                f"| {_cell(message)} |"
            )
        if len(rows) > SUMMARY_ROWS:
            out += ["", f"... and {len(rows) - SUMMARY_ROWS} more findings: see the log."]
    return "\n".join(out) + "\n"


def _cell(text: str, code: bool = False) -> str:
    """Text safe inside a Markdown table cell: no HTML, no column breaks, one line."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = printable(text.replace("|", "\\|").replace("\r", " ").replace("\n", " "))
    return text.replace("`", "'") if code else text

"""`--format github`: GitHub Actions workflow commands, one annotation per finding.

    ::error file=fixtures/a.sse,line=12,title=SC301 missing-terminator::message

Severity maps to the command: error -> `error`, warning -> `warning`, info -> `notice`. Escaping
follows GitHub's toolkit (actions/toolkit, packages/core/src/command.ts): in the message `%`,
CR and LF become `%25`, `%0D`, `%0A`; in properties `:` and `,` also become `%3A`, `%2C`.
A plain summary line ends the output.
"""

from __future__ import annotations

from streamcheck.model import Finding, Report, Severity
from streamcheck.report.places import describe, is_file
from streamcheck.report.text import summary

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    lines = []
    for result in report.results:
        for finding in result.findings:
            properties = {}
            if is_file(result.source):
                properties["file"] = result.source
                line, _ = result.file_position(finding.location)
                if line is not None:
                    properties["line"] = str(line)
            properties["title"] = f"{finding.code} {finding.name}"
            props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
            message = escape_data(_message(finding, describe(result, finding), result.source))
            lines.append(f"::{COMMAND[finding.severity]} {props}::{message}")
    lines.append(summary(report))  # a plain line: shows in the log, is no command
    return "\n".join(lines) + "\n"


def _message(finding: Finding, where: str, source: str) -> str:
    text = f"{finding.message} ({where if is_file(source) else f'{source}, {where}'})"
    if finding.evidence:
        text += f"\ngot: {finding.evidence}"
    if finding.hint:
        text += f"\nfix: {finding.hint}"
    return text

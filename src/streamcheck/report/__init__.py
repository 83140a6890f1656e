"""Reporters turn a Report into text. They compute nothing and never see raw bytes.

Each module renders one format; `render()` picks one by name. Imports are lazy so that the
command line pays only for the formats it writes.
"""

from __future__ import annotations

import io

from streamcheck.model import Report

FORMATS = ("text", "json", "junit", "sarif", "github", "html")


def render(
    report: Report, format: str, *, verbose: bool = False, tool_version: str | None = None
) -> str:
    """The whole report in one format, as a string (plain text for `text`)."""
    if format == "text":
        from rich.console import Console

        from streamcheck.report import text

        buffer = io.StringIO()
        console = Console(file=buffer, no_color=True, width=120, soft_wrap=True, highlight=False)
        text.render(report, console, verbose)
        return buffer.getvalue()
    if format == "json":
        from streamcheck.report import json

        return json.render(report)
    if format == "junit":
        from streamcheck.report import junit

        return junit.render(report)
    if format == "sarif":
        from streamcheck.report import sarif

        return sarif.render(report, tool_version)
    if format == "github":
        from streamcheck.report import github

        return github.render(report)
    if format == "html":
        from streamcheck.report import html

        return html.render(report)
    raise ValueError(f"unknown report format {format!r}")

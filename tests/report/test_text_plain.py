"""The plain text path (no rich import, for output to files, pipes and CI logs) prints exactly
what rich prints without colour."""

from __future__ import annotations

import io

from rich.console import Console

from streamcheck import check_bytes, check_paths
from streamcheck.report import text
from tests.conftest import FIXTURES


def rich_text(report: object, verbose: bool, width: int = 80) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, no_color=True, color_system=None, highlight=False, width=width)
    text.render(report, console, verbose, width=width)  # type: ignore[arg-type]
    return buffer.getvalue()


def test_plain_matches_rich_on_every_fixture() -> None:
    report = check_paths([str(FIXTURES)])
    assert len(report.results) > 50 and any(r.findings for r in report.results)
    for verbose in (False, True):
        for width in (80, 120):
            assert text.plain(report, verbose, width) == rich_text(report, verbose, width)


def test_plain_matches_rich_on_control_characters_and_tabs() -> None:
    body = b'data: {"id":"c1",\t"bell":"\x07\x08\x0b\x0c"\r\n\r\n' + b"data: \tnot json\x1b[31m\n\n"
    report = check_bytes(body)
    assert report.results[0].findings
    assert text.plain(report, width=80) == rich_text(report, False)

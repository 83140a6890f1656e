"""Assertions for tests: `assert_valid` fails a test with a readable list of findings."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import fields
from typing import Any

from streamcheck.check import CheckOptions
from streamcheck.model import Report, Severity
from streamcheck.run import check_bytes, check_paths


class StreamcheckAssertionError(AssertionError):
    """Raised by `assert_valid` when a recording has findings at or above the threshold.

    `report` holds the whole report, for a test that wants to look further.
    """

    def __init__(self, message: str, report: Report) -> None:
        super().__init__(message)
        self.report = report


def assert_valid(
    target: str | os.PathLike[str] | bytes,
    *,
    fail_on: Severity | str = Severity.ERROR,
    select: str | Iterable[str] = (),
    ignore: str | Iterable[str] = (),
    **options: Any,
) -> Report:
    """Check a recording (a path: file, folder or glob) or a body held in memory (bytes).

    Raises `StreamcheckAssertionError` listing every exchange with findings at or above
    `fail_on`, with places, evidence and fixes; returns the report otherwise. Other keyword
    arguments are `CheckOptions` fields (provider, api, api_version, max_gap, ...).

        streamcheck.assert_valid("tests/fixtures/chat.sse")
        streamcheck.assert_valid(body, provider="openai", ignore="SC5")
    """
    # pytest leaves this frame out of a failure's traceback: the test's line and the findings
    # are shown, not streamcheck's own source.
    __tracebackhide__ = True
    from streamcheck.report.places import findings_text

    threshold = Severity.parse(fail_on) if isinstance(fail_on, str) else Severity(fail_on)
    known = {f.name for f in fields(CheckOptions)} - {"fail_on", "select", "ignore"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"assert_valid() got unknown option(s): {', '.join(unknown)}")
    check_options = CheckOptions(
        fail_on=threshold, select=_codes(select), ignore=_codes(ignore), **options
    )
    if isinstance(target, bytes):
        report = check_bytes(target, check_options)
    else:
        report = check_paths([os.fspath(target)], check_options)
    failing = [result for result in report.results if report.failing(result)]
    if failing:
        count = sum(len(report.failing(result)) for result in failing)
        blocks = [
            f"{result.source}, exchange {result.index}:\n{findings_text(result, result.findings)}"
            for result in failing[:20]
        ]
        more = f"... and {len(failing) - 20} more exchanges\n" if len(failing) > 20 else ""
        raise StreamcheckAssertionError(
            f"{count} finding(s) at or above {threshold.label}:\n" + "".join(blocks) + more,
            report,
        )
    return report


def _codes(value: str | Iterable[str]) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else list(value)
    return tuple(c.strip().upper() for item in items for c in item.split(",") if c.strip())

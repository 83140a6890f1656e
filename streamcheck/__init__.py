"""streamcheck: validate LLM provider streams.

The public API is what this module exports; everything else may change.
"""

from __future__ import annotations

from streamcheck.check import CheckOptions
from streamcheck.exceptions import ConfigError, InputError, LiveCallError, StreamcheckError
from streamcheck.model import ExchangeResult, Finding, Location, Report, Severity
from streamcheck.run import check_bytes, check_paths

__version__ = "0.1.0"


class StreamcheckAssertionError(AssertionError):
    """Raised by `assert_valid` when a recording has findings at or above the threshold."""


def assert_valid(
    target: str | bytes,
    *,
    fail_on: Severity | str = Severity.ERROR,
    **options: object,
) -> Report:
    """Check a path (str) or a body (bytes); raise AssertionError listing failing findings."""
    threshold = Severity.parse(fail_on) if isinstance(fail_on, str) else fail_on
    check_options = CheckOptions(fail_on=threshold, **options)  # type: ignore[arg-type]
    if isinstance(target, bytes):
        report = check_bytes(target, check_options)
    else:
        report = check_paths([target], check_options)
    failing = [f for f in report.findings() if f.severity >= threshold]
    if failing:
        lines = [f"{f.code} {f.name} ({f.location.source}): {f.message}" for f in failing[:20]]
        more = f"\n... and {len(failing) - 20} more" if len(failing) > 20 else ""
        raise StreamcheckAssertionError(
            f"{len(failing)} finding(s) at or above {threshold.label}:\n" + "\n".join(lines) + more
        )
    return report


__all__ = [
    "CheckOptions",
    "ConfigError",
    "ExchangeResult",
    "Finding",
    "InputError",
    "LiveCallError",
    "Location",
    "Report",
    "Severity",
    "StreamcheckAssertionError",
    "StreamcheckError",
    "__version__",
    "assert_valid",
    "check_bytes",
    "check_paths",
]

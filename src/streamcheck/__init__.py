"""streamcheck: validate LLM provider streams.

The public API is what this module exports; everything else may change. Names are imported on
first use (PEP 562), so `import streamcheck` stays cheap: the pytest plugin is loaded by every
pytest run in an environment where streamcheck is installed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from streamcheck.assertions import StreamcheckAssertionError, assert_valid
    from streamcheck.check import CheckOptions
    from streamcheck.exceptions import ConfigError, InputError, LiveCallError, StreamcheckError
    from streamcheck.model import ExchangeResult, Finding, Location, Report, Severity
    from streamcheck.run import check_bytes, check_paths

__version__ = "0.1.0"

_HOMES = {
    "CheckOptions": "streamcheck.check",
    "ConfigError": "streamcheck.exceptions",
    "ExchangeResult": "streamcheck.model",
    "Finding": "streamcheck.model",
    "InputError": "streamcheck.exceptions",
    "LiveCallError": "streamcheck.exceptions",
    "Location": "streamcheck.model",
    "Report": "streamcheck.model",
    "Severity": "streamcheck.model",
    "StreamcheckAssertionError": "streamcheck.assertions",
    "StreamcheckError": "streamcheck.exceptions",
    "assert_valid": "streamcheck.assertions",
    "check_bytes": "streamcheck.run",
    "check_paths": "streamcheck.run",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'streamcheck' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])


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

"""jsonschema-rs, the engine every schema is compiled with, imported without `email.utils`.

The extension's init builds a `__build__` dict of its build metadata (pyo3-built), whose
"info-time" it parses with `email.utils.parsedate_to_datetime`. That one call imports
email.utils, and with it socket, random, urllib.parse, calendar and the email charsets:
about 9 ms of a 77 ms `streamcheck check` on a small file (issue 22), for a date nothing
here reads. While the extension loads, `email.utils` is a stand-in that parses the date the
way the real one does (the RFC 2822 form pyo3-built writes), so `__build__` is the same; any
other text is handed to the real function. The stand-in is taken out of `sys.modules` once
the import is done: a later `import email.utils` anywhere gets the real module. Not used
while another thread runs, and a release that asks the stand-in for more is imported again
the plain way.
"""

from __future__ import annotations

import sys
import types
from datetime import datetime, timedelta, timezone

__all__ = ["jsonschema_rs"]

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _parsedate_to_datetime(text: str) -> datetime:
    """`email.utils.parsedate_to_datetime` for "Thu, 12 Nov 2026 07:50:16 +0000" (a year of
    four digits and a numeric zone other than -0000, which it reads as no zone at all); any
    other form is handed to it."""
    try:
        _, day, month, year, clock, zone = text.split()
        hour, minute, second = clock.split(":")
        if len(year) != 4 or not year.isdigit():
            raise ValueError(year)
        if zone[0] not in "+-" or len(zone) != 5 or not zone[1:].isdigit() or zone == "-0000":
            raise ValueError(zone)
        offset = int(zone[1:3]) * 3600 + int(zone[3:]) * 60
        return datetime(
            int(year),
            _MONTHS.index(month.lower()) + 1,
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=timezone(timedelta(seconds=-offset if zone[0] == "-" else offset)),
        )
    except (ValueError, IndexError):
        module = sys.modules.get("email.utils")
        if getattr(module, "parsedate_to_datetime", None) is _parsedate_to_datetime:
            del sys.modules["email.utils"]  # the stand-in: the real module from here on
        from email.utils import parsedate_to_datetime

        return parsedate_to_datetime(text)


def _stand_in() -> types.ModuleType | None:
    """The stand-in, put in `sys.modules`; None when email.utils or the engine is loaded, or
    when another thread runs (an import of email.utils there would get the stand-in)."""
    if "email.utils" in sys.modules or "jsonschema_rs" in sys.modules:
        return None
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() != 1:
        return None
    module = types.ModuleType("email.utils")
    module.parsedate_to_datetime = _parsedate_to_datetime  # type: ignore[attr-defined]
    sys.modules["email.utils"] = module
    return module


def _without(stand_in: types.ModuleType | None) -> None:
    if stand_in is not None and sys.modules.get("email.utils") is stand_in:
        del sys.modules["email.utils"]


_standing = _stand_in()
try:
    import jsonschema_rs
except Exception:
    if _standing is None:
        raise
    # A release whose init asks email.utils for more than the date: the plain import.
    _without(_standing)
    for _name in [name for name in sys.modules if name.split(".")[0] == "jsonschema_rs"]:
        del sys.modules[_name]
    import jsonschema_rs
finally:
    _without(_standing)
    del _standing

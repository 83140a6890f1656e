"""The versions pinned in requirements/ci.lock: what the test suite describes and runs against.

Tests that describe an installed SDK (the survival table) name the locked version, so a new
release on the registry changes nothing until someone refreshes the lock on purpose
(`python tools/refresh_lock.py`).
"""

from __future__ import annotations

import re
from functools import cache

from tests.conftest import ROOT

LOCK = ROOT / "requirements" / "ci.lock"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.MULTILINE)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def pins() -> dict[str, str]:
    """Distribution name (normalised) -> locked version."""
    text = LOCK.read_text(encoding="utf-8")
    return {_normal(name): version for name, version in _PIN.findall(text)}


def locked(name: str) -> str:
    return pins()[_normal(name)]

"""`streamcheck check` on a clean recording starts fast: the network half, the replay server,
YAML, the provider SDKs and python-jsonschema (only failing frames need its messages) are never
imported on that path. Read from `python -X importtime`, in a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES, ROOT

FORBIDDEN = (
    "httpx",
    "starlette",
    "uvicorn",
    "yaml",
    "openai",
    "anthropic",
    "jsonschema",
    "rich",
    "streamcheck.live.server",
    "streamcheck.live.client",
    "streamcheck.live.faults",
)


def imported(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "streamcheck", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))


@pytest.mark.parametrize(
    "recording",
    [
        "openai/text-answer.sse",
        "anthropic/tool_use.sse",
        "rules/SC301/bad.sse",  # a grammar finding needs no schema message either
    ],
)
def test_check_imports_nothing_heavy(recording: str) -> None:
    assert (FIXTURES / recording).is_file()
    modules = imported("check", str(FIXTURES / recording))
    assert "streamcheck.check" in modules and "jsonschema_rs" in modules
    assert heavy(modules) == []


def test_a_schema_failure_pays_for_its_message() -> None:
    # The other side of the bargain: python-jsonschema is imported once a frame fails.
    modules = imported("check", str(FIXTURES / "rules" / "SC201" / "bad.sse"))
    assert "jsonschema" in modules

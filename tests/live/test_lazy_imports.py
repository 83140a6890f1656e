"""`check` must start fast: the network stack is imported only by the live commands."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

HEAVY = ("httpx", "starlette", "uvicorn", "anyio", "rich.live")


def test_check_does_not_import_the_network_stack() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "streamcheck", "check", "fixtures/live"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert not [name for name in imported if name.split(".")[0] in HEAVY or name in HEAVY]

"""`| head -1`: a reader that closes the pipe before the report is all written gets exit 141,
through a real pipe in bash with `set -o pipefail`, buffered or not (PYTHONUNBUFFERED=1, as
many CI images set, put the text layer right on the file and lost the rest of the report
without an error: exit 1)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.streams import CUT, write


def piped(command: str, cwd: Path, unbuffered: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env.update(PYTHONPATH=str(ROOT), NO_COLOR="1")
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    streamcheck = f"{shlex.quote(sys.executable)} -m streamcheck"
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", command.replace("streamcheck", streamcheck, 1)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
def test_head_closing_the_pipe_early_is_exit_141_and_quiet(
    tmp_path: Path, unbuffered: bool
) -> None:
    # Far more report than a pipe holds (64 KiB) plus what head reads before it exits.
    write(tmp_path, {f"rec/cut{n:03}.sse": CUT for n in range(400)})
    done = piped("streamcheck check rec --format json | head -1", tmp_path, unbuffered)
    assert done.returncode == 141, done.stderr
    assert done.stdout == "{\n"
    assert done.stderr == ""


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
def test_a_report_the_pipe_took_whole_keeps_its_exit_code(tmp_path: Path, unbuffered: bool) -> None:
    write(tmp_path, {"cut.sse": CUT})
    done = piped("streamcheck check cut.sse | head -1", tmp_path, unbuffered)
    assert done.returncode == 1, done.stderr  # the findings', as README's exit codes say
    assert done.stdout.startswith("cut.sse")

"""Shared test helpers: paths, the shared corpus, and running the CLI for real."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

# pytester runs pytest on temporary projects (the streamcheck pytest plugin's end-to-end tests).
pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
SPECS = SHARED / "reference" / "specs"

needs_shared = pytest.mark.skipif(
    not CORPUS.is_dir(), reason="../shared is not beside the checkout"
)


def run_python(
    code: str, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `python -c code args...` from the repository root, importing this checkout."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", **(env or {})},
        timeout=timeout,
    )


def run_in_process(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """`streamcheck ARGS` through the program's entry point `streamcheck.cli.main`, in this
    process, from `cwd`: what `run_streamcheck` returns (exit code, stdout, stderr) without
    starting an interpreter (about 0.3 s each). For behaviour a subprocess proves nothing more
    about: not for signals, pipes, standard streams that are closed, start-up or hangs."""
    from streamcheck.cli import main

    out, err = io.StringIO(), io.StringIO()
    changed = {"NO_COLOR": "1", **(env or {})}
    saved = {key: os.environ.get(key) for key in changed}
    os.environ.update(changed)
    try:
        with (
            contextlib.chdir(cwd),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            try:
                main(list(args))
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return subprocess.CompletedProcess(["streamcheck", *args], code, out.getvalue(), err.getvalue())


def run_streamcheck(
    *args: str,
    input: bytes | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
    cwd: Path = ROOT,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m streamcheck` in a real subprocess, from the repository root (or `cwd`:
    the config file is looked for from there).

    stdin is passed as bytes (binary junk must reach the tool unchanged); stdout and stderr come
    back as text.
    """
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", **(env or {})}
    done = subprocess.run(
        [sys.executable, "-m", "streamcheck", *args],
        input=input if input is not None else b"",
        capture_output=True,
        cwd=cwd,
        env=full_env,
        timeout=timeout,
    )
    return subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )

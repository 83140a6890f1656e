"""Refresh requirements/ci.lock, the pinned test and dev environment, on purpose.

    python tools/refresh_lock.py            # newest versions pyproject.toml's ranges allow
    python tools/refresh_lock.py --upgrade-package openai

Runtime dependencies stay ranges in pyproject.toml (users are not pinned); CI installs exactly
this lock, so a release on the registry changes nothing until this is run. Afterwards it
rewrites the README's SDK survival tables for the locked SDK versions (the HTTP SDKs' and
google-genai's live client's), regenerates the Gemini Live schemas, and runs the schema
pipeline (tools/schemas/generate.py: schemas/ from the SDKs, DRIFT.md); run the tests
(`python -m pytest -W error`) before committing the new lock.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "ci.lock"


def main(argv: list[str]) -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = sorted(project.get("optional-dependencies", {}))
    command = [sys.executable, "-m", "uv", "pip", "compile", "pyproject.toml"]
    for extra in extras:
        command += ["--extra", extra]
    # CI's machine: CPython 3.11 on x86-64 Linux. Hashes pin the exact files.
    command += ["--python-version", "3.11", "--python-platform", "x86_64-unknown-linux-gnu"]
    command += ["--generate-hashes", "--quiet", "-o", str(LOCK.relative_to(ROOT)), *argv]
    done = subprocess.run(command, cwd=ROOT, check=False)
    if done.returncode:
        return done.returncode
    for table in (
        [sys.executable, "-m", "tests.live.test_sdk_survival", "--write"],
        # google-genai's live client against serve's Gemini Live faults, and its schemas.
        [sys.executable, "-m", "tests.live.test_gemini_live_client", "--write"],
        [sys.executable, str(ROOT / "tools" / "gen_gemini_live.py")],
    ):
        done = subprocess.run(table, cwd=ROOT, check=False)
        if done.returncode:
            return done.returncode
    # The schema pipeline: what the newly locked SDKs know goes into schemas/, and
    # tools/schemas/DRIFT.md says what changed. Install the new lock first: the generator
    # reads the SDKs this interpreter has.
    generate = [sys.executable, str(ROOT / "tools" / "schemas" / "generate.py")]
    return subprocess.run(generate, cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Every command block of README.md runs as written (issue 19).

Each command line of an indented shell block, and each other block (YAML, TOML, Python, sample
output), has a marker: the command itself (comment dropped, spaces collapsed), or the block's
language and first line. A marker is either run here, by the test that names it in `@runs`, in
a temporary folder holding a copy of what the command reads (the repository is never written),
or listed in NOT_RUN with the reason it cannot run offline. A block that is neither fails
`test_every_block_is_run_or_listed`, as does an entry for a block the README no longer has.

Commands run through `bash -o pipefail -c` exactly as the README gives them, with the
environment's `streamcheck` and `python` first on PATH and no provider key set (a rehearsal
against `serve` needs none). Files a command names but the README does not ship (recording.sse,
session.har, cut.tape, ...) are copies of fixtures, listed in PLACEHOLDERS. `serve` runs in the
background on the ports the README names (8400, its default, and 8000 for "your server"): those
tests hold a lock file so that two runs on one machine take turns.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from tests.conftest import FIXTURES, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent  # the environment under test: its streamcheck and python
SHELL_WORDS = ("streamcheck", "python", "python3", "pip", "curl", ".", "npm", "bash")
KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AZURE_OPENAI_API_KEY")

# -- reading the README ------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    line: int  # of its first line, 1-based
    lang: str | None  # a fenced block's language ("" for none); None for an indented block
    text: str


def readme_blocks() -> list[Block]:
    lines = README.split("\n")
    found: list[Block] = []
    i = 0
    while i < len(lines):
        if lines[i].startswith("```"):
            lang, start = lines[i][3:].strip(), i + 1
            i += 1
            while not lines[i].startswith("```"):
                i += 1
            found.append(Block(start + 1, lang, "\n".join(lines[start:i]) + "\n"))
        elif lines[i].startswith("    ") and lines[i].strip() and not lines[i - 1].strip():
            start = i
            while i < len(lines) and (
                lines[i].startswith("    ")
                or (not lines[i].strip() and i + 1 < len(lines) and lines[i + 1].startswith("    "))
            ):
                i += 1
            body = "\n".join(line[4:] for line in lines[start:i])
            found.append(Block(start + 1, None, body + "\n"))
            continue
        i += 1
    return found


def drop_comment(line: str) -> str:
    """The line without a trailing `# comment` (a `#` after a space, outside quotes)."""
    quote = None
    for n, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (n == 0 or line[n - 1] == " "):
            return line[:n].rstrip()
    return line.rstrip()


def shell_commands(block: Block) -> list[str] | None:
    """The commands of an indented shell block (continuation lines joined), else None."""
    if block.lang is not None:
        return None
    commands: list[str] = []
    pending = ""
    for raw in block.text.splitlines():
        line = drop_comment(raw)
        if not line.strip():
            continue
        joined = (pending + " " + line.strip()) if pending else line.strip()
        if joined.endswith("\\"):
            pending = joined[:-1].strip()
            continue
        pending = ""
        commands.append(" ".join(joined.split()))
    if not commands or any(c.split()[0] not in SHELL_WORDS for c in commands):
        return None
    return commands


def block_marker(block: Block) -> str:
    first = next(line for line in block.text.splitlines() if line.strip()).strip()
    kind = "indented" if block.lang is None else (block.lang or "text")
    return f"{kind} block: {first}"


def markers() -> dict[str, int]:
    """Every marker of the README -> the line of its block."""
    found: dict[str, int] = {}
    for block in readme_blocks():
        for marker in shell_commands(block) or [block_marker(block)]:
            found.setdefault(marker, block.line)
    return found


def block(marker: str) -> Block:
    [found] = [b for b in readme_blocks() if block_marker(b) == marker]
    return found


# -- what runs where ---------------------------------------------------------------------------

F = TypeVar("F", bound=Callable[..., None])
RUN: dict[str, str] = {}  # marker -> the test that runs it


def runs(*covered: str) -> Callable[[F], F]:
    def register(test: F) -> F:
        for marker in covered:
            RUN[marker] = test.__name__
        return test

    return register


NOT_RUN = {
    "python3 -m venv .venv && . .venv/bin/activate && pip install . && streamcheck check "
    "fixtures/openai/gpt4-no-model-access.http": "run by tests/test_install.py (a fresh venv "
    "and the wheel)",
    ". .venv/bin/activate && pip install --require-hashes -r requirements/ci.lock && npm ci "
    "--prefix requirements/npm --no-audit --no-fund --loglevel=error && python -m pytest -W "
    "error": "the test command itself; .ci/run runs it (tests/test_install.py holds them equal)",
    "curl -sN https://api.openai.com/v1/chat/completions ... | streamcheck check - --provider "
    "openai": "calls api.openai.com (`...` stands for the user's request)",
    "curl -i -sN ... > dump.http && streamcheck check dump.http": "calls the user's endpoint "
    "(`...`)",
    "yaml block: - name: Check recorded LLM streams": "a GitHub Actions step (installs from "
    "GitHub); tests/test_ci_recipes.py runs its streamcheck command",
    "yaml block: - uses: github/codeql-action/upload-sarif@v3": "a GitHub Actions step that "
    "runs on GitHub",
    "yaml block: - uses: actions/checkout@v4": "a workflow using this repository's action on "
    "GitHub; tests/test_action.py runs the action's steps",
    "pip install '.[clients]'": "installs from the package index (the test environment has "
    "the clients extra from requirements/ci.lock)",
    "yaml block: repos:": "pre-commit config contents; tests/test_ci_recipes.py runs the hook",
    "streamcheck record --provider openai --model gpt-4o-mini -o call.tape": "calls "
    "api.openai.com with a real key",
    "streamcheck record --provider anthropic --model claude-3-5-haiku-latest --body body.json "
    "-o a.tape": "calls api.anthropic.com with a real key",
    "streamcheck smoke --provider openai --model gpt-4o-mini": "calls api.openai.com with a "
    "real key",
    "indented block: [[tool.streamcheck.smoke]]": "smoke targets on api.openai.com and an "
    "Azure resource: live calls with real keys",
    "streamcheck conform --provider anthropic --base-url https://gw.example --model claude-x "
    "--yes": "calls a remote gateway (gw.example)",
    "streamcheck conform ... --cases text,usage --format markdown --report junit:conform.xml": (
        "`...` stands for the flags of the lines above; --cases and --report are run by "
        "tests/live/test_conform.py"
    ),
    'streamcheck record --ws "wss://api.openai.com/v1/realtime?model=gpt-realtime" --send '
    "first.jsonl -o session.tape": "calls api.openai.com with a real key",
    "python bench/run.py": "the full benchmark: minutes of CPU and a 1 GB temp file",
    "python bench/run.py --quick": "run by tests/test_bench.py",
    "python bench/proxy.py": "the load benchmark: 30,000 streams, minutes of CPU",
}

# Files the README's commands name that it does not ship: copies of fixtures.
PLACEHOLDERS = {
    "recording.sse": "openai/text-answer.sse",
    "tests/cassettes": "cassettes",
    "session.har": "har/chat_page.har",
    "converse.eventstream": "bedrock/converse-stream.eventstream",
    "rec.sse": "openai/text-answer.sse",
    "chat.http": "vercel-ai/ui-cut-behind-200.http",
    "cut.tape": "faults/openai/truncate-after-2.tape",
    "session.tape": "openai-realtime/ga-text.tape",
}


def test_every_block_is_run_or_listed() -> None:
    found = markers()
    assert len(found) > 40  # the parser still sees the README's blocks
    both = set(RUN) & set(NOT_RUN)
    assert not both, f"both run and listed: {both}"
    missing = [f"line {line}: {m}" for m, line in found.items() if m not in RUN | NOT_RUN]
    assert not missing, "README blocks neither run nor listed:\n" + "\n".join(missing)
    stale = [m for m in {**RUN, **NOT_RUN} if m not in found]
    assert not stale, f"entries for blocks the README no longer has: {stale}"


# -- running -----------------------------------------------------------------------------------


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in KEYS and k != "PYTHONPATH"}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["NO_COLOR"] = "1"
    return env


def sh(command: str, cwd: Path, code: int | None, *wanted: str) -> subprocess.CompletedProcess[str]:
    """Run a README command as written; check its exit code and what it must say."""
    assert command in markers(), f"not a README command: {command}"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    said = done.stdout + done.stderr
    assert "Traceback" not in done.stderr, said[-3000:]
    assert "streamcheck: internal error" not in done.stderr, said[-3000:]
    if code is not None:
        assert done.returncode == code, f"{command}: exit {done.returncode}\n{said[-3000:]}"
    for text in wanted:
        assert text in said, f"{command}: {text!r} not in\n{said[-3000:]}"
    return done


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A copy of fixtures/ and the placeholder files."""
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    for name, source in PLACEHOLDERS.items():
        target, origin = tmp_path / name, FIXTURES / source
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, target)
        else:
            shutil.copyfile(origin, target)
    return tmp_path


@contextmanager
def background(command: str, cwd: Path, in_block: bool = True) -> Iterator[str]:
    """A README `serve` command in the background until it says where it listens: its URL.
    (`in_block=False`: a command the README's text names, or the test's own stand-in.)"""
    assert not in_block or command in markers(), f"not a README command: {command}"
    with subprocess.Popen(
        ["bash", "-c", command],
        cwd=cwd,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:  # its pipes are closed on the way out
        try:
            assert process.stdout is not None
            with selectors.DefaultSelector() as selector:
                selector.register(process.stdout, selectors.EVENT_READ)
                ready = selector.select(timeout=120)  # a bound against a hang, not a timing
            first = process.stdout.readline() if ready else ""
            match = re.search(r"listening on (\S+)", first)
            if match is None:
                process.kill()
                raise AssertionError(f"{command}: {first}{process.communicate()[1][-2000:]}")
            yield match.group(1)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)  # Ctrl-C, as the README says
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


@pytest.fixture
def fixed_ports() -> Iterator[None]:
    """The README's ports (8400, 8000) for one test at a time on this machine."""
    lock = Path(tempfile.gettempdir()) / "streamcheck-readme-ports.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


# -- the blocks --------------------------------------------------------------------------------


@runs(
    "streamcheck check recording.sse",
    "streamcheck check fixtures/ --format json",
    "streamcheck check tests/cassettes/",
    "streamcheck check session.har",
    "streamcheck check converse.eventstream",
    "streamcheck rules",
    "streamcheck explain SC301",
    "streamcheck schemas",
    "streamcheck check rec.sse --api-version 2023-11",
    "streamcheck check fixtures/ --jobs 0",
)
def test_using_it(workspace: Path) -> None:
    sh("streamcheck check recording.sse", workspace, 0, "OK: 1 file")
    done = sh("streamcheck check fixtures/ --format json", workspace, 1)
    assert json.loads(done.stdout)["summary"]["files"] > 300
    sh("streamcheck check tests/cassettes/", workspace, 1, "invalid_api_key")
    sh("streamcheck check session.har", workspace, 1, "3 exchanges")
    sh("streamcheck check converse.eventstream", workspace, 0, "OK: 1 file")
    sh("streamcheck rules", workspace, 0, "SC301", "SC901")
    sh("streamcheck explain SC301", workspace, 0, "SC301 missing-terminator")
    sh("streamcheck schemas", workspace, 0, "openai/chat-completions/2023-11")
    sh("streamcheck check rec.sse --api-version 2023-11", workspace, 0, "OK: 1 file")
    sh("streamcheck check fixtures/ --jobs 0", workspace, 1, "FAIL: ")


@runs("streamcheck check fixtures/causes/nginx-idle-60s.tape --report html:report.html")
def test_html_report(workspace: Path) -> None:
    sh(
        "streamcheck check fixtures/causes/nginx-idle-60s.tape --report html:report.html",
        workspace,
        1,
        "SC301",
    )
    page = (workspace / "report.html").read_text(encoding="utf-8")
    assert 'data-code="SC301"' in page and "proxy_read_timeout" in page


@runs(
    "streamcheck check chat.http",
    "streamcheck check chat.http --api-version 5",
)
def test_relay_protocols(workspace: Path) -> None:
    sh("streamcheck check chat.http", workspace, 1, "ui-message-stream/7", "SC360")
    sh("streamcheck check chat.http --api-version 5", workspace, 1, "ui-message-stream/5")


@runs(
    "yaml block: # examples/relay/relay.yaml",
    "streamcheck check relay-capture.ndjson --protocol relay.yaml",
    "streamcheck check captures/",
)
def test_user_defined_protocol(tmp_path: Path) -> None:
    example = ROOT / "examples" / "relay"
    # The file the commands use is the block the README shows.
    shown = block("yaml block: # examples/relay/relay.yaml").text
    assert (example / "relay.yaml").read_text(encoding="utf-8") == shown
    assert 'protocols = ["relay.yaml"]' in (example / "streamcheck.toml").read_text()
    folder = tmp_path / "relay"
    shutil.copytree(example, folder)
    sh(
        "streamcheck check relay-capture.ndjson --protocol relay.yaml",
        folder,
        1,
        "user/verba-relay/1",
        "SC380",
    )
    done = sh("streamcheck check captures/", folder, 1, "2 files, 2 exchanges: 1 error")
    assert "captures/cut.tape" in done.stdout and "captures/whole.tape" not in done.stdout


@runs(
    "streamcheck check fixtures/ --write-baseline streamcheck-baseline.json",
    "streamcheck check fixtures/ --baseline streamcheck-baseline.json",
)
def test_baselines(workspace: Path) -> None:
    sh(
        "streamcheck check fixtures/ --write-baseline streamcheck-baseline.json",
        workspace,
        0,
        "baseline streamcheck-baseline.json written",
    )
    sh("streamcheck check fixtures/ --baseline streamcheck-baseline.json", workspace, 0, "0 new")


CLIENT_SAMPLE = "indented block: client openai-python 3.57.0: ends normally, finish_reason None"


@runs(
    "streamcheck check fixtures/ --client openai-python",
    "streamcheck check fixtures/vercel-ai/ui-v5-text.sse --client vercel-ai-ui --node-modules "
    "requirements/npm/node_modules",
    "streamcheck check cut.tape --client openai-python --client-timeout 10",
    CLIENT_SAMPLE + " (4 characters of text, 2 items iterated)",
)
def test_client(workspace: Path) -> None:
    installed = ROOT / "requirements" / "npm" / "node_modules"
    assert (installed / "ai").is_dir(), "run the README's test setup (npm ci --prefix ...)"
    (workspace / "requirements" / "npm").mkdir(parents=True)
    (workspace / "requirements" / "npm" / "node_modules").symlink_to(installed)
    sh("streamcheck check fixtures/ --client openai-python", workspace, 1, "client openai-python")
    sh(
        "streamcheck check fixtures/vercel-ai/ui-v5-text.sse --client vercel-ai-ui "
        "--node-modules requirements/npm/node_modules",
        workspace,
        0,
        "client vercel-ai-ui",
    )
    done = sh("streamcheck check cut.tape --client openai-python --client-timeout 10", workspace, 1)
    # The README's sample of that output, word for word (wrapping aside).
    sample = block(CLIENT_SAMPLE + " (4 characters of text, 2 items iterated)").text
    assert " ".join(sample.split()) in " ".join(done.stdout.split())


@runs("python block: from pathlib import Path")
def test_pytest_block(tmp_path: Path) -> None:
    source = block("python block: from pathlib import Path").text
    (tmp_path / "tests" / "fixtures").mkdir(parents=True)
    (tmp_path / "tests" / "test_streams.py").write_text(source)
    chat = tmp_path / "tests" / "fixtures" / "chat.sse"
    chat.write_bytes((FIXTURES / "openai" / "text-answer.sse").read_bytes())
    command = [str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
    done = subprocess.run(
        command, cwd=tmp_path, env=environment(), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    cut = (FIXTURES / "faults" / "openai" / "truncate-after-2.tape").read_bytes()
    chat.with_suffix(".tape").write_bytes(cut)
    chat.unlink()
    chat.symlink_to(chat.with_suffix(".tape"))  # a cut stream where the test expects one
    failed = subprocess.run(
        command, cwd=tmp_path, env=environment(), capture_output=True, text=True, timeout=300
    )
    assert failed.returncode == 1 and "SC301" in failed.stdout, failed.stdout


@runs("toml block: [tool.streamcheck]")
def test_configuration_block(tmp_path: Path) -> None:
    """The sample config, as written, on a clean Ollama recording: its `provider = "openai"`
    is a default, so the recording stays clean."""
    (tmp_path / "pyproject.toml").write_text(block("toml block: [tool.streamcheck]").text)
    (tmp_path / "fixtures").mkdir()
    clean = FIXTURES / "ollama" / "chat-clean.ndjson"
    (tmp_path / "fixtures" / "chat.ndjson").write_bytes(clean.read_bytes())
    (tmp_path / "schemas" / "our-gateway").mkdir(parents=True)

    def streamcheck(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "streamcheck"), *args],
            cwd=tmp_path,
            env=environment(),
            capture_output=True,
            text=True,
            timeout=120,
        )

    # The sample names a baseline: an empty one, written while the provider is named.
    assert (
        streamcheck("check", "--provider", "ollama", "--write-baseline", "x.json").returncode == 0
    )
    (tmp_path / "x.json").rename(tmp_path / "streamcheck-baseline.json")
    done = streamcheck("check", "-v")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ollama/chat/api" in done.stdout
    assert "0 errors, 0 warnings, 0 info" in done.stdout


@runs(
    "streamcheck serve fixtures/live --port 0 --speed 0",
    "streamcheck serve fixtures/live --fault truncate-mid-frame",
    "curl -N http://127.0.0.1:8400/v1/chat/completions -H 'x-streamcheck-fault: error-event' -d "
    "'{}'",
    "streamcheck smoke --base-url http://127.0.0.1:8400 --provider openai --model gpt-4o-mini -H "
    "'x-streamcheck-fault: http-429-quota'",
    "streamcheck record --base-url http://127.0.0.1:8400 --model gpt-4o-mini -o cut.tape",
)
def test_serve_and_rehearsals(tmp_path: Path, fixed_ports: None) -> None:
    shutil.copytree(FIXTURES / "live", tmp_path / "fixtures" / "live")
    with background("streamcheck serve fixtures/live --port 0 --speed 0", tmp_path) as url:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url) and not url.endswith(":0")
        with urllib.request.urlopen(f"{url}/v1/models", timeout=30) as answer:
            assert answer.status == 200
    with background("streamcheck serve fixtures/live --fault truncate-mid-frame", tmp_path) as url:
        assert url == "http://127.0.0.1:8400"
        sh(
            "curl -N http://127.0.0.1:8400/v1/chat/completions -H 'x-streamcheck-fault: "
            "error-event' -d '{}'",
            tmp_path,
            0,
            "server_error",
        )
        sh(
            "streamcheck smoke --base-url http://127.0.0.1:8400 --provider openai --model "
            "gpt-4o-mini -H 'x-streamcheck-fault: http-429-quota'",
            tmp_path,
            5,
            "[billing, exit 5]",
        )
        sh(
            "streamcheck record --base-url http://127.0.0.1:8400 --model gpt-4o-mini -o cut.tape",
            tmp_path,
            1,
            "SC101",
            "tape: cut.tape",
        )
    assert (tmp_path / "cut.tape").is_file()


CONFORM_OUTPUT = "text block: case                 verdict      detail"


@runs(
    "streamcheck conform --base-url http://127.0.0.1:8000/v1 --model my-model",
    "streamcheck conform --base-url http://127.0.0.1:8000/v1 --model my-model --api responses",
    "streamcheck conform --list",
    "streamcheck conform --base-url http://127.0.0.1:8000/v1 --model my-model --api responses "
    "--format markdown",
    "streamcheck conform --base-url http://127.0.0.1:8000/v1 --model my-model --api responses "
    "--spec-version 2026-01-15",
    CONFORM_OUTPUT,
)
def test_conform(tmp_path: Path, fixed_ports: None) -> None:
    sh("streamcheck conform --list", tmp_path, 0, "unknown-model")
    conform = FIXTURES / "conform"
    for dialect in ("openai-clean", "responses-clean", "openai-no-usage"):
        shutil.copytree(conform / dialect, tmp_path / "fixtures" / "conform" / dialect)
    # "Your server" on 127.0.0.1:8000: a replay of clean recordings stands in for it.
    yours = "streamcheck serve fixtures/conform/openai-clean fixtures/conform/responses-clean"
    with _serve_on_8000(yours, tmp_path):
        sh(
            "streamcheck conform --base-url http://127.0.0.1:8000/v1 --model my-model",
            tmp_path,
            0,
            "CONFORMS: chat",
        )
        sh(
            "streamcheck conform --base-url http://127.0.0.1:8000/v1 --model my-model --api "
            "responses",
            tmp_path,
            0,
            "CONFORMS: responses",
        )
        sh(
            "streamcheck conform --base-url http://127.0.0.1:8000/v1 --model my-model --api "
            "responses --format markdown",
            tmp_path,
            0,
            "| case | verdict | Open Responses check | detail |",
            "| `tool-call` | pass | `tool-calling`, `tool-calling-streaming` |",
            "Open Responses 2026-04-24: the cases covering 7 of its 7 checks pass",
        )
        sh(
            "streamcheck conform --base-url http://127.0.0.1:8000/v1 --model my-model --api "
            "responses --spec-version 2026-01-15",
            tmp_path,
            0,
            "Open Responses 2026-01-15: the cases covering 6 of its 6 checks pass",
        )
    # The sample output, from the two commands its sentence names.
    serve_it = "streamcheck serve fixtures/conform/openai-no-usage"
    conform_it = "streamcheck conform --base-url http://127.0.0.1:8400 --model gpt-4o-mini"
    assert f"(`{serve_it}`,\nthen `{conform_it}`)" in README
    with background(serve_it, tmp_path, in_block=False):
        done = subprocess.run(
            ["bash", "-c", conform_it],
            cwd=tmp_path,
            env=environment(),
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout == block(CONFORM_OUTPUT).text


@contextmanager
def _serve_on_8000(command: str, cwd: Path) -> Iterator[None]:
    with background(f"{command} --port 8000", cwd, in_block=False) as url:
        assert url == "http://127.0.0.1:8000"
        yield


@runs("streamcheck serve session.tape --port 0")
def test_serve_a_websocket_tape(workspace: Path) -> None:
    from websockets.sync.client import connect

    with background("streamcheck serve session.tape --port 0", workspace) as url:
        socket_url = url.replace("http://", "ws://") + "/v1/realtime?model=gpt-realtime"
        with connect(socket_url, open_timeout=30) as socket:
            first = json.loads(socket.recv(timeout=30))
    assert first["type"] == "session.created"


OPEN_RESPONSES = (
    "streamcheck check fixtures/open-responses/reasoning-and-text.sse --api open-responses"
)


@runs(OPEN_RESPONSES, f"{OPEN_RESPONSES} --api-version 2026-01-15")
def test_open_responses(workspace: Path) -> None:
    sh(OPEN_RESPONSES, workspace, 0, "open-responses/responses/2026-04-24", "SC902", "OK: 1 file")
    done = sh(f"{OPEN_RESPONSES} --api-version 2026-01-15", workspace, 1, "SC201", "'logprobs'")
    assert "SC902" not in done.stdout


@runs("streamcheck check fixtures/gemini-live/cut-before-turn-complete.tape")
def test_check_a_cut_gemini_live_session(workspace: Path) -> None:
    command = "streamcheck check fixtures/gemini-live/cut-before-turn-complete.tape"
    sh(command, workspace, 1, "SC391", "SC602")


@runs("streamcheck serve fixtures/gemini-live/text-turn.tape --port 0")
def test_serve_a_gemini_live_tape(workspace: Path) -> None:
    """The replay waits for the client's `setup`, then answers with `setupComplete` (in a
    binary frame, as the Live API sends it), on any BidiGenerateContent path."""
    from websockets.sync.client import connect

    path = "/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContent"
    command = "streamcheck serve fixtures/gemini-live/text-turn.tape --port 0"
    with (
        background(command, workspace) as url,
        connect(url.replace("http://", "ws://") + path, open_timeout=30) as socket,
    ):
        socket.send(json.dumps({"setup": {"model": "models/gemini-live-2.5-flash"}}))
        first = socket.recv(timeout=30)
    assert isinstance(first, bytes) and json.loads(first) == {"setupComplete": {}}


def relay_tape(url: str) -> str:
    """A WebSocket tape (format 2) of the example relay answering at `url`, end frame and
    all: `serve` replays it as the app that the README's `record --ws` lines talk to."""
    frames = [
        {"message": "Verba is ", "finish_reason": None},
        {"message": "a RAG app", "finish_reason": None},
        {"message": "", "finish_reason": "stop"},
    ]
    header = {
        "streamcheck_tape": 2,
        "transport": "websocket",
        "provider": None,
        "api": None,
        "api_version": None,
        "request": {"method": "GET", "url": url, "headers": {}, "body": None},
        "response": {"status": 101, "headers": {}},
    }
    lines = [header, {"t": 0.0, "dir": "sent", "text": json.dumps({"question": "Say hello"})}]
    lines += [
        {"t": 0.1 * n, "dir": "received", "text": json.dumps(f)} for n, f in enumerate(frames, 1)
    ]
    lines.append({"end": "eof", "t": 0.4, "close": {"code": 1000, "reason": "", "by": "server"}})
    return "".join(json.dumps(line) + "\n" for line in lines)


@runs(
    "streamcheck record --ws ws://127.0.0.1:8000/ws/chat --send question.json -o relay.tape",
    "streamcheck record --ws ws://127.0.0.1:8000/api/generate_stream --send question.json "
    "--protocol relay.yaml -o relay.tape",
)
def test_record_a_websocket_app(tmp_path: Path, fixed_ports: None) -> None:
    """The app on 127.0.0.1:8000 is `serve` replaying a recording of one (a relay of OpenAI
    chunks at /ws/chat, the example relay at /api/generate_stream)."""
    chat = FIXTURES / "rules" / "SC602" / "good.tape"
    assert "ws://127.0.0.1:8000/ws/chat" in chat.read_text()
    (tmp_path / "app").mkdir()
    shutil.copyfile(chat, tmp_path / "app" / "chat.tape")
    relay = tmp_path / "app" / "relay.tape"
    relay.write_text(relay_tape("ws://127.0.0.1:8000/api/generate_stream"))
    for where in ("chat", "relay"):
        shutil.copytree(ROOT / "examples" / "relay", tmp_path / where)
        (tmp_path / where / "question.json").write_text('{"question": "Say hello"}\n')
    with _serve_on_8000("streamcheck serve app --speed 0", tmp_path):
        sh(
            "streamcheck record --ws ws://127.0.0.1:8000/ws/chat --send question.json "
            "-o relay.tape",
            tmp_path / "chat",
            0,
            "openai/chat-completions",
            "tape: relay.tape",
        )
        sh(
            "streamcheck record --ws ws://127.0.0.1:8000/api/generate_stream --send "
            "question.json --protocol relay.yaml -o relay.tape",
            tmp_path / "relay",
            0,
            "user/verba-relay/1",
            "tape: relay.tape",
        )


ENVOY_YAML = (
    "yaml block: # envoy.yaml (excerpt): the HTTP connection manager's filters and the "
    "processor's cluster"
)
EXT_PROC = (
    "streamcheck ext-proc --port 50051 --log exchanges.jsonl --tapes failing/ --metrics-port 9464"
)


@runs(ENVOY_YAML)
def test_the_envoy_configuration() -> None:
    """Parsed into Envoy's v3 protobuf types (tests/live/test_extproc.py says how)."""
    import tests.live.test_extproc as extproc

    extproc.test_the_readme_envoy_configuration_parses_as_envoy_config()


@runs(EXT_PROC)
def test_ext_proc_beside_envoy(tmp_path: Path, fixed_ports: None) -> None:
    """The command as written, shown two exchanges the way Envoy's ext_proc filter sends them
    (tests/live/envoy.py; no Envoy binary runs): a clean one and a reset one."""
    import grpc
    from envoy.service.ext_proc.v3 import external_processor_pb2_grpc as pb_grpc

    from tests.live.envoy import messages, recorded

    with _listening(EXT_PROC, tmp_path) as first:
        assert "listening on 127.0.0.1:50051 (gRPC), /metrics on 127.0.0.1:9464" in first, first
        with grpc.insecure_channel("127.0.0.1:50051") as channel:
            stub = pb_grpc.ExternalProcessorStub(channel)
            for name, complete in (("none", True), ("reset", False)):
                case = recorded(FIXTURES / "faults" / "openai" / f"{name}.tape")
                list(stub.Process(iter(messages(case, case.splits, complete=complete))))
        with urllib.request.urlopen("http://127.0.0.1:9464/metrics") as answer:
            metrics = answer.read().decode()
    lines = [json.loads(x) for x in (tmp_path / "exchanges.jsonl").read_text().splitlines()]
    assert [x["verdict"] for x in lines] == ["ok", "unreachable"]
    assert len(list((tmp_path / "failing").iterdir())) == 1
    assert 'streamcheck_streams_total{api="chat-completions"' in metrics


@runs("yaml block: streamcheck:")
def test_gitlab_job(workspace: Path) -> None:
    """The GitLab job's script, as written, on the fixtures: it fails and leaves the JUnit
    report its `artifacts` name."""
    import xml.etree.ElementTree as ET

    import yaml

    job = yaml.safe_load(block("yaml block: streamcheck:").text)["streamcheck"]
    [script] = job["script"]
    report = job["artifacts"]["reports"]["junit"]
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", script],
        cwd=workspace,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert int(ET.parse(workspace / report).getroot().get("failures", "0")) > 0


def test_listed_config_blocks_are_valid_config() -> None:
    """Blocks listed for making live calls or for running elsewhere still say what the code
    reads: the smoke targets parse into two targets, and the pre-commit snippet names the hook
    the repository declares."""
    import yaml

    from streamcheck.live.call.smoke import targets_from_config

    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "pyproject.toml"
        config.write_text(block("indented block: [[tool.streamcheck.smoke]]").text)
        targets = targets_from_config(config)
    assert [(t.provider, t.label) for t in targets] == [
        ("openai", "prod chat"),
        ("azure", "azure:gpt4o-prod"),
    ]
    [repo] = yaml.safe_load(block("yaml block: repos:").text)["repos"]
    [declared] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [hook["id"] for hook in repo["hooks"]] == [declared["id"]]


PROXY_SERVE = "streamcheck serve fixtures/live --speed 0"
PROXY_REHEARSAL = (
    "streamcheck proxy --upstream http://127.0.0.1:8400 --log exchanges.jsonl --tapes failing/"
)
PROXY_CURL = (
    "curl -sN http://127.0.0.1:8080/v1/chat/completions -H 'x-streamcheck-fault: "
    'truncate-after:2\' -d \'{"model": "gpt-4o-mini", "stream": true, "messages": []}\''
)
PROXY_ROUTES = "toml block: # routes.toml"
PROXY_PRODUCTION = (
    "streamcheck proxy --routes routes.toml --port 8080 --log exchanges.jsonl --tapes failing/ "
    "--metrics-port 9465"
)


@contextmanager
def _listening(command: str, cwd: Path) -> Iterator[str]:
    """A README `proxy` or `ext-proc` command in the background, from when it says (on stderr)
    where it listens until Ctrl-C stops it cleanly."""
    assert command in markers(), f"not a README command: {command}"
    name = "ext-proc" if "streamcheck ext-proc" in command else "proxy"
    process = subprocess.Popen(
        ["bash", "-c", command],
        cwd=cwd,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stderr is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stderr, selectors.EVENT_READ)
            ready = selector.select(timeout=120)  # a bound against a hang, not a timing check
        first = process.stderr.readline() if ready else ""
        assert f"streamcheck {name}: listening on" in first, first
        yield first
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C, as the README says
            _, err = process.communicate(timeout=60)
            assert process.returncode == 0, err
            assert f"streamcheck {name}: stopped" in err


@runs(PROXY_SERVE, PROXY_REHEARSAL, PROXY_CURL, "streamcheck check failing/")
def test_proxy_rehearsal(tmp_path: Path, fixed_ports: None) -> None:
    """The three terminals of the rehearsal, then the tape the proxy saved, checked."""
    shutil.copytree(FIXTURES / "live", tmp_path / "fixtures" / "live")
    with background(PROXY_SERVE, tmp_path) as url:
        assert url == "http://127.0.0.1:8400"
        with _listening(PROXY_REHEARSAL, tmp_path) as said:
            assert "http://127.0.0.1:8080 (/ -> http://127.0.0.1:8400)" in said
            answer = sh(PROXY_CURL, tmp_path, 0)
            direct = subprocess.run(
                ["bash", "-c", PROXY_CURL.replace(":8080", ":8400")],
                env=environment(),
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert answer.stdout == direct.stdout and "chat.completion.chunk" in answer.stdout
            log = tmp_path / "exchanges.jsonl"
            for _ in range(500):  # written just after the last byte went on
                if log.is_file() and log.read_text().strip():
                    break
                selectors.DefaultSelector().select(timeout=0.02)
    [line] = [json.loads(x) for x in log.read_text().splitlines()]
    assert line["verdict"] == "defects" and "SC301" in line["codes"] and line["tape"]
    sh("streamcheck check failing/", tmp_path, 1, "SC301")


@runs(PROXY_ROUTES, PROXY_PRODUCTION)
def test_proxy_routes_file(tmp_path: Path, fixed_ports: None) -> None:
    """The routes file as written, and the command: it listens, lists the routes and serves
    /metrics (no request is sent, so no provider is called)."""
    (tmp_path / "routes.toml").write_text(block(PROXY_ROUTES).text)
    with _listening(PROXY_PRODUCTION, tmp_path) as said:
        assert "/openai -> https://api.openai.com" in said
        assert "/anthropic -> https://api.anthropic.com" in said
        assert "/metrics on 127.0.0.1:9465" in said
        with urllib.request.urlopen("http://127.0.0.1:9465/metrics", timeout=30) as answer:
            assert "streamcheck_streams_total" in answer.read().decode()

"""`streamcheck check` on a clean recording starts fast: the network half, the replay server,
YAML, the provider SDKs and python-jsonschema (only failing frames need its messages) are never
imported on that path. Read from `python -X importtime`, in a real subprocess."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from streamcheck.cli import COMMANDS, app
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
    # typer >= 0.22 reads option values through pydantic: check's plain options do not
    # (streamcheck/cli/coerce.py), about 60 ms of start-up (issue 22).
    "pydantic",
    "pydantic_core",
    "typer._adapters",
    # `check PATH...` with no option runs without typer (cli._bare_check, issue 22), and
    # without the click typer vendors (or click itself, which older typer releases used).
    "typer",
    "click",
    # What the live commands' outputs need, never a recording's check.
    "grpc",
    "prometheus_client",
    "opentelemetry",
    "websockets",
    "streamcheck.live",
    # No baseline named: none is read (tempfile, hashlib).
    "streamcheck.baseline",
    "streamcheck.live.serve.server",
    "streamcheck.live.call.client",
    "streamcheck.live.serve.faults",
    # The other command groups: main() imports only the module of the command it runs.
    "streamcheck.cli.catalog",
    "streamcheck.cli.live",
    "streamcheck.cli.conform",
    "streamcheck.cli.proxy",
    "streamcheck.cli.extproc",
    # A raw SSE stream needs no container reader, other framings, or the error-body half.
    "streamcheck.sources.cassette",
    "streamcheck.sources.har",
    "streamcheck.sources.tape",
    "streamcheck.sources.hints",
    "streamcheck.wire.eventstream",
    "streamcheck.wire.ndjson",
    "streamcheck.wire.jsonarray",
    "streamcheck.check.body",
    # Detection stops at the first protocol that claims the stream (OpenAI chat or Anthropic).
    "streamcheck.protocols.azure_openai",
    "streamcheck.protocols.bedrock",
    "streamcheck.protocols.bedrock_invoke",
    "streamcheck.protocols.cohere",
    "streamcheck.protocols.compat",
    "streamcheck.protocols.gemini",
    "streamcheck.protocols.ollama",
    "streamcheck.protocols.openai_responses",
    # The checkout's pyproject.toml has no [tool.streamcheck]: its bytes say so, no TOML parse.
    "tomllib",
    # jsonschema-rs parses its build date with it at init: a stand-in does (schema_engine.py).
    "email.utils",
    # The terminal's width is asked of shutil only for a terminal (shutil loads bz2 and lzma).
    "shutil",
    # Imported by dataclasses (orjson's init imports it) and urllib.parse (pathlib's): never
    # read by a check, so the program's process loads them on first read only (deferred.py).
    "inspect",
    "ast",
    "dis",
    "tokenize",
    "ipaddress",
)


def imported(*args: str, python: tuple[str, ...] = ("-m", "streamcheck")) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *python, *args],
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


def test_each_container_loads_its_own_reader() -> None:
    cassette = imported("check", str(FIXTURES / "rules" / "SC104" / "good.yaml"))
    assert "streamcheck.sources.cassette" in cassette
    assert "streamcheck.sources.har" not in cassette


def test_a_clean_file_that_ended_loads_no_cause() -> None:
    # Nothing to explain (no finding, no arrival times, an end the sender chose): the cause
    # module and its hops are not loaded (check/finish.diagnose); a finding loads them.
    for clean in ("openai/text-answer.sse", "anthropic/tool_use.sse"):
        modules = imported("check", str(FIXTURES / clean))
        assert "streamcheck.check.finish" in modules
        assert not {"streamcheck.check.cause", "streamcheck.check.hops"} & modules
    cut = imported("check", str(FIXTURES / "rules" / "SC301" / "bad.sse"))
    assert "streamcheck.check.cause" in cut


def test_an_error_body_loads_the_body_checks() -> None:
    modules = imported("check", str(FIXTURES / "openai" / "gpt4-no-model-access.http"))
    assert {"streamcheck.check.body", "streamcheck.errors"} <= modules


def test_a_plain_schema_failure_is_worded_without_python_jsonschema() -> None:
    # A member missing (SC201's fixture) or a value the enum does not list: worded by
    # schema_words.py as python-jsonschema words it (tests/test_schema_words.py), no import.
    for fixture in ("SC201", "SC205"):
        modules = imported("check", str(FIXTURES / "rules" / fixture / "bad.sse"))
        assert "streamcheck.schema_words" in modules
        assert heavy(modules) == []


def test_a_schema_failure_pays_for_its_message(tmp_path: Path) -> None:
    # The other side of the bargain: python-jsonschema is imported once a frame fails where
    # only it can say why (here a fault inside an anyOf: its best_match picks the branch).
    body = (FIXTURES / "openai" / "usage-chunk.sse").read_bytes()
    assert body.count(b'"prompt_tokens":14') == 1
    path = tmp_path / "usage.sse"
    path.write_bytes(body.replace(b'"prompt_tokens":14', b'"prompt_tokens":"many"'))
    modules = imported("check", str(path))
    assert "jsonschema" in modules


def test_importing_the_cli_imports_no_command() -> None:
    modules = imported(python=("-c", "import streamcheck.cli"))
    assert "streamcheck.cli" in modules
    assert (
        sorted(m for m in modules if m.startswith(("streamcheck.cli.", "streamcheck.live"))) == []
    )
    assert "typer" not in modules  # the bare `check PATH...` lane runs without it


@pytest.mark.parametrize("command", list(COMMANDS))
def test_each_command_imports_only_its_own_group(command: str) -> None:
    # A command missing from COMMANDS, or listed under the wrong module, makes main() load the
    # whole app (every group) for it: still correct, but the start-up that issue 6 paid for.
    modules = imported(command, "--help")
    groups = {f"streamcheck.cli.{module}" for module in COMMANDS.values()}
    assert sorted(m for m in modules if m in groups) == [f"streamcheck.cli.{COMMANDS[command]}"]
    # Every module of the package's cli is a group, but the option reader and the typer options
    # all commands share, and the check command's implementation (its group calls it).
    assert {m for m in modules if m.startswith("streamcheck.cli.")} - groups <= {
        "streamcheck.cli.coerce",
        "streamcheck.cli.options",
        "streamcheck.cli.checking",
    }


def test_the_command_table_lists_every_command_in_help_order() -> None:
    assert list(typer.main.get_group(app).commands) == list(COMMANDS)


def test_only_the_rule_families_reported_are_loaded() -> None:
    clean = imported("check", str(FIXTURES / "openai" / "text-answer.sse"))
    assert not [m for m in clean if m.startswith("streamcheck.rules.")]
    cut = imported("check", str(FIXTURES / "rules" / "SC301" / "bad.sse"))
    assert "streamcheck.rules.grammar" in cut
    assert "streamcheck.rules.timing" not in cut


def test_a_clean_check_compiles_no_pattern_it_does_not_ask() -> None:
    # Compiling a regular expression is start-up too (sre's compiler is Python): the patterns
    # of secrets (only a finding's evidence is masked), of container formats a raw body is
    # never asked about, and of failing frames are compiled on first use (issue 22).
    from streamcheck import redact
    from streamcheck.protocols import openai_client_impact
    from streamcheck.sources import formats
    from streamcheck.wire import sniff

    lazy = [
        redact._KEY_PATTERNS,
        redact._JSON_SECRET,
        formats.CASSETTE_START,
        formats.ONE_INTERACTION_YAML,
        formats.SHAPED_KEY,
        formats._ASKED,
        formats.PROTOCOL_START,
        sniff.TAGGED_START,
        sniff._JSON_LINE_BREAK,
        openai_client_impact._NO_INDEX,
    ]
    code = (
        "import re, sys\n"
        "from streamcheck.cli import main\n"
        "try:\n    main(sys.argv[1:])\n"
        "except SystemExit:\n    pass\n"
        "sys.stderr.write(repr([key[1] for key in re._cache]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "check", str(FIXTURES / "openai" / "text-answer.sse")],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.startswith("OK"), done.stderr[-2000:]
    compiled = ast.literal_eval(done.stderr)  # str and bytes literals, written by repr above
    assert sniff.SSE_START.pattern in compiled  # the patterns it asks are there
    assert [getattr(p, "pattern", p) for p in lazy if getattr(p, "pattern", p) in compiled] == []

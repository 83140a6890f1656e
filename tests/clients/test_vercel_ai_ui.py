"""`check --client vercel-ai-ui`: UI message streams through the Vercel AI SDK's chat client (the
npm package `ai`, pinned in requirements/npm, installed by `npm ci --prefix requirements/npm`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import FIXTURES, ROOT, run_streamcheck

MODULES = ROOT / "requirements" / "npm" / "node_modules"
ENV = {"STREAMCHECK_NODE_MODULES": str(MODULES)}
VERCEL = FIXTURES / "vercel-ai"


@pytest.fixture(autouse=True, scope="module")
def _installed() -> None:
    if not (MODULES / "ai" / "package.json").is_file():
        pytest.fail("the Vercel AI SDK is not installed: npm ci --prefix requirements/npm")


def seen(path: Path, *args: str) -> dict[str, Any]:
    done = run_streamcheck(
        "check", str(path), "--client", "vercel-ai-ui", "--format", "json", *args, env=ENV
    )
    assert done.returncode in (0, 1), done.stderr
    [result] = orjson.loads(done.stdout)["results"]
    outcome: dict[str, Any] = result["client"]
    return outcome


def test_a_complete_tool_call_stream() -> None:
    outcome = seen(VERCEL / "ui-v6-tool-approval.sse")
    pinned = json.loads((ROOT / "requirements/npm/package.json").read_text())
    assert outcome["sdk_version"] == pinned["dependencies"]["ai"]
    assert (outcome["verdict"], outcome["finish"], outcome["finish_name"]) == (
        "ok",
        "tool-calls",
        "finishReason",
    )
    [call] = outcome["tool_calls"]
    assert (call["id"], call["name"], json.loads(call["arguments"])) == (
        "call_1",
        "delete_file",
        {"path": "/tmp/x"},
    )
    assert outcome["differences"] == []


@pytest.mark.parametrize("name", ["ui-v6-tool-approval-cut.sse", "ui-cut-behind-200.http"])
def test_a_cut_stream_ends_normally_in_the_chat_client(name: str) -> None:
    outcome = seen(VERCEL / name)
    assert (outcome["verdict"], outcome["error"], outcome["finish"]) == ("silent", None, None)
    [difference] = outcome["differences"]
    assert "SC360" in difference and "shows a" in difference


def test_a_reset_is_the_chat_error(tmp_path: Path) -> None:
    lines: list[object] = [
        {
            "streamcheck_tape": 1,
            "provider": "vercel-ai",
            "api": "ui-message-stream",
            "request": {"method": "POST", "url": "http://127.0.0.1/api/chat"},
            "response": {"status": 200, "headers": {"content-type": "text/event-stream"}},
        }
    ]
    body = (VERCEL / "ui-v6-tool-approval.sse").read_text()
    lines += [{"t": 0.1, "text": body[: len(body) // 2]}, {"end": "reset", "t": 0.2}]
    tape = tmp_path / "reset.tape"
    tape.write_text("".join(json.dumps(line) + "\n" for line in lines))
    outcome = seen(tape)
    assert (outcome["verdict"], outcome["error"], outcome["error_message"]) == (
        "raises",
        "TypeError",
        "terminated",
    )
    assert any("connection was reset" in d for d in outcome["differences"])


def test_another_protocol_is_not_replayed() -> None:
    outcome = seen(VERCEL / "data-stream.stream")
    assert outcome["verdict"] == "skipped"


def test_without_the_npm_package_it_says_what_to_install(tmp_path: Path) -> None:
    done = run_streamcheck(
        "check",
        str(VERCEL / "ui-v5-text.sse"),
        "--client",
        "vercel-ai-ui",
        env={"STREAMCHECK_NODE_MODULES": str(tmp_path)},
    )
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert "needs the npm package ai: npm install ai" in line

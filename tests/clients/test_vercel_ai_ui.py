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


# -- untrusted input (issue 18): which `ai` runs, with what environment, and what it prints ----

# An `ai` that is not the SDK: on import it writes the names of its environment and a marker
# beside itself, then prints what it is told to (`PRINT`) and exits 0.
FAKE_AI = """
const fs = require("fs");
fs.writeFileSync(__dirname + "/ran.json", JSON.stringify(Object.keys(process.env)));
process.stdout.write(PRINT);
process.exit(0);
"""


def fake_ai(node_modules: Path, printed: str = '"not the SDK"', package: str | None = None) -> Path:
    folder = node_modules / "ai"
    folder.mkdir(parents=True)
    (folder / "package.json").write_text(
        package or '{"name": "ai", "version": "6.6.6", "main": "index.js"}'
    )
    (folder / "index.js").write_text(FAKE_AI.replace("PRINT", json.dumps(printed)))
    return folder / "ran.json"


def client_run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    # STREAMCHECK_NODE_MODULES empty: the search of the project is what is tested.
    return run_streamcheck(
        "check",
        str(VERCEL / "ui-v5-text.sse"),
        "--client",
        "vercel-ai-ui",
        *args,
        cwd=cwd,
        env={"STREAMCHECK_NODE_MODULES": "", **(env or {})},
    )


def one_line_error(done: Any, *expected: str) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("streamcheck: error: ") and "internal error" not in line, line
    for text in expected:
        assert text in line, line
    return str(line)


def test_an_ai_package_above_the_project_never_runs(tmp_path: Path) -> None:
    """A node_modules in a folder above the git root (a parent folder, a planted /tmp one) is
    not the project's: it is never searched, even when nothing else is found."""
    ran = fake_ai(tmp_path / "node_modules")
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "sub").mkdir()
    one_line_error(client_run(project / "sub"), "needs the npm package ai", "--node-modules")
    assert not ran.exists()


def test_a_folder_every_user_may_write_to_is_never_searched(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # like /tmp
    ran = fake_ai(shared / "node_modules")
    one_line_error(client_run(shared), "needs the npm package ai")
    assert not ran.exists()


def test_node_runs_with_no_key_or_token_of_the_caller(tmp_path: Path) -> None:
    """The project's own `ai` runs (it is inside the git root), in an environment of a few
    variables: no provider key, token or NODE_OPTIONS reaches it. What it prints is not the
    replay's result: one line, exit 2."""
    (tmp_path / ".git").mkdir()
    ran = fake_ai(tmp_path / "node_modules")
    secrets = {
        "OPENAI_API_KEY": "sk-proj-canary0123456789",
        "ANTHROPIC_API_KEY": "sk-ant-canary0123456789",
        "GITHUB_TOKEN": "ghp_canary0123456789",
        "AWS_SECRET_ACCESS_KEY": "canary0123456789",
        "NODE_OPTIONS": "--max-old-space-size=64",
    }
    one_line_error(client_run(tmp_path, env=secrets), "node printed", str(tmp_path))
    names = set(json.loads(ran.read_text()))
    assert names <= {"PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR"}, names
    assert "PATH" in names


@pytest.mark.parametrize(
    "printed",
    [
        "garbage\n",
        "[1, 2]\n",
        '{"text": 1}\n',
        '{"text": "", "status": "ready", "chunks": 1, "finishChunk": false, "calls": [1]}\n',
        '{"text": "", "status": "error", "chunks": 1, "finishChunk": false, "calls": [],'
        ' "finished": null, "error": {"name": ["x"]}}\n',
    ],
)
def test_node_output_that_is_not_the_replays_result_is_one_line(
    tmp_path: Path, printed: str
) -> None:
    fake_ai(tmp_path / "node_modules", printed)
    one_line_error(
        client_run(tmp_path, "--node-modules", str(tmp_path / "node_modules")), "node printed"
    )


@pytest.mark.parametrize(
    "package",
    ['{"name": "ai", "version": ', '{"name": "ai", "version": 7}', '["ai"]', "\u00ff"],
)
def test_a_package_json_that_is_no_packages_is_one_line(tmp_path: Path, package: str) -> None:
    ran = fake_ai(tmp_path / "node_modules", package=package)
    one_line_error(
        client_run(tmp_path, "--node-modules", str(tmp_path / "node_modules")), "package.json"
    )
    assert not ran.exists()


def test_the_client_line_names_the_package_it_ran_and_its_version() -> None:
    pinned = json.loads((ROOT / "requirements/npm/package.json").read_text())
    version = pinned["dependencies"]["ai"]
    done = client_run(ROOT, "--node-modules", str(MODULES), "--format", "json")
    [result] = orjson.loads(done.stdout)["results"]
    assert result["client"]["sdk_path"] == str((MODULES / "ai").resolve())
    assert result["client"]["sdk_version"] == version
    done = client_run(ROOT, "--node-modules", str(MODULES))
    line = f"client vercel-ai-ui {version} from {(MODULES / 'ai').resolve()}: "
    assert line in " ".join(done.stdout.split()) + " ", done.stdout  # wrapped at 80 columns


def test_the_readme_command_finds_the_install_the_readme_makes() -> None:
    """README's --client block names `npm ci --prefix requirements/npm`'s node_modules; run
    as written from the repository root, it replays the stream through that SDK."""
    readme = (ROOT / "README.md").read_text()
    [command] = [
        line.strip()
        for line in readme.splitlines()
        if line.startswith("    streamcheck check") and "--client vercel-ai-ui" in line
    ]
    args = command.split("#")[0].split()[1:]
    version = json.loads((ROOT / "requirements/npm/package.json").read_text())["dependencies"]["ai"]
    done = run_streamcheck(*args, env={"STREAMCHECK_NODE_MODULES": ""})
    assert done.returncode in (0, 1), done.stderr
    shown = " ".join(done.stdout.split())  # the text report wraps at 80 columns
    assert f"client vercel-ai-ui {version} from {(MODULES / 'ai').resolve()}: " in shown, shown


def test_a_dependency_missing_from_node_modules_is_never_taken_from_above(tmp_path: Path) -> None:
    """Node looks for a package node_modules lacks in every folder above it (up to
    /node_modules): the project's `ai` importing a dependency it did not install would load
    a planted /tmp/node_modules/<dependency>. What the SDK imports stays under node_modules."""
    planted = tmp_path / "node_modules" / "left-pad-x"
    planted.mkdir(parents=True)
    (planted / "package.json").write_text('{"name": "left-pad-x", "main": "index.js"}')
    (planted / "index.js").write_text(
        'require("fs").writeFileSync(__dirname + "/ran", "yes");\nmodule.exports = 1;\n'
    )
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    ai = project / "node_modules" / "ai"
    ai.mkdir(parents=True)
    (ai / "package.json").write_text(
        '{"name": "ai", "version": "6.6.6", "type": "module", "main": "index.js"}'
    )
    (ai / "index.js").write_text('import "left-pad-x";\nexport const AbstractChat = null;\n')
    done = client_run(project)
    one_line_error(done, "does not load", "left-pad-x", "outside")
    assert not (planted / "ran").exists()

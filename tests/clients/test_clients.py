"""`check --client`: each exchange replayed through the real SDK, what the app receives shown
beside the findings in every report format. Through the CLI, on the project's recordings."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import FIXTURES, run_python, run_streamcheck
from tests.live.conftest import OPENAI_CANARY, assert_no_canary

FAULTS = FIXTURES / "faults"


def client_json(path: Path | str, client: str, *args: str) -> list[dict[str, Any]]:
    done = run_streamcheck("check", str(path), "--client", client, "--format", "json", *args)
    assert done.returncode in (0, 1), done.stderr
    return [r for r in orjson.loads(done.stdout)["results"]]


def test_a_cut_stream_ends_normally_in_the_sdk_and_says_so() -> None:
    [result] = client_json(FAULTS / "openai" / "truncate-after-2.tape", "openai-python")
    seen = result["client"]
    assert seen["client"] == "openai-python"
    assert (seen["verdict"], seen["text"], seen["finish"], seen["error"]) == (
        "silent",
        "Pong",
        None,
        None,
    )
    assert seen["items"] == 2
    [difference] = seen["differences"]
    assert difference.startswith("the SDK ends normally with finish_reason None")
    assert "SC303 missing-finish-reason" in difference
    assert "shows a cut answer as complete" in difference
    assert {f["code"] for f in result["findings"]} >= {"SC303", "SC301"}  # findings still there


def test_a_reset_raises_what_the_network_path_raises_after_partial_text() -> None:
    [result] = client_json(FAULTS / "anthropic" / "reset.tape", "anthropic-python")
    seen = result["client"]
    assert seen["error"] == "httpx2.RemoteProtocolError"
    assert "incomplete chunked read" in seen["error_message"]
    assert seen["text"] == "Pong"
    assert any("escape instead of one of its own exceptions" in d for d in seen["differences"])


def test_a_silence_longer_than_the_client_timeout_times_out_only_with_that_timeout() -> None:
    tape = FAULTS / "openai" / "stall-2.tape"
    [short] = client_json(tape, "openai-python", "--client-timeout", "1")
    assert short["client"]["error"] == "openai.APITimeoutError"
    assert "longer than the client's read timeout of 1 s" in short["client"]["differences"][0]
    # The SDK's own default (10 minutes) outlasts the recorded 2 s silence.
    [default] = client_json(tape, "openai-python")
    assert (default["client"]["verdict"], default["client"]["finish"]) == ("ok", "stop")


def test_a_quota_error_is_a_rate_limit_error_in_openai_python() -> None:
    [result] = client_json(FAULTS / "openai" / "http-429-quota.tape", "openai-python")
    assert result["error_class"] == "billing"
    assert result["client"]["error"] == "openai.RateLimitError"
    assert any("retry loop retries it forever" in d for d in result["client"]["differences"])


def test_tool_calls_are_assembled_as_the_app_gets_them() -> None:
    [chat] = client_json(FIXTURES / "openai" / "tool-calls-fragmented.sse", "openai-python")
    calls = chat["client"]["tool_calls"]
    assert [c["name"] for c in calls] == ["get_weather", "get_time"]
    assert json.loads(calls[0]["arguments"]) == {"city": "Paris", "unit": "celsius"}
    assert chat["client"]["finish"] == "tool_calls"
    [messages] = client_json(FIXTURES / "anthropic" / "tool_use.sse", "anthropic-python")
    seen = messages["client"]
    assert seen["text"] == "Checking the weather."
    assert [c["name"] for c in seen["tool_calls"]] == ["get_weather", "get_time"]
    assert (seen["finish"], seen["finish_name"]) == ("tool_use", "stop_reason")


def test_an_exchange_of_another_api_is_not_replayed() -> None:
    [result] = client_json(FAULTS / "anthropic" / "none.tape", "openai-python")
    assert result["client"]["verdict"] == "skipped"
    assert "anthropic/messages" in result["client"]["skipped"]


def test_text_shows_it_beside_the_findings() -> None:
    done = run_streamcheck(
        "check", str(FAULTS / "openai" / "drop-finish-reason.tape"), "--client", "openai-python"
    )
    lines = done.stdout.splitlines()
    finding = next(i for i, line in enumerate(lines) if "SC303" in line)
    client = next(i for i, line in enumerate(lines) if "client openai-python" in line)
    assert finding < client  # below the exchange's findings, in the same block
    assert "ends normally, finish_reason None" in lines[client]
    assert any("differs: the SDK ends normally" in line for line in lines)
    # A clean exchange is shown too: what the app saw is the point of --client.
    clean = run_streamcheck(
        "check", str(FAULTS / "openai" / "none.tape"), "--client", "openai-python"
    )
    assert "finish_reason stop" in clean.stdout and "'Pong! How can I help?'" in clean.stdout


def test_sarif_and_junit_have_it_as_a_section_of_their_messages() -> None:
    tape = str(FAULTS / "anthropic" / "truncate-mid-frame.tape")
    sarif = run_streamcheck("check", tape, "--client", "anthropic-python", "--format", "sarif")
    results = orjson.loads(sarif.stdout)["runs"][0]["results"]
    assert results
    for entry in results:
        assert (
            "\n\nWhat the app would have seen:\nclient anthropic-python" in entry["message"]["text"]
        )
        assert entry["properties"]["client"]["verdict"] == "silent"
    junit = run_streamcheck("check", tape, "--client", "anthropic-python", "--format", "junit")
    failure = ET.fromstring(junit.stdout).find(".//failure")
    assert failure is not None
    assert "What the app would have seen:" in (failure.text or "")
    assert "stop_reason None" in (failure.text or "")


def test_no_key_reaches_any_report(tmp_path: Path) -> None:
    """An error body quoting the key (OpenAI's 401 does) and a key inside the streamed text: the
    SDK's exception message and the assembled text are redacted like everything else."""
    header = {
        "streamcheck_tape": 1,
        "provider": "openai",
        "api": "chat-completions",
        "request": {"method": "POST", "url": "https://api.openai.com/v1/chat/completions"},
    }
    error = {"error": {"message": f"Incorrect API key provided: {OPENAI_CANARY}.", "type": "x"}}
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [
            {"index": 0, "delta": {"role": "assistant", "content": f"key {OPENAI_CANARY}"}}
        ],
    }
    tapes = {
        "a.tape": [
            {
                **header,
                "response": {"status": 401, "headers": {"content-type": "application/json"}},
            },
            {"t": 0.1, "text": json.dumps(error)},
            {"end": "eof", "t": 0.1},
        ],
        "b.tape": [
            {
                **header,
                "response": {"status": 200, "headers": {"content-type": "text/event-stream"}},
            },
            {"t": 0.1, "text": f"data: {json.dumps(chunk)}\n\n"},
            {"end": "reset", "t": 0.1},
        ],
    }
    for name, lines in tapes.items():
        (tmp_path / name).write_text("".join(json.dumps(x) + "\n" for x in lines))
    outputs = []
    for format in ("text", "json", "sarif", "junit", "github"):
        done = run_streamcheck(
            "check", str(tmp_path), "--client", "openai-python", "--format", format
        )
        assert done.returncode == 1, done.stderr
        outputs += [done.stdout, done.stderr]
    assert "openai.AuthenticationError" in outputs[2]
    assert "[REDACTED]" in outputs[2]
    assert_no_canary(*outputs)


def test_jobs_give_the_same_answer() -> None:
    one = run_streamcheck("check", str(FAULTS), "--client", "openai-python", "--format", "json")
    two = run_streamcheck(
        "check", str(FAULTS), "--client", "openai-python", "--format", "json", "--jobs", "2"
    )
    assert one.stdout == two.stdout
    assert one.stdout.count('"verdict"') == 30


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ("--client", "go-sdk"),
            "--client 'go-sdk': expected one of openai-python, anthropic-python",
        ),
        (("--client-timeout", "1"), "--client-timeout needs --client"),
        (("--client", "openai-python", "--client-timeout", "0"), "must be a positive number"),
    ],
)
def test_bad_client_options_are_one_line_exit_2(args: tuple[str, ...], says: str) -> None:
    done = run_streamcheck("check", str(FAULTS / "openai" / "none.tape"), *args)
    assert done.returncode == 2
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("client", "sdk"), [("openai-python", "openai"), ("anthropic-python", "anthropic")]
)
def test_without_the_sdk_it_says_how_to_install_it(client: str, sdk: str) -> None:
    # The SDK made unimportable in this process only: find_spec sees sys.modules[name] = None.
    code = (
        f"import sys; sys.modules[{sdk!r}] = None; sys.argv = ['streamcheck', 'check', "
        f"'fixtures/faults/openai/none.tape', '--client', {client!r}]\n"
        "from streamcheck.cli import program\nprogram()"
    )
    done = run_python(code)
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert f"--client {client} needs {sdk}, not installed: pip install '{sdk}>=" in line
    assert "[clients] extra" in line

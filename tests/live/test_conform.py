"""`streamcheck conform` end to end: the CLI against `serve` replaying fixtures/conform/<dialect>
(clean and broken), the smoke classes when the server cannot be used, the reports, the paid-call
guard, and keys never shown."""

from __future__ import annotations

import http.server
import os
import pty
import re
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from streamcheck.live.conform.cases import CASES, UNKNOWN_MODEL, cases_for
from streamcheck.live.serve.server import ServeOptions, running
from tests.conftest import FIXTURES, ROOT, run_in_process, run_streamcheck
from tests.live.conftest import CANARY_ENV, assert_no_canary

CONFORM = FIXTURES / "conform"
FLAGS = {
    "chat": (),
    "responses": ("--api", "responses"),
    "anthropic": ("--provider", "anthropic"),
    "gemini": ("--provider", "gemini"),
    "ollama-chat": ("--provider", "ollama"),
    "ollama-generate": ("--provider", "ollama", "--api", "generate"),
}
MODEL = {
    "chat": "gpt-4o-mini",
    "responses": "gpt-4o-mini",
    "anthropic": "claude-sonnet-4-5",
    "gemini": "gemini-2.5-flash",
    "ollama-chat": "llama3.2",
    "ollama-generate": "llama3.2",
}
# dialect -> (its API, {failing case: what its reasons must name}, cases declined)
DIALECTS: dict[str, tuple[str, dict[str, str], set[str]]] = {
    "openai-clean": ("chat", {}, set()),
    "responses-clean": ("responses", {}, set()),
    "responses-bare-response": (
        "responses",
        {
            name: "expect response-resource: the final response lacks completed_at, "
            "incomplete_details, previous_response_id, instructions, tools, tool_choice and 17 "
            "more (Open Responses 2026-04-24 ResponseResource)"
            for name in ("text", "system-prompt", "multi-turn", "image-input", "tool-call")
        }
        | {"length": "expect incomplete=max_output_tokens: incomplete_details.reason is None"},
        set(),
    ),
    # A server that follows the published releases leaves `user` out: they do not define it.
    "responses-no-user": ("responses", {}, set()),
    "responses-index-mixup": (
        "responses",
        {
            "text": "expect items: event 4 (response.output_text.delta): output_index 1 for "
            "item msg_Conform0001, added at 0"
        },
        set(),
    ),
    "anthropic-clean": ("anthropic", {}, set()),
    "openai-no-index": (
        "chat",
        {
            "tool-call": "SC201 schema-violation: chunk frame: 'index' is a required property",
            "parallel-tool-calls": "SC201 schema-violation: chunk frame: 'index'",
            "tool-choice": "expect tool-index: 4 tool-call fragment(s) without an integer "
            "index; breaks openai-python's client.chat.completions.stream(): TypeError: list "
            "indices must be integers or slices, not NoneType (no index) "
            "(https://github.com/openai/openai-python/issues/2806)",
        },
        set(),
    ),
    "openai-no-usage": (
        "chat",
        {"usage": "SC317 missing-usage-chunk: the request set stream_options.include_usage"},
        set(),
    ),
    # Each new chat case fails on the dialect that breaks it, naming the client and its issue.
    "openai-empty-role": (
        "chat",
        {
            "text": "expect role: choice 0 sends delta.role '', not \"assistant\"; breaks the "
            "Vercel AI SDK (@ai-sdk/openai-compatible)",
            "tool-call": "(https://github.com/vercel/ai/pull/15464)",
        },
        set(),
    ),
    "openai-tool-id-late": (
        "chat",
        {
            "tool-call": "expect tool-call-head: the first fragment of tool call 0 lacks id, "
            "name, type; breaks the Vercel AI SDK",
            "parallel-tool-calls": "https://github.com/CherryHQ/cherry-studio/pull/16322",
            "tool-choice": "SC318 tool-call-start-incomplete",
        },
        set(),
    ),
    "openai-merged-tool-calls": (
        "chat",
        {
            "parallel-tool-calls": "expect tool-calls-apart: tool call index 0 carries 2 ids: "
            "calls merged; breaks LangChain (langchain-core merges tool-call chunks by index)"
            ": two calls at one index are merged: one call, arguments concatenated "
            "(https://github.com/langchain-ai/langchain/pull/34811)",
        },
        set(),
    ),
    "openai-usage-unasked": (
        "chat",
        {
            "text": "expect no-usage: chunk 10 has choices: [] although the request asked for "
            "no usage; breaks LangChain (langchain-community chat models)",
        },
        set(),
    ),
    "openai-reasoning-field": (
        "chat",
        {
            "reasoning": "expect reasoning-field: 2 delta(s) carry the reasoning as "
            "delta.reasoning only, none as delta.reasoning_content; breaks clients that read "
            "delta.reasoning_content",
        },
        set(),
    ),
    "openai-plain-errors": ("chat", {"unknown-model": "SC402 non-standard-error-body"}, set()),
    "openai-declines": ("chat", {}, {"n2", "logprobs"}),
    # Gemini (SSE and the streamed JSON array) and Ollama's native API.
    "gemini-clean": ("gemini", {}, set()),
    "gemini-json-clean": ("gemini", {}, set()),
    "gemini-no-finish": (
        "gemini",
        {
            "max-tokens": "SC303 missing-finish-reason: candidate 0 never got a finishReason",
            "text": "(https://github.com/SamSaffron/term-llm/pull/954)",
            "tool-call": "expect gemini-finish=STOP: no candidate carried a finishReason",
        },
        set(),
    ),
    "ollama-chat-clean": ("ollama-chat", {}, set()),
    "ollama-generate-clean": ("ollama-generate", {}, set()),
    "ollama-chat-no-done": (
        "ollama-chat",
        {
            "text": "expect ollama-done=stop: no line with done: true (the answer may be cut)",
            "length": "SC301 missing-terminator: the stream ended without an object with done: "
            "true; breaks the Ollama JavaScript client (ollama-js): throws 'Did not receive done "
            "or success response in stream.' (https://github.com/ollama/ollama-vscode/pull/61)",
            "tool-call": "expect ollama-done=stop: no line with done: true",
        },
        set(),
    ),
    "anthropic-plain-errors": (
        "anthropic",
        {"unknown-model": "SC402 non-standard-error-body"},
        set(),
    ),
    "anthropic-tool-input-at-start": (
        "anthropic",
        {"tool-use": "expect tool-use: the tool input was not streamed as input_json_delta"},
        set(),
    ),
    "anthropic-declines": ("anthropic", {}, {"thinking"}),
}


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, str]]:
    """One replay server per dialect folder, as fast as possible."""
    with running([str(CONFORM / "openai-clean")], ServeOptions(speed=0)) as url:
        urls = {"openai-clean": url}
        stack = []
        try:
            for dialect in DIALECTS:
                if dialect in urls:
                    continue
                manager = running([str(CONFORM / dialect)], ServeOptions(speed=0))
                urls[dialect] = manager.__enter__()
                stack.append(manager)
            yield urls
        finally:
            for manager in reversed(stack):
                manager.__exit__(None, None, None)


def conform(url: str, api: str, *extra: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    args = ["conform", "--base-url", url, "--model", MODEL[api], *FLAGS[api], *extra]
    return run_streamcheck(*args, env={**CANARY_ENV, **(env or {})})


def as_json(done) -> dict:  # type: ignore[no-untyped-def,type-arg]
    document: dict = orjson.loads(done.stdout)  # type: ignore[type-arg]
    return document


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_each_dialect_fails_exactly_the_cases_it_breaks(servers, dialect) -> None:  # type: ignore[no-untyped-def]
    api, failing, declined = DIALECTS[dialect]
    framing = ("--api", "json") if dialect.startswith("gemini-json") else ()
    done = conform(servers[dialect], api, "--format", "json", *framing)
    assert_no_canary(done.stdout, done.stderr)
    document = as_json(done)
    verdicts = {c["case"]: c["verdict"] for c in document["cases"]}
    assert set(verdicts) == {c.name for c in cases_for(api)}  # every case ran
    assert {n for n, v in verdicts.items() if v == "fail"} == set(failing)
    assert {n for n, v in verdicts.items() if v == "unsupported"} == declined
    assert {n for n, v in verdicts.items() if v == "pass"} == set(verdicts) - set(
        failing
    ) - declined
    for case in document["cases"]:
        if case["case"] in failing:
            assert any(failing[case["case"]] in r for r in case["reasons"]), case["reasons"]
        if case["verdict"] == "pass":
            assert case["reasons"] == []
    assert done.returncode == (1 if failing else 0)
    assert document["exit_code"] == done.returncode


def test_clean_table_names_every_case_and_conforms(servers) -> None:  # type: ignore[no-untyped-def]
    done = conform(servers["openai-clean"], "chat")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["case", "verdict", "detail"]
    for case in cases_for("chat"):
        assert any(line.split()[:2] == [case.name, "pass"] for line in lines), case.name
    assert lines[-1].startswith("CONFORMS: chat at http://127.0.0.1:")
    assert "13 pass" in lines[-1]


def test_a_broken_dialect_table_names_the_finding(servers) -> None:  # type: ignore[no-untyped-def]
    done = conform(servers["openai-no-usage"], "chat", "--cases", "text,usage")
    assert done.returncode == 1
    row = next(line for line in done.stdout.splitlines() if line.startswith("usage "))
    assert row.split()[1] == "FAIL"
    assert "SC317 missing-usage-chunk" in row and "expect usage-last" in row
    assert "DOES NOT CONFORM" in done.stdout and "1 pass, 1 fail" in done.stdout


@pytest.mark.parametrize(
    ("fault", "klass", "code"),
    [
        ("http-401", "auth", 3),
        ("http-403", "no-access", 4),
        ("http-404-model", "no-access", 4),
        ("http-429-quota", "billing", 5),
        ("http-429-rate", "rate-limit", 6),
        ("http-500", "unreachable", 7),
    ],
)
def test_a_server_that_cannot_be_used_exits_with_its_smoke_class(
    servers, fault, klass, code
) -> None:  # type: ignore[no-untyped-def]
    done = conform(
        servers["openai-clean"], "chat", "--format", "json", "-H", f"x-streamcheck-fault: {fault}"
    )
    assert done.returncode == code, done.stdout + done.stderr
    document = as_json(done)
    # The first case could not use the server: the rest were not sent.
    assert [c["verdict"] for c in document["cases"]] == ["blocked"]
    assert document["cases"][0]["class"] == klass
    assert document["counts"]["not_run"] == len(cases_for("chat")) - 1


def test_anthropic_bad_key_is_auth(servers) -> None:  # type: ignore[no-untyped-def]
    done = conform(servers["anthropic-clean"], "anthropic", "-H", "x-streamcheck-fault: http-401")
    assert done.returncode == 3
    assert "CANNOT USE THE SERVER (auth)" in done.stdout
    assert_no_canary(done.stdout, done.stderr)


def test_an_unreachable_server_exits_7() -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on: bound, never listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        done = conform(f"http://127.0.0.1:{port}", "chat", "--connect-timeout", "2")
    assert done.returncode == 7, done.stdout + done.stderr
    assert "BLOCKED" in done.stdout and "unreachable" in done.stdout


def test_cases_picks_cases_in_the_given_order(servers) -> None:  # type: ignore[no-untyped-def]
    done = conform(servers["openai-clean"], "chat", "--cases", "n2,text", "--format", "json")
    assert done.returncode == 0
    assert [c["case"] for c in as_json(done)["cases"]] == ["n2", "text"]


def test_unknown_case_is_a_usage_error() -> None:
    done = run_streamcheck("conform", "--model", "m", "--cases", "text,nope")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "no chat case named 'nope'" in done.stderr


def test_list_shows_each_case_and_its_token_cap_without_calling() -> None:
    # No key, no server, no --model: listing sends nothing.
    done = run_streamcheck(
        "conform", "--list", "--provider", "anthropic", env={"ANTHROPIC_API_KEY": ""}
    )
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line.split() for line in done.stdout.splitlines()[1:-1]}
    assert set(rows) == {c.name for c in cases_for("anthropic")}
    assert rows["max-tokens"][2] == "1" and rows["thinking"][2] == "1100"
    total = sum(c.max_tokens for c in cases_for("anthropic"))
    assert done.stdout.splitlines()[-1] == f"6 cases, at most {total} output tokens in all"


def test_reports_json_junit_and_markdown(servers, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    junit, markdown, data = tmp_path / "c.xml", tmp_path / "c.md", tmp_path / "c.json"
    done = conform(
        servers["openai-no-index"],
        "chat",
        "--format",
        "markdown",
        "--report",
        f"junit:{junit}",
        "--report",
        f"json:{data}",
        "--report",
        f"markdown:{markdown}",
    )
    assert done.returncode == 1
    assert markdown.read_text() == done.stdout
    assert "| `tool-call` | **fail** | SC201 schema-violation" in done.stdout
    assert "| `text` | pass |" in done.stdout
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [c.name for c in cases_for("chat")]
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == ["tool-call", "parallel-tool-calls", "tool-choice"]
    assert suite.get("failures") == "3" and suite.get("tests") == "13"
    assert orjson.loads(data.read_bytes())["exit_code"] == 1
    for text in (junit.read_text(), data.read_text(), done.stdout, done.stderr):
        assert_no_canary(text)


def test_declined_features_are_skipped_in_junit(servers) -> None:  # type: ignore[no-untyped-def]
    done = conform(servers["openai-declines"], "chat", "--format", "junit", "--cases", "n2,text")
    assert done.returncode == 0
    root = ET.fromstring(done.stdout)
    skipped = [c.get("name") for c in root.iter("testcase") if c.find("skipped") is not None]
    assert skipped == ["n2"]


def test_paid_calls_are_refused_without_yes_when_stdin_is_no_terminal() -> None:
    # api.openai.com is never contacted: the refusal comes before any call.
    done = run_streamcheck("conform", "--model", "gpt-4o-mini", env=CANARY_ENV)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "13 streaming calls to https://api.openai.com/v1" in done.stderr
    assert "at most 709 output tokens" in done.stderr and "--yes" in done.stderr
    gateway = run_streamcheck(
        "conform", "--provider", "anthropic", "--base-url", "https://llm.example.internal",
        "--model", "m", env=CANARY_ENV,
    )  # fmt: skip
    assert gateway.returncode == 2 and "--yes" in gateway.stderr
    assert_no_canary(done.stderr, gateway.stderr)


def test_a_missing_key_for_a_remote_server_is_a_usage_error() -> None:
    done = run_streamcheck(
        "conform", "--model", "m", "--key-env", "MY_GATEWAY_KEY", env={"MY_GATEWAY_KEY": ""}
    )
    assert done.returncode == 2
    assert "environment variable MY_GATEWAY_KEY is not set" in done.stderr


def test_a_loopback_server_needs_no_key(servers) -> None:  # type: ignore[no-untyped-def]
    url = servers["openai-clean"].replace("127.0.0.1", "localhost")
    done = conform(url, "chat", "--cases", "text", env={"OPENAI_API_KEY": ""})
    assert done.returncode == 0, done.stdout + done.stderr


def test_bad_flags_are_usage_errors() -> None:
    for args in (
        ("--provider", "mistral"),
        ("--provider", "ollama", "--api", "sse"),
        ("--provider", "gemini", "--api", "generate"),
        ("--api", "assistants"),
        ("--format", "sarif"),
        ("--report", "sarif:x"),
        ("--provider", "anthropic", "--api", "responses", "--list"),
    ):
        done = run_streamcheck("conform", "--model", "m", "--base-url", "http://127.0.0.1:9", *args)
        assert done.returncode == 2, args
        assert done.stderr.startswith("streamcheck: error: ") and done.stderr.count("\n") == 1
    no_model = run_streamcheck("conform", "--base-url", "http://127.0.0.1:9")
    assert no_model.returncode == 2 and "--model is required" in no_model.stderr


def test_the_fixtures_are_generated_from_the_case_table() -> None:
    script = ROOT / "tools" / "make_conform_fixtures.py"
    done = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for case in CASES:  # every case has a recording in its clean dialect
        dialect = {"chat": "openai"}.get(case.api, case.api)
        assert (CONFORM / f"{dialect}-clean" / f"{case.api}-{case.name}.tape").is_file()


class _LazyServer(http.server.BaseHTTPRequestHandler):
    """A small OpenAI-compatible server of the kind conform is for: it ignores `n` and
    `stream_options`, answers an unknown model in plain text, and rate-limits logprobs."""

    def do_POST(self) -> None:
        body = orjson.loads(self.rfile.read(int(self.headers["content-length"])))
        if body["model"] == UNKNOWN_MODEL:
            return self._reply(404, "text/plain", b"Model not found\n")
        if body.get("logprobs"):
            error = {"message": "Rate limit reached", "type": "requests", "param": None}
            error["code"] = "rate_limit_exceeded"
            return self._reply(429, "application/json", orjson.dumps({"error": error}))
        base = {"id": "chatcmpl-lazy", "object": "chat.completion.chunk", "created": 1}
        base["model"] = body["model"]
        cap = body.get("max_tokens", body.get("max_completion_tokens"))
        events = [
            {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            for delta, finish in (
                ({"role": "assistant", "content": ""}, None),
                ({"content": "Hi"}, None),
                ({}, "length" if cap == 1 else "stop"),
            )
        ]
        data = b"".join(b"data: " + orjson.dumps(e) + b"\n\n" for e in events)
        self._reply(200, "text/event-stream", data + b"data: [DONE]\n\n")

    def _reply(self, status: int, content_type: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_small_compatible_server_fails_what_it_ignores() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _LazyServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        picked = "text,length,n2,usage,unknown-model,logprobs"
        done = conform(url, "chat", "--cases", picked, "--format", "json")
    finally:
        server.shutdown()
        server.server_close()
    document = as_json(done)
    verdicts = {c["case"]: (c["verdict"], " ".join(c["reasons"])) for c in document["cases"]}
    assert verdicts["text"] == ("pass", "")
    assert verdicts["length"] == ("pass", "")
    assert (
        verdicts["n2"][0] == "fail" and "expect choices=2: choices [0] arrived" in verdicts["n2"][1]
    )
    assert verdicts["usage"][0] == "fail" and "SC317 missing-usage-chunk" in verdicts["usage"][1]
    assert "SC402 non-standard-error-body" in verdicts["unknown-model"][1]
    # Rate-limited after other cases could use the server: that case is blocked, the run is not.
    assert verdicts["logprobs"][0] == "blocked"
    assert document["cases"][-1]["class"] == "rate-limit"
    assert done.returncode == 1


def test_not_run_cases_are_listed_and_skipped_in_junit(servers) -> None:  # type: ignore[no-untyped-def]
    done = conform(
        servers["openai-clean"], "chat", "--format", "junit", "-H", "x-streamcheck-fault: http-401"
    )
    assert done.returncode == 3
    cases = list(ET.fromstring(done.stdout).iter("testcase"))
    assert len(cases) == len(cases_for("chat"))  # one testcase per case, sent or not
    assert cases[0].find("error") is not None and cases[0].find("error").get("type") == "auth"  # type: ignore[union-attr]
    assert all(c.find("skipped") is not None for c in cases[1:])
    table = conform(servers["openai-clean"], "chat", "-H", "x-streamcheck-fault: http-401")
    assert "length               not run" in table.stdout


def test_paid_calls_are_asked_for_on_a_terminal() -> None:
    master, slave = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamcheck", "conform", "--model", "gpt-4o-mini"],
            stdin=slave,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env={**os.environ, **CANARY_ENV, "NO_COLOR": "1"},
        )
        os.write(master, b"n\n")  # answered no: api.openai.com is never contacted
        out, err = process.communicate(timeout=60)
    finally:
        os.close(slave)
        os.close(master)
    assert process.returncode == 2
    assert b"conform will make 13 streaming calls to https://api.openai.com/v1" in err
    assert b"Continue?" in err and b"not confirmed; nothing was sent" in err
    assert out == b""
    assert_no_canary(out, err)


def test_help_lists_the_exit_codes() -> None:
    done = run_streamcheck("conform", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    for needle in ("0 every case that ran conforms", "1 a case does not conform", "3 auth:"):
        assert needle in text
    assert "7 unreachable:" in text and "--yes" in text


def test_anthropic_recordings_carry_pings_that_conform_tolerates() -> None:
    # The clean Anthropic dialect sends `ping` after message_start, as the API does; every case
    # of it passes (test_each_dialect_fails_exactly_the_cases_it_breaks), so pings are tolerated.
    for tape in (CONFORM / "anthropic-clean").glob("*.tape"):
        if "unknown-model" not in tape.name:
            assert b'event: ping\\ndata: {\\"type\\":\\"ping\\"}' in tape.read_bytes(), tape


def test_each_api_gets_its_own_cap_and_endpoint() -> None:
    from streamcheck.live.conform.runner import Server

    case = next(c for c in cases_for("chat") if c.name == "length")
    official = Server.of("openai", "chat", "gpt-4o-mini", None).request(case, None)
    assert official.url == "https://api.openai.com/v1/chat/completions"
    assert official.body["max_completion_tokens"] == 1 and "max_tokens" not in official.body
    local = Server.of("openai", "chat", "m", "http://127.0.0.1:8000").request(case, None)
    assert local.url == "http://127.0.0.1:8000/v1/chat/completions"
    assert local.body["max_tokens"] == 1 and local.body["stream"] is True
    responses = next(c for c in cases_for("responses") if c.name == "length")
    sent = Server.of("openai", "responses", "m", "http://127.0.0.1:8000/v1").request(
        responses, None
    )
    assert sent.url == "http://127.0.0.1:8000/v1/responses" and sent.body["max_output_tokens"] == 16
    rejected = next(c for c in cases_for("anthropic") if c.rejects)
    anthropic = Server.of("anthropic", "chat", "claude-x", None).request(rejected, "sk-ant-x")
    assert anthropic.url == "https://api.anthropic.com/v1/messages"
    assert anthropic.body["model"] == UNKNOWN_MODEL and anthropic.headers["x-api-key"] == "sk-ant-x"


@pytest.mark.parametrize(
    ("fault", "named"),
    [
        (
            "drop-finish-reason",
            "SC201 schema-violation: chunk frame: 'finish_reason' is a required",
        ),
        ("drop-terminator", "SC301 missing-terminator"),
    ],
)
def test_a_stream_defect_fails_every_streamed_case_with_its_finding(servers, fault, named) -> None:  # type: ignore[no-untyped-def]
    done = conform(
        servers["openai-clean"], "chat", "--format", "json", "-H", f"x-streamcheck-fault: {fault}"
    )
    assert done.returncode == 1
    for case in as_json(done)["cases"]:
        if case["case"] == "unknown-model":  # an error body has no finish_reason or [DONE]
            assert case["verdict"] == "pass"
        else:
            assert case["verdict"] == "fail" and any(named in r for r in case["reasons"]), case


def test_every_named_client_has_its_evidence_in_the_readme() -> None:
    """Each client a failed case names comes with a public report, and the README's table
    shows the same ones."""
    from streamcheck.live.conform.clients import BREAKS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for (_, name), who in BREAKS.items():
        assert who.evidence.startswith("https://github.com/"), name
        assert f"({who.evidence})" in readme, name


# -- --api responses: a strict superset of the Open Responses compliance suite --------------


def test_the_responses_battery_covers_every_open_responses_check(servers) -> None:  # type: ignore[no-untyped-def]
    from streamcheck.live.conform.open_responses import SUITE, VERSIONS

    names = {c.name for c in cases_for("responses")}
    assert {check.case for check in SUITE} <= names
    assert set().union(*VERSIONS.values()) == {check.id for check in SUITE}
    done = conform(servers["responses-clean"], "responses", "--format", "json")
    assert done.returncode == 0, done.stdout
    suite = as_json(done)["open_responses"]
    assert suite["version"] == "2026-04-24"
    assert [c["id"] for c in suite["checks"]] == list(VERSIONS["2026-04-24"])
    assert {c["verdict"] for c in suite["checks"]} == {"pass"}


def test_spec_version_selects_the_release_and_its_checks(servers) -> None:  # type: ignore[no-untyped-def]
    done = conform(servers["responses-clean"], "responses", "--spec-version", "2026-01-15")
    assert done.returncode == 0, done.stdout
    assert "Open Responses 2026-01-15: the cases covering 6 of its 6 checks pass" in done.stdout
    listed = run_in_process("conform", "--list", "--api", "responses")
    assert "  tool-calling-streaming  -> tool-call" in listed.stdout
    older = run_in_process(
        "conform", "--list", "--api", "responses", "--spec-version", "2026-01-15"
    )
    assert "tool-calling-streaming" not in older.stdout
    assert "  multi-turn          -> multi-turn" in older.stdout


def test_spec_versions_are_the_open_responses_releases_check_ships() -> None:
    """conform --spec-version and check --api open-responses name the same releases: the
    schemas generated from the published documents (tools/schemas/open_responses.py)."""
    done = run_in_process("conform", "--list", "--api", "responses", "--spec-version", "x")
    offered = done.stderr.split("expected one of ", 1)[1].strip().rstrip(".").split(", ")
    listed = run_in_process("schemas").stdout
    shipped = sorted(set(re.findall(r"open-responses/responses/(\d{4}-\d\d-\d\d)", listed)))
    assert offered == shipped == ["2026-01-15", "2026-04-24"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--api", "responses", "--spec-version", "2025-01-01"), "expected one of 2026-01-15"),
        (("--spec-version", "2026-04-24"), "names an Open Responses release: use --api responses"),
    ],
)
def test_a_bad_spec_version_is_one_line(args: tuple[str, ...], said: str) -> None:
    done = run_in_process("conform", "--list", *args)
    assert done.returncode == 2 and said in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "fault", ["truncate-after:4", "truncate-mid-frame", "drop-terminator", "error-event", "reset"]
)
def test_the_responses_battery_fails_under_each_stream_fault(servers, fault) -> None:  # type: ignore[no-untyped-def]
    done = conform(
        servers["responses-clean"],
        "responses",
        "--format",
        "json",
        "-H",
        f"x-streamcheck-fault: {fault}",
    )
    document = as_json(done)
    assert done.returncode in (1, 7), done.stdout  # a defect, or the server unusable
    for case in document["cases"]:
        if case["case"] != "unknown-model":
            assert case["verdict"] in ("fail", "blocked"), case
    assert all(c["verdict"] != "pass" for c in document["open_responses"]["checks"])


MARKDOWN = """\
**DOES NOT CONFORM: responses at {url}, model gpt-4o-mini: 6 pass, 1 fail**

| case | verdict | Open Responses check | detail |
| --- | --- | --- | --- |
| `text` | **fail** | `basic-response`, `streaming-response` | expect items: event 4 \
(response.output_text.delta): output_index 1 for item msg_Conform0001, added at 0 |
| `system-prompt` | pass | `system-prompt` | a system message in the input: output, \
response.completed |
| `multi-turn` | pass | `multi-turn` | user, assistant, user messages as history: output, \
response.completed |
| `image-input` | pass | `image-input` | an input_image (a data: URL) in the user content: \
output, response.completed |
| `length` | pass | - | max_output_tokens 16 on a long answer: response.incomplete \
(max_output_tokens) |
| `tool-call` | pass | `tool-calling`, `tool-calling-streaming` | a function call: item added, \
arguments deltas, done that parse, item done, in output |
| `unknown-model` | pass | - | an unknown model: rejected with the documented error body |

Open Responses 2026-04-24: the cases covering 5 of its 7 checks pass (basic-response fail, \
streaming-response fail)
"""


def test_markdown_is_a_table_to_paste_into_a_readme(servers) -> None:  # type: ignore[no-untyped-def]
    """Pinned whole: the verdict line, a row per case with the Open Responses checks it covers,
    and the suite's tally."""
    url = servers["responses-index-mixup"]
    done = conform(url, "responses", "--format", "markdown")
    assert done.returncode == 1
    assert done.stdout == MARKDOWN.format(url=url)

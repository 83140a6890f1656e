"""`record`, `smoke`, `conform` and `check` against aimock (a third-party mock of many provider
APIs, tests/live/aimock.py), clean and under each of its faults: the verdicts are pinned.

Where aimock departs from the real provider (a Gemini `FUNCTION_CALL` finish, Bedrock invoke
chunks without their `bytes` envelope, Responses events without `sequence_number`, a Responses
`response.completed` whose status is `incomplete` or `failed`), the pin is the finding a user
should get for that departure, checked against PROVIDERS.md and the official SDKs' types."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import run_in_process
from tests.live import aimock

MODEL = {"openai": "gpt-4o", "anthropic": "claude-sonnet-4-5", "azure": "gpt-4o"}


@pytest.fixture(scope="module")
def peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """aimock's base URL; the module fails (never skips) when it is not installed: CI runs
    `npm ci` before pytest."""
    reason = aimock.missing()
    if reason:
        pytest.fail(reason, pytrace=False)
    with aimock.running(tmp_path_factory.mktemp("aimock") / "aimock.log") as url:
        yield url


def test_a_missing_install_names_the_command_that_installs_it(tmp_path: Path) -> None:
    reason = aimock.missing(tmp_path / "aimock-cli.js")
    assert reason is not None and "npm ci --prefix requirements/npm" in reason
    assert aimock.missing() is None  # installed here, as in CI: the peer tests below run


def findings(*paths: Path) -> tuple[int, list[str], dict[str, Any]]:
    """`check -f json` on recordings: exit code, finding codes in order, the summary."""
    done = run_in_process("check", "-f", "json", *map(str, paths))
    assert "Traceback" not in done.stderr, done.stderr
    report = orjson.loads(done.stdout)
    codes = [f["code"] for result in report["results"] for f in result["findings"]]
    return done.returncode, codes, report["summary"]


def base(provider: str, url: str) -> str:
    return {"openai": url + "/v1", "openrouter": url + "/api/v1"}.get(provider, url)


def record(provider: str, url: str, tape: Path, *extra: str) -> tuple[int, str]:
    flavour = {"openrouter": "openai-compatible"}.get(provider, provider)
    model = MODEL.get(provider, "openai/gpt-4o")
    args = ["record", "--provider", flavour, "--model", model, "--base-url", base(provider, url)]
    done = run_in_process(*args, "-o", str(tape), "--read-timeout", "5", *extra)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout + done.stderr


# fault header -> (record's exit code, the codes `check` finds on the tape, which error class).
# The chaos faults are aimock's own (x-aimock-chaos-*); the contexts pick fixtures/aimock entries.
CHAOS_DROP = ("x-aimock-chaos-drop", "1")
CHAOS_MALFORMED = ("x-aimock-chaos-malformed", "1")
CHAOS_RATELIMIT = ("x-aimock-chaos-ratelimit", "1")
CHAOS_DISCONNECT = ("x-aimock-chaos-disconnect", "1")
RECORD: dict[str, tuple[tuple[str, str] | None, int, set[str], str | None]] = {
    "clean": (None, 0, set(), None),
    "drop": (CHAOS_DROP, 1, {"SC401"}, "server-error"),
    "malformed": (CHAOS_MALFORMED, 1, {"SC402"}, "unknown"),
    "ratelimit": (CHAOS_RATELIMIT, 1, {"SC401"}, "rate-limit"),
    "cut": (("x-aimock-context", "cut"), 1, {"SC504", "SC303", "SC301"}, None),
    "length": (("x-aimock-context", "incomplete"), 0, set(), None),
    "http-401": (("x-aimock-context", "http-401"), 1, {"SC401"}, "auth"),
    "http-404-model": (("x-aimock-context", "http-404-model"), 1, {"SC401"}, "no-access"),
    "http-429-quota": (("x-aimock-context", "http-429-quota"), 1, {"SC401"}, "billing"),
    "http-529": (("x-aimock-context", "http-529"), 1, {"SC401"}, "overloaded"),
}


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
@pytest.mark.parametrize("fault", list(RECORD))
def test_record_pins_every_fault(peer: str, tmp_path: Path, provider: str, fault: str) -> None:
    header, code, codes, error_class = RECORD[fault]
    tape = tmp_path / "call.tape"
    extra = ("-H", f"{header[0]}: {header[1]}") if header else ()
    exit_code, said = record(provider, peer, tape, *extra)
    assert exit_code == code, said
    checked, found, summary = findings(tape)
    assert checked == code
    # A cut also shows as SC310 (a block left open) when the content block's start got through.
    assert codes <= set(found) <= codes | {"SC310"}, found
    assert summary["unjudged"] == 0
    result = orjson.loads(run_in_process("check", "-f", "json", str(tape)).stdout)["results"][0]
    assert result["provider"] == provider
    assert result["error_class"] == error_class


def test_record_when_aimock_hangs_up_before_answering(peer: str, tmp_path: Path) -> None:
    """aimock's disconnect fault closes the socket before any response: one line, exit 2, no
    tape (there was no response to keep)."""
    tape = tmp_path / "none.tape"
    exit_code, said = record("openai", peer, tape, "-H", "x-aimock-chaos-disconnect: 1")
    assert exit_code == 2
    assert "cannot reach" in said and "disconnected without sending a response" in said
    assert not tape.exists()


@pytest.mark.parametrize(
    ("provider", "api"),
    [("azure", "azure-openai/chat-completions"), ("openrouter", "openai/chat-completions")],
)
def test_record_the_openai_compatible_surfaces(
    peer: str, tmp_path: Path, provider: str, api: str
) -> None:
    clean, cut = tmp_path / "clean.tape", tmp_path / "cut.tape"
    assert record(provider, peer, clean)[0] == 0
    assert record(provider, peer, cut, "-H", "x-aimock-context: cut")[0] == 1
    result = orjson.loads(run_in_process("check", "-f", "json", str(clean)).stdout)["results"][0]
    assert f"{result['provider']}/{result['api']}" == api
    assert result["findings"] == []
    assert {"SC504", "SC303", "SC301"} <= set(findings(cut)[1])


def test_a_content_filter_finish_is_a_warning_on_openai_and_an_unknown_stop_on_anthropic(
    peer: str, tmp_path: Path
) -> None:
    """aimock maps a `content_filter` finish to OpenAI's `content_filter` (SC319: the text is
    not the whole answer) and to Anthropic's `stop_reason` as the same word, which Anthropic
    never sends (it says `refusal`): SC205, an unknown value; exit 0 at the default
    --fail-on error in both."""
    pins = {"openai": ["SC319"], "anthropic": ["SC205"]}
    for provider, codes in pins.items():
        tape = tmp_path / f"{provider}.tape"
        assert record(provider, peer, tape, "-H", "x-aimock-context: filtered")[0] == 0
        exit_code, found, summary = findings(tape)
        assert (exit_code, found, summary["counts"]["warning"]) == (0, codes, 1)


# fault -> smoke's exit code and class, the same for OpenAI and Anthropic.
SMOKE: dict[str, tuple[tuple[str, str] | None, int, str]] = {
    "clean": (None, 0, "ok"),
    "drop": (CHAOS_DROP, 7, "unreachable"),
    "malformed": (CHAOS_MALFORMED, 7, "unreachable"),
    "ratelimit": (CHAOS_RATELIMIT, 6, "rate-limit"),
    "disconnect": (CHAOS_DISCONNECT, 7, "unreachable"),
    "cut": (("x-aimock-context", "cut"), 7, "unreachable"),  # a reset mid-stream
    "http-401": (("x-aimock-context", "http-401"), 3, "auth"),
    "http-404-model": (("x-aimock-context", "http-404-model"), 4, "no-access"),
    "http-429-quota": (("x-aimock-context", "http-429-quota"), 5, "billing"),
    "http-529": (("x-aimock-context", "http-529"), 6, "rate-limit"),
}


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
@pytest.mark.parametrize("fault", list(SMOKE))
def test_smoke_pins_every_fault(peer: str, provider: str, fault: str) -> None:
    header, code, verdict = SMOKE[fault]
    args = ["smoke", "--provider", provider, "--model", MODEL[provider]]
    args += ["--base-url", base(provider, peer), "--read-timeout", "5", "-f", "json"]
    if header:
        args += ["-H", f"{header[0]}: {header[1]}"]
    done = run_in_process(*args)
    report = orjson.loads(done.stdout)
    assert (done.returncode, report["exit_code"]) == (code, code), done.stdout
    (target,) = report["targets"]
    assert target["class"] == verdict


CONFORM_FLAGS = {
    "chat": ("--model", "gpt-4o"),
    "responses": ("--model", "gpt-4o", "--api", "responses"),
    "anthropic": ("--model", "claude-sonnet-4-5", "--provider", "anthropic"),
    "gemini-sse": ("--model", "gemini-2.0-flash", "--provider", "gemini", "--api", "sse"),
    "gemini-json": ("--model", "gemini-2.0-flash", "--provider", "gemini", "--api", "json"),
    "ollama-chat": ("--model", "llama3", "--provider", "ollama", "--api", "chat"),
    "ollama-generate": ("--model", "llama3", "--provider", "ollama", "--api", "generate"),
}
# A function call ends with finishReason FUNCTION_CALL (Gemini: STOP).
GEMINI = {
    "text": ("pass", ""),
    "max-tokens": ("pass", ""),
    "tool-call": ("fail", "expect gemini-finish=STOP: finishReason is 'FUNCTION_CALL'"),
    "unknown-model": ("pass", ""),
}
# done_reason is always `stop`, even where num_predict cut the answer (Ollama: `length`).
OLLAMA_LENGTH = ("fail", "expect ollama-done=length: done_reason is 'stop'")
RESOURCE = "expect response-resource: the final response lacks completed_at"
# api -> {case: (verdict, what its reasons must say)}; fixtures/aimock answers each case as a
# conforming server would, so what fails is what aimock does not do.
CONFORM: dict[str, dict[str, tuple[str, str]]] = {
    "chat": {
        "text": ("pass", ""),
        "length": ("pass", ""),
        "stop-sequence": ("pass", ""),
        "usage": ("pass", ""),
        "n2": ("fail", "expect choices=2: choices [0] arrived"),  # n is ignored: one choice
        "tool-call": ("pass", ""),
        "parallel-tool-calls": ("pass", ""),
        "tool-choice": ("pass", ""),
        "json-mode": ("pass", ""),
        "json-schema": ("pass", ""),
        "logprobs": ("fail", "no logprobs.content"),  # logprobs asked for, none sent
        "reasoning": ("pass", ""),  # the fixture's reasoning as delta.reasoning_content
        "unknown-model": ("pass", ""),
    },
    "responses": {
        # The final response is aimock's minimal one (id, object, created_at, model, status,
        # output, usage): the Open Responses ResponseResource requires 25 more members.
        "text": ("fail", RESOURCE),
        "system-prompt": ("fail", RESOURCE),
        "multi-turn": ("fail", RESOURCE),
        "image-input": ("fail", RESOURCE),
        # A length finish arrives as `response.completed` with status `incomplete`: the real
        # API sends `response.incomplete`, and a client that trusts the event name ships the
        # cut answer as whole.
        "length": ("fail", "SC337 terminal-status-mismatch: response.completed carries"),
        "tool-call": ("fail", RESOURCE),
        "unknown-model": ("pass", ""),
    },
    "anthropic": {
        "text": ("pass", ""),
        "max-tokens": ("pass", ""),
        # stop_sequences are not honoured: the answer ends with end_turn, stop_sequence null.
        "stop-sequence": ("fail", "expect stop=stop_sequence: stop_reason is 'end_turn'"),
        "tool-use": ("pass", ""),
        "thinking": ("pass", ""),
        "unknown-model": ("pass", ""),
    },
    "gemini-sse": GEMINI,
    # Without alt=sse aimock still answers SSE: SC113, a warning, so the cases pass at the
    # default --fail-on error.
    "gemini-json": GEMINI,
    "ollama-chat": {
        "text": ("pass", ""),
        "length": OLLAMA_LENGTH,
        "tool-call": ("pass", ""),
        "unknown-model": ("pass", ""),
    },
    "ollama-generate": {
        "text": ("pass", ""),
        "length": OLLAMA_LENGTH,
        "unknown-model": ("pass", ""),
    },
}


def conform(peer: str, api: str, *extra: str) -> tuple[int, dict[str, Any]]:
    url = peer + "/v1" if api in ("chat", "responses") else peer
    args = ["conform", *CONFORM_FLAGS[api], "--base-url", url, "--read-timeout", "5"]
    done = run_in_process(*args, "-f", "json", *extra)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, orjson.loads(done.stdout)


@pytest.mark.parametrize("api", list(CONFORM))
def test_conform_pins_every_case(peer: str, api: str) -> None:
    exit_code, report = conform(peer, api)
    verdicts = {case["case"]: case for case in report["cases"]}
    for name, (verdict, reason) in CONFORM[api].items():
        case = verdicts.pop(name)
        assert case["verdict"] == verdict, (name, case["reasons"])
        assert reason in "; ".join(case["reasons"]), (name, case["reasons"])
    # A case added to conform after these pins still runs against aimock without an error of
    # the tool; its verdict is to be pinned here.
    assert all(case["verdict"] in ("pass", "fail", "unsupported") for case in verdicts.values())
    assert exit_code == report["exit_code"] == 1  # each API has a case aimock fails


# aimock's faults on every request of a conform run -> (exit code, the first case's verdict
# and class); a fault that makes the server unusable stops the run after its first case.
CONFORM_FAULTS: dict[str, tuple[tuple[str, str], int, str, str | None]] = {
    "drop": (CHAOS_DROP, 7, "blocked", "unreachable"),
    "ratelimit": (CHAOS_RATELIMIT, 6, "blocked", "rate-limit"),
    "disconnect": (CHAOS_DISCONNECT, 7, "blocked", "unreachable"),
    "cut": (("x-aimock-context", "cut"), 7, "blocked", "unreachable"),
    # A 200 whose body is not JSON does not make the server unusable: every case fails on it.
    "malformed": (CHAOS_MALFORMED, 1, "fail", None),
}


@pytest.mark.parametrize("api", ["chat", "responses", "anthropic", "gemini-sse", "ollama-chat"])
@pytest.mark.parametrize("fault", list(CONFORM_FAULTS))
def test_conform_under_each_fault(peer: str, api: str, fault: str) -> None:
    header, code, verdict, error_class = CONFORM_FAULTS[fault]
    exit_code, report = conform(peer, api, "-H", f"{header[0]}: {header[1]}")
    assert exit_code == report["exit_code"] == code
    first = report["cases"][0]
    assert (first["verdict"], first["class"]) == (verdict, error_class), first
    if verdict == "blocked":
        assert report["counts"]["blocked"] == 1 and report["counts"]["pass"] == 0
        assert report["counts"]["not_run"] == len(report["not_run"]) >= 3  # the rest not sent
    else:
        assert {case["verdict"] for case in report["cases"]} == {"fail"}
        assert all("SC402" in "; ".join(case["reasons"]) for case in report["cases"])


def _gemini(text: str) -> dict[str, Any]:
    return {"contents": [{"role": "user", "parts": [{"text": text}]}]}


def _messages(text: str, **extra: Any) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}], **extra}


INVOKE = "/model/anthropic.claude-3-haiku-20240307-v1:0/invoke-with-response-stream"
CONVERSE = "/model/anthropic.claude-3-haiku-20240307-v1:0/converse-stream"
_BEDROCK = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50}
_VERTEX = "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash"
# The surfaces `record` does not call, captured as a HAR and judged by `check`:
# name -> (path, body, context, exit code, finding codes in order, detected provider/api).
SURFACES: dict[str, tuple[str, dict[str, Any], str | None, int, list[str], str]] = {
    "gemini-sse": (
        "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
        _gemini("ping"),
        None,
        0,
        [],
        "gemini/stream-generate-content",
    ),
    # Without ?alt=sse Gemini answers one JSON array; aimock answers SSE anyway.
    "gemini-no-alt": (
        "/v1beta/models/gemini-2.0-flash:streamGenerateContent",
        _gemini("ping"),
        None,
        0,
        ["SC113"],
        "gemini/stream-generate-content",
    ),
    "vertex": (
        _VERTEX + ":streamGenerateContent?alt=sse",
        _gemini("ping"),
        None,
        0,
        [],
        "gemini/stream-generate-content",
    ),
    # aimock ends a function call with finishReason FUNCTION_CALL (Gemini: STOP): an unknown
    # value google-genai warns about and delivers; a warning, exit 0.
    "gemini-function-call": (
        "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
        _gemini("weather"),
        None,
        0,
        ["SC205"],
        "gemini/stream-generate-content",
    ),
    "ollama-chat": ("/api/chat", _messages("ping", model="llama3"), None, 0, [], "ollama/chat"),
    "ollama-generate": (
        "/api/generate",
        {"model": "llama3", "prompt": "ping"},
        None,
        0,
        [],
        "ollama/generate",
    ),
    "cohere": (
        "/v2/chat",
        _messages("ping", model="command-r", stream=True),
        None,
        0,
        [],
        "cohere/chat",
    ),
    # aimock sends Anthropic's events bare where Bedrock wraps each in {"bytes": base64}: SDK
    # code reads chunk["bytes"], so every chunk is an error.
    "bedrock-invoke": (
        INVOKE,
        _messages("ping", **_BEDROCK),
        None,
        1,
        ["SC201"] * 6,
        "aws-bedrock/invoke-with-response-stream",
    ),
    # A text block opened by contentBlockStart with an empty `start` union: Bedrock opens text
    # blocks with their first delta, and botocore raises ResponseParserError ("ContentBlockStart
    # must have one and only one member set").
    "bedrock-converse-text": (
        CONVERSE,
        {"messages": [{"role": "user", "content": [{"text": "ping"}]}]},
        None,
        1,
        ["SC201"],
        "aws-bedrock/converse-stream",
    ),
    "bedrock-converse-tool": (
        CONVERSE,
        {"messages": [{"role": "user", "content": [{"text": "weather"}]}]},
        None,
        0,
        [],
        "aws-bedrock/converse-stream",
    ),
    # No sequence_number on any event: judged by the launch (2025-03) schemas, said once.
    "responses": (
        "/v1/responses",
        {"model": "gpt-4o", "stream": True, "input": "ping"},
        None,
        0,
        ["SC902"],
        "openai/responses",
    ),
    # A length or filter stop sent as response.completed whose status is incomplete / failed.
    "responses-incomplete": (
        "/v1/responses",
        {"model": "gpt-4o", "stream": True, "input": "ping"},
        "incomplete",
        1,
        ["SC337", "SC902"],
        "openai/responses",
    ),
    "responses-failed": (
        "/v1/responses",
        {"model": "gpt-4o", "stream": True, "input": "ping"},
        "filtered",
        1,
        ["SC337", "SC902"],
        "openai/responses",
    ),
}


@pytest.mark.parametrize("name", list(SURFACES))
def test_check_pins_each_surface(peer: str, tmp_path: Path, name: str) -> None:
    path, body, context, code, codes, detected = SURFACES[name]
    headers = {"x-aimock-context": context} if context else None
    har = aimock.har(peer + path, body, tmp_path / f"{name}.har", headers)
    exit_code, found, summary = findings(har)
    assert (exit_code, found) == (code, codes)
    assert summary["unjudged"] == 0
    result = orjson.loads(run_in_process("check", "-f", "json", str(har)).stdout)["results"][0]
    assert f"{result['provider']}/{result['api']}" == detected


@pytest.mark.parametrize(
    "path",
    [
        "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
        INVOKE,
        CONVERSE,
        "/api/chat",
        "/v2/chat",
        "/v1/responses",
    ],
)
def test_an_error_answer_on_each_surface_is_classified(
    peer: str, tmp_path: Path, path: str
) -> None:
    """aimock answers an error fixture in each provider's shape (Bedrock in Anthropic's, Cohere
    and Ollama in OpenAI's); each is an error body with its class, never an unjudged one."""
    body = (
        _gemini("ping")
        if "gemini" in path
        else {"messages": [{"role": "user", "content": [{"text": "ping"}]}]}
        if path == CONVERSE
        else _messages("ping", model="m", stream=True, input="ping", **_BEDROCK)
    )
    har = aimock.har(
        peer + path, body, tmp_path / "error.har", {"x-aimock-context": "http-429-quota"}
    )
    exit_code, found, summary = findings(har)
    assert (exit_code, found, summary["unjudged"]) == (1, ["SC401"], 0)
    result = orjson.loads(run_in_process("check", "-f", "json", str(har)).stdout)["results"][0]
    assert result["error_class"] == "billing"


GEMINI_LIVE = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
# WebSocket surface -> (path, messages sent, exit code, codes `check` finds on the tape, API).
WEBSOCKETS: dict[str, tuple[str, list[dict[str, Any]], int, list[str], str]] = {
    # No sequence_number, as over HTTP: the launch shape, said once.
    "responses": (
        "/v1/responses",
        [{"type": "response.create", "model": "gpt-4o", "input": "ping"}],
        0,
        ["SC902"],
        "openai/responses/2025-03",
    ),
    # The GA text part is `output_text` in aimock's content_part events; openai-python's GA
    # types (ResponseContentPartAddedEvent / DoneEvent) allow only `text` and `audio` there.
    "realtime": (
        "/v1/realtime?model=gpt-realtime",
        [
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "ping"}],
                },
            },
            {"type": "response.create"},
        ],
        1,
        ["SC201", "SC201"],
        "openai/realtime/ga",
    ),
    "gemini-live": (
        GEMINI_LIVE,
        [
            {"setup": {"model": "models/gemini-2.0-flash-live-001"}},
            {
                "clientContent": {
                    "turns": [{"role": "user", "parts": [{"text": "ping"}]}],
                    "turnComplete": True,
                }
            },
        ],
        0,
        [],
        "gemini/live/v1beta",
    ),
}


@pytest.mark.parametrize("name", list(WEBSOCKETS))
def test_record_ws_pins_each_websocket_surface(peer: str, tmp_path: Path, name: str) -> None:
    path, messages, code, codes, api = WEBSOCKETS[name]
    send = tmp_path / "send.jsonl"
    send.write_bytes(b"\n".join(orjson.dumps(m) for m in messages) + b"\n")
    tape = tmp_path / "session.tape"
    url = "ws" + peer.removeprefix("http") + path
    done = run_in_process(
        "record",
        "--ws",
        url,
        "--send",
        str(send),
        "-o",
        str(tape),
        "--read-timeout",
        "5",
        "--linger",
        "0.1",
    )
    assert done.returncode == code, done.stdout + done.stderr
    exit_code, found, summary = findings(tape)
    assert (exit_code, found, summary["unjudged"]) == (code, codes, 0)
    result = orjson.loads(run_in_process("check", "-f", "json", str(tape)).stdout)["results"][0]
    assert "/".join((result["provider"], result["api"], result["api_version"])) == api
    # The session ended at the protocol's terminal event (then --linger), closed by the client.
    end = orjson.loads(tape.read_bytes().splitlines()[-1])
    assert (end["end"], end["close"]["code"], end["close"]["by"]) == ("eof", 1000, "client")


def test_a_bedrock_invoke_dump_without_its_url_is_judged_as_bedrock(
    peer: str, tmp_path: Path
) -> None:
    """issue 21: aimock's invoke chunks (Anthropic's events bare, no `bytes` envelope) in a
    `curl -i` dump, with no URL to say Bedrock: judged as Bedrock invoke, an error per chunk;
    they were taken for Anthropic Messages and passed."""
    saved = aimock.dump(peer + INVOKE, _messages("ping", **_BEDROCK), tmp_path / "invoke.txt")
    exit_code, found, _ = findings(saved)
    assert (exit_code, found) == (1, ["SC201"] * 6)
    result = orjson.loads(run_in_process("check", "-f", "json", str(saved)).stdout)["results"][0]
    assert (result["provider"], result["api"]) == ("aws-bedrock", "invoke-with-response-stream")
    assert "'bytes' is a required property" in result["findings"][0]["message"]


@pytest.mark.parametrize(("provider", "path"), [("ollama", "/api/chat"), ("aws-bedrock", INVOKE)])
def test_an_error_dump_under_a_named_provider_is_classified_as_that_providers(
    peer: str, tmp_path: Path, provider: str, path: str
) -> None:
    """issue 21: `check --provider ollama|aws-bedrock` on aimock's error answers (OpenAI's
    shape from Ollama, Anthropic's from Bedrock) said "unknown protocol"."""
    saved = aimock.dump(
        peer + path,
        _messages("ping", model="m", **_BEDROCK),
        tmp_path / "error.txt",
        {"x-aimock-context": "http-401"},
    )
    done = run_in_process("check", "-f", "json", "--provider", provider, str(saved))
    report = orjson.loads(done.stdout)
    (result,) = report["results"]
    assert done.returncode == 1 and report["summary"]["unjudged"] == 0
    assert (result["provider"], result["error_class"]) == (provider, "auth")
    assert [f["code"] for f in result["findings"]] == ["SC401"]
    assert result["findings"][0]["message"].startswith(f"{provider} answered with an error body")


def test_timing_faults_in_record_and_smoke(peer: str, tmp_path: Path) -> None:
    """aimock's per-chunk latency (300 ms) against --max-gap 0.2: SC501 warnings, exit 0; its
    chaos latency before any header (1.5 s) against --read-timeout 0.5: record says so in one
    line (exit 2, no tape), smoke says unreachable (7)."""
    slow = ("-H", "x-aimock-context: slow", "--max-gap", "0.2")
    tape = tmp_path / "slow.tape"
    assert record("openai", peer, tape, *slow)[0] == 0
    # The tape keeps each chunk's arrival time: `check` finds the same gaps.
    done = run_in_process("check", "-f", "json", "--max-gap", "0.2", str(tape))
    (result,) = orjson.loads(done.stdout)["results"]
    assert done.returncode == 0 and {f["code"] for f in result["findings"]} == {"SC501"}
    late = ("-H", "x-aimock-chaos-latency: 1500", "--read-timeout", "0.5")
    exit_code, said = record("openai", peer, tmp_path / "late.tape", *late)
    assert exit_code == 2 and "sent no response headers within 0.5 s" in said
    assert not (tmp_path / "late.tape").exists()
    args = ["smoke", "--provider", "openai", "--model", "gpt-4o", "--base-url", peer + "/v1"]
    done = run_in_process(*args, *late, "-f", "json")
    assert (
        done.returncode == 7 and orjson.loads(done.stdout)["targets"][0]["class"] == "unreachable"
    )
    done = run_in_process(*args, *slow, "-f", "json")
    (target,) = orjson.loads(done.stdout)["targets"]
    assert done.returncode == 0 and target["class"] == "ok"

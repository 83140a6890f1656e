"""Ollama /api/chat and /api/generate NDJSON streams through the public API."""

from __future__ import annotations

from typing import Any

import orjson

from streamcheck import Severity, check_bytes, check_paths
from tests.conftest import FIXTURES, needs_shared
from tests.protocols.test_openai_responses import corpus_paths

STATS = {"total_duration": 9, "load_duration": 1, "eval_count": 2, "eval_duration": 5}


def chat(content: str, done: bool = False, **extra: Any) -> dict[str, Any]:
    message = {"role": "assistant", "content": content}
    return {
        "model": "llama3.2",
        "created_at": "2026-11-25T10:00:00.1Z",
        "message": message,
        "done": done,
        **extra,
    }


def gen(text: str, done: bool = False, **extra: Any) -> dict[str, Any]:
    return {
        "model": "llama3.2",
        "created_at": "2026-11-25T10:00:00.1Z",
        "response": text,
        "done": done,
        **extra,
    }


CHAT = [chat("Hel"), chat("lo"), chat("", True, done_reason="stop", **STATS)]
GEN = [gen("Hel"), gen("lo"), gen("", True, done_reason="stop", context=[1, 2], **STATS)]


def ndjson(items: list[Any]) -> bytes:
    return b"".join(orjson.dumps(i) + b"\n" for i in items)


def codes(body: bytes, **kwargs: Any) -> list[str]:
    return [f.code for f in check_bytes(body, **kwargs).findings()]


def test_clean_chat_and_generate_are_told_apart_by_their_frames() -> None:
    for items, api in ((CHAT, "chat"), (GEN, "generate")):
        report = check_bytes(ndjson(items))
        result = report.results[0]
        assert (result.provider, result.api, result.framing) == ("ollama", api, "ndjson")
        assert list(report.findings()) == []


def test_detected_from_the_url() -> None:
    url = "http://127.0.0.1:11434/api/generate"
    assert check_bytes(ndjson(GEN), url=url).results[0].api == "generate"


def test_cut_stream_has_no_done_object() -> None:
    assert codes(ndjson(CHAT[:2])) == ["SC301"]


def test_objects_after_done() -> None:
    assert codes(ndjson([*CHAT, chat("again")])) == ["SC302"]


def test_error_line_after_streaming_started() -> None:
    error = {"error": "an error was encountered while running the model: CUDA error"}
    report = check_bytes(ndjson([*CHAT[:2], error]))
    assert [f.code for f in report.findings()] == ["SC403"]
    assert report.results[0].error_class == "server-error"


def test_error_body_before_streaming() -> None:
    body = (
        b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json; charset=utf-8\r\n\r\n"
        b'{"error":"model \\"llama9\\" not found, try pulling it first"}'
    )
    report = check_bytes(body)
    [finding] = report.findings()
    result = report.results[0]
    assert finding.code == "SC401" and "choices" not in finding.message
    assert (result.provider, result.error_class) == ("ollama", "no-access")


def test_missing_done_reason_is_info() -> None:
    final = {k: v for k, v in CHAT[2].items() if k != "done_reason"}
    [finding] = check_bytes(ndjson([*CHAT[:2], final])).findings()
    assert (finding.code, finding.severity) == ("SC333", Severity.INFO)


def test_a_prompt_that_filled_num_ctx_was_cut() -> None:
    """Ollama cuts a prompt longer than num_ctx without an error (PROVIDERS.md section 3.1)."""
    url = "http://127.0.0.1:11434/api/chat"
    asked = {"model": "llama3.2", "messages": [], "options": {"num_ctx": 2048}}
    full = {**CHAT[2], "prompt_eval_count": 2048}
    [finding] = check_bytes(ndjson([*CHAT[:2], full]), url=url, request_body=asked).findings()
    assert (finding.code, finding.severity) == ("SC336", Severity.WARNING)
    assert finding.message.startswith("prompt_eval_count 2048 reached the request's num_ctx 2048")
    room = {**CHAT[2], "prompt_eval_count": 1630}
    assert codes(ndjson([*CHAT[:2], room]), url=url, request_body=asked) == []
    # Without the request there is no limit to compare with.
    assert codes(ndjson([*CHAT[:2], full]), url=url) == []


def test_unknown_done_reason_and_missing_member() -> None:
    odd = {**CHAT[2], "done_reason": "evicted"}
    assert codes(ndjson([*CHAT[:2], odd])) == ["SC205"]
    broken = {k: v for k, v in GEN[0].items() if k != "response"}
    assert codes(ndjson([GEN[0], broken, GEN[2]])) == ["SC201"]


def test_tool_call_arguments_are_an_object() -> None:
    call = {"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
    good = chat("", tool_calls=[call])
    good["message"]["tool_calls"] = [call]
    assert codes(ndjson([good, CHAT[2]])) == []
    bad = chat("")
    bad["message"]["tool_calls"] = [{"function": {"name": "f", "arguments": '{"city": "Paris"}'}}]
    assert codes(ndjson([bad, CHAT[2]])) == ["SC201"]


def test_model_change_and_missing_final_newline() -> None:
    assert codes(ndjson([CHAT[0], {**CHAT[1], "model": "qwen3"}, CHAT[2]])) == ["SC307"]
    assert codes(ndjson(CHAT).rstrip(b"\n")) == ["SC115"]


def test_fixtures() -> None:
    folder = FIXTURES / "rules" / "SC333"
    assert "SC333" in {f.code for f in check_paths([str(folder / "bad.ndjson")]).findings()}
    assert list(check_paths([str(folder / "good.ndjson")]).findings()) == []
    clean = FIXTURES / "ollama"
    for name in ("chat-clean.ndjson", "generate-length-stop.ndjson"):
        assert list(check_paths([str(clean / name)]).findings()) == []


@needs_shared
def test_real_ollama_streams_are_clean() -> None:
    paths = corpus_paths("chat", "ollama") + corpus_paths("generate", "ollama")
    results = check_paths(paths).results
    assert len(results) == 5
    assert {(r.provider, r.api, r.framing) for r in results} == {
        ("ollama", "chat", "ndjson"),
        ("ollama", "generate", "ndjson"),
    }
    assert [f.code for r in results for f in r.findings] == []

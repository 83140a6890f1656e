"""OpenAI-compatible dialects: detection by host, overlay schemas, dialect finish reasons."""

from __future__ import annotations

from typing import Any

import orjson

from streamcheck import CheckOptions, Severity, check_bytes, check_paths
from tests.conftest import FIXTURES, needs_shared
from tests.protocols.test_openai_responses import corpus_paths


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1764064800,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }


def sse(items: list[Any]) -> bytes:
    return b"".join(b"data: " + orjson.dumps(i) + b"\n\n" for i in items) + b"data: [DONE]\n\n"


def found(body: bytes, **kwargs: Any) -> list[tuple[str, Severity]]:
    return [(f.code, f.severity) for f in check_bytes(body, **kwargs).findings()]


START = chunk({"role": "assistant", "content": ""})


def test_detected_by_host() -> None:
    for host, provider in (
        ("api.groq.com/openai", "groq"),
        ("openrouter.ai/api", "openrouter"),
        ("api.deepseek.com", "deepseek"),
        ("api.mistral.ai", "mistral"),
    ):
        url = f"https://{host}/v1/chat/completions"
        result = check_bytes(sse([START, chunk({}, "stop")]), url=url).results[0]
        assert (result.provider, result.api, result.api_version) == (
            provider,
            "chat-completions",
            "compat",
        )
        assert result.findings == []


def test_plain_openai_stays_openai() -> None:
    url = "https://api.openai.com/v1/chat/completions"
    assert check_bytes(sse([START, chunk({}, "stop")]), url=url).results[0].provider == "openai"


def test_dialect_finish_reason_warns_with_its_meaning() -> None:
    report = check_bytes(
        sse([START, chunk({}, "model_length")]), url="https://api.mistral.ai/v1/chat/completions"
    )
    [finding] = report.findings()
    assert (finding.code, finding.severity) == ("SC205", Severity.WARNING)
    assert finding.hint is not None and "context window" in finding.hint


def test_vllm_abort_then_done_is_success_after_failure() -> None:
    options = CheckOptions(provider="vllm")
    codes = [
        c
        for c, _ in found(
            sse([START, chunk({"content": "x"}), chunk({}, "abort")]), options=options
        )
    ]
    assert codes == ["SC205", "SC404"]
    report = check_paths([str(FIXTURES / "compat" / "vllm-abort-then-done.tape")])
    assert report.results[0].provider == "vllm"
    assert [f.code for f in report.findings()] == ["SC205", "SC404"]


def test_reasoning_content_is_an_allowed_member() -> None:
    url = "https://api.deepseek.com/chat/completions"
    thinking = chunk({"reasoning_content": "Let me think", "content": None})
    assert found(sse([START, thinking, chunk({}, "stop")]), url=url) == []


def test_mistral_content_list_is_allowed_only_for_mistral() -> None:
    parts = chunk({"content": [{"type": "thinking", "thinking": [{"type": "text", "text": "hm"}]}]})
    body = sse([START, parts, chunk({}, "stop")])
    assert found(body, url="https://api.mistral.ai/v1/chat/completions") == []
    assert ("SC201", Severity.ERROR) in found(
        body, url="https://api.openai.com/v1/chat/completions"
    )


def test_known_dialect_behaviour_is_info() -> None:
    usage = {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4, "cost": 0.0001}
    body = sse([START, chunk({}, "stop", usage=usage)])
    report = check_bytes(body, url="https://openrouter.ai/api/v1/chat/completions")
    assert all(f.severity is Severity.INFO for f in report.findings())
    groq = [START, chunk({"content": "a"}), {**chunk({}, "stop"), "created": 1764064801}]
    assert found(sse(groq), url="https://api.groq.com/openai/v1/chat/completions") == []


def test_in_stream_error_without_param_is_not_a_schema_violation_on_groq() -> None:
    error = {
        "error": {
            "message": "Tool call validation failed",
            "type": "invalid_request_error",
            "code": "tool_use_failed",
        }
    }
    url = "https://api.groq.com/openai/v1/chat/completions"
    assert [c for c, _ in found(sse([START, error]), url=url)] == ["SC403", "SC404"]


@needs_shared
def test_real_dialect_streams_have_nothing_above_info_but_their_recorded_errors() -> None:
    paths = []
    for provider in ("groq", "openrouter", "deepseek", "mistral"):
        paths += corpus_paths("chat-completions", provider)
    streams = [r for r in check_paths(paths).results if r.framing == "sse"]
    assert len(streams) == 22
    assert {r.provider for r in streams} == {"groq", "openrouter", "deepseek", "mistral"}
    loud = sorted(
        (r.source.rsplit("/", 1)[-1], f.code)
        for r in streams
        for f in r.findings
        if f.severity > Severity.INFO
    )
    # Only the cassettes that record provider errors on purpose: in-stream errors are real.
    assert {name for name, _ in loud} == {
        "test_tool_use_failed_error_streaming.yaml",
        "test_tool_use_failed_error_streaming_with_text.yaml",
        "test_openrouter_stream_error.yaml",
    }
    assert {code for _, code in loud} == {"SC403", "SC404"}


def test_each_chat_stream_class_reads_its_own_identity() -> None:
    """ChatStream's identity getter is made once per class: a dialect with an identity of its
    own (Groq re-stamps `created`) reads that identity, not OpenAI's."""
    from streamcheck.model import Location
    from streamcheck.protocols.base import Context
    from streamcheck.protocols.compat import GroqChat
    from streamcheck.protocols.openai_chat import OpenAIChat

    value = {"id": "c1", "model": "m", "created": 1}
    for protocol, identity in ((GroqChat, ("c1", "m")), (OpenAIChat, ("c1", "m", 1))):
        ctx = Context(location=Location(), emit=lambda finding: None, api_version="")
        ctx.named = True  # no client-impact weighing: the stream alone
        stream: Any = protocol.stream(ctx)
        assert stream.identity_of(value) == identity

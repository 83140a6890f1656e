"""Differential: the official openai SDK and streamcheck read the same recordings.

The SDK is served each fixture through an in-process httpx transport (no network, no server).
It accepts the clean fixtures (so they are faithful to what OpenAI sends), raises on error bodies
and in-stream errors as streamcheck classifies them, and silently accepts the stream defects
streamcheck reports: the reason the tool exists.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest

from streamcheck import check_paths
from streamcheck.sources.raw import from_stream
from tests.conftest import FIXTURES

openai = pytest.importorskip("openai")
CANARY_KEY = "sk-canary-differential-0000"


def sdk_for(path: Path) -> Any:
    """An OpenAI client whose every request is answered with the recorded response."""
    data = path.read_bytes()
    stream = io.BytesIO(data)
    exchange = from_stream(str(path), stream, stream.read(4096))
    body = b"".join(chunk for chunk, _ in exchange.chunks)
    status = exchange.status or 200
    headers = exchange.headers or {"content-type": "text/event-stream; charset=utf-8"}

    def answer(request: httpx.Request) -> httpx.Response:
        assert CANARY_KEY in request.headers["authorization"]
        return httpx.Response(status, headers=headers, content=body)

    transport = httpx.MockTransport(answer)
    return openai.OpenAI(
        api_key=CANARY_KEY,
        base_url="http://127.0.0.1:9/v1",
        max_retries=0,
        http_client=httpx.Client(transport=transport),
    )


def final_completion(path: Path) -> Any:
    client = sdk_for(path)
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    with client.chat.completions.stream(model="gpt-4o-mini", messages=messages) as events:
        return events.get_final_completion()


def findings(path: Path) -> list[str]:
    return [f.code for f in check_paths([str(path)]).findings()]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("text-answer.sse", [("stop", "The capital of France is Paris.")]),
        ("text-answer.http", [("stop", "The capital of France is Paris.")]),
        ("usage-chunk.sse", [("stop", "The capital of France is Paris.")]),
        ("n2-choices.sse", [("stop", "Heads."), ("stop", "Tails!")]),
        ("tool-calls-fragmented.sse", [("tool_calls", None)]),
    ],
)
def test_sdk_accepts_the_clean_fixtures(name: str, expected: list[tuple[str, str | None]]) -> None:
    path = FIXTURES / "openai" / name
    completion = final_completion(path)
    assert [(c.finish_reason, c.message.content) for c in completion.choices] == expected
    assert findings(path) == []


def test_sdk_joins_the_fragmented_tool_arguments_as_streamcheck_does() -> None:
    completion = final_completion(FIXTURES / "openai" / "tool-calls-fragmented.sse")
    calls = completion.choices[0].message.tool_calls
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("call_w8Pq3ZbT1cKk", "get_weather", '{"city": "Paris", "unit": "celsius"}'),
        ("call_Hn4Rs0Ve5Yd2", "get_time", '{"tz": "Europe/Paris"}'),
    ]


def test_usage_chunk_reaches_the_sdk() -> None:
    completion = final_completion(FIXTURES / "openai" / "usage-chunk.sse")
    assert (completion.usage.prompt_tokens, completion.usage.total_tokens) == (14, 21)


@pytest.mark.parametrize(
    ("name", "sdk_error", "code", "klass"),
    [
        ("gpt4-no-model-access.http", "NotFoundError", "model_not_found", "no-access"),
        # The SDK calls it a rate limit (retrying apps retry); it is a billing problem.
        ("gpt4-no-quota.http", "RateLimitError", "insufficient_quota", "billing"),
    ],
)
def test_error_bodies_sdk_and_streamcheck_agree(
    name: str, sdk_error: str, code: str, klass: str
) -> None:
    path = FIXTURES / "openai" / name
    with pytest.raises(getattr(openai, sdk_error)) as raised:
        final_completion(path)
    assert raised.value.code == code
    result = check_paths([str(path)]).results[0]
    assert result.error_class == klass
    assert [f.code for f in result.findings] == ["SC401"]
    assert code in result.findings[0].message


def test_in_stream_error_sdk_raises_streamcheck_reports() -> None:
    path = FIXTURES / "rules" / "SC403" / "bad.sse"
    with pytest.raises(openai.APIError) as raised:
        final_completion(path)
    [finding] = check_paths([str(path)]).findings()
    assert finding.code == "SC403"
    assert raised.value.message in finding.message


@pytest.mark.parametrize(
    ("code", "what_the_sdk_returns"),
    [
        ("SC301", [("stop", "The capital of France is Paris.")]),  # cut: no [DONE]
        ("SC303", [(None, "The capital of")]),  # no finish_reason at all
        ("SC305", [("stop", "The capital of France is Paris. Also Lyon.")]),  # text after stop
        ("SC312", [("stop", "Paris.")]),  # usage before the finish
    ],
)
def test_sdk_silently_accepts_what_streamcheck_reports(
    code: str, what_the_sdk_returns: list[tuple[str | None, str]]
) -> None:
    path = FIXTURES / "rules" / code / "bad.sse"
    completion = final_completion(path)
    assert [(c.finish_reason, c.message.content) for c in completion.choices] == (
        what_the_sdk_returns
    )
    assert code in findings(path)


def test_sdk_hands_broken_tool_arguments_to_the_app() -> None:
    path = FIXTURES / "rules" / "SC308" / "bad.sse"
    [call] = final_completion(path).choices[0].message.tool_calls
    assert call.function.arguments == '{"city": "Paris", "un'  # json.loads in the app raises
    assert findings(path) == ["SC308"]

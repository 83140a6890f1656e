"""The official SDKs read the clean conform recordings as they read the real APIs: replayed by
`serve`, each case's answer goes through openai-python's and anthropic-python's stream helpers
(which accumulate tool calls, parse JSON output and thinking blocks) and comes out complete. So
the recordings `conform` is tested against have the shapes real clients expect; and the broken
no-index dialect is one the SDK itself cannot assemble."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest

from streamcheck.live.conform.cases import Case, cases_for
from streamcheck.live.conform.runner import Server
from streamcheck.live.serve.server import ServeOptions, running
from tests.conftest import FIXTURES
from tests.live.conftest import ANTHROPIC_CANARY, OPENAI_CANARY

CONFORM = FIXTURES / "conform"


@pytest.fixture(scope="module")
def urls() -> Iterator[dict[str, str]]:
    names = ("openai-clean", "responses-clean", "anthropic-clean", "openai-no-index")
    managers = [running([str(CONFORM / name)], ServeOptions(speed=0)) for name in names]
    try:
        yield {name: manager.__enter__() for name, manager in zip(names, managers, strict=True)}
    finally:
        for manager in managers:
            manager.__exit__(None, None, None)


def _body(url: str, api: str, case: Case) -> dict[str, Any]:
    """What conform sends for the case, minus what the SDK sets itself."""
    provider, flag = ("anthropic", "chat") if api == "anthropic" else ("openai", api)
    body = dict(Server.of(provider, flag, "gpt-4o-mini", url).request(case, None).body)
    body.pop("stream")
    return body


def _openai(url: str) -> openai.OpenAI:
    return openai.OpenAI(api_key=OPENAI_CANARY, base_url=url + "/v1", max_retries=0, timeout=5)


CHAT = [c for c in cases_for("chat") if not c.rejects]
RESPONSES = [c for c in cases_for("responses") if not c.rejects]
ANTHROPIC = [c for c in cases_for("anthropic") if not c.rejects]


def _name(case: Case) -> str:
    return case.name


@pytest.mark.parametrize("case", CHAT, ids=_name)
def test_openai_python_assembles_every_chat_case(urls, case: Case) -> None:  # type: ignore[no-untyped-def]
    body = _body(urls["openai-clean"], "chat", case)
    with _openai(urls["openai-clean"]) as client, client.chat.completions.stream(**body) as stream:
        if case.name == "length":  # the helper raises on a length stop, with what it assembled
            with pytest.raises(openai.LengthFinishReasonError) as raised:
                stream.get_final_completion()
            assert raised.value.completion.choices[0].message.content == "1"
            return
        final = stream.get_final_completion()
    wanted = int(body.get("n", 1))
    assert [c.index for c in final.choices] == list(range(wanted))
    for choice in final.choices:
        assert choice.finish_reason is not None
    message = final.choices[0].message
    if "tools" in body:
        calls = message.tool_calls or []
        assert calls
        for call in calls:
            assert json.loads(call.function.arguments)["city"]  # type: ignore[union-attr]
        if case.name == "parallel-tool-calls":
            assert len({call.id for call in calls}) == 2
    elif "response_format" in body:
        assert isinstance(json.loads(message.content or ""), dict)
    else:
        assert message.content
    if "stream_options" in body:
        assert final.usage is not None and final.usage.total_tokens > 0
    if body.get("logprobs"):
        logprobs = final.choices[0].logprobs
        assert logprobs is not None and logprobs.content


def test_openai_python_cannot_assemble_tool_calls_without_index(urls) -> None:  # type: ignore[no-untyped-def]
    case = next(c for c in cases_for("chat") if c.name == "tool-call")
    body = _body(urls["openai-no-index"], "chat", case)
    with (
        _openai(urls["openai-no-index"]) as client,
        client.chat.completions.stream(**body) as stream,
        pytest.raises(TypeError, match="list indices must be integers"),
    ):  # openai-python indexes its tool-call list by `index`: None crashes it
        stream.get_final_completion()


@pytest.mark.parametrize("case", RESPONSES, ids=_name)
def test_openai_python_reads_every_responses_case(urls, case: Case) -> None:  # type: ignore[no-untyped-def]
    body = _body(urls["responses-clean"], "responses", case)
    with _openai(urls["responses-clean"]) as client:
        if case.name == "length":
            # The stream helper wants response.completed; an incomplete answer is read as events.
            with client.responses.create(**body, stream=True) as events:
                last = list(events)[-1]
            assert last.type == "response.incomplete"
            assert last.response.incomplete_details.reason == "max_output_tokens"  # type: ignore[union-attr]
            return
        with client.responses.stream(**body) as stream:
            final = stream.get_final_response()
    if case.name == "tool-call":
        call = final.output[0]
        assert call.type == "function_call" and json.loads(call.arguments) == {"city": "Paris"}
    else:
        assert final.output_text and final.status == "completed"


@pytest.mark.parametrize("case", ANTHROPIC, ids=_name)
def test_anthropic_python_assembles_every_case(urls, case: Case) -> None:  # type: ignore[no-untyped-def]
    body = _body(urls["anthropic-clean"], "anthropic", case)
    with (
        anthropic.Anthropic(
            api_key=ANTHROPIC_CANARY, base_url=urls["anthropic-clean"], max_retries=0, timeout=5
        ) as client,
        client.messages.stream(**body) as stream,
    ):
        final = stream.get_final_message()
    kinds = [block.type for block in final.content]
    assert final.stop_reason is not None
    if case.name == "tool-use":
        tool = final.content[kinds.index("tool_use")]
        assert tool.input == {"city": "Paris"}  # type: ignore[union-attr]
    elif case.name == "thinking":
        assert kinds == ["thinking", "text"]
        assert final.content[0].signature  # type: ignore[union-attr]
    if case.name == "stop-sequence":
        assert final.stop_sequence == "5"

"""The cases of `streamcheck conform`: one row per documented streaming feature.

A case is a small streaming request (the body without `model` and `stream`; `max_tokens` is
renamed to what the API calls its output cap) and what its answer must show besides passing the
full checker: expectations by name (`expect_chat.py` and `expect_events.py` hold what each one
checks), the request parameters it exercises (a documented "unsupported parameter" error
naming one of them makes the case `unsupported`, not a failure), and the finding codes it
exists to exercise (reported at any severity, they fail the case). Adding a case is adding a
row; the replay fixtures under fixtures/conform/ are generated from these rows by
tools/make_conform_fixtures.py.

Sources: PROVIDERS.md 2.1 (chat chunks, tool-call chunks, usage chunk), 2.2 (Responses events),
2.4 (Anthropic events, error bodies) and 3.1 (unknown-model errors per provider).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

APIS = ("chat", "responses", "anthropic", "gemini", "ollama-chat", "ollama-generate")
# A model name no provider serves: the reject case asks for it.
UNKNOWN_MODEL = "streamcheck-conform-no-such-model"

_WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
_TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Current local time in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
_ANTHROPIC_WEATHER = {
    "name": "get_weather",
    "description": "Current weather in a city.",
    "input_schema": _WEATHER["function"]["parameters"],  # type: ignore[index]
}
_RESPONSES_WEATHER = {"type": "function", **_WEATHER["function"]}  # type: ignore[dict-item]
_PERSON_SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
    "additionalProperties": False,
}


# An 8x8 red PNG (made for this table): the image-input case's picture.
_RED_PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR42mP4z8CAFTEMLQ"
    "kAKP8/wc53yE8AAAAASUVORK5CYII="
)


def _user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    api: str  # one of APIS
    summary: str
    body: dict[str, Any]
    expect: tuple[str, ...]
    params: tuple[str, ...] = ()  # request parameters the case exercises
    codes: tuple[str, ...] = ()  # finding codes that fail the case at any severity
    model: str | None = None  # a fixed model (the reject case), else the --model given
    rejects: bool = False  # the server must answer with an error body

    @property
    def max_tokens(self) -> int:
        """The most output tokens the case asks for (what it can cost), over all choices."""
        return int(self.body.get("max_tokens", 0)) * int(self.body.get("n", 1))


CASES: tuple[Case, ...] = (
    # -- OpenAI Chat Completions -------------------------------------------------------------
    Case(
        "text",
        "chat",
        "plain text: role assistant, finish_reason stop, no usage chunk unasked, [DONE]",
        {"messages": _user("Say hello in five words."), "max_tokens": 32},
        ("text", "role", "finish=stop", "no-usage", "done"),
    ),
    Case(
        "length",
        "chat",
        "a 1-token cap: finish_reason length",
        {"messages": _user("Count from 1 to 20."), "max_tokens": 1},
        ("finish=length", "done"),
        params=("max_tokens", "max_completion_tokens"),
    ),
    Case(
        "stop-sequence",
        "chat",
        "a stop sequence: finish_reason stop, the sequence not sent",
        {
            "messages": _user("Count from 1 to 10, separated by commas."),
            "max_tokens": 32,
            "stop": ["5"],
        },
        ("finish=stop", "stop-excluded", "done"),
        params=("stop",),
    ),
    Case(
        "usage",
        "chat",
        "stream_options.include_usage: one usage chunk, right before [DONE]",
        {
            "messages": _user("Say hello."),
            "max_tokens": 16,
            "stream_options": {"include_usage": True},
        },
        ("finish=stop", "usage-last", "done"),
        params=("stream_options", "stream_options.include_usage"),
        codes=("SC312", "SC317"),
    ),
    Case(
        "n2",
        "chat",
        "n=2: two choices, each finished",
        {"messages": _user("Flip a coin: answer Heads or Tails."), "max_tokens": 8, "n": 2},
        ("choices=2", "done"),
        params=("n",),
    ),
    Case(
        "tool-call",
        "chat",
        "one tool call: index, id and name on its first delta, arguments that parse",
        {
            "messages": _user("What is the weather in Paris? Use the tool."),
            "max_tokens": 64,
            "tools": [_WEATHER],
        },
        (
            "tool-index",
            "tool-calls>=1",
            "tool-call-head",
            "tool-args-json",
            "role",
            "finish=tool_calls",
            "done",
        ),
        params=("tools",),
        codes=("SC308", "SC318"),
    ),
    Case(
        "parallel-tool-calls",
        "chat",
        "parallel tool calls: two calls with their own index and id",
        {
            "messages": _user("Weather in Paris and local time in Tokyo? Call both tools at once."),
            "max_tokens": 128,
            "tools": [_WEATHER, _TIME],
            "parallel_tool_calls": True,
        },
        (
            "tool-index",
            "tool-calls>=2",
            "tool-call-head",
            "tool-args-json",
            "tool-calls-apart",
            "finish=tool_calls",
            "done",
        ),
        params=("tools", "parallel_tool_calls"),
        codes=("SC308", "SC318"),
    ),
    Case(
        "tool-choice",
        "chat",
        "tool_choice forcing get_time: that tool is called",
        {
            "messages": _user("What time is it in Tokyo?"),
            "max_tokens": 64,
            "tools": [_WEATHER, _TIME],
            "tool_choice": {"type": "function", "function": {"name": "get_time"}},
        },
        # A forced function ends with `stop` on api.openai.com, `tool_calls` elsewhere.
        (
            "tool-index",
            "tool-calls>=1",
            "tool-name=get_time",
            "tool-call-head",
            "tool-args-json",
            "finish=stop|tool_calls",
            "done",
        ),
        params=("tools", "tool_choice"),
        codes=("SC308", "SC318"),
    ),
    Case(
        "json-mode",
        "chat",
        "response_format json_object: the content parses as a JSON object",
        {
            "messages": _user('Reply with a JSON object {"ok": true} and nothing else.'),
            "max_tokens": 32,
            "response_format": {"type": "json_object"},
        },
        ("json-content", "finish=stop", "done"),
        params=("response_format",),
    ),
    Case(
        "json-schema",
        "chat",
        "response_format json_schema: the content parses and has the required keys",
        {
            "messages": _user("Invent a person: name and age."),
            "max_tokens": 48,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "person", "strict": True, "schema": _PERSON_SCHEMA},
            },
        },
        ("json-schema", "finish=stop", "done"),
        params=("response_format", "response_format.json_schema"),
    ),
    Case(
        "logprobs",
        "chat",
        "logprobs with top_logprobs=2: every content chunk carries its logprobs",
        {
            "messages": _user("Say yes."),
            "max_tokens": 4,
            "logprobs": True,
            "top_logprobs": 2,
        },
        ("logprobs", "finish=stop|length", "done"),
        params=("logprobs", "top_logprobs"),
    ),
    Case(
        "reasoning",
        "chat",
        "reasoning_effort: reasoning text (if any) as delta.reasoning_content, then the answer",
        {
            "messages": _user("What is 17 * 3? Answer with the number."),
            "max_tokens": 256,
            "reasoning_effort": "low",
        },
        ("reasoning-field", "text", "finish=stop|length", "done"),
        params=("reasoning_effort",),
    ),
    Case(
        "unknown-model",
        "chat",
        "an unknown model: rejected with the documented error body (404 model_not_found)",
        {"messages": _user("Say hello."), "max_tokens": 16},
        ("error-body",),
        model=UNKNOWN_MODEL,
        rejects=True,
    ),
    # -- OpenAI Responses (a strict superset of the Open Responses suite: open_responses.py) --
    Case(
        "text",
        "responses",
        "plain text: output_text deltas, a complete ResponseResource, response.completed last",
        {"input": "Say hello in five words.", "max_tokens": 32},
        ("text", "output", "items", "response-resource", "completed"),
    ),
    Case(
        "system-prompt",
        "responses",
        "a system message in the input: output, response.completed",
        {
            "input": [
                {"type": "message", "role": "system", "content": "Answer like a pirate."},
                {"type": "message", "role": "user", "content": "Say hello."},
            ],
            "max_tokens": 40,
        },
        ("text", "output", "items", "response-resource", "completed"),
    ),
    Case(
        "multi-turn",
        "responses",
        "user, assistant, user messages as history: output, response.completed",
        {
            "input": [
                {"type": "message", "role": "user", "content": "My name is Ada."},
                {"type": "message", "role": "assistant", "content": "Hello Ada!"},
                {"type": "message", "role": "user", "content": "What is my name?"},
            ],
            "max_tokens": 24,
        },
        ("text", "output", "items", "response-resource", "completed"),
    ),
    Case(
        "image-input",
        "responses",
        "an input_image (a data: URL) in the user content: output, response.completed",
        {
            "input": [
                {
                    "type": "message",
                    "role": "user",
                    "content": [
                        {"type": "input_text", "text": "What colour is this image? One word."},
                        {"type": "input_image", "image_url": _RED_PNG},
                    ],
                }
            ],
            "max_tokens": 48,
        },
        ("text", "output", "items", "response-resource", "completed"),
        params=("input", "input_image"),
    ),
    Case(
        "length",
        "responses",
        "max_output_tokens 16 on a long answer: response.incomplete (max_output_tokens)",
        {"input": "Count from 1 to 100, one number per line.", "max_tokens": 16},
        ("items", "incomplete=max_output_tokens"),
        params=("max_output_tokens",),
    ),
    Case(
        "tool-call",
        "responses",
        "a function call: item added, arguments deltas, done that parse, item done, in output",
        {
            "input": "What is the weather in Paris? Use the tool.",
            "max_tokens": 64,
            "tools": [_RESPONSES_WEATHER],
        },
        (
            "function-call",
            "output-type=function_call",
            "items",
            "response-resource",
            "completed",
        ),
        params=("tools",),
    ),
    Case(
        "unknown-model",
        "responses",
        "an unknown model: rejected with the documented error body",
        {"input": "Say hello.", "max_tokens": 16},
        ("error-body",),
        model=UNKNOWN_MODEL,
        rejects=True,
    ),
    # -- Anthropic Messages ------------------------------------------------------------------
    Case(
        "text",
        "anthropic",
        "plain text: stop_reason end_turn, message_stop last, ping events tolerated",
        {"messages": _user("Say hello in five words."), "max_tokens": 32},
        ("text", "stop=end_turn", "message-stop"),
    ),
    Case(
        "max-tokens",
        "anthropic",
        "max_tokens 1: stop_reason max_tokens",
        {"messages": _user("Count from 1 to 20."), "max_tokens": 1},
        ("stop=max_tokens", "message-stop"),
        params=("max_tokens",),
    ),
    Case(
        "stop-sequence",
        "anthropic",
        "stop_sequences: stop_reason stop_sequence naming it",
        {
            "messages": _user("Count from 1 to 10, separated by commas."),
            "max_tokens": 32,
            "stop_sequences": ["5"],
        },
        ("stop=stop_sequence", "stop-sequence-named", "message-stop"),
        params=("stop_sequences",),
    ),
    Case(
        "tool-use",
        "anthropic",
        "tool_use: input streamed as input_json_delta that parses, stop_reason tool_use",
        {
            "messages": _user("What is the weather in Paris? Use the tool."),
            "max_tokens": 128,
            "tools": [_ANTHROPIC_WEATHER],
            "tool_choice": {"type": "any"},
        },
        ("tool-use", "stop=tool_use", "message-stop"),
        params=("tools", "tool_choice"),
        codes=("SC308", "SC311"),
    ),
    Case(
        "thinking",
        "anthropic",
        "extended thinking: a thinking block (thinking and signature deltas) before the text",
        {
            "messages": _user("What is 17 * 3?"),
            "max_tokens": 1100,
            "thinking": {"type": "enabled", "budget_tokens": 1024},
        },
        ("thinking", "text", "stop=end_turn", "message-stop"),
        params=("thinking",),
        codes=("SC311",),
    ),
    Case(
        "unknown-model",
        "anthropic",
        "an unknown model: rejected with 404 not_found_error",
        {"messages": _user("Say hello."), "max_tokens": 16},
        ("error-body",),
        model=UNKNOWN_MODEL,
        rejects=True,
    ),
)


_GEMINI_WEATHER = {
    "functionDeclarations": [
        {
            "name": "get_weather",
            "description": "Current weather in a city.",
            "parameters": {
                "type": "OBJECT",
                "properties": {"city": {"type": "STRING"}},
                "required": ["city"],
            },
        }
    ]
}


def _gemini_user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "parts": [{"text": text}]}]


# Gemini (streamGenerateContent, SSE with ?alt=sse or a JSON array) and Ollama's native API
# (/api/chat, /api/generate, NDJSON): PROVIDERS.md 2.5 and 2.6. `max_tokens` becomes
# generationConfig.maxOutputTokens / options.num_predict.
NATIVE: tuple[Case, ...] = (
    Case(
        "text",
        "gemini",
        "plain text: parts with text, finishReason STOP last, usageMetadata",
        {"contents": _gemini_user("Say hello in five words."), "max_tokens": 32},
        ("gemini-text", "gemini-finish=STOP", "gemini-usage"),
    ),
    Case(
        "max-tokens",
        "gemini",
        "maxOutputTokens 1: finishReason MAX_TOKENS",
        {"contents": _gemini_user("Count from 1 to 20."), "max_tokens": 1},
        ("gemini-finish=MAX_TOKENS", "gemini-usage"),
        params=("generationConfig.maxOutputTokens",),
    ),
    Case(
        "tool-call",
        "gemini",
        "a function declaration: a functionCall part (name, args object), finishReason STOP",
        {
            "contents": _gemini_user("What is the weather in Paris? Use the tool."),
            "tools": [_GEMINI_WEATHER],
            "max_tokens": 64,
        },
        ("gemini-function-call", "gemini-finish=STOP"),
        params=("tools",),
    ),
    Case(
        "unknown-model",
        "gemini",
        "an unknown model: rejected with the documented error body (404 NOT_FOUND)",
        {"contents": _gemini_user("Say hello."), "max_tokens": 16},
        ("error-body",),
        model=UNKNOWN_MODEL,
        rejects=True,
    ),
    Case(
        "text",
        "ollama-chat",
        "plain text: message.content pieces, one last line with done true, done_reason stop",
        {"messages": _user("Say hello in five words."), "max_tokens": 32},
        ("ollama-text", "ollama-done=stop", "ollama-counts"),
    ),
    Case(
        "length",
        "ollama-chat",
        "num_predict 1: done_reason length",
        {"messages": _user("Count from 1 to 20."), "max_tokens": 1},
        ("ollama-done=length",),
        params=("options.num_predict",),
    ),
    Case(
        "tool-call",
        "ollama-chat",
        "tools: message.tool_calls with a name and an arguments object, then done",
        {
            "messages": _user("What is the weather in Paris? Use the tool."),
            "max_tokens": 64,
            "tools": [_WEATHER],
        },
        ("ollama-tool-calls", "ollama-done=stop"),
        params=("tools",),
    ),
    Case(
        "unknown-model",
        "ollama-chat",
        "an unknown model: rejected with 404 and Ollama's error body",
        {"messages": _user("Say hello."), "max_tokens": 16},
        ("error-body",),
        model=UNKNOWN_MODEL,
        rejects=True,
    ),
    Case(
        "text",
        "ollama-generate",
        "plain text: response pieces, one last line with done true, done_reason stop",
        {"prompt": "Say hello in five words.", "max_tokens": 32},
        ("ollama-text", "ollama-done=stop", "ollama-counts"),
    ),
    Case(
        "length",
        "ollama-generate",
        "num_predict 1: done_reason length",
        {"prompt": "Count from 1 to 20.", "max_tokens": 1},
        ("ollama-done=length",),
        params=("options.num_predict",),
    ),
    Case(
        "unknown-model",
        "ollama-generate",
        "an unknown model: rejected with 404 and Ollama's error body",
        {"prompt": "Say hello.", "max_tokens": 16},
        ("error-body",),
        model=UNKNOWN_MODEL,
        rejects=True,
    ),
)
CASES = CASES + NATIVE


def cases_for(api: str) -> list[Case]:
    return [case for case in CASES if case.api == api]

"""Which client breaks when a conform case fails, with a public report as the evidence.

A failed expectation (`expect_chat.py`, `expect_events.py`) or finding code says what the server
did; this table says who pays for it: the client (openai-python's `stream()` accumulator, the
Vercel AI SDK, LangChain, ...), what it does, and the public issue or pull request that shows
it. Every address here was read in its thread: none is made up, and a row without one is no row.
`judge.py` and the runner add `breaks: <client> (<url>)` to the reason.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Breaks:
    client: str
    what: str
    evidence: str  # a public issue or pull request that shows it

    def line(self) -> str:
        return f"breaks {self.client}: {self.what} ({self.evidence})"


_ACCUMULATOR = "openai-python's client.chat.completions.stream()"
_AI_SDK = "the Vercel AI SDK (@ai-sdk/openai-compatible)"

# Keyed by expectation name (the part before `=` or `>`) or finding code, per API.
BREAKS: dict[tuple[str, str], Breaks] = {
    ("chat", "done"): Breaks(
        "clients that wait for the sentinel (huggingface inference-benchmarker)",
        "'Connection closed before completion'",
        "https://github.com/ikawrakow/ik_llama.cpp/issues/467",
    ),
    ("chat", "usage-last"): Breaks(
        _AI_SDK,
        "usage comes back undefined: token and cost accounting read 0",
        "https://github.com/vercel/ai/pull/17986",
    ),
    ("chat", "SC317"): Breaks(
        _AI_SDK,
        "usage comes back undefined: token and cost accounting read 0",
        "https://github.com/vercel/ai/pull/17986",
    ),
    ("chat", "no-usage"): Breaks(
        "LangChain (langchain-community chat models) and apps that read chunk.choices[0]",
        "IndexError: list index out of range on the choices: [] chunk",
        "https://github.com/langchain-ai/langchain/pull/24689",
    ),
    ("chat", "tool-index"): Breaks(
        _ACCUMULATOR,
        "TypeError: list indices must be integers or slices, not NoneType (no index)",
        "https://github.com/openai/openai-python/issues/2806",
    ),
    ("chat", "tool-call-head"): Breaks(
        _AI_SDK,
        "AI_InvalidResponseDataError: Expected 'id' to be a string (no id on the first "
        "delta); openai-python's stream() raises TypeError on a missing index "
        "(https://github.com/openai/openai-python/issues/2806)",
        "https://github.com/CherryHQ/cherry-studio/pull/16322",
    ),
    ("chat", "SC318"): Breaks(
        _AI_SDK,
        "AI_InvalidResponseDataError: Expected 'id' to be a string",
        "https://github.com/CherryHQ/cherry-studio/pull/16322",
    ),
    ("chat", "tool-args-json"): Breaks(
        "autogen's OpenAI client (and any agent that json-parses the joined arguments)",
        "the next request carries invalid JSON arguments: openai.BadRequestError",
        "https://github.com/microsoft/autogen/pull/7549",
    ),
    ("chat", "SC308"): Breaks(
        "autogen's OpenAI client (and any agent that json-parses the joined arguments)",
        "the next request carries invalid JSON arguments: openai.BadRequestError",
        "https://github.com/microsoft/autogen/pull/7549",
    ),
    ("chat", "tool-calls-apart"): Breaks(
        "LangChain (langchain-core merges tool-call chunks by index)",
        "two calls at one index are merged: one call, arguments concatenated",
        "https://github.com/langchain-ai/langchain/pull/34811",
    ),
    ("chat", "role"): Breaks(
        _AI_SDK,
        'AI_TypeValidationError: Invalid input: expected "assistant" at '
        "choices[0].delta.role; LangChain JS turns the delta into a ChatMessageChunk and "
        "drops its tool calls (https://github.com/langchain-ai/langchainjs/pull/11470)",
        "https://github.com/vercel/ai/pull/15464",
    ),
    ("chat", "reasoning-field"): Breaks(
        "clients that read delta.reasoning_content (LiteLLM before its fix, DeepSeek-style "
        "clients)",
        "the reasoning is silently dropped (they get None)",
        "https://github.com/vllm-project/vllm/pull/50624",
    ),
    ("gemini", "gemini-finish"): Breaks(
        "apps that take the end of the body as the end of the answer (term-llm before its fix)",
        "a cut answer is shown and kept as a complete one: Gemini has no other terminator",
        "https://github.com/SamSaffron/term-llm/pull/954",
    ),
    ("gemini", "SC303"): Breaks(
        "apps that take the end of the body as the end of the answer (term-llm before its fix)",
        "a cut answer is shown and kept as a complete one: Gemini has no other terminator",
        "https://github.com/SamSaffron/term-llm/pull/954",
    ),
    **{
        (api, name): Breaks(
            "the Ollama JavaScript client (ollama-js)",
            "throws 'Did not receive done or success response in stream.'",
            "https://github.com/ollama/ollama-vscode/pull/61",
        )
        for api in ("ollama-chat", "ollama-generate")
        for name in ("ollama-done", "SC301")
    },
}


def breaks(api: str, name: str) -> Breaks | None:
    """The client a failed expectation or finding code breaks, if the table knows one."""
    key = name.split("=", 1)[0].split(">", 1)[0]
    return BREAKS.get((api, key))

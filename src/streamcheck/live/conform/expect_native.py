"""Conform expectations of the native APIs: Gemini streamGenerateContent (PROVIDERS.md 2.5:
candidates, parts, finishReason, usageMetadata) and Ollama /api/chat and /api/generate (2.6:
NDJSON lines, `done`, `done_reason`, the final counts). Registered into `answer.EXPECTATIONS`.
"""

from __future__ import annotations

from typing import Any

from streamcheck.live.conform.answer import Answer, expectation
from streamcheck.live.conform.cases import Case

# -- Gemini ------------------------------------------------------------------------------------


def _candidates(answer: Answer) -> list[dict[str, Any]]:
    found = []
    for chunk in answer.objects():
        for candidate in chunk.get("candidates") or []:
            if isinstance(candidate, dict):
                found.append(candidate)
    return found


def _parts(answer: Answer) -> list[dict[str, Any]]:
    parts = []
    for candidate in _candidates(answer):
        content = candidate.get("content")
        for part in (content.get("parts") if isinstance(content, dict) else None) or []:
            if isinstance(part, dict):
                parts.append(part)
    return parts


@expectation("gemini-text")
def _gemini_text(answer: Answer, case: Case, argument: str | None) -> str | None:
    texts = [p["text"] for p in _parts(answer) if isinstance(p.get("text"), str)]
    return None if "".join(texts) else "no part carried text"


@expectation("gemini-finish")
def _gemini_finish(answer: Answer, case: Case, argument: str | None) -> str | None:
    """The last candidate's finishReason is one the case allows, and none came before it."""
    reasons = [c.get("finishReason") for c in _candidates(answer) if c.get("finishReason")]
    if not reasons:
        return "no candidate carried a finishReason"
    allowed = set((argument or "").split("|"))
    return None if reasons[-1] in allowed else f"finishReason is {reasons[-1]!r}"


@expectation("gemini-usage")
def _gemini_usage(answer: Answer, case: Case, argument: str | None) -> str | None:
    objects = answer.objects()
    usage = objects[-1].get("usageMetadata") if objects else None
    if not isinstance(usage, dict) or not isinstance(usage.get("totalTokenCount"), int):
        return "the last chunk carries no usageMetadata.totalTokenCount"
    return None


@expectation("gemini-function-call")
def _gemini_function_call(answer: Answer, case: Case, argument: str | None) -> str | None:
    calls = [p["functionCall"] for p in _parts(answer) if isinstance(p.get("functionCall"), dict)]
    if not calls:
        return "no functionCall part arrived"
    names = {d["name"] for tool in case.body.get("tools", []) for d in tool["functionDeclarations"]}
    for call in calls:
        if call.get("name") not in names:
            return f"the functionCall names {call.get('name')!r}"
        if not isinstance(call.get("args"), dict):
            return "the functionCall's args is not an object"
    return None


# -- Ollama ------------------------------------------------------------------------------------


def _text_of(line: dict[str, Any]) -> str:
    message = line.get("message")
    if isinstance(message, dict) and isinstance(message.get("content"), str):
        return str(message["content"])
    return str(line["response"]) if isinstance(line.get("response"), str) else ""


@expectation("ollama-text")
def _ollama_text(answer: Answer, case: Case, argument: str | None) -> str | None:
    return None if "".join(_text_of(o) for o in answer.objects()) else "no text arrived"


@expectation("ollama-done")
def _ollama_done(answer: Answer, case: Case, argument: str | None) -> str | None:
    """Exactly one line with done true, the last one, naming the done_reason the case allows."""
    objects = answer.objects()
    done = [n for n, o in enumerate(objects) if o.get("done") is True]
    if not done:
        return "no line with done: true (the answer may be cut)"
    if done != [len(objects) - 1]:
        return f"done: true on line {done[0]} of {len(objects)}, not only on the last"
    reason = objects[-1].get("done_reason")
    allowed = set((argument or "").split("|"))
    return None if reason in allowed else f"done_reason is {reason!r}"


@expectation("ollama-counts")
def _ollama_counts(answer: Answer, case: Case, argument: str | None) -> str | None:
    objects = answer.objects()
    last = objects[-1] if objects else {}
    missing = [k for k in ("prompt_eval_count", "eval_count") if not isinstance(last.get(k), int)]
    return f"the done line lacks {', '.join(missing)}" if missing else None


@expectation("ollama-tool-calls")
def _ollama_tool_calls(answer: Answer, case: Case, argument: str | None) -> str | None:
    calls = []
    for line in answer.objects():
        message = line.get("message")
        if isinstance(message, dict):
            calls += [c for c in message.get("tool_calls") or [] if isinstance(c, dict)]
    if not calls:
        return "no message.tool_calls arrived"
    names = {t["function"]["name"] for t in case.body.get("tools", [])}
    for call in calls:
        function = call.get("function") if isinstance(call.get("function"), dict) else {}
        assert isinstance(function, dict)
        if function.get("name") not in names:
            return f"the tool call names {function.get('name')!r}"
        if not isinstance(function.get("arguments"), dict):
            return "the tool call's arguments is not an object (Ollama sends an object)"
    return None

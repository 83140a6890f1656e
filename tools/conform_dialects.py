"""The broken dialects of fixtures/conform: each is a clean recording with one thing changed
(tools/make_conform_fixtures.py writes them; its docstring lists what each dialect breaks)."""

from __future__ import annotations

from typing import Any

import orjson

from streamcheck.live.conform.cases import Case

Reply = tuple[int, dict[str, str], list[bytes]]  # status, headers, body chunks


def _rewrite(reply: Reply, change: Any) -> Reply:
    """Apply `change` to every JSON data payload of an SSE reply."""
    status, headers, chunks = reply
    out = []
    for chunk in chunks:
        head, sep, data = chunk.partition(b"data: ")
        if not sep or data.startswith(b"[DONE]"):
            out.append(chunk)
            continue
        value = change(orjson.loads(data))
        if value is not None:
            out.append(head + b"data: " + orjson.dumps(value) + b"\n\n")
    return status, headers, out


def _no_index(value: dict[str, Any]) -> dict[str, Any]:
    for choice in value.get("choices") or []:
        for call in (choice.get("delta") or {}).get("tool_calls") or []:
            call.pop("index", None)
    return value


def _no_usage(value: dict[str, Any]) -> dict[str, Any] | None:
    if value.get("choices") == [] and value.get("usage"):
        return None
    value.pop("usage", None)
    return value


def _plain(reply: Reply) -> Reply:
    return 404, {"content-type": "text/plain; charset=utf-8"}, [b"model not found\n"]


def _declined(param: str, code: str, message: str) -> Reply:
    error = {"message": message, "type": "invalid_request_error", "param": param, "code": code}
    headers = {"content-type": "application/json; charset=utf-8"}
    return 400, headers, [orjson.dumps({"error": error}) + b"\n"]


def _at_start(value: dict[str, Any]) -> dict[str, Any] | None:
    block = value.get("content_block")
    if isinstance(block, dict) and block.get("type") == "tool_use":
        block["input"] = {"city": "Paris"}
    delta = value.get("delta")
    if isinstance(delta, dict) and delta.get("type") == "input_json_delta":
        return None
    return value


def _empty_role(value: dict[str, Any]) -> dict[str, Any]:
    for choice in value.get("choices") or []:
        delta = choice.get("delta")
        if isinstance(delta, dict):
            delta["role"] = ""  # a Go struct without omitempty: "" on every delta
    return value


def _id_on_second(reply: Reply) -> Reply:
    """Each tool call's id, type and name moved from its first fragment to its second."""
    late: dict[int, dict[str, Any]] = {}

    def move(value: dict[str, Any]) -> dict[str, Any]:
        for choice in value.get("choices") or []:
            for call in (choice.get("delta") or {}).get("tool_calls") or []:
                index = call.get("index")
                if call.get("id"):
                    name = call["function"].pop("name", None)
                    late[index] = {"id": call.pop("id"), "type": call.pop("type", None)}
                    late[index]["name"] = name
                elif index in late:
                    head = late.pop(index)
                    call.update(id=head["id"], type=head["type"])
                    call["function"]["name"] = head["name"]
        return value

    return _rewrite(reply, move)


def _merged(value: dict[str, Any]) -> dict[str, Any]:
    """Every tool call at index 0 (a server that numbers calls per chunk)."""
    for choice in value.get("choices") or []:
        for call in (choice.get("delta") or {}).get("tool_calls") or []:
            call["index"] = 0
    return value


def _usage_unasked(reply: Reply) -> Reply:
    status, headers, chunks = reply
    usage = {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}
    last = {"id": "chatcmpl-Conform0001", "object": "chat.completion.chunk"}
    last.update(created=1760000000, model="gpt-4o-mini-2024-07-18", choices=[], usage=usage)
    done = chunks[-1]
    return status, headers, [*chunks[:-1], b"data: " + orjson.dumps(last) + b"\n\n", done]


def _reasoning_named(reply: Reply) -> Reply:
    """Reasoning deltas named `reasoning` (vLLM since its rename, OpenRouter) before the text."""
    status, headers, chunks = reply
    first = orjson.loads(chunks[0].partition(b"data: ")[2])
    thoughts = []
    for text in ("17 * 3: 10 * 3 = 30, ", "7 * 3 = 21, so 51."):
        value = dict(first)
        value["choices"] = [{"index": 0, "delta": {"reasoning": text}, "finish_reason": None}]
        value["choices"][0]["logprobs"] = None
        thoughts.append(b"data: " + orjson.dumps(value) + b"\n\n")
    return status, headers, [chunks[0], *thoughts, *chunks[1:]]


def openai_dialect(dialect: str, case: Case, reply: Reply) -> Reply:
    if dialect == "openai-empty-role" and not case.rejects:
        return _rewrite(reply, _empty_role)
    if dialect == "openai-tool-id-late" and "tools" in case.body:
        return _id_on_second(reply)
    if dialect == "openai-merged-tool-calls" and "tools" in case.body:
        return _rewrite(reply, _merged)
    unasked = not case.rejects and "stream_options" not in case.body
    if dialect == "openai-usage-unasked" and unasked:
        return _usage_unasked(reply)
    if dialect == "openai-reasoning-field" and case.name == "reasoning":
        return _reasoning_named(reply)
    if dialect == "openai-no-index" and "tools" in case.body:
        return _rewrite(reply, _no_index)
    if dialect == "openai-no-usage":
        return _rewrite(reply, _no_usage)
    if dialect == "openai-plain-errors" and case.rejects:
        return _plain(reply)
    if dialect == "openai-declines" and case.name == "n2":
        text = "Unsupported parameter: 'n' is not supported with this model."
        return _declined("n", "unsupported_parameter", text)
    if dialect == "openai-declines" and case.name == "logprobs":
        text = "Unsupported value: 'logprobs' does not support true with this model."
        return _declined("logprobs", "unsupported_value", text)
    return reply


def _anthropic_declined(message: str) -> Reply:
    error = {"type": "invalid_request_error", "message": message}
    body = {"type": "error", "error": error, "request_id": "req_01Conform0400"}
    return 400, {"content-type": "application/json"}, [orjson.dumps(body)]


def anthropic_dialect(dialect: str, case: Case, reply: Reply) -> Reply:
    if dialect == "anthropic-declines" and case.name == "thinking":
        return _anthropic_declined("'claude-3-5-haiku-20241022' does not support thinking.")
    if dialect == "anthropic-plain-errors" and case.rejects:
        return _plain(reply)
    if dialect == "anthropic-tool-input-at-start" and case.name == "tool-use":
        return _rewrite(reply, _at_start)
    return reply


_BARE = ("id", "object", "created_at", "status", "model", "output", "error", "usage")


def _bare(value: dict[str, Any]) -> dict[str, Any]:
    """The snapshot of a minimal server: a few members of the response, not the whole."""
    response = value.get("response")
    if isinstance(response, dict):
        value["response"] = {k: v for k, v in response.items() if k in _BARE}
    return value


def _no_user(value: dict[str, Any]) -> dict[str, Any]:
    """A server that follows the published Open Responses documents: no `user` member, which
    they do not define (only the unpublished component schema requires it)."""
    response = value.get("response")
    if isinstance(response, dict):
        response.pop("user", None)
    return value


def _mixup(value: dict[str, Any]) -> dict[str, Any]:
    if str(value.get("type", "")).startswith("response.output_text."):
        value["output_index"] = 1
    return value


def responses_dialect(dialect: str, case: Case, reply: Reply) -> Reply:
    if case.rejects:
        return reply
    if dialect == "responses-bare-response":
        return _rewrite(reply, _bare)
    if dialect == "responses-no-user":
        return _rewrite(reply, _no_user)
    if dialect == "responses-index-mixup" and case.name == "text":
        return _rewrite(reply, _mixup)
    return reply


def _no_finish(value: Any) -> Any:
    for candidate in value.get("candidates") or []:
        candidate.pop("finishReason", None)
    return value


def native_dialect(dialect: str, case: Case, reply: Reply) -> Reply:
    status, headers, chunks = reply
    if case.rejects:
        return reply
    if dialect == "gemini-no-finish":
        return _rewrite(reply, _no_finish)
    if dialect == "ollama-chat-no-done":
        return status, headers, chunks[:-1]
    return reply


DIALECTS = {
    "openai-clean": "chat",
    "openai-no-index": "chat",
    "openai-no-usage": "chat",
    "openai-plain-errors": "chat",
    "openai-declines": "chat",
    "openai-empty-role": "chat",
    "openai-tool-id-late": "chat",
    "openai-merged-tool-calls": "chat",
    "openai-usage-unasked": "chat",
    "openai-reasoning-field": "chat",
    "responses-clean": "responses",
    "responses-bare-response": "responses",
    "responses-no-user": "responses",
    "responses-index-mixup": "responses",
    "gemini-clean": "gemini",
    "gemini-json-clean": "gemini",
    "gemini-no-finish": "gemini",
    "ollama-chat-clean": "ollama-chat",
    "ollama-chat-no-done": "ollama-chat",
    "ollama-generate-clean": "ollama-generate",
    "anthropic-clean": "anthropic",
    "anthropic-plain-errors": "anthropic",
    "anthropic-tool-input-at-start": "anthropic",
    "anthropic-declines": "anthropic",
}

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


def openai_dialect(dialect: str, case: Case, reply: Reply) -> Reply:
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


DIALECTS = {
    "openai-clean": "chat",
    "openai-no-index": "chat",
    "openai-no-usage": "chat",
    "openai-plain-errors": "chat",
    "openai-declines": "chat",
    "responses-clean": "responses",
    "anthropic-clean": "anthropic",
    "anthropic-plain-errors": "anthropic",
    "anthropic-tool-input-at-start": "anthropic",
    "anthropic-declines": "anthropic",
}

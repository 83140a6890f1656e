"""What each conform expectation checks, over the answer a case got.

The full checker has already judged the stream (schema, grammar, error body); these are the
promises of the feature a case asked for, which the checker cannot know from the stream alone:
the cap it set stopped the answer with `length`, the tool it forced was called, the usage it
asked for came. This module holds the OpenAI chat expectations (PROVIDERS.md 2.1: chat chunks,
tool-call chunks, usage chunk) and the reject case's, registered in `answer.py`;
`expect_events.py` those of the event-typed APIs.
"""

from __future__ import annotations

from typing import Any

import orjson

from streamcheck.live.conform.answer import Answer, expectation
from streamcheck.live.conform.cases import Case

# -- OpenAI Chat Completions --------------------------------------------------------------------


def _chunks(answer: Answer) -> list[dict[str, Any]]:
    return [o for o in answer.objects() if o.get("object") == "chat.completion.chunk"]


def _choices(answer: Answer) -> dict[int, dict[str, Any]]:
    """Per choice index: joined text, finish reason, and tool calls by their index."""
    seen: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(answer):
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict) or not isinstance(choice.get("index"), int):
                continue
            state = seen.setdefault(
                choice["index"],
                {"text": "", "finish": None, "tools": {}, "unindexed": 0, "roles": []},
            )
            delta = choice.get("delta") or {}
            if not isinstance(delta, dict):
                continue
            if "role" in delta and delta["role"] not in state["roles"]:
                state["roles"].append(delta["role"])
            if isinstance(delta.get("content"), str):
                state["text"] += delta["content"]
            if choice.get("finish_reason"):
                state["finish"] = choice["finish_reason"]
            for call in delta.get("tool_calls") or []:
                if not isinstance(call, dict):
                    continue
                if not isinstance(call.get("index"), int):
                    state["unindexed"] += 1
                    continue
                function = call.get("function") or {}
                tool = state["tools"].get(call["index"])
                if tool is None:  # the call's first fragment: what clients key the call on
                    tool = {"id": None, "name": None, "arguments": "", "ids": []}
                    tool["head"] = {
                        "id": call.get("id"),
                        "type": call.get("type"),
                        "name": function.get("name") if isinstance(function, dict) else None,
                    }
                    state["tools"][call["index"]] = tool
                if isinstance(call.get("id"), str) and call["id"] not in tool["ids"]:
                    tool["ids"].append(call["id"])
                tool["id"] = tool["id"] or call.get("id")
                tool["name"] = tool["name"] or function.get("name")
                if isinstance(function.get("arguments"), str):
                    tool["arguments"] += function["arguments"]
    return seen


@expectation("text")
def _text(answer: Answer, case: Case, argument: str | None) -> str | None:
    if case.api == "chat":
        choices = _choices(answer)
        return None if choices.get(0, {}).get("text") else "no content text arrived"
    if case.api == "responses":
        deltas = [o for o in answer.objects() if o.get("type") == "response.output_text.delta"]
        return None if any(o.get("delta") for o in deltas) else "no output_text delta arrived"
    for data in answer.objects():
        delta = data.get("delta") if data.get("type") == "content_block_delta" else None
        if isinstance(delta, dict) and delta.get("type") == "text_delta" and delta.get("text"):
            return None
    return "no text_delta arrived"


@expectation("finish")
def _finish(answer: Answer, case: Case, argument: str | None) -> str | None:
    allowed = set((argument or "").split("|"))
    choices = _choices(answer)
    if not choices:
        return "no choice arrived"
    for index, state in sorted(choices.items()):
        if state["finish"] not in allowed:
            return f"choice {index} finished with {state['finish']!r}"
    return None


@expectation("done")
def _done(answer: Answer, case: Case, argument: str | None) -> str | None:
    if not answer.events or answer.events[-1][1] != "[DONE]":
        return "the stream did not end with data: [DONE]"
    return None


@expectation("stop-excluded")
def _stop_excluded(answer: Answer, case: Case, argument: str | None) -> str | None:
    text = _choices(answer).get(0, {}).get("text", "")
    for stop in case.body.get("stop") or []:
        if stop in text:
            return f"the stop sequence {stop!r} was sent in the content"
    return None


@expectation("usage-last")
def _usage_last(answer: Answer, case: Case, argument: str | None) -> str | None:
    chunks = _chunks(answer)
    usage = [n for n, c in enumerate(chunks) if c.get("usage")]
    if not usage:
        return "no usage chunk arrived"
    if len(usage) > 1:
        return f"{len(usage)} chunks carry usage; one is sent"
    at = usage[0]
    if at != len(chunks) - 1:
        return f"the usage chunk is chunk {at} of {len(chunks)}, not the last before [DONE]"
    if chunks[at].get("choices"):
        return "the usage chunk carries choices (it has choices: [])"
    return None


@expectation("choices")
def _choice_count(answer: Answer, case: Case, argument: str | None) -> str | None:
    wanted = int(argument or "1")
    choices = _choices(answer)
    if sorted(choices) != list(range(wanted)):
        return f"choices {sorted(choices)} arrived, expected 0..{wanted - 1}"
    unfinished = [i for i, state in choices.items() if not state["finish"]]
    return f"choice {unfinished[0]} never finished" if unfinished else None


@expectation("tool-calls>")
def _tool_calls(answer: Answer, case: Case, argument: str | None) -> str | None:
    wanted = int((argument or "1").lstrip("="))
    state = _choices(answer).get(0)
    if state is None:
        return "no choice arrived"
    tools = state["tools"]
    if len(tools) < wanted:
        return f"{len(tools)} tool call(s) arrived, expected at least {wanted}"
    names = {t["function"]["name"] for t in case.body.get("tools", [])}
    for index, tool in sorted(tools.items()):
        if tool["name"] not in names:
            return f"tool call {index} names {tool['name']!r}, not one of the request's tools"
    return None


@expectation("tool-index")
def _tool_index(answer: Answer, case: Case, argument: str | None) -> str | None:
    state = _choices(answer).get(0, {})
    if state.get("unindexed"):
        return f"{state['unindexed']} tool-call fragment(s) without an integer index"
    return None


@expectation("tool-call-head")
def _tool_call_head(answer: Answer, case: Case, argument: str | None) -> str | None:
    """The first fragment of each call carries what clients key the call on: `index` (counted
    by tool-calls), `id`, `type: function` and `function.name` (PROVIDERS.md 2.1)."""
    for index, tool in sorted(_choices(answer).get(0, {}).get("tools", {}).items()):
        head = tool["head"]
        missing = [k for k in ("id", "name") if not isinstance(head[k], str) or not head[k]]
        if head["type"] != "function":
            missing.append("type")
        if missing:
            return f"the first fragment of tool call {index} lacks {', '.join(missing)}"
    return None


@expectation("tool-args-json")
def _tool_args_json(answer: Answer, case: Case, argument: str | None) -> str | None:
    for index, tool in sorted(_choices(answer).get(0, {}).get("tools", {}).items()):
        try:
            arguments = orjson.loads(tool["arguments"])
        except orjson.JSONDecodeError:
            return f"tool call {index}: the joined arguments are not JSON: {tool['arguments']!r}"
        if not isinstance(arguments, dict):
            return f"tool call {index}: the arguments are not a JSON object"
    return None


@expectation("tool-calls-apart")
def _tool_calls_apart(answer: Answer, case: Case, argument: str | None) -> str | None:
    """Parallel calls each at their own index with their own id: a second id at an index is
    a second call merged into the first's slot."""
    tools = _choices(answer).get(0, {}).get("tools", {})
    for index, tool in sorted(tools.items()):
        if len(tool["ids"]) > 1:
            return f"tool call index {index} carries {len(tool['ids'])} ids: calls merged"
    ids = [t["id"] for t in tools.values()]
    if len(set(ids)) != len(ids):
        return "two tool calls share an id"
    return None


@expectation("tool-name")
def _tool_name(answer: Answer, case: Case, argument: str | None) -> str | None:
    tools = _choices(answer).get(0, {}).get("tools", {})
    names = [t["name"] for _, t in sorted(tools.items())]
    return None if argument in names else f"the forced tool was not called (called: {names})"


def _content_json(answer: Answer) -> tuple[Any, str | None]:
    text = _choices(answer).get(0, {}).get("text", "")
    try:
        return orjson.loads(text), None
    except orjson.JSONDecodeError:
        return None, f"the content is not JSON: {text[:60]!r}"


@expectation("json-content")
def _json_content(answer: Answer, case: Case, argument: str | None) -> str | None:
    value, problem = _content_json(answer)
    if problem is None and not isinstance(value, dict):
        return "the content is JSON but not an object"
    return problem


@expectation("json-schema")
def _json_schema(answer: Answer, case: Case, argument: str | None) -> str | None:
    value, problem = _content_json(answer)
    if problem is not None:
        return problem
    schema = case.body["response_format"]["json_schema"]["schema"]
    if not isinstance(value, dict):
        return "the content is JSON but not an object"
    missing = [key for key in schema.get("required", []) if key not in value]
    return f"the content lacks {', '.join(missing)}" if missing else None


@expectation("logprobs")
def _logprobs(answer: Answer, case: Case, argument: str | None) -> str | None:
    counted = 0
    for n, chunk in enumerate(_chunks(answer)):
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if not delta.get("content"):
                continue
            content = (choice.get("logprobs") or {}).get("content")
            if not isinstance(content, list) or not content:
                return f"chunk {n} has content but no logprobs.content"
            for item in content:
                if not isinstance(item, dict) or not {"token", "logprob"} <= set(item):
                    return f"chunk {n}: a logprobs entry lacks token or logprob"
                if len(item.get("top_logprobs") or []) < int(case.body.get("top_logprobs", 0)):
                    return f"chunk {n}: fewer top_logprobs than asked for"
            counted += 1
    return None if counted else "no content chunk arrived to carry logprobs"


@expectation("role")
def _role(answer: Answer, case: Case, argument: str | None) -> str | None:
    """delta.role is absent, null or "assistant" (the first delta's); "" is no role."""
    for index, state in sorted(_choices(answer).items()):
        odd = [r for r in state["roles"] if r not in (None, "assistant")]
        if odd:
            return f'choice {index} sends delta.role {odd[0]!r}, not "assistant"'
    return None


@expectation("no-usage")
def _no_usage(answer: Answer, case: Case, argument: str | None) -> str | None:
    """Without stream_options.include_usage, OpenAI sends no usage chunk (choices: [])."""
    for n, chunk in enumerate(_chunks(answer)):
        if chunk.get("choices") == []:
            return f"chunk {n} has choices: [] although the request asked for no usage"
    return None


@expectation("reasoning-field")
def _reasoning_field(answer: Answer, case: Case, argument: str | None) -> str | None:
    """Reasoning text, when a server streams any (api.openai.com's chat API streams none), in
    `delta.reasoning_content`, the name DeepSeek set and most clients read."""
    named: dict[str, int] = {"reasoning_content": 0, "reasoning": 0}
    for chunk in _chunks(answer):
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") if isinstance(choice, dict) else None
            for field in named:
                if isinstance(delta, dict) and isinstance(delta.get(field), str) and delta[field]:
                    named[field] += 1
    if named["reasoning"] and not named["reasoning_content"]:
        return (
            f"{named['reasoning']} delta(s) carry the reasoning as delta.reasoning only, "
            "none as delta.reasoning_content"
        )
    return None


# -- the reject case (every API) -----------------------------------------------------------------


@expectation("error-body")
def _error_body(answer: Answer, case: Case, argument: str | None) -> str | None:
    result = answer.result
    if result.status is None or result.status < 400:
        return f"HTTP {result.status}: the request was not rejected"
    if result.status not in (400, 404):
        return f"HTTP {result.status}; an unknown model is a 404 (or 400)"
    codes = {f.code for f in result.findings}
    if "SC401" not in codes:
        return "the body is not the provider's documented error shape (SC402)"
    if result.error_class not in ("no-access", "not-found", "bad-request"):
        return f"the error says {result.error_class}, not an unknown model"
    return None

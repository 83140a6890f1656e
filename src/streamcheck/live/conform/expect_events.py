"""Conform expectations of the event-typed streams: OpenAI Responses (PROVIDERS.md 2.2) and
Anthropic Messages (2.4). Registered into `answer.EXPECTATIONS` on import."""

from __future__ import annotations

from typing import Any

import orjson

from streamcheck.live.conform.answer import Answer, expectation
from streamcheck.live.conform.cases import Case
from streamcheck.live.conform.open_responses import LATEST, required

# -- OpenAI Responses ---------------------------------------------------------------------------


def _types(answer: Answer) -> list[str]:
    return [str(o.get("type")) for o in answer.objects()]


@expectation("completed")
def _completed(answer: Answer, case: Case, argument: str | None) -> str | None:
    objects = answer.objects()
    if not objects or objects[-1].get("type") != "response.completed":
        last = objects[-1].get("type") if objects else None
        return f"the last event is {last!r}, not response.completed"
    status = (objects[-1].get("response") or {}).get("status")
    return None if status == "completed" else f"response.status is {status!r}"


@expectation("incomplete")
def _incomplete(answer: Answer, case: Case, argument: str | None) -> str | None:
    objects = answer.objects()
    if not objects or objects[-1].get("type") != "response.incomplete":
        last = objects[-1].get("type") if objects else None
        return f"the last event is {last!r}, not response.incomplete"
    details = (objects[-1].get("response") or {}).get("incomplete_details") or {}
    reason = details.get("reason")
    return None if reason == argument else f"incomplete_details.reason is {reason!r}"


@expectation("function-call")
def _function_call(answer: Answer, case: Case, argument: str | None) -> str | None:
    objects = answer.objects()
    items = [
        o["item"]
        for o in objects
        if o.get("type") == "response.output_item.added"
        and isinstance(o.get("item"), dict)
        and o["item"].get("type") == "function_call"
    ]
    if not items:
        return "no function_call item was added"
    if "response.function_call_arguments.delta" not in _types(answer):
        return "the arguments were not streamed (no function_call_arguments.delta)"
    done = [o for o in objects if o.get("type") == "response.function_call_arguments.done"]
    if not done:
        return "no response.function_call_arguments.done"
    try:
        value = orjson.loads(str(done[0].get("arguments")))
    except orjson.JSONDecodeError:
        return "the done arguments are not JSON"
    if not isinstance(value, dict):
        return "the arguments are not a JSON object"
    names = {t["name"] for t in case.body.get("tools", [])}
    return None if items[0].get("name") in names else f"the call names {items[0].get('name')!r}"


def _final(answer: Answer) -> dict[str, Any] | None:
    """The response of the terminal event (response.completed, .incomplete, .failed): what the
    Open Responses suite's SSE parser takes as the final ResponseResource."""
    for data in reversed(answer.objects()):
        if data.get("type") in ("response.completed", "response.incomplete", "response.failed"):
            response = data.get("response")
            return response if isinstance(response, dict) else None
    return None


@expectation("output")
def _output(answer: Answer, case: Case, argument: str | None) -> str | None:
    """Open Responses: hasOutput (the final response has output items)."""
    final = _final(answer)
    if final is None:
        return "no terminal event carried the final response"
    output = final.get("output")
    return None if isinstance(output, list) and output else "the final response has no output"


@expectation("output-type")
def _output_type(answer: Answer, case: Case, argument: str | None) -> str | None:
    """Open Responses: hasOutputType (an output item of the type)."""
    final = _final(answer) or {}
    kinds = [i.get("type") for i in final.get("output") or [] if isinstance(i, dict)]
    return None if argument in kinds else f"no {argument} item in the final output ({kinds})"


@expectation("response-resource")
def _response_resource(answer: Answer, case: Case, argument: str | None) -> str | None:
    """Open Responses: the final response parses as a ResponseResource (every required member
    present) in the release the run names (--spec-version)."""
    final = _final(answer)
    if final is None:
        return "no terminal event carried the final response"
    version = answer.spec or LATEST
    missing = [member for member in required(version) if member not in final]
    if not missing:
        return None
    shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
    return f"the final response lacks {shown} (Open Responses {version} ResponseResource)"


@expectation("items")
def _items(answer: Answer, case: Case, argument: str | None) -> str | None:
    """Item lifecycle and order: output_item.added numbers items 0, 1, ... in order; every
    event naming an item_id carries that item's output_index; each added item is done before
    the terminal event; the final output lists the items in that order."""
    added: dict[str, int] = {}
    done: set[str] = set()
    for n, data in enumerate(answer.objects()):
        kind = str(data.get("type"))
        item = data.get("item") if isinstance(data.get("item"), dict) else {}
        assert isinstance(item, dict)
        index = data.get("output_index")
        if kind == "response.output_item.added" and isinstance(item.get("id"), str):
            if index != len(added):
                return (
                    f"event {n}: item {item['id']} added at output_index {index}, not {len(added)}"
                )
            added[item["id"]] = index
        elif kind == "response.output_item.done" and isinstance(item.get("id"), str):
            done.add(item["id"])
            if added.get(item["id"], index) != index:
                return f"event {n}: item {item['id']} done at output_index {index}"
        item_id = data.get("item_id")
        if isinstance(item_id, str) and item_id in added and index != added[item_id]:
            return (
                f"event {n} ({kind}): output_index {index} for item {item_id}, "
                f"added at {added[item_id]}"
            )
    open_items = [i for i in added if i not in done]
    if open_items:
        return f"item {open_items[0]} was never done (no response.output_item.done)"
    final = _final(answer) or {}
    ids = [i.get("id") for i in final.get("output") or [] if isinstance(i, dict)]
    if final and ids != list(added):
        return f"the final output lists {ids}, the stream added {list(added)}"
    return None


# -- Anthropic Messages -------------------------------------------------------------------------


def _stop(answer: Answer) -> dict[str, Any]:
    for data in answer.objects():
        if data.get("type") == "message_delta" and isinstance(data.get("delta"), dict):
            return dict(data["delta"])
    return {}


@expectation("stop")
def _stop_reason(answer: Answer, case: Case, argument: str | None) -> str | None:
    reason = _stop(answer).get("stop_reason")
    return None if reason == argument else f"stop_reason is {reason!r}"


@expectation("stop-sequence-named")
def _stop_sequence(answer: Answer, case: Case, argument: str | None) -> str | None:
    named = _stop(answer).get("stop_sequence")
    asked = case.body.get("stop_sequences") or []
    return None if named in asked else f"stop_sequence is {named!r}, not one of {asked}"


@expectation("message-stop")
def _message_stop(answer: Answer, case: Case, argument: str | None) -> str | None:
    objects = answer.objects()
    last = objects[-1].get("type") if objects else None
    return None if last == "message_stop" else f"the last event is {last!r}, not message_stop"


def _blocks(answer: Answer) -> dict[int, dict[str, Any]]:
    blocks: dict[int, dict[str, Any]] = {}
    for data in answer.objects():
        index = data.get("index")
        if not isinstance(index, int):
            continue
        if data.get("type") == "content_block_start" and isinstance(
            data.get("content_block"), dict
        ):
            blocks[index] = {"block": data["content_block"], "deltas": []}
        elif data.get("type") == "content_block_delta" and index in blocks:
            blocks[index]["deltas"].append(data.get("delta") or {})
    return blocks


@expectation("tool-use")
def _tool_use(answer: Answer, case: Case, argument: str | None) -> str | None:
    tools = [b for b in _blocks(answer).values() if b["block"].get("type") == "tool_use"]
    if not tools:
        return "no tool_use block arrived"
    names = {t["name"] for t in case.body.get("tools", [])}
    for tool in tools:
        block = tool["block"]
        if not block.get("id") or block.get("name") not in names:
            return f"tool_use block lacks an id or names {block.get('name')!r}"
        parts = [
            d.get("partial_json") for d in tool["deltas"] if d.get("type") == "input_json_delta"
        ]
        joined = "".join(p for p in parts if isinstance(p, str))
        if not joined:
            return "the tool input was not streamed as input_json_delta"
        try:
            value = orjson.loads(joined)
        except orjson.JSONDecodeError:
            return "the joined partial_json is not JSON"
        if not isinstance(value, dict):
            return "the tool input is not a JSON object"
    return None


@expectation("thinking")
def _thinking(answer: Answer, case: Case, argument: str | None) -> str | None:
    blocks = sorted(_blocks(answer).items())
    kinds = [b["block"].get("type") for _, b in blocks]
    if "thinking" not in kinds:
        return f"no thinking block arrived (blocks: {kinds})"
    thinking = blocks[kinds.index("thinking")][1]
    delta_types = {d.get("type") for d in thinking["deltas"]}
    if not {"thinking_delta", "signature_delta"} <= delta_types:
        return "the thinking block lacks thinking_delta or signature_delta"
    if "text" in kinds and kinds.index("text") < kinds.index("thinking"):
        return "the text block came before the thinking block"
    return None

"""Write fixtures/open-responses/: streams written here from the Open Responses specification's
schemas (schemas/open-responses/responses/), not copied from anywhere.

    python tools/gen_open_responses_fixtures.py

reasoning-and-text.sse: a reasoning item streamed as `response.reasoning.delta` (an Open
Responses event OpenAI's API does not have), then a message whose text deltas carry no
`logprobs` (optional since release 2026-04-24, required in 2026-01-15); every response object
carries each member of the specification's ResponseResource.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "open-responses"


def resource(status: str, output: list[dict[str, Any]], usage: Any) -> dict[str, Any]:
    """A response object with every member ResponseResource requires."""
    return {
        "id": "resp_or1",
        "object": "response",
        "created_at": 1780000000,
        "completed_at": 1780000002 if status == "completed" else None,
        "status": status,
        "incomplete_details": None,
        "model": "open-model-1",
        "previous_response_id": None,
        "instructions": None,
        "output": output,
        "error": None,
        "tools": [],
        "tool_choice": "auto",
        "truncation": "disabled",
        "parallel_tool_calls": True,
        "text": {"format": {"type": "text"}},
        "top_p": 1.0,
        "presence_penalty": 0.0,
        "frequency_penalty": 0.0,
        "top_logprobs": 0,
        "temperature": 1.0,
        "reasoning": {"effort": "low", "summary": None},
        "usage": usage,
        "max_output_tokens": None,
        "max_tool_calls": None,
        "store": False,
        "background": False,
        "service_tier": "default",
        "metadata": {},
        "safety_identifier": None,
        "prompt_cache_key": None,
    }


def reasoning_and_text() -> list[dict[str, Any]]:
    thought = "The user greets me."
    answer = "Hello!"
    reasoning_done = {
        "type": "reasoning",
        "id": "rs_or1",
        "summary": [],
        "content": [{"type": "reasoning_text", "text": thought}],
    }
    message_done = {
        "type": "message",
        "id": "msg_or1",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": answer, "annotations": []}],
    }
    usage = {
        "input_tokens": 9,
        "output_tokens": 12,
        "total_tokens": 21,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens_details": {"reasoning_tokens": 6},
    }
    reasoning_part = {"item_id": "rs_or1", "output_index": 0, "content_index": 0}
    text_part = {"item_id": "msg_or1", "output_index": 1, "content_index": 0}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": resource("in_progress", [], None)},
        {"type": "response.in_progress", "response": resource("in_progress", [], None)},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {"type": "reasoning", "id": "rs_or1", "summary": [], "content": []},
        },
        {
            "type": "response.content_part.added",
            **reasoning_part,
            "part": {"type": "reasoning_text", "text": ""},
        },
        {"type": "response.reasoning.delta", **reasoning_part, "delta": thought[:8]},
        {"type": "response.reasoning.delta", **reasoning_part, "delta": thought[8:]},
        {"type": "response.reasoning.done", **reasoning_part, "text": thought},
        {
            "type": "response.content_part.done",
            **reasoning_part,
            "part": {"type": "reasoning_text", "text": thought},
        },
        {"type": "response.output_item.done", "output_index": 0, "item": reasoning_done},
        {
            "type": "response.output_item.added",
            "output_index": 1,
            "item": {**message_done, "status": "in_progress", "content": []},
        },
        {
            "type": "response.content_part.added",
            **text_part,
            "part": {"type": "output_text", "text": "", "annotations": []},
        },
        {"type": "response.output_text.delta", **text_part, "delta": answer[:3]},
        {"type": "response.output_text.delta", **text_part, "delta": answer[3:]},
        {"type": "response.output_text.done", **text_part, "text": answer},
        {
            "type": "response.content_part.done",
            **text_part,
            "part": {"type": "output_text", "text": answer, "annotations": []},
        },
        {"type": "response.output_item.done", "output_index": 1, "item": message_done},
        {
            "type": "response.completed",
            "response": resource("completed", [reasoning_done, message_done], usage),
        },
    ]
    return [{**event, "sequence_number": n} for n, event in enumerate(events)]


def sse(events: list[dict[str, Any]]) -> str:
    return "".join(
        f"event: {e['type']}\ndata: {json.dumps(e, separators=(',', ':'))}\n\n" for e in events
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "reasoning-and-text.sse").write_text(sse(reasoning_and_text()), encoding="utf-8")


if __name__ == "__main__":
    main()

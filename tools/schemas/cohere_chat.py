"""schemas/cohere/chat/v2/<event type>.json: generated from the cohere SDK's types.

    python tools/schemas/cohere_chat.py        # or the whole pipeline: tools/schemas/generate.py

One schema per member of the SDK's `StreamedChatResponseV2` union (the event's `type` is the
frame kind): the member's pydantic model (Fern-generated from Cohere's API definition; the wire
names are the field names), reduced by tools/schemas/shapes.py and overlaid by the tables below.
The SDK's models make every member Optional, Cohere's API reference does not: which members an
event must carry is the REQUIRED overlay, each with its evidence.
"""

from __future__ import annotations

import sys
import typing
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shapes import Overlay, apply, document, reduce, said, write

FOLDER = "cohere/chat/v2"
# Reduced to their JSON type: nothing reads inside them (logprobs, a citation's sources, the
# empty lists message-start carries, the usage counters' parents stay expanded).
REDUCED = frozenset({"LogprobItem", "Source", "DocumentSource", "ToolSource"})
ENUMS: dict[str, list[Any]] = {}

DELTA = "/properties/delta"
MESSAGE = f"{DELTA}/properties/message"
# Cohere's chat v2 streaming reference (docs.cohere.com, "Streaming": every event but
# message-start, message-end, tool-plan-delta and debug names its block by `index`; each
# carries its payload under delta.message).
INDEXED = (
    "content-start",
    "content-delta",
    "content-end",
    "tool-call-start",
    "tool-call-delta",
    "tool-call-end",
    "citation-start",
    "citation-end",
)
WITH_DELTA = (
    "message-start",
    "content-start",
    "content-delta",
    "tool-plan-delta",
    "tool-call-start",
    "tool-call-delta",
    "citation-start",
    "message-end",
)
# Where each event carries its payload under delta.message (required there).
PAYLOAD = {
    "content-start": "content",
    "content-delta": "content",
    "tool-plan-delta": "tool_plan",
    "tool-call-start": "tool_calls",
    "tool-call-delta": "tool_calls",
    "citation-start": "citations",
}
REFERENCE = "REQUIRED: Cohere's chat v2 streaming reference; the SDK makes every member Optional"


def literals(annotation: Any) -> list[Any]:
    """The Literal values of `Union[Literal[...], Any]` (cohere's open enums)."""
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) is typing.Literal:
            return list(typing.get_args(arg))
    raise ValueError(f"no Literal in {annotation!r}")


def overlay(kind: str) -> list[Overlay]:
    from cohere.types import ChatFinishReason
    from cohere.types.chat_content_start_event_delta_message_content import (
        ChatContentStartEventDeltaMessageContent as Content,
    )

    out: list[Overlay] = []
    required = ["type"]
    if kind in INDEXED:
        required.append("index")
        out.append(Overlay("/properties/index", {"minimum": 0}, "a block index counts from 0"))
    if kind in WITH_DELTA:
        required.append("delta")
        if kind != "message-end":
            out.append(Overlay(DELTA, {"required": ["message"]}, REFERENCE))
    out.insert(0, Overlay("", {"required": required}, REFERENCE))
    if kind in PAYLOAD:
        out.append(Overlay(MESSAGE, {"required": [PAYLOAD[kind]]}, REFERENCE))
    payload = f"{MESSAGE}/properties/{PAYLOAD.get(kind, '')}"
    if kind == "message-start":
        out.append(
            Overlay(
                f"{MESSAGE}/properties",
                {
                    "content": {"type": "array"},
                    "tool_plan": {"type": "string"},
                    "tool_calls": {"type": "array"},
                    "citations": {"type": "array"},
                },
                "BEYOND the SDK: real message-start events carry the message's empty members "
                "(content [], tool_plan '', tool_calls [], citations []; the shared corpus's "
                "openllmetry cohere v2 cassettes); the SDK model has only role",
            )
        )
    if kind == "content-start":
        out += [
            Overlay(payload, {"required": ["type"]}, REFERENCE),
            Overlay(
                f"{payload}/properties/type",
                {"enum": literals(Content.model_fields["type"].annotation), "type": None},
                "the SDK's Literal values; it adds `Any`, so an unlisted block type is SC205, "
                "a warning",
            ),
        ]
    if kind == "content-delta":
        out.append(
            Overlay(payload, {"minProperties": 1}, "a content delta carries text or thinking")
        )
    if kind == "tool-call-start":
        out += [
            Overlay(payload, {"required": ["id", "function"]}, REFERENCE),
            Overlay(f"{payload}/properties/id", {"minLength": 1}, "a call id names the call"),
            Overlay(f"{payload}/properties/function", {"required": ["name"]}, REFERENCE),
            Overlay(
                f"{payload}/properties/function/properties/name",
                {"minLength": 1},
                "a tool call names its tool",
            ),
        ]
    if kind == "tool-call-delta":
        out += [
            Overlay(payload, {"required": ["function"]}, REFERENCE),
            Overlay(f"{payload}/properties/function", {"required": ["arguments"]}, REFERENCE),
        ]
    if kind == "message-end":
        out += [
            Overlay(f"{DELTA}", {"required": ["finish_reason"]}, REFERENCE),
            Overlay(
                f"{DELTA}/properties/finish_reason",
                {"enum": literals(ChatFinishReason), "type": None},
                "ChatFinishReason's Literal values; the SDK adds `Any`, so its client takes a "
                "new one: an unlisted value is SC205, a warning",
            ),
            Overlay(
                f"{DELTA}/properties/error",
                {"type": ["string", "null"]},
                "RELAX: message-end's error is null when nothing failed (Cohere's OpenAPI: "
                "nullable)",
            ),
        ]
    return out


def members() -> dict[str, Any]:
    from cohere import StreamedChatResponseV2

    union = typing.get_args(StreamedChatResponseV2)[0]
    return {m.model_fields["type"].default: m for m in typing.get_args(union)}


def event(kind: str, model: Any) -> dict[str, Any]:
    root = model.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    expand = frozenset(root.get("$defs", {})) - REDUCED
    body = reduce(root, expand, ENUMS)
    entries = overlay(kind)
    apply(body, entries)
    source = f"cohere {metadata.version('cohere')} {model.__module__}.{model.__name__}"
    comment = (
        f"Generated by tools/schemas/cohere_chat.py from {source} (a member of "
        "StreamedChatResponseV2), reduced by tools/schemas/shapes.py. Overlaid by hand "
        "(cohere_chat.py overlay()): " + said(entries)
    )
    return document(
        f"streamcheck:{FOLDER}/{kind}", f"{kind} (Cohere chat v2 streaming)", comment, body
    )


# Cohere's legacy v1 stream (POST /v1/chat): NDJSON lines, the SDK's `StreamedChatResponse`
# members by `event_type`. Nested models are reduced: the v1 checks read only the top level.
V1 = "cohere/chat/v1"
V1_REFERENCE = "Cohere's v1 chat streaming reference and the shared corpus's two v1 recordings"


def overlay_v1(kind: str, required: list[str]) -> list[Overlay]:
    from cohere.types.streamed_chat_response import StreamEndStreamedChatResponse as End

    out: list[Overlay] = []
    if kind != "debug":
        last = kind == "stream-end"
        out.append(
            Overlay(
                "/properties",
                {"is_finished": {"const": last}},
                f"BEYOND the SDK: every v1 event carries is_finished ({str(last).lower()} on "
                f"{'the last' if last else 'this'} event; {V1_REFERENCE}); the SDK's models "
                "leave it out",
            )
        )
    wanted = ["event_type", *(["is_finished"] if kind != "debug" else []), *required]
    out.append(Overlay("", {"required": wanted}, "the SDK's required members, and the above"))
    if kind == "stream-end":
        out.append(
            Overlay(
                "/properties/finish_reason",
                {
                    "enum": [
                        *literals(End.model_fields["finish_reason"].annotation),
                        "USER_CANCEL",
                    ],
                    "type": None,
                },
                "the SDK's Literal values (it adds `Any`: an unlisted value is SC205, a "
                "warning) and USER_CANCEL, a v1 finish reason of Cohere's API reference the "
                "SDK's Literal lacks",
            )
        )
    if kind == "search-results":
        out.append(
            Overlay(
                "/properties/search_results",
                {"type": ["array", "null"]},
                "RELAX: null when no connector searched (the SDK types it Optional)",
            )
        )
    return out


def members_v1() -> dict[str, Any]:
    from cohere import StreamedChatResponse

    union = typing.get_args(StreamedChatResponse)[0]
    return {m.model_fields["event_type"].default: m for m in typing.get_args(union)}


def event_v1(kind: str, model: Any) -> dict[str, Any]:
    root = model.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    body = reduce(root, frozenset(), {})
    body["properties"]["event_type"] = {"const": kind}
    entries = overlay_v1(kind, body.pop("required", []))
    apply(body, entries)
    source = f"cohere {metadata.version('cohere')} {model.__module__}.{model.__name__}"
    comment = (
        f"Generated by tools/schemas/cohere_chat.py from {source} (a member of the v1 "
        "StreamedChatResponse), nested models reduced by tools/schemas/shapes.py. Overlaid by "
        "hand (cohere_chat.py overlay_v1()): " + said(entries)
    )
    title = f"{kind} (Cohere chat v1 streaming, legacy)"
    return document(f"streamcheck:{V1}/{kind}", title, comment, body)


def main(schemas: Path) -> None:
    for kind, model in members().items():
        write(schemas / FOLDER / f"{kind}.json", event(kind, model))
    for kind, model in members_v1().items():
        write(schemas / V1 / f"{kind}.json", event_v1(kind, model))


if __name__ == "__main__":
    main(Path(__file__).resolve().parent.parent.parent / "schemas")

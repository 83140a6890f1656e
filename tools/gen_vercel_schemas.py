"""Write schemas/vercel-ai/: the Vercel AI SDK UI message stream and the older data stream.

Our own encoding of what the SDK's type definitions say (read, not copied):
- UI message stream: `uiMessageChunkSchema` in vercel/ai `packages/ai/src/ui-message-stream/
  ui-message-chunks.ts` at the tags named below. Every part was a zod `strictObject` (unknown
  keys rejected with AI_TypeValidationError) until one patch release per major made them
  `looseObject` (vercel/ai#17010): ai 5.0.217, 6.0.231 and 7.0.32. So each major has a strict set
  (`5`, `6`, `7`: what clients of that major accepted before the patch, additionalProperties
  false) and a loose set (`5-loose`, `6-loose`, `7-loose`). `z.unknown()` members (`input`,
  `output`, `data`, `messageMetadata`) accept a missing key, so they are not `required`.
- Data stream (`x-vercel-ai-data-stream: v1`, ai 4.x): the `parse` checks of each part in
  `packages/ui-utils/src/data-stream-parts.ts` (ai@4.3.19). They test only the members they
  read, so extra members pass.

Run: python tools/gen_vercel_schemas.py (rewrites the folders; commit the result).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent / "schemas" / "vercel-ai"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

S: dict[str, Any] = {"type": "string"}
B: dict[str, Any] = {"type": "boolean"}
ANY: dict[str, Any] = {}
# providerMetadata: a record of provider name -> record of JSON values.
PM: dict[str, Any] = {"type": "object", "additionalProperties": {"type": "object"}}
TM: dict[str, Any] = {"type": "object"}  # toolMetadata: a JSON object

FINISH_5 = ["stop", "length", "content-filter", "tool-calls", "error", "other", "unknown"]
FINISH_6 = ["stop", "length", "content-filter", "tool-calls", "error", "other"]


def part(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"required": required, "optional": optional or {}}


def ui_5() -> dict[str, dict[str, Any]]:
    """ai 5.0.216 (the last strict 5.x)."""
    text = part({"id": S}, {"providerMetadata": PM})
    delta = part({"id": S, "delta": S}, {"providerMetadata": PM})
    tool_flags = {"providerExecuted": B, "dynamic": B}
    return {
        "start": part({}, {"messageId": S, "messageMetadata": ANY}),
        "start-step": part({}),
        "finish-step": part({}),
        "text-start": text,
        "text-delta": delta,
        "text-end": text,
        "reasoning-start": text,
        "reasoning-delta": delta,
        "reasoning-end": text,
        "error": part({"errorText": S}),
        "tool-input-start": part({"toolCallId": S, "toolName": S}, dict(tool_flags)),
        "tool-input-delta": part({"toolCallId": S, "inputTextDelta": S}),
        "tool-input-available": part(
            {"toolCallId": S, "toolName": S}, {"input": ANY, "providerMetadata": PM, **tool_flags}
        ),
        "tool-input-error": part(
            {"toolCallId": S, "toolName": S, "errorText": S},
            {"input": ANY, "providerMetadata": PM, **tool_flags},
        ),
        "tool-output-available": part(
            {"toolCallId": S}, {"output": ANY, "preliminary": B, **tool_flags}
        ),
        "tool-output-error": part({"toolCallId": S, "errorText": S}, dict(tool_flags)),
        "source-url": part({"sourceId": S, "url": S}, {"title": S, "providerMetadata": PM}),
        "source-document": part(
            {"sourceId": S, "mediaType": S, "title": S}, {"filename": S, "providerMetadata": PM}
        ),
        "file": part({"url": S, "mediaType": S}, {"providerMetadata": PM}),
        "data": part({}, {"id": S, "data": ANY, "transient": B}),
        "message-metadata": part({}, {"messageMetadata": ANY}),
        "finish": part({}, {"finishReason": {"enum": FINISH_5}, "messageMetadata": ANY}),
        "abort": part({}),
    }


def ui_6() -> dict[str, dict[str, Any]]:
    """ai 6.0.230 (the last strict 6.x): tool metadata and titles, approvals, abort reason."""
    parts = ui_5()
    extra = {"providerMetadata": PM, "toolMetadata": TM}
    for kind in ("tool-input-start", "tool-input-available", "tool-input-error"):
        parts[kind]["optional"].update(extra, title=S)
    for kind in ("tool-output-available", "tool-output-error"):
        parts[kind]["optional"].update(extra)
    parts["tool-approval-request"] = part({"approvalId": S, "toolCallId": S}, {"signature": S})
    parts["tool-output-denied"] = part({"toolCallId": S})
    parts["finish"] = part({}, {"finishReason": {"enum": FINISH_6}, "messageMetadata": ANY})
    parts["abort"] = part({}, {"reason": S})
    return parts


def ui_7() -> dict[str, dict[str, Any]]:
    """ai 7.0.31 (the last strict 7.x): approval responses, custom parts, reasoning files."""
    parts = ui_6()
    parts["tool-approval-request"]["optional"]["isAutomatic"] = B
    parts["tool-approval-response"] = part(
        {"approvalId": S, "approved": B},
        {"reason": S, "providerExecuted": B, "providerMetadata": PM},
    )
    parts["custom"] = part({"kind": S}, {"providerMetadata": PM})
    parts["reasoning-file"] = part({"url": S, "mediaType": S}, {"providerMetadata": PM})
    return parts


def ui_7_loose() -> dict[str, dict[str, Any]]:
    """ai 7.0.32 and later: loose parts; 7.0.7x added `reset-step`."""
    parts = ui_7()
    parts["reset-step"] = part({})
    return parts


UI_VERSIONS = {
    "5": (ui_5, True, "ai 5.0.0-5.0.216 (useChat of AI SDK 5 before 5.0.217)"),
    "5-loose": (ui_5, False, "ai 5.0.217 and later 5.x"),
    "6": (ui_6, True, "ai 6.0.0-6.0.230"),
    "6-loose": (ui_6, False, "ai 6.0.231 and later 6.x"),
    "7": (ui_7, True, "ai 7.0.0-7.0.31"),
    "7-loose": (ui_7_loose, False, "ai 7.0.32 and later 7.x (reset-step from 7.0.7x)"),
}


def ui_schema(version: str, kind: str, spec: dict[str, Any], strict: bool) -> dict[str, Any]:
    type_rule: dict[str, Any] = (
        {"type": "string", "pattern": "^data-"} if kind == "data" else {"const": kind}
    )
    schema: dict[str, Any] = {
        "$schema": DRAFT,
        "$id": f"streamcheck:vercel-ai/ui-message-stream/{version}/{kind}",
        "title": f"AI SDK UI message stream part `{kind if kind != 'data' else 'data-*'}` "
        f"({UI_VERSIONS[version][2]})",
        "type": "object",
        "required": ["type", *spec["required"]],
        "properties": {"type": type_rule, **spec["required"], **spec["optional"]},
    }
    if strict:
        schema["additionalProperties"] = False
    return schema


DATA_STREAM: dict[str, tuple[str, dict[str, Any]]] = {
    # code -> (part name, schema of the JSON after `CODE:`)
    "0": ("text", S),
    "2": ("data", {"type": "array"}),
    "3": ("error", S),
    "8": ("message_annotations", {"type": "array"}),
    "9": (
        "tool_call",
        {
            "type": "object",
            "required": ["toolCallId", "toolName", "args"],
            # `typeof args === 'object'`: null and arrays pass too.
            "properties": {
                "toolCallId": S,
                "toolName": S,
                "args": {"type": ["object", "array", "null"]},
            },
        },
    ),
    "a": (
        "tool_result",
        {"type": "object", "required": ["toolCallId", "result"], "properties": {"toolCallId": S}},
    ),
    "b": (
        "tool_call_streaming_start",
        {
            "type": "object",
            "required": ["toolCallId", "toolName"],
            "properties": {"toolCallId": S, "toolName": S},
        },
    ),
    "c": (
        "tool_call_delta",
        {
            "type": "object",
            "required": ["toolCallId", "argsTextDelta"],
            "properties": {"toolCallId": S, "argsTextDelta": S},
        },
    ),
    "d": (
        "finish_message",
        {
            "type": "object",
            "required": ["finishReason"],
            "properties": {"finishReason": S, "usage": {"type": ["object", "null"]}},
        },
    ),
    "e": (
        "finish_step",
        {
            "type": "object",
            "required": ["finishReason"],
            "properties": {
                "finishReason": S,
                "usage": {"type": ["object", "null"]},
                "isContinued": ANY,
            },
        },
    ),
    "f": (
        "start_step",
        {"type": "object", "required": ["messageId"], "properties": {"messageId": S}},
    ),
    "g": ("reasoning", S),
    "h": ("source", {"type": "object"}),
    "i": (
        "redacted_reasoning",
        {"type": "object", "required": ["data"], "properties": {"data": S}},
    ),
    "j": (
        "reasoning_signature",
        {"type": "object", "required": ["signature"], "properties": {"signature": S}},
    ),
    "k": (
        "file",
        {
            "type": "object",
            "required": ["data", "mimeType"],
            "properties": {"data": S, "mimeType": S},
        },
    ),
}


def write(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    ui = ROOT / "ui-message-stream"
    shutil.rmtree(ui, ignore_errors=True)
    notes = {}
    for version, (parts, strict, clients) in UI_VERSIONS.items():
        for kind, spec in parts().items():
            write(ui / version / f"{kind}.json", ui_schema(version, kind, spec, strict))
        rule = "unknown keys on a part are rejected" if strict else "unknown keys are accepted"
        notes[version] = (
            f"UI message stream parts as {clients} parse them: {rule} (vercel/ai "
            "ui-message-chunks.ts; parts became loose in 5.0.217, 6.0.231 and 7.0.32, "
            "vercel/ai#17010). Unknown part types are rejected by every version."
        )
    write(ui / "versions.json", {"default": "7", "versions": notes})
    data = ROOT / "data-stream"
    shutil.rmtree(data, ignore_errors=True)
    for code, (name, value) in DATA_STREAM.items():
        schema = {
            "$schema": DRAFT,
            "$id": f"streamcheck:vercel-ai/data-stream/v1/{name}",
            "title": f"AI SDK data stream part `{code}:` {name} (ai 4.x)",
            **value,
        }
        write(data / "v1" / f"{name}.json", schema)
    write(
        data / "versions.json",
        {
            "default": "v1",
            "versions": {
                "v1": "AI SDK 4.x data stream protocol (x-vercel-ai-data-stream: v1): `CODE:JSON` "
                "lines, checked as ai@4.3.19's parseDataStreamPart checks them (only the "
                "members it reads)."
            },
        },
    )


if __name__ == "__main__":
    main()

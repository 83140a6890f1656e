"""Generate schemas/openai/responses/<version>/<event type>.json from the OpenAI OpenAPI spec.

Usage: python tools/gen_openai_responses.py ../shared/reference/specs/openai-openapi.yaml

One schema per member of the `ResponseStreamEvent` union (the frame kind is the event `type`).
Top-level members keep the spec's types, enums and `required` lists; nested objects (the
`Response`, output items, content parts, annotations) are reduced to the few members a client
reads, because the full nested spec changes monthly and would flag real streams for fields the
provider added or dropped. Relaxations verified against the shared corpus are listed in RELAX.
The spec text itself (descriptions, examples) is not copied.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

OUT = Path(__file__).resolve().parent.parent / "schemas" / "openai" / "responses"

# Spec-required members real OpenAI streams do not send (checked against recorded streams).
RELAX: dict[str, set[str]] = {
    # api.openai.com omits `name` on this event (pydantic-ai cassettes, 2025-03 .. 2026-02).
    "response.function_call_arguments.done": {"name"},
    # listed as required in the spec but not a member of the event's own properties
    "response.audio.done": {"response_id"},
    "response.audio.transcript.done": {"response_id"},
}
# Members added after the launch shape (2025-03-11): not required in the legacy version.
LATER = {"sequence_number", "logprobs", "obfuscation"}
# Spec-required members optional in every version, and why (said in the schema's $comment).
OPTIONAL = {
    "logprobs": "logprobs is not required: Responses streams of mid-2025 (with sequence_number, "
    "before logprobs) omit it, and openai-python does not validate events, so its absence "
    "breaks no client (issue 11).",
}

RESPONSE = {
    "type": "object",
    "required": ["id", "object", "created_at", "status", "output"],
    "properties": {
        "id": {"type": "string"},
        "object": {"const": "response"},
        "created_at": {"type": "number"},
        "status": {
            "enum": ["completed", "failed", "in_progress", "cancelled", "queued", "incomplete"]
        },
        "model": {"type": "string"},
        "output": {"type": "array", "items": {"$ref": "#/$defs/item"}},
        "error": {
            "anyOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                },
            ]
        },
        "incomplete_details": {
            "anyOf": [
                {"type": "null"},
                {"type": "object", "properties": {"reason": {"type": "string"}}},
            ]
        },
        "usage": {
            "anyOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["input_tokens", "output_tokens", "total_tokens"],
                    "properties": {
                        "input_tokens": {"type": "integer"},
                        "output_tokens": {"type": "integer"},
                        "total_tokens": {"type": "integer"},
                    },
                },
            ]
        },
    },
}
TYPED = {"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}}}
ITEM = {
    "type": "object",
    "required": ["type"],
    "properties": {"type": {"type": "string"}, "id": {"type": "string"}},
}
NESTED = {"Response": "response", "OutputItem": "item"}


def main(spec_path: str, out: Path = OUT) -> None:
    spec = yaml.load(Path(spec_path).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    schemas = spec["components"]["schemas"]
    members = [m["$ref"].rsplit("/", 1)[1] for m in schemas["ResponseStreamEvent"]["anyOf"]]
    for version, legacy in (("2.3.0", False), ("2025-03", True)):
        folder = out / version
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.json"):
            # Only what this generator wrote: schemas from the SDKs (tools/schemas/generate.py)
            # and hand-kept ones (the WebSocket error) stay.
            if "openai-openapi" in json.loads(old.read_text(encoding="utf-8")).get("title", ""):
                old.unlink()
        for member in members:
            kind, schema = event_schema(member, schemas[member], schemas, version, legacy)
            text = json.dumps(schema, indent=2) + "\n"
            (folder / f"{kind}.json").write_text(text, encoding="utf-8")


def event_schema(
    name: str, source: dict[str, Any], schemas: dict[str, Any], version: str, legacy: bool
) -> tuple[str, dict[str, Any]]:
    props = source["properties"]
    kind = props["type"]["enum"][0]
    defs: dict[str, Any] = {}
    out_props: dict[str, Any] = {"type": {"const": kind}}
    for key, value in props.items():
        if key != "type":
            out_props[key] = reduce(value, schemas, defs)
    if "delta" in props:
        out_props.setdefault("obfuscation", {"type": "string"})
    required = [r for r in source.get("required", []) if r in props]
    required = [r for r in required if r not in RELAX.get(kind, set())]
    if legacy:
        required = [r for r in required if r not in LATER]
    relaxed = [OPTIONAL[r] for r in required if r in OPTIONAL and not legacy]
    required = [r for r in required if r not in OPTIONAL]
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"streamcheck:openai/responses/{version}/{kind}",
        "title": f"{kind} ({name}, openai-openapi 2.3.0)",
    }
    if relaxed:
        schema["$comment"] = " ".join(relaxed)
    schema |= {"type": "object", "required": required, "properties": out_props}
    if defs:
        schema["$defs"] = defs
    return kind, schema


def reduce(value: dict[str, Any], schemas: dict[str, Any], defs: dict[str, Any]) -> Any:
    """The member's schema: primitives and enums exactly, nested objects reduced."""
    ref = value.get("$ref")
    if ref:
        target = ref.rsplit("/", 1)[1]
        if target in NESTED:
            local = NESTED[target]
            defs[local] = RESPONSE if local == "response" else ITEM
            if local == "response":
                defs["item"] = ITEM
            return {"$ref": f"#/$defs/{local}"}
        return reduce(schemas[target], schemas, defs)
    if "anyOf" in value or "oneOf" in value:
        options = [reduce(v, schemas, defs) for v in value.get("anyOf") or value["oneOf"]]
        if all(o == options[0] for o in options):
            return options[0]
        return {"anyOf": options}
    kind = value.get("type")
    if kind == "object" or "properties" in value or "allOf" in value:
        return dict(TYPED) if "type" in value.get("properties", {}) else {"type": "object"}
    if kind == "array":
        return {"type": "array"}
    out: dict[str, Any] = {}
    if kind:
        out["type"] = kind
    if "enum" in value:
        out["enum"] = value["enum"]
    if "const" in value:
        out["const"] = value["const"]
    return out or {}


if __name__ == "__main__":
    main(sys.argv[1])

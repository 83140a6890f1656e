"""schemas/openai/chat-completions/<version>/{chunk,error}.json from OpenAI's OpenAPI document.

Called by tools/schemas/generate.py (its spec step). The chunk is
components.schemas.CreateChatCompletionStreamResponse and what it references, converted from
OpenAPI 3 (`nullable`) to JSON Schema 2020-12, member by member: types, enums, `required`.
Cross-checked with openai-python's ChatCompletionChunk models (`crosscheck`): members one has
and the other lacks go to the drift report.

What is shaped by hand here, and why (each item is a verdict on real streams):
- Enums are flat `enum` lists, null included where the spec says nullable, never `anyOf`:
  an unknown value fails only the `enum` keyword, which streamcheck reports as SC205 (a
  warning: OpenAI adds values without a version bump), not as a schema violation.
- The frame's own tag (`object`) is a `const`: a frame of another object is no chunk (SC201).
- Objects a client reads stay member by member (DEFS); the moderation results' bodies are
  reduced to their types (`{"type": "array"}`): the check never reads them, and every nested
  level is paid on every frame by jsonschema-rs.
- A union discriminated by `type` (the moderation parts) is `if`/`then` per member, never
  `oneOf`: an unknown type then fails only the enum (SC205).
- RELAX: what real OpenAI streams send against the spec, with the evidence.
- The 2023-11 version is this document minus what OpenAI added later (LEGACY).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml

CHUNK = "CreateChatCompletionStreamResponse"
# Spec component -> $defs name: the objects a client reads, kept member by member. The
# choice is an inline object in the spec; it gets the name `choice`.
DEFS = {
    "ChatCompletionStreamResponseDelta": "delta",
    "ChatCompletionMessageToolCallChunk": "tool_call_chunk",
    "ChatCompletionTokenLogprob": "token_logprob",
    "CompletionUsage": "usage",
    "ChatCompletionModeration": "moderation",
}
# A union of these, discriminated by `type`, becomes one $def of if/then per member.
UNIONS: dict[tuple[str, ...], str] = {
    ("ChatCompletionModerationResults", "ChatCompletionModerationError"): "moderation_part"
}

# Where real streams differ from the spec: (JSON path in the generated chunk, what to set, why).
RELAX: list[tuple[tuple[str, ...], dict[str, Any], str]] = [
    (
        ("properties", "system_fingerprint"),
        {"type": ["string", "null"]},
        "system_fingerprint is a string in the spec, but real OpenAI streams send null "
        "(gpt-3.5-turbo-0125 and gpt-5 recordings in ../shared/corpus; openai-python types it "
        "Optional[str])",
    ),
]

# 2023-11 (DevDay): the same chunk before what came later, each with when it came.
LEGACY_DROP = {
    ("properties",): {
        "obfuscation": "2025",
        "service_tier": "2024",
        "usage": "stream_options, 2024-05",
        "moderation": "2026",
    },
    ("$defs", "choice", "properties"): {"logprobs": "2024"},
    ("$defs", "delta", "properties"): {"refusal": "2024-08"},
}
LEGACY_ROLES_DROP = {"developer": "o1, 2024-12"}
LEGACY = "2023-11"


def load(spec_path: Path) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.load(spec_path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return spec


class Converter:
    """OpenAPI 3 schema objects -> JSON Schema 2020-12 (members, types, enums, required)."""

    def __init__(self, components: dict[str, Any]) -> None:
        self.components = components
        self.defs: dict[str, Any] = {}

    def ref(self, name: str) -> dict[str, Any]:
        local = DEFS.get(name)
        if local is None:
            target = self.components[name]
            if target.get("type") == "object" or "properties" in target:
                return {"type": "object"}  # reduced: no check reads inside it
            converted: dict[str, Any] = self.node(target)
            return converted
        if local not in self.defs:
            self.defs[local] = {}  # placeholder: a cycle ends here
            self.defs[local] = self.node(self.components[name], title=name)
        return {"$ref": f"#/$defs/{local}"}

    def node(self, value: dict[str, Any], title: str | None = None, member: str = "") -> Any:
        if "$ref" in value:
            ref = self.ref(value["$ref"].rsplit("/", 1)[1])
            return _nullable(ref) if value.get("nullable") else ref
        options = value.get("anyOf") or value.get("oneOf")
        if options:
            names = tuple(o["$ref"].rsplit("/", 1)[1] for o in options if "$ref" in o)
            if names in UNIONS:
                return self.union(names)
            converted = [self.node(o, member=member) for o in options]
            return _merge(converted)
        kind = value.get("type")
        out: dict[str, Any] = {}
        if title:
            out["title"] = title
        if "enum" in value:
            values = list(value["enum"])
            if member == "object" and len(values) == 1:
                return {"const": values[0]}  # the frame's own tag
            if value.get("nullable"):
                values.append(None)
            out["enum"] = values
            return out
        if kind == "object" or "properties" in value:
            out["type"] = "object"
            if value.get("required"):
                out["required"] = list(value["required"])
            props = value.get("properties", {})
            if props:
                out["properties"] = {k: self.node(v, member=k) for k, v in props.items()}
            return _nullable(out) if value.get("nullable") else out
        if kind == "array":
            out["type"] = "array"
            if "items" in value:
                out["items"] = self.node(value["items"])
            return _nullable(out) if value.get("nullable") else out
        if kind:
            out["type"] = [kind, "null"] if value.get("nullable") else kind
        return out

    def union(self, names: tuple[str, ...]) -> dict[str, Any]:
        local = UNIONS[names]
        if local not in self.defs:
            kinds: list[Any] = []
            branches: list[Any] = []
            for name in names:
                member = self.components[name]
                kind = member["properties"]["type"]["enum"][0]
                kinds.append(kind)
                props = {k: self.reduced(v) for k, v in member["properties"].items() if k != "type"}
                required = [r for r in member.get("required", []) if r != "type"]
                then: dict[str, Any] = {"required": required, "properties": props}
                branches.append({"if": {"properties": {"type": {"const": kind}}}, "then": then})
            self.defs[local] = {
                "description": f"{' or '.join(names)}, by type (if/then, never oneOf).",
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"enum": kinds}},
                "allOf": branches,
            }
        return {"$ref": f"#/$defs/{local}"}

    def reduced(self, value: dict[str, Any]) -> Any:
        """A member's type only: objects and arrays without what is inside them."""
        kind = value.get("type")
        if kind in ("object", "array"):
            return {"type": kind}
        return self.node(value)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str) and set(schema) <= {"type", "title"}:
        return schema | {"type": [kind, "null"]}
    return {"anyOf": [{"type": "null"}, schema]}


def _merge(options: list[Any]) -> Any:
    """anyOf of scalars and null -> one flat schema (a type list, or an enum with null)."""
    null = {"type": "null"}
    rest = [o for o in options if o != null]
    has_null = len(rest) < len(options)
    if len(rest) == 1 and has_null:
        only = rest[0]
        if "enum" in only:
            return {"enum": [*only["enum"], None]}
        if set(only) == {"type"} and isinstance(only["type"], str):
            return {"type": [only["type"], "null"]}
        return {"anyOf": [null, only]}
    if len(rest) == 1:
        return rest[0]
    return {"anyOf": options}


def _at(schema: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        schema = schema[step]
    return schema


def chunk(spec: dict[str, Any]) -> dict[str, Any]:
    """The 2.3.0 chunk schema: the spec's, RELAX applied."""
    components = spec["components"]["schemas"]
    conv = Converter(components)
    source = components[CHUNK]
    props: dict[str, Any] = {}
    for name, value in source["properties"].items():
        if name == "choices":
            item = conv.node(value["items"])
            conv.defs["choice"] = item
            props[name] = {"type": "array", "items": {"$ref": "#/$defs/choice"}}
        else:
            props[name] = conv.node(value, member=name)
    # The members in the order a frame has them: the hand-kept files' order, kept for diffs.
    first = ["id", "object", "created", "model", "choices"]
    ordered = {k: props[k] for k in first if k in props} | {
        k: v for k, v in props.items() if k not in first
    }
    relaxed = []
    schema: dict[str, Any] = {"type": "object", "required": first, "properties": ordered}
    schema["$defs"] = {k: conv.defs[k] for k in _def_order(conv.defs)}
    for path, value, why in RELAX:
        _at(schema, path[:-1])[path[-1]] = value
        relaxed.append(f"{'.'.join(path[1:])}: {why}.")
    assert sorted(source["required"]) == sorted(first), "the spec's required members moved"
    return _wrap(
        spec,
        spec["info"]["version"],
        "chunk",
        f"chat.completion.chunk: {CHUNK} (openai-openapi {spec['info']['version']})",
        "RELAX (by hand, against the spec): " + " ".join(relaxed),
        schema,
    )


def _def_order(defs: dict[str, Any]) -> list[str]:
    order = ["choice", "delta", "tool_call_chunk", "token_logprob", "usage", "moderation"]
    return [k for k in order if k in defs] + [k for k in defs if k not in order]


def legacy(current: dict[str, Any], version: str) -> dict[str, Any]:
    """The 2023-11 (DevDay) chunk: 2.3.0 minus what OpenAI added later (LEGACY_DROP)."""
    schema = copy.deepcopy(current)
    said = []
    for path, members in LEGACY_DROP.items():
        where = _at(schema, path)
        for name, when in members.items():
            del where[name]
            said.append(f"{'.'.join((*path[1:], name)) if path[1:] else name} ({when})")
    roles = schema["$defs"]["delta"]["properties"]["role"]
    roles["enum"] = [r for r in roles["enum"] if r not in LEGACY_ROLES_DROP]
    said += [f"role {r} ({when})" for r, when in LEGACY_ROLES_DROP.items()]
    # Before stream_options (2024-05) every chunk carried a choice.
    schema["properties"]["choices"]["minItems"] = 1
    reachable = _reachable(schema)
    schema["$defs"] = {k: v for k, v in schema["$defs"].items() if k in reachable}
    schema["$id"] = f"streamcheck:openai/chat-completions/{version}/chunk"
    schema["title"] = f"chat.completion.chunk: {CHUNK}, DevDay 2023 shape"
    schema["$comment"] = (
        f"{current['$comment']} LEGACY (by hand): the DevDay 2023 shape is this chunk without "
        f"what came later: {', '.join(said)}; choices never empty (no usage chunk yet)."
    )
    return schema


def _reachable(schema: dict[str, Any]) -> set[str]:
    """The $defs names the schema's members reach, through $defs that reach others."""
    seen: set[str] = set()
    pending = [{k: v for k, v in schema.items() if k != "$defs"}]
    while pending:
        text = json.dumps(pending.pop())
        for name, value in schema["$defs"].items():
            if name not in seen and f'"#/$defs/{name}"' in text:
                seen.add(name)
                pending.append(value)
    return seen


def error(spec: dict[str, Any]) -> dict[str, Any]:
    components = spec["components"]["schemas"]
    conv = Converter(components)
    body = conv.node(components["ErrorResponse"])
    body["properties"]["error"] = conv.node(components["Error"], title="Error")
    return _wrap(
        spec,
        spec["info"]["version"],
        "error",
        f"ErrorResponse (openai-openapi {spec['info']['version']})",
        "The body of a non-2xx answer, and the `data:` payload of an in-stream error.",
        body,
    )


def _wrap(
    spec: dict[str, Any], version: str, kind: str, title: str, note: str, body: dict[str, Any]
) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"streamcheck:openai/chat-completions/{version}/{kind}",
        "title": title,
        "$comment": f"Written by tools/schemas/openai_chat.py (run by tools/schemas/generate.py) "
        f"from OpenAI's OpenAPI document {spec['info']['version']}, cross-checked with "
        f"openai-python's ChatCompletionChunk. {note}",
        **body,
    }


def main(spec_path: Path, out: Path) -> None:
    """Write the chunk and error schemas of every version folder."""
    spec = load(spec_path)
    current = chunk(spec)
    body = error(spec)
    versions = json.loads((out / "versions.json").read_text(encoding="utf-8"))["versions"]
    unknown = sorted(set(versions) - {spec["info"]["version"], LEGACY})
    if unknown:  # a version folder this generator cannot make: say so, never leave it stale
        raise SystemExit(f"openai_chat.py: no generator for chat-completions {unknown}")
    for version in versions:
        folder = out / version
        folder.mkdir(parents=True, exist_ok=True)
        schema = legacy(current, version) if version == LEGACY else current
        (folder / "chunk.json").write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
        err = copy.deepcopy(body)
        err["$id"] = f"streamcheck:openai/chat-completions/{version}/error"
        (folder / "error.json").write_text(json.dumps(err, indent=2) + "\n", encoding="utf-8")


def crosscheck(spec_path: Path) -> list[str]:
    """Where openai-python's ChatCompletionChunk models and the spec disagree on members."""
    from openai.types.chat import chat_completion_chunk as sdk
    from openai.types.completion_usage import CompletionUsage

    components = load(spec_path)["components"]["schemas"]
    chunk_props = components[CHUNK]["properties"]
    pairs: list[tuple[str, Any, dict[str, Any]]] = [
        ("chunk", sdk.ChatCompletionChunk, components[CHUNK]),
        ("choice", sdk.Choice, chunk_props["choices"]["items"]),
        ("delta", sdk.ChoiceDelta, components["ChatCompletionStreamResponseDelta"]),
        (
            "tool_call_chunk",
            sdk.ChoiceDeltaToolCall,
            components["ChatCompletionMessageToolCallChunk"],
        ),
        ("usage", CompletionUsage, components["CompletionUsage"]),
    ]
    notes = []
    for name, model, source in pairs:
        spec_members = set(source.get("properties", {}))
        sdk_members = {f.alias or k for k, f in model.model_fields.items()}
        if sdk_members - spec_members:
            notes.append(
                f"openai/chat-completions: {name} members openai-python has and the spec "
                f"lacks (not typed): {sorted(sdk_members - spec_members)}"
            )
        if spec_members - sdk_members:
            notes.append(
                f"openai/chat-completions: {name} members the spec has and openai-python "
                f"lacks: {sorted(spec_members - sdk_members)}"
            )
        sdk_required = {f.alias or k for k, f in model.model_fields.items() if f.is_required()}
        spec_required = set(source.get("required", []))
        if sdk_required != spec_required:
            notes.append(
                f"openai/chat-completions: {name} required by openai-python "
                f"{sorted(sdk_required)}, by the spec {sorted(spec_required)}"
            )
    return notes

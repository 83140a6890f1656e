"""schemas/anthropic/messages/<version>/<event>.json from anthropic-sdk-python's pydantic models.

Called by tools/schemas/generate.py for every version folder in versions.json. Each event of
RawMessageStreamEvent gets its schema from the model's JSON Schema (pydantic `TypeAdapter`):
members, types, nullability and `required` as the SDK has them. The content blocks and deltas
are the GA unions plus the beta unions (server tools, MCP, compaction blocks arrive under beta
headers on the same API version); a type both have takes the GA model. The error body is
anthropic.types.ErrorResponse with the ErrorType literal's values. `ping` has no SDK model
(the SDK drops it before the app sees it): it is written here by hand, and says so.

What is shaped by hand here, and why:
- Reduced: an event's members, the Message, its Delta and usage, and each block and delta type's
  own members are typed; what is inside them (citations, tool result content, cache creation,
  server tool usage, containers) is only its type: the check never reads it, and every nested
  level is paid on every frame by jsonschema-rs.
- Enums are flat lists with null where the SDK allows null (SC205, a warning, for a value the
  SDK does not know: Anthropic adds values within a version), and a union of blocks or deltas
  is the type enum plus `if`/`then` per type, never `oneOf`/`anyOf`, for the same reason.
- COUNTS: indexes and token counts are never negative (`minimum: 0`); the SDK types them int.
- RELAX and EXTRA: what real streams and Anthropic's documentation say against the SDK, each
  with its evidence.
- VERSIONS: what a version leaves out, and why (from versions.json).
"""

from __future__ import annotations

import json
import sys
import typing
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shapes import union_members

# (event kind, JSON path below the generated schema) -> the member's required list drops these.
RELAX: dict[tuple[str, tuple[str, ...]], tuple[set[str], str]] = {}
# ... and adds these: members the SDK defaults to None that the API always sends, whose absence
# the hand-kept schemas judged (SC201), kept so that no verdict changed.
REQUIRED: dict[tuple[str, tuple[str, ...]], tuple[list[str], str]] = {
    ("message_delta", ("properties", "delta")): (
        ["stop_reason"],
        "the API sends stop_reason in every message_delta; without it anthropic-python's "
        "stream ends with stop_reason None (tests/live/test_sdk_survival.py, "
        "drop-finish-reason: 'returns: full text, no stop'): the answer's end is lost",
    ),
    ("message_start", ("properties", "message")): (
        ["stop_reason", "stop_sequence"],
        "the Message object always carries both (null in message_start, Anthropic's streaming "
        "docs; every API recording in ../shared/corpus has them); a message_start without "
        "them is not the API's (langchainrb's hand-made chat_stream_with_empty_tool_input.json)",
    ),
}
# Enums of the SDK kept as strings: (block type, member) -> why.
STRINGS: dict[tuple[str, str], str] = {
    ("server_tool_use", "name"): "server_tool_use.name is a string: the server tools grow "
    "monthly and the beta union lists more than the GA model (advisor, in pydantic-ai's "
    "test_anthropic_advisor_tool_stream.yaml); no client branches on the name",
}
# Values Anthropic documents that the SDK types lack: (event kind, path to the enum) -> values.
EXTRA: dict[tuple[str, tuple[str, ...]], tuple[list[Any], str]] = {
    ("error", ("properties", "error", "properties", "type")): (
        ["request_too_large"],
        "request_too_large (HTTP 413, sent by Cloudflare before the API) is on Anthropic's "
        "errors page (docs.claude.com/en/api/errors); the SDK's ErrorType lacks it",
    ),
}
# Members Anthropic sends that the SDK's model for this place lacks.
ADDED: dict[tuple[str, tuple[str, ...]], tuple[dict[str, Any], str]] = {
    ("error", ("properties", "error")): (
        {"details": {"type": ["object", "null"]}},
        "error.details: the SDK's typed errors (e.g. anthropic.types.shared."
        "RampLimitExceededError) carry details, the ErrorResponse union's objects do not",
    ),
}
# Version -> enum values it leaves out (every stop_reason list), and why.
VERSIONS: dict[str, tuple[set[str], str]] = {
    "2023-06-01": (
        {"model_context_window_exceeded"},
        "model_context_window_exceeded is left out of stop_reason: opt-in behind a beta header "
        "for older models on 2023-06-01, so a client pinned to it may not know it (SC205 "
        "warning; versions.json)",
    ),
}
# SDK models kept member by member below an event; any other model is only its type.
EXPAND = {"Message", "Delta", "MessageDeltaUsage", "Usage"}
COUNTS = {"index", "input_tokens", "output_tokens", "cache_creation_input_tokens"}
COUNTS |= {"cache_read_input_tokens"}


class Reducer:
    """A pydantic JSON Schema (one model's, with its $defs) -> the reduced shipped schema."""

    def __init__(self, defs: dict[str, Any]) -> None:
        self.defs = defs

    def model(self, schema: dict[str, Any], skip: frozenset[str] = frozenset()) -> dict[str, Any]:
        props = schema.get("properties", {})
        out: dict[str, Any] = {"type": "object"}
        required = [r for r in schema.get("required", []) if r not in skip]
        out["required"] = sorted(required, key=list(props).index)
        out["properties"] = {
            name: self.member(name, value) for name, value in props.items() if name not in skip
        }
        return out

    def member(self, name: str, value: dict[str, Any]) -> Any:
        out = self.node(value)
        if name in COUNTS and "integer" in json.dumps(out.get("type")):
            out["minimum"] = 0
        return out

    def node(self, value: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in value:
            name = value["$ref"].rsplit("/", 1)[1]
            if name in EXPAND:
                return self.model(self.defs[name])
            return {"type": "object"}  # reduced: no check reads inside it
        if "anyOf" in value or "oneOf" in value:
            return _merge([self.node(o) for o in value.get("anyOf") or value["oneOf"]])
        if "const" in value:
            return {"const": value["const"]}
        if "enum" in value:
            return {"enum": list(value["enum"])}
        kind = value.get("type")
        if kind in ("object", "array"):
            return {"type": kind}
        return {"type": kind} if kind else {}

    def union(self, members: dict[str, Any]) -> dict[str, Any]:
        """Block or delta types: the type enum and `if`/`then` per type (never oneOf)."""
        branches: list[dict[str, Any]] = []
        for kind, model in members.items():
            schema = model.model_json_schema(ref_template="#/$defs/{model}")
            reducer = Reducer(schema.get("$defs", {}))
            then = reducer.model(schema, skip=frozenset({"type"}))
            for (block, name), _why in STRINGS.items():
                if block == kind and name in then["properties"]:
                    then["properties"][name] = {"type": "string"}
            del then["type"]
            if not then["required"]:
                del then["required"]
            same = next((b for b in branches if b["then"] == then), None)
            if same is None:
                branches.append({"if": {"properties": {"type": {"const": kind}}}, "then": then})
            else:  # one branch for the types of one shape (the tool results): fewer to test
                test = same["if"]["properties"]["type"]
                test["enum"] = [*test.pop("enum", [test.pop("const", None)]), kind]
        return {
            "type": "object",
            "required": ["type"],
            "properties": {"type": {"enum": list(members)}},
            "allOf": branches,
        }


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return "string" if isinstance(value, str) else "number"


def _merge(options: list[dict[str, Any]]) -> dict[str, Any]:
    """anyOf of types, enums and consts -> one flat schema: a type list, or an enum (with null
    when null is allowed). An enum beside its bare type (a model name: known ones or any
    string) is the bare type."""
    types: list[str] = []
    values: list[Any] = []
    for option in options:
        if set(option) == {"type"}:
            kinds = option["type"] if isinstance(option["type"], list) else [option["type"]]
            types += [k for k in kinds if k not in types]
        elif set(option) == {"enum"}:
            values += option["enum"]
        elif set(option) == {"const"}:
            values.append(option["const"])
        else:
            return {"anyOf": options}
    values = [v for v in values if _json_type(v) not in types]
    if values:
        if [t for t in types if t != "null"]:
            return {"anyOf": options}
        return {"enum": values + ([None] if "null" in types else [])}
    return {"type": types[0] if len(types) == 1 else types}


def _at(schema: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        schema = schema[step]
    return schema


def events() -> dict[str, tuple[Any, dict[str, Any]]]:
    """kind -> (SDK model, reduced body) for every event of RawMessageStreamEvent and error."""
    import anthropic.types as at
    import anthropic.types.beta as bt
    from anthropic.types.shared import ErrorResponse, ErrorType

    blocks = union_members(at.RawContentBlockStartEvent.model_fields["content_block"].annotation)
    beta = union_members(bt.BetaRawContentBlockStartEvent.model_fields["content_block"].annotation)
    blocks |= {k: v for k, v in beta.items() if k not in blocks}
    deltas = union_members(at.RawContentBlockDeltaEvent.model_fields["delta"].annotation)
    beta = union_members(bt.BetaRawContentBlockDeltaEvent.model_fields["delta"].annotation)
    deltas |= {k: v for k, v in beta.items() if k not in deltas}
    unions = {
        "content_block_start": ("content_block", blocks),
        "content_block_delta": ("delta", deltas),
    }

    out: dict[str, tuple[Any, dict[str, Any]]] = {}
    for kind, model in union_members(at.RawMessageStreamEvent).items():
        schema = model.model_json_schema(ref_template="#/$defs/{model}")
        reducer = Reducer(schema.get("$defs", {}))
        body = reducer.model(schema)
        if kind in unions:
            name, members = unions[kind]
            body["properties"][name] = reducer.union(members)
        out[kind] = (model, body)
    schema = ErrorResponse.model_json_schema(ref_template="#/$defs/{model}")
    body = Reducer(schema.get("$defs", {})).model(schema)
    types = list(typing.get_args(ErrorType))
    body["properties"]["error"] = {
        "type": "object",
        "required": ["type", "message"],
        "properties": {"type": {"enum": types}, "message": {"type": "string"}},
    }
    out["error"] = (ErrorResponse, body)
    return out


def _order(body: dict[str, Any]) -> dict[str, Any]:
    """`type` first among an event's members, as frames have it; the rest in the SDK's order."""
    props = body["properties"]
    first = ["type"] if "type" in props else []
    body["properties"] = {k: props[k] for k in first} | {
        k: v for k, v in props.items() if k not in first
    }
    body["required"] = sorted(body["required"], key=list(body["properties"]).index)
    return body


def schema_for(version: str, kind: str, model: Any, body: dict[str, Any]) -> dict[str, Any]:
    body = json.loads(json.dumps(body))
    body["properties"]["type"] = {"const": kind}
    said = []
    for (where, path), (drop, why) in RELAX.items():
        if where == kind:
            target = _at(body, path)
            target["required"] = [r for r in target["required"] if r not in drop]
            said.append(f"RELAX {'.'.join(path)}: {why}.")
    for (where, path), (names, why) in REQUIRED.items():
        if where == kind:
            target = _at(body, path)
            target["required"] = sorted(
                {*target["required"], *names}, key=list(target["properties"]).index
            )
            said.append(f"REQUIRED {'.'.join(path[1:])}.{'/'.join(names)}: {why}.")
    if kind == "content_block_start":
        said += [f"STRING: {why}." for why in STRINGS.values()]
    for (where, path), (values, why) in EXTRA.items():
        if where == kind:
            enum = _at(body, path)["enum"]
            enum += [v for v in values if v not in enum]
            said.append(f"EXTRA: {why}.")
    for (where, path), (members, why) in ADDED.items():
        if where == kind:
            _at(body, path)["properties"] |= members
            said.append(f"ADDED: {why}.")
    if '"minimum": 0' in json.dumps(body):
        said.append("COUNTS: indexes and token counts have minimum 0 (the SDK types them int).")
    left_out, why = VERSIONS.get(version, (set(), ""))
    text = json.dumps(body)
    if left_out and "stop_reason" in text:
        _drop(body, left_out)
        said.append(f"VERSION: {why}.")
    sdk = f"anthropic {metadata.version('anthropic')}"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"streamcheck:anthropic/messages/{version}/{kind}",
        "title": f"{kind} (Anthropic Messages streaming, anthropic-version {version})",
        "$comment": "Written by tools/schemas/anthropic_messages.py (run by "
        f"tools/schemas/generate.py) from {sdk} {model.__module__}.{model.__name__}, reduced "
        "(see the module). " + " ".join(said),
        **_order(body),
    }


def _drop(node: Any, values: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "stop_reason" and isinstance(value, dict) and "enum" in value:
                value["enum"] = [v for v in value["enum"] if v not in values]
            else:
                _drop(value, values)
    elif isinstance(node, list):
        for value in node:
            _drop(value, values)


PING = {
    "type": "object",
    "required": ["type"],
    "properties": {"type": {"const": "ping"}},
}


def main(out: Path) -> None:
    """Write every event schema of every version folder versions.json names."""
    versions = json.loads((out / "versions.json").read_text(encoding="utf-8"))["versions"]
    made = events()
    for version in versions:
        folder = out / version
        folder.mkdir(parents=True, exist_ok=True)
        for kind, (model, body) in made.items():
            schema = schema_for(version, kind, model, body)
            text = json.dumps(schema, indent=2) + "\n"
            (folder / f"{kind}.json").write_text(text, encoding="utf-8")
        ping = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"streamcheck:anthropic/messages/{version}/ping",
            "title": f"ping (Anthropic Messages streaming, anthropic-version {version})",
            "$comment": "Written by hand in tools/schemas/anthropic_messages.py: no SDK model "
            "(anthropic-sdk-python drops ping before the app sees it); Anthropic's streaming "
            "docs: a keep-alive that may appear anywhere, any number of times.",
            **PING,
        }
        (folder / "ping.json").write_text(json.dumps(ping, indent=2) + "\n", encoding="utf-8")

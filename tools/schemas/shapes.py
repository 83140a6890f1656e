"""Frame schemas from an SDK's pydantic models, reduced to what the check judges, with a hand
overlay that says why each difference from the SDK is there.

Used by tools/schemas/gemini.py, cohere_chat.py and bedrock.py (and, for `literals` and
`union_members`, by generate.py and anthropic_messages.py). The SDK model's JSON Schema (by
alias: the wire's member names) is walked from its root:

- prose, defaults and `format` are dropped (the SDKs' base64 reading enforces no format);
- `additionalProperties` is dropped: both SDKs accept members they do not know (google-genai
  drops them, cohere's models allow them), so an unknown member breaks no client;
- an Optional member (`anyOf [X, null]`) becomes X: a null where the SDK has a type is the
  check's to weigh (protocols/gemini.py makes it a warning, the null a client reads as None);
- a model in `expand` keeps its members; any other model is reduced to its JSON type (an
  object, or an array of them): the check reads nothing inside, and each nested object costs
  jsonschema-rs time per frame and check/repeat.py's schema walk time per template;
- an enum is kept only in `enums` (the values clients branch on: finish and block reasons);
  the others become strings, as the SDKs take any value there (google-genai's
  CaseInSensitiveEnum keeps an unknown value with a warning, cohere's are `Union[Literal, Any]`;
  an overlay puts back the few a check should warn about);
- a model named in `defs` becomes a `$defs` entry under that name (shared, or where the rest of
  the pipeline finds an enum), the rest is inlined.

Then the overlay: `Overlay` entries, each a JSON pointer into the result, the keywords merged
there (or removed, with None) and why. Every entry is said in the schema's `$comment`.
"""

from __future__ import annotations

import json
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = "https://json-schema.org/draft/2020-12/schema"
DROPPED = ("description", "title", "default", "examples", "format", "additionalProperties")


@dataclass(frozen=True)
class Overlay:
    """Keywords merged at `pointer` (None removes one), and the evidence for it."""

    pointer: str
    merge: dict[str, Any]
    why: str


@dataclass
class Reducer:
    """How one SDK's JSON Schema is reduced (see the module docstring)."""

    defs_in: dict[str, Any]  # the SDK schema's $defs
    expand: frozenset[str]
    enums: dict[str, list[Any]]  # enum def name -> values kept beyond the SDK's
    defs: dict[str, str]  # SDK def name -> $defs name in the output
    out_defs: dict[str, Any]
    prose: bool = False  # a member whose description opens "Required." is required

    def node(self, value: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in value:
            return self.ref(value["$ref"].rsplit("/", 1)[1])
        if "anyOf" in value:
            branches = [b for b in value["anyOf"] if b != {"type": "null"}]
            if {} in branches:  # Union[Literal[...], Any]: the SDK takes any value
                return {"type": "string"} if any("enum" in b for b in branches) else {}
            nodes: list[dict[str, Any]] = []
            for branch in branches:
                node = self.node(branch)
                if node not in nodes:  # reduced models of one JSON type are one branch
                    nodes.append(node)
            return nodes[0] if len(nodes) == 1 else {"anyOf": nodes}
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in DROPPED:
                continue
            if key == "properties":
                out[key] = {name: self.node(member) for name, member in item.items()}
                said = [n for n, m in item.items() if _required(m)] if self.prose else []
                if said and "required" not in value:
                    out["required"] = said
            elif key == "items":
                inner = self.node(item)
                if inner != {"type": "object"}:  # an array of reduced objects: an array
                    out[key] = inner
            else:
                out[key] = item
        if "const" in out:  # {"const": x, "type": "string"}: the const says it all
            out.pop("type", None)
        return out

    def ref(self, name: str) -> dict[str, Any]:
        target = self.defs_in[name]
        if "enum" in target:
            if name not in self.enums:
                return {"type": target.get("type", "string")}
            values = list(target["enum"])
            return {"enum": [*values, *(v for v in self.enums[name] if v not in values)]}
        if name not in self.expand:
            return {"type": target.get("type", "object")}
        if name in self.defs:
            alias = self.defs[name]
            if alias not in self.out_defs:
                self.out_defs[alias] = {}  # placed first: a model that refers to itself
                self.out_defs[alias] = self.node(target)
            return {"$ref": f"#/$defs/{alias}"}
        return self.node(target)


def _required(member: dict[str, Any]) -> bool:
    return str(member.get("description", "")).startswith("Required.")


def reduce(
    root: dict[str, Any],
    expand: frozenset[str],
    enums: dict[str, list[Any]],
    defs: dict[str, str] | None = None,
    prose: bool = False,
) -> dict[str, Any]:
    """The root model's schema (pydantic, by alias) reduced; `$defs` last when any. `prose`:
    the SDK says which members are required in their descriptions only (google-genai's
    "Required. ..." from Google's API definitions, where its types make every member
    Optional): those are required."""
    reducer = Reducer(root.get("$defs", {}), expand, enums, defs or {}, {}, prose)
    body = {k: v for k, v in root.items() if k != "$defs"}
    out = reducer.node(body)
    if reducer.out_defs:
        out["$defs"] = {k: reducer.out_defs[k] for k in sorted(reducer.out_defs)}
    return out


def at(schema: dict[str, Any], pointer: str) -> dict[str, Any]:
    node: Any = schema
    for step in pointer.strip("/").split("/") if pointer.strip("/") else []:
        node = node[step.replace("~1", "/").replace("~0", "~")]
    if not isinstance(node, dict):
        raise KeyError(pointer)
    return node


def apply(schema: dict[str, Any], overlays: list[Overlay]) -> None:
    """Each entry merged into `schema`; a pointer the SDK no longer has fails loudly, so an
    overlay never outlives what it was for without someone deciding."""
    for entry in overlays:
        node = at(schema, entry.pointer)
        for key, value in entry.merge.items():
            if value is None:
                node.pop(key, None)
            else:
                node[key] = value


def said(overlays: list[Overlay]) -> str:
    """The overlay in words, for the schema's `$comment`."""
    return "; ".join(f"{o.pointer or '/'}: {_keywords(o.merge)} ({o.why})" for o in overlays)


def _keywords(merge: dict[str, Any]) -> str:
    parts = []
    for key, value in merge.items():
        parts.append(f"no {key}" if value is None else f"{key} {json.dumps(value)}")
    return ", ".join(parts)


def document(
    schema_id: str, title: str, comment: str, body: dict[str, Any], description: str = ""
) -> dict[str, Any]:
    """A schema file: identity and provenance first, then the body."""
    out: dict[str, Any] = {"$schema": SCHEMA, "$id": schema_id, "title": title}
    out["$comment"] = comment
    if description:
        out["description"] = description
    return out | body


def write(file: Path, schema: dict[str, Any]) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def literals(annotation: Any) -> list[Any]:
    """The values of every Literal in an annotation (through unions and Annotated), in order."""
    out: list[Any] = []
    pending = [annotation]
    while pending:
        item = pending.pop(0)
        origin = typing.get_origin(item)
        if origin is typing.Literal:
            out += [v for v in typing.get_args(item) if v not in out]
        elif origin is typing.Annotated:
            pending.append(typing.get_args(item)[0])
        elif origin is not None:
            pending += list(typing.get_args(item))
    return out


def union_members(union: Any, key: str = "type") -> dict[str, Any]:
    """discriminator value -> pydantic model, over a (possibly Annotated) union of models."""
    from pydantic import BaseModel

    found: dict[str, Any] = {}
    pending = [union]
    while pending:
        item = pending.pop(0)
        origin = typing.get_origin(item)
        if origin is typing.Annotated:
            pending.append(typing.get_args(item)[0])
        elif origin is not None:
            pending += list(typing.get_args(item))
        elif isinstance(item, type) and issubclass(item, BaseModel):
            for value in literals(item.model_fields[key].annotation):
                found.setdefault(value, item)
    return found

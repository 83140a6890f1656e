"""Generate schemas/openai/realtime/{ga,beta}/<event type>.json: the Realtime API's server events.

Usage: python tools/gen_openai_realtime.py ../shared/reference/specs/openai-openapi.yaml

One schema per member of openai-python's server-event union, the frame kind being the event
`type`: `openai.types.realtime.RealtimeServerEvent` for the GA API and
`openai.types.beta.realtime.RealtimeServerEvent` for the beta (`OpenAI-Beta: realtime=v1`).
Each schema is the SDK model's JSON Schema (pydantic), so a frame passes when the official
client's types describe it; the OpenAPI spec adds its `required` lists at the top level
(`RealtimeServerEvent*` for GA, `RealtimeBetaServerEvent*` for beta) where it has the event,
since the spec is the documented contract. Descriptions and titles from either are dropped:
only the shape is kept.
"""

from __future__ import annotations

import json
import sys
import typing
from pathlib import Path
from typing import Any

import yaml
from openai.types.beta.realtime import realtime_server_event as beta_events
from openai.types.realtime import realtime_server_event as ga_events
from pydantic import BaseModel

OUT = Path(__file__).resolve().parent.parent / "schemas" / "openai" / "realtime"
SDK = "openai-python"


def members(union: Any) -> dict[str, type[BaseModel]]:
    """event type -> SDK model, from a (possibly Annotated) union of event models."""
    found: dict[str, type[BaseModel]] = {}
    pending = [union]
    while pending:
        item = pending.pop()
        origin = typing.get_origin(item)
        if origin is typing.Annotated:
            pending.append(typing.get_args(item)[0])
        elif origin is typing.Union:
            pending.extend(typing.get_args(item))
        elif isinstance(item, type) and issubclass(item, BaseModel):
            (kind,) = typing.get_args(item.model_fields["type"].annotation)
            found[kind] = item
    return found


def spec_required(spec: dict[str, Any], prefix: str) -> dict[str, list[str]]:
    """event type -> the spec's required members, for spec schemas named `prefix...`."""
    out: dict[str, list[str]] = {}
    for name, schema in spec["components"]["schemas"].items():
        if not name.startswith(prefix):
            continue
        props = schema.get("properties") or {}
        kind = props.get("type", {})
        values = kind.get("enum") or ([kind["const"]] if "const" in kind else [])
        if len(values) == 1 and isinstance(values[0], str):
            out.setdefault(values[0], schema.get("required") or [])
    return out


def strip(value: Any) -> Any:
    """The schema without prose (descriptions, titles) or defaults: the shape only."""
    if isinstance(value, dict):
        return {
            k: strip(v)
            for k, v in value.items()
            if k not in ("description", "title", "default", "examples")
        }
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def event_schema(
    version: str, kind: str, model: type[BaseModel], required: list[str] | None
) -> dict[str, Any]:
    schema = strip(model.model_json_schema(ref_template="#/$defs/{model}"))
    props = schema.get("properties", {})
    props["type"] = {"const": kind}
    needed = list(schema.get("required", []))
    for member in required or []:
        if member in props and member not in needed:
            needed.append(member)
    source = f"{SDK} {model.__name__}" + (", OpenAPI required" if required else "")
    out: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"streamcheck:openai/realtime/{version}/{kind}",
        "title": f"{kind} ({source})",
        "type": "object",
        "required": needed,
        "properties": props,
    }
    if "$defs" in schema:
        out["$defs"] = schema["$defs"]
    return out


def main(spec_path: str, out: Path = OUT) -> None:
    spec = yaml.load(Path(spec_path).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    versions = (
        ("ga", ga_events.RealtimeServerEvent, "RealtimeServerEvent"),
        ("beta", beta_events.RealtimeServerEvent, "RealtimeBetaServerEvent"),
    )
    for version, union, prefix in versions:
        required = spec_required(spec, prefix)
        folder = out / version
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.json"):
            old.unlink()
        for kind, model in sorted(members(union).items()):
            schema = event_schema(version, kind, model, required.get(kind))
            text = json.dumps(schema, indent=2, sort_keys=False) + "\n"
            (folder / f"{kind}.json").write_text(text, encoding="utf-8")
        print(f"{version}: {len(members(union))} events ({len(required)} in the spec)")


if __name__ == "__main__":
    main(sys.argv[1])

"""schemas/aws-bedrock/<api>/2023-09-30/<event>.json: generated from botocore's service model.

    python tools/schemas/bedrock.py       # or the whole pipeline: tools/schemas/generate.py

Each streamed API's event-stream shape in botocore's bedrock-runtime model (ConverseStreamOutput,
ResponseStream) lists its events and exceptions: one schema per member, the frame kind being
the member name (the `:event-type` or `:exception-type` header of the AWS event stream). Each
is the member's structure shape as JSON Schema: members, `required`, string enums, integer
`min` as `minimum`, string `min` as `minLength`; a union (one member set) is an object with at
least one member; a blob is base64 text, as in the JSON payload; a document is any JSON.
`pattern` and `max` are request-side validation in botocore and left out. Shapes no rule reads
inside are reduced to their JSON type (REDUCED). The hand overlay (OVERLAY) says why each
difference from the service model is there.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shapes import Overlay, apply, document, said, write

APIS = {
    "aws-bedrock/converse-stream/2023-09-30": ("ConverseStreamOutput", "ConverseStream"),
    "aws-bedrock/invoke-with-response-stream/2023-09-30": (
        "ResponseStream",
        "InvokeModelWithResponseStream",
    ),
}
# Shapes no rule reads inside: their JSON type only (a citation delta, a server tool's result
# blocks, trace, performance and service-tier settings, per-TTL cache counters, images).
REDUCED = frozenset(
    {
        "CitationsDelta",
        "ToolResultBlocksDelta",
        "ToolResultBlockDelta",
        "ConverseStreamTrace",
        "PerformanceConfiguration",
        "ServiceTier",
        "CacheDetailsList",
        "ImageBlockStart",
        "ImageBlockDelta",
    }
)
PADDING = (
    "BEYOND the model: Bedrock adds a random-length padding member `p` to every event "
    "(side-channel mitigation); seen in every real stream of the corpus, carries nothing"
)


def overlay(kind: str) -> list[Overlay]:
    out = [Overlay("/properties", {"p": {"type": "string"}}, PADDING)]
    if kind == "messageStart":
        out.append(
            Overlay(
                "/properties/role",
                {"enum": ["assistant"]},
                "the streamed message is the model's answer: ConversationRole also lists user "
                "and system, which no ConverseStream answer starts with (SC205, a warning)",
            )
        )
    if kind == "contentBlockStart":
        out.append(
            Overlay(
                "/properties/start/properties/toolUse/properties/type",
                {"type": "string", "enum": None},
                "RELAX: botocore's ToolUseType lists only server_tool_use, real streams also "
                "send tool_use (the shared corpus's pydantic-ai cassette "
                "test_bedrock_model_code_execution_tool_stream); botocore does not check "
                "enums in a response",
            )
        )
    if kind == "chunk":
        out.append(
            Overlay(
                "",
                {"required": ["bytes"]},
                'REQUIRED: the `{"bytes": base64}` envelope SDK code indexes '
                "(event['chunk']['bytes'] in AWS's InvokeModelWithResponseStream examples); "
                "botocore marks no member of PayloadPart required",
            )
        )
        out.append(
            Overlay(
                "/properties/bytes",
                {"pattern": "^[A-Za-z0-9+/]*={0,2}$"},
                "a blob travels as base64 in the event's JSON; botocore decodes it",
            )
        )
    return out


def shape_schema(shape: Any, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    kind = shape.type_name
    if shape.name in REDUCED or shape.name in seen:
        return {"type": "array" if kind == "list" else "object"}
    if kind == "structure":
        union = bool(shape.metadata.get("union"))
        if shape.metadata.get("document"):
            return {}
        out: dict[str, Any] = {"type": "object"}
        if union:
            out["minProperties"] = 1
        required = list(shape.required_members)
        if required:
            out["required"] = required
        out["properties"] = {
            name: shape_schema(member, (*seen, shape.name))
            for name, member in shape.members.items()
        }
        return out
    if kind == "list":
        items = shape_schema(shape.member, seen)
        return (
            {"type": "array", "items": items} if items != {"type": "object"} else {"type": "array"}
        )
    if kind == "string":
        if shape.enum:
            return {"enum": list(shape.enum)}
        out = {"type": "string"}
        if shape.metadata.get("min"):
            out["minLength"] = shape.metadata["min"]
        return out
    if kind in ("integer", "long"):
        out = {"type": "integer"}
        if "min" in shape.metadata:
            out["minimum"] = shape.metadata["min"]
        return out
    if kind in ("float", "double"):
        return {"type": "number"}
    if kind == "boolean":
        return {"type": "boolean"}
    if kind in ("blob", "timestamp"):
        return {"type": "string"}
    return {}  # a document: any JSON


def events() -> dict[str, dict[str, Any]]:
    """folder -> {member name: schema}, from the locked botocore."""
    import botocore.session  # type: ignore[import-untyped]

    model = botocore.session.get_session().get_service_model("bedrock-runtime")
    source = f"botocore {metadata.version('botocore')} bedrock-runtime {model.api_version}"
    out: dict[str, dict[str, Any]] = {}
    for folder, (stream, operation) in APIS.items():
        out[folder] = {}
        for kind, member in model.shape_for(stream).members.items():
            body = shape_schema(member)
            entries = overlay(kind)
            apply(body, entries)
            what = "exception" if member.metadata.get("exception") else "event"
            comment = (
                f"Generated by tools/schemas/bedrock.py from {source}: the {stream} {what} "
                f"`{kind}` ({member.name} shape). Overlaid by hand (bedrock.py overlay()): "
                + said(entries)
            )
            title = f"{kind} (Bedrock Runtime {operation}, API version {model.api_version})"
            out[folder][kind] = document(f"streamcheck:{folder}/{kind}", title, comment, body)
    return out


def main(schemas: Path) -> None:
    for folder, kinds in events().items():
        for kind, schema in kinds.items():
            write(schemas / folder / f"{kind}.json", schema)


if __name__ == "__main__":
    main(Path(__file__).resolve().parent.parent.parent / "schemas")

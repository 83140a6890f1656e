"""Generate schemas/gemini/live/v1beta/<kind>.json: the Gemini Live API's server messages.

Usage: python tools/gen_gemini_live.py

A `BidiGenerateContentServerMessage` (google-genai `types.LiveServerMessage`) carries one
member that says what it is (`setupComplete`, `serverContent`, `toolCall`, ...), and
`usageMetadata` may ride beside it; the frame kind is that member. Each schema is the SDK
model's JSON Schema (pydantic, camelCase aliases as on the wire) with the kind's member
required. google-genai drops members its types do not know before validating
(`_common._remove_extra_fields`, "to maintain forward compatibility"), so the models'
`additionalProperties: false` is left out: an unknown member is harmless to the official
client. Enums are dropped too: google-genai's enums take any value (`CaseInSensitiveEnum.
_missing_` warns and keeps an unknown one), so a value added by the server breaks no client;
and `format` (pydantic's `base64url` for bytes), which the SDK's base64 reading does not
enforce. Descriptions, titles and defaults are dropped: only the shape is kept. The Live API's
v1alpha and Vertex AI's v1beta1 and v1 speak the same messages (protocols/gemini_live.py
aliases them to v1beta).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from google.genai import types

OUT = Path(__file__).resolve().parent.parent / "schemas" / "gemini" / "live" / "v1beta"
# Every member of LiveServerMessage is a kind; usageMetadata alone is one too.
KINDS = tuple(field.alias or name for name, field in types.LiveServerMessage.model_fields.items())


def strip(value: Any, names: bool = False) -> Any:
    """The schema without prose, defaults, enums, formats or `additionalProperties: false`.
    `names`: `value` is a `properties` mapping, whose keys are member names (a grounding
    chunk's `title`), not keywords: all kept."""
    if isinstance(value, dict):
        return {
            k: strip(v, names=k == "properties" and not names)
            for k, v in value.items()
            if names
            or (
                k not in ("description", "title", "default", "examples", "enum", "format")
                and not (k == "additionalProperties" and v is False)
            )
        }
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def kind_schema(kind: str, whole: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"streamcheck:gemini/live/v1beta/{kind}",
        "title": f"{kind} (google-genai LiveServerMessage)",
        "type": "object",
        "required": [kind],
        "properties": whole["properties"],
        "$defs": whole["$defs"],
    }


# An error object in a Live message: the Google API error model (google.rpc.Status, as in
# every Gemini error body). google-genai's receive() raises APIError on it.
ERROR = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "streamcheck:gemini/live/v1beta/error",
    "title": "error (google.rpc.Status in a Live message)",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "integer"},
                "message": {"type": "string"},
                "status": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}


def main(out: Path = OUT) -> None:
    """Write the schemas into `out` (schemas/gemini/live/v1beta), versions.json beside it."""
    whole = strip(
        types.LiveServerMessage.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    )
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.json"):
        old.unlink()
    for kind in KINDS:
        text = json.dumps(kind_schema(kind, whole), indent=1, sort_keys=False) + "\n"
        (out / f"{kind}.json").write_text(text, encoding="utf-8")
    (out / "error.json").write_text(json.dumps(ERROR, indent=1) + "\n", encoding="utf-8")
    versions = {
        "default": "v1beta",
        "versions": {
            "v1beta": "Gemini Live API (BidiGenerateContent over WebSocket), google-genai "
            "LiveServerMessage; v1alpha and Vertex AI's v1beta1 and v1 send the same messages"
        },
    }
    (out.parent / "versions.json").write_text(json.dumps(versions, indent=2) + "\n")
    print(f"v1beta: {len(KINDS)} kinds and error")


if __name__ == "__main__":
    main()

"""Generate schemas/openai/responses/<version>/websocket-error.json: the error event of the
Responses API's WebSocket mode, from openai-python's `ResponseWsError` model.

Usage: python tools/gen_openai_responses_ws.py

Over WebSocket (`wss://.../v1/responses`) an error is `{"type": "error", "status": 400,
"error": {"type", "code", "message", "param", ...}}`, not the HTTP stream's `error` event (whose
`code`, `message` and `param` are top-level members); protocols/openai_responses_ws.py gives it
this kind so that each shape is judged by its own schema. The other WebSocket events are the
HTTP stream's with an optional `stream_id`, judged by the same schemas. The model's JSON Schema
(pydantic) is kept without prose (descriptions, titles, defaults); the Open Responses
2026-04-24 `WebSocketErrorEvent` agrees on the members it requires (`type`, `status` there,
`error` with `code` and `message`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from openai.types.responses.responses_server_event import ResponseWsError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_openai_realtime import strip

OUT = Path(__file__).resolve().parent.parent / "schemas" / "openai" / "responses"
KIND = "websocket-error"


def schema(version: str) -> dict[str, Any]:
    model = strip(ResponseWsError.model_json_schema(ref_template="#/$defs/{model}"))
    model["properties"]["type"] = {"const": "error"}
    out: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"streamcheck:openai/responses/{version}/{KIND}",
        "title": f"error over WebSocket (openai-python {ResponseWsError.__name__})",
        "type": "object",
        "required": model["required"],
        "properties": model["properties"],
    }
    if "$defs" in model:
        out["$defs"] = model["$defs"]
    return out


def main() -> None:
    for folder in sorted(p for p in OUT.iterdir() if p.is_dir()):
        text = json.dumps(schema(folder.name), indent=2) + "\n"
        (folder / f"{KIND}.json").write_text(text, encoding="utf-8")
        print(f"{folder.name}: {KIND}.json")


if __name__ == "__main__":
    main()

"""Generate schemas/<dialect>/chat-completions/<version>/ for the OpenAI-compatible dialects.

Usage: python tools/gen_compat_schemas.py

Each dialect's chunk and error schemas are the OpenAI chat-completions 2.3.0 schemas with an
overlay (PROVIDERS.md section 2.7): extra `finish_reason` values, relaxed members real servers
send differently. Re-run after the OpenAI schemas change; the overlay is the only hand-kept part.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent / "schemas"
GENERATED = (
    "Written by tools/gen_compat_schemas.py: OpenAI chat 2.3.0 plus this dialect's overlay "
    "(run by tools/schemas/generate.py)."
)

# dialect -> (version key, note, extra finish reasons, overlay function names)
DIALECTS: dict[str, dict[str, Any]] = {
    "vllm": {
        "finish": ["abort", "error"],
        "note": "vLLM OpenAI-compatible server: finish_reason abort/error, stop_reason, "
        "reasoning_content, flat {object: error} bodies",
    },
    "groq": {
        "finish": [],
        "note": "Groq: x_groq on the first and last chunk; in-stream errors without param",
    },
    "mistral": {
        "finish": ["model_length", "error"],
        "note": "Mistral: finish_reason model_length/error; delta.content may be a list of "
        "content chunks (thinking models)",
    },
    "openrouter": {
        "finish": ["error"],
        "note": "OpenRouter: finish_reason error with an in-stream error; usage with cost "
        "fields on the finish chunk; native_finish_reason",
    },
    "deepseek": {
        "finish": ["insufficient_system_resource"],
        "note": "DeepSeek: delta.reasoning_content; finish_reason insufficient_system_resource",
    },
}


def _base(root: Path) -> Path:
    return root / "openai" / "chat-completions" / "2.3.0"


def chunk(dialect: str, extra_finish: list[str], root: Path = ROOT) -> dict[str, Any]:
    schema = json.loads((_base(root) / "chunk.json").read_text(encoding="utf-8"))
    schema["$id"] = f"streamcheck:{dialect}/chat-completions/compat/chunk"
    schema["title"] = f"{dialect} chat.completion.chunk (OpenAI 2.3.0 + {dialect} overlay)"
    schema["$comment"] = GENERATED
    defs = schema["$defs"]
    finish = defs["choice"]["properties"]["finish_reason"]
    finish["enum"] = [v for v in finish["enum"] if v is not None] + extra_finish + [None]
    delta = defs["delta"]["properties"]
    delta["reasoning_content"] = {"type": ["string", "null"]}
    delta["reasoning"] = {"type": ["string", "null"]}
    if dialect == "mistral":
        delta["content"] = {"type": ["string", "array", "null"]}
    if dialect == "groq":
        schema["properties"]["x_groq"] = {"type": "object"}
    # Compatible servers send null for detail objects OpenAI omits (HF TGI, vLLM).
    usage = defs["usage"]["properties"]
    for name in ("completion_tokens_details", "prompt_tokens_details"):
        if name in usage:
            usage[name] = {"anyOf": [{"type": "null"}, usage[name]]}
    return schema


def error(dialect: str, root: Path = ROOT) -> dict[str, Any]:
    schema = json.loads((_base(root) / "error.json").read_text(encoding="utf-8"))
    schema["$id"] = f"streamcheck:{dialect}/chat-completions/compat/error"
    schema["title"] = f"{dialect} error body (OpenAI shape, relaxed)"
    schema["$comment"] = GENERATED
    schema.pop("description", None)
    inner = schema["properties"]["error"]
    inner["required"] = ["message"]  # type, param and code are often absent (Groq, OpenRouter)
    for name in ("type", "param", "code"):
        inner["properties"][name] = {"type": ["string", "integer", "null"]}
    return schema


def main(root: Path = ROOT) -> None:
    for dialect, info in DIALECTS.items():
        folder = root / dialect / "chat-completions" / "compat"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "chunk.json").write_text(
            json.dumps(chunk(dialect, info["finish"], root), indent=2) + "\n"
        )
        (folder / "error.json").write_text(json.dumps(error(dialect, root), indent=2) + "\n")
        versions = {"default": "compat", "versions": {"compat": info["note"]}}
        (folder.parent / "versions.json").write_text(json.dumps(versions, indent=2) + "\n")


if __name__ == "__main__":
    main()

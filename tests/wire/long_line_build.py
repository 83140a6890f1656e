"""Write fixtures/rules/SC104/{bad,good}.yaml: VCR.py cassettes whose gzip bodies hold an OpenAI
chat stream, one of them with a data line longer than the default --max-line (16 MiB).

Only a compressed body can carry a 16 MiB line in a small file, and the cassette reader undoes
Content-Encoding, so `streamcheck check fixtures/rules/SC104/bad.yaml` needs no flag. Written by
`python -m tests.wire.long_line_build`; tests/wire/test_wire_rule_fixtures.py checks that the
committed bodies still inflate to what `body()` builds (gzip bytes themselves vary by zlib).
"""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

from streamcheck.wire import DEFAULT_MAX_LINE

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = {
    "bad": ROOT / "fixtures/rules/SC104/bad.yaml",
    "good": ROOT / "fixtures/rules/SC104/good.yaml",
}


def _chunk(delta: dict[str, object], finish: str | None = None) -> bytes:
    value = {
        "id": "chatcmpl-AX9wire0LongLine",
        "object": "chat.completion.chunk",
        "created": 1732560000,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(value, separators=(",", ":")).encode() + b"\n\n"


def body(kind: str) -> bytes:
    """The stream: a role chunk, one content chunk (an image as a data URL), stop, [DONE]."""
    size = DEFAULT_MAX_LINE + 512 * 1024 if kind == "bad" else 3 * 1024
    image = "data:image/png;base64,iVBORw0KGgo" + "A" * size
    return (
        _chunk({"role": "assistant", "content": ""})
        + _chunk({"content": image})
        + _chunk({}, "stop")
        + b"data: [DONE]\n\n"
    )


def cassette(kind: str) -> str:
    packed = base64.encodebytes(gzip.compress(body(kind), mtime=0)).decode("ascii")
    what = "longer than" if kind == "bad" else "well under"
    lines = [
        "# Written by tests/wire/long_line_build.py: an OpenAI chat stream, gzip-compressed, whose",
        f"# image chunk is one data line {what} the default --max-line (16 MiB).",
        "interactions:",
        "- request:",
        '    body: \'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"draw"}],'
        '"stream":true}\'',
        "    headers:",
        "      Authorization:",
        "      - Bearer sk-canary-longline-000000000000",
        "    method: POST",
        "    uri: https://api.openai.com/v1/chat/completions",
        "  response:",
        "    body:",
        "      string: !!binary |",
        *("        " + line for line in packed.splitlines()),
        "    headers:",
        "      Content-Encoding:",
        "      - gzip",
        "      Content-Type:",
        "      - text/event-stream; charset=utf-8",
        "    status:",
        "      code: 200",
        "      message: OK",
        "version: 1",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    for kind, path in FIXTURES.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(cassette(kind), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()

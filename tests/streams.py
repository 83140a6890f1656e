"""Small hand-written OpenAI chat streams for tests of reporters, config and CI integration."""

from __future__ import annotations

from pathlib import Path

CHUNK = (
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",'
    '"choices":[{"index":0,"delta":%s,"finish_reason":%s}]}\n\n'
)
CLEAN = (
    CHUNK % ('{"role":"assistant","content":""}', "null")
    + CHUNK % ('{"content":"Hi"}', "null")
    + CHUNK % ("{}", '"stop"')
    + "data: [DONE]\n\n"
)
# SC301 missing-terminator (error): no `data: [DONE]`.
CUT = CLEAN.removesuffix("data: [DONE]\n\n")
# SC306 missing-role (warning) on frame 0, line 1.
NO_ROLE = CLEAN.replace('{"role":"assistant","content":""}', '{"content":""}')
CURL_HEAD = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n"
# A curl -i dump whose 4th frame is not JSON: SC103 on body line 7, file line 10 (3 header lines).
CURL_BAD_JSON = CURL_HEAD + CLEAN.replace("data: [DONE]", "data: {bad json")


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder

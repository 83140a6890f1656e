"""The per-frame path (check/frames.py): data that is not JSON told apart, through the library."""

from __future__ import annotations

from pathlib import Path

import orjson

from streamcheck.run import check_paths


def _chunk(content: str) -> bytes:
    return orjson.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-4o",
            "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}],
        }
    )


def test_json_cut_after_text_past_ascii_is_cut_off_not_other_text(tmp_path: Path) -> None:
    # orjson's error position counts characters, not bytes: a frame cut after "café ✓✓" ends
    # five characters short of its byte length, and was called SC103 "data is not JSON
    # (unexpected end of data)". It is JSON cut off (SC101), as the same cut after ASCII is;
    # a fault inside such a frame is still SC103.
    whole = _chunk("caf\u00e9 \u2713\u2713 and more")
    cut = whole[: whole.index(b" and more")]
    fault = _chunk("caf\u00e9 \u2713\u2713").replace(b'"model"', b'x"model"')
    path = tmp_path / "cut.sse"
    path.write_bytes(
        b"".join(b"data: " + d + b"\n\n" for d in (_chunk(""), cut, fault, _chunk("ok")))
    )
    findings = [f for r in check_paths([str(path)]).results for f in r.findings]
    by_code = {f.code: f.message for f in findings}
    assert by_code["SC101"] == f"frame 1: JSON is cut off after {len(cut)} bytes", by_code
    assert by_code["SC103"].startswith("frame 2: data is not JSON ("), by_code

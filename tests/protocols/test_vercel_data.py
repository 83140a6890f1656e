"""Vercel AI SDK 4.x data stream (`CODE:JSON` lines): detection, parts, and the grammar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from streamcheck import check_bytes, check_paths
from streamcheck.check import CheckOptions
from tests.conftest import FIXTURES, run_streamcheck

VERCEL = FIXTURES / "vercel-ai"


def lines(*parts: tuple[str, Any]) -> bytes:
    return b"".join(code.encode() + b":" + orjson.dumps(value) + b"\n" for code, value in parts)


STEP = ("f", {"messageId": "m1"})
TEXT = [("0", "Hel"), ("0", "lo")]
USAGE = {"promptTokens": 3, "completionTokens": 2}
FINISH = [("e", {"finishReason": "stop", "usage": USAGE, "isContinued": False})]
FINISH += [("d", {"finishReason": "stop", "usage": USAGE})]


def codes(body: bytes, **options: Any) -> list[str]:
    return [f.code for f in check_bytes(body, CheckOptions(**options)).findings()]


def test_a_whole_stream_is_detected_and_clean() -> None:
    (result,) = check_bytes(lines(STEP, *TEXT, *FINISH)).results
    assert (result.provider, result.api, result.framing) == ("vercel-ai", "data-stream", "tagged")
    assert result.findings == []


@pytest.mark.parametrize("cut", range(1, 5))
def test_a_stream_cut_before_d_is_truncated(cut: int) -> None:
    assert codes(lines(*[STEP, *TEXT, *FINISH][:cut])) == ["SC360"]


def test_tool_parts_and_their_order() -> None:
    start = ("b", {"toolCallId": "c1", "toolName": "weather"})
    delta = ("c", {"toolCallId": "c1", "argsTextDelta": "{}"})
    call = ("9", {"toolCallId": "c1", "toolName": "weather", "args": {}})
    result = ("a", {"toolCallId": "c1", "result": 21})
    assert codes(lines(STEP, start, delta, call, result, *FINISH)) == []
    assert codes(lines(STEP, delta, *FINISH)) == ["SC361"]
    assert codes(lines(STEP, result, *FINISH)) == ["SC361"]
    assert codes(lines(STEP, ("9", {"toolCallId": "c1", "toolName": "w"}), *FINISH)) == ["SC201"]


def test_error_unknown_code_and_parts_after_the_end() -> None:
    found = check_bytes(lines(STEP, ("3", "An error occurred."))).results[0]
    assert [f.code for f in found.findings] == ["SC403"]
    assert codes(lines(STEP, ("x", 1), *FINISH)) == ["SC366"]
    assert codes(lines(STEP, *TEXT, *FINISH, ("0", "more"))) == ["SC363"]
    assert codes(lines(STEP, ("0", 5), *FINISH)) == ["SC201"]


def test_framing_defects_of_the_lines() -> None:
    assert codes(lines(STEP, *TEXT) + b'{"finishReason":"stop"}\n' + lines(*FINISH)) == ["SC130"]
    # The SDK's reader parses a last line without LF; cut JSON there is truncation.
    assert codes(lines(STEP, *TEXT, *FINISH).rstrip(b"\n")) == []
    cut = lines(STEP, *TEXT, FINISH[0]) + b'd:{"finishReason":"st'
    assert sorted(codes(cut)) == ["SC101", "SC360"]


def test_text_plain_is_the_expected_content_type() -> None:
    body = lines(STEP, *TEXT, *FINISH)
    plain = {"content-type": "text/plain; charset=utf-8", "x-vercel-ai-data-stream": "v1"}
    assert [f.code for f in check_bytes(body, headers=plain).findings()] == []
    sse = {"content-type": "text/event-stream"}
    assert [f.code for f in check_bytes(body, headers=sse).findings()] == ["SC113"]


def test_the_cli_fails_the_cut_fixture_and_passes_the_whole_ones() -> None:
    cut = run_streamcheck("check", str(VERCEL / "data-stream-cut.stream"))
    assert cut.returncode == 1 and "SC360" in cut.stdout, cut.stdout + cut.stderr
    whole = run_streamcheck(
        "check", str(VERCEL / "data-stream.stream"), str(VERCEL / "data-stream-tools.stream")
    )
    assert whole.returncode == 0, whole.stdout + whole.stderr


def test_a_devtools_har_of_a_data_stream_route_is_checked(tmp_path: Path) -> None:
    """The route answers text/plain: the AI SDK's header, not the MIME type, marks it."""

    def entry(body: bytes) -> dict[str, Any]:
        return {
            "request": {
                "method": "POST",
                "url": "http://127.0.0.1:3000/api/chat",
                "headers": [{"name": "content-type", "value": "application/json"}],
                "postData": {"mimeType": "application/json", "text": '{"messages": []}'},
            },
            "response": {
                "status": 200,
                "headers": [
                    {"name": "content-type", "value": "text/plain; charset=utf-8"},
                    {"name": "x-vercel-ai-data-stream", "value": "v1"},
                ],
                "content": {"mimeType": "text/plain", "text": body.decode()},
            },
            "timings": {"send": 1, "wait": 120, "receive": 35},
        }

    whole, cut = lines(STEP, *TEXT, *FINISH), lines(STEP, *TEXT)
    har = {
        "log": {"version": "1.2", "creator": {"name": "t"}, "entries": [entry(whole), entry(cut)]}
    }
    path = tmp_path / "app.har"
    path.write_bytes(orjson.dumps(har))
    report = check_paths([str(path)])
    assert [r.api for r in report.results] == ["data-stream", "data-stream"]
    assert [[f.code for f in r.findings] for r in report.results] == [[], ["SC360"]]

"""Vercel AI SDK UI message stream: detection, per-major schemas, and the grammar's rules."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from streamcheck import check_bytes
from streamcheck.check import CheckOptions
from tests.conftest import FIXTURES, run_streamcheck

VERCEL = FIXTURES / "vercel-ai"


def sse(*parts: Any, done: bool = True) -> bytes:
    body = b"".join(b"data: " + orjson.dumps(p) + b"\n\n" for p in parts)
    return body + (b"data: [DONE]\n\n" if done else b"")


START = {"type": "start", "messageId": "m1"}
TEXT = [
    {"type": "text-start", "id": "t1"},
    {"type": "text-delta", "id": "t1", "delta": "Hel"},
    {"type": "text-delta", "id": "t1", "delta": "lo"},
    {"type": "text-end", "id": "t1"},
]
FINISH = {"type": "finish", "finishReason": "stop"}


def codes(body: bytes, **options: Any) -> list[str]:
    report = check_bytes(body, CheckOptions(**options))
    return [f.code for f in report.findings()]


def test_a_whole_stream_is_detected_and_clean() -> None:
    report = check_bytes(sse(START, *TEXT, FINISH))
    (result,) = report.results
    assert (result.provider, result.api, result.api_version) == (
        "vercel-ai",
        "ui-message-stream",
        "7",
    )
    assert result.findings == []


@pytest.mark.parametrize("cut", range(1, 6))
def test_a_stream_cut_before_finish_is_truncated_whatever_the_cut(cut: int) -> None:
    parts = [START, *TEXT, FINISH][:cut]
    found = codes(sse(*parts, done=False))
    assert "SC360" in found
    # [DONE] without a finish before it is no finish either.
    assert "SC360" in codes(sse(*parts, done=True))


@pytest.mark.parametrize("version", ["5", "5-loose", "6", "6-loose", "7", "7-loose"])
def test_every_major_passes_a_whole_stream_and_fails_a_cut_one(version: str) -> None:
    assert codes(sse(START, *TEXT, FINISH), api_version=version) == []
    assert codes(sse(START, *TEXT[:2], done=False), api_version=version) == ["SC360"]


def test_strict_majors_reject_unknown_keys_and_loose_ones_accept_them() -> None:
    extra = {"type": "text-delta", "id": "t1", "delta": "x", "tokens": 1}
    body = sse(START, TEXT[0], extra, TEXT[3], FINISH)
    for strict in ("5", "6", "7"):
        assert codes(body, api_version=strict) == ["SC201"], strict
    for loose in ("5-loose", "6-loose", "7-loose"):
        assert codes(body, api_version=loose) == [], loose


def test_parts_of_a_later_major_are_unknown_to_an_earlier_one() -> None:
    body = (VERCEL / "ui-v6-tool-approval.sse").read_bytes()
    assert codes(body, api_version="6") == []
    five = codes(body, api_version="5")
    assert "SC202" in five  # tool-approval-request is a 6.x part
    assert "SC201" in five  # tool-input-start's `title` is a 6.x member
    # 5.x's `unknown` finish reason is not in 6.x's enum.
    assert codes((VERCEL / "ui-v5-text.sse").read_bytes(), api_version="5") == []
    assert codes((VERCEL / "ui-v5-text.sse").read_bytes(), api_version="6") == ["SC205"]


def test_block_rules() -> None:
    delta_first = [START, TEXT[1], TEXT[3], FINISH]
    assert codes(sse(*delta_first)).count("SC361") == 2
    after_end = [START, *TEXT, {"type": "text-delta", "id": "t1", "delta": "!"}, FINISH]
    assert codes(sse(*after_end)) == ["SC361"]
    tool_delta = {"type": "tool-input-delta", "toolCallId": "c1", "inputTextDelta": "{"}
    assert codes(sse(START, tool_delta, FINISH)) == ["SC361"]
    output = {"type": "tool-output-available", "toolCallId": "c9", "output": 1}
    assert codes(sse(START, output, FINISH)) == ["SC361"]
    announced = {"type": "tool-input-available", "toolCallId": "c9", "toolName": "f", "input": {}}
    assert codes(sse(START, announced, output, FINISH)) == []
    assert codes(sse(START, *TEXT[:3], FINISH)) == ["SC364"]


def test_order_rules() -> None:
    assert codes(sse(*TEXT, FINISH)) == ["SC362"]
    assert codes(sse(START, *TEXT, START, FINISH)) == ["SC362"]
    assert codes(sse(START, *TEXT, FINISH, TEXT[0])) == ["SC363"]
    late = sse(START, *TEXT, FINISH) + sse({"type": "finish-step"}, done=False)
    assert codes(late) == ["SC363"]
    assert codes(sse(START, *TEXT, FINISH, done=False)) == ["SC365"]
    assert codes(sse(START, {"type": "abort", "reason": "user"})) == []


def test_unknown_part_types_and_data_parts() -> None:
    assert codes(sse(START, {"type": "text", "text": "Hi"}, FINISH)) == ["SC366"]
    data = {"type": "data-weather", "id": "w", "data": {"temp": 21}, "transient": True}
    assert codes(sse(START, data, FINISH)) == []
    assert codes(sse(START, {**data, "transient": "yes"}, FINISH)) == ["SC201"]


def test_an_error_part_is_an_in_stream_error_and_not_also_a_truncation() -> None:
    error = {"type": "error", "errorText": "429 You exceeded your current quota"}
    report = check_bytes(sse(START, TEXT[0], error, done=False))
    (result,) = report.results
    assert [f.code for f in result.findings] == ["SC403"]
    assert result.error_class == "billing"


def test_the_cli_names_the_cut_stream_behind_a_200_and_exits_1() -> None:
    done = run_streamcheck("check", str(VERCEL / "ui-cut-behind-200.http"))
    assert done.returncode == 1, done.stderr
    assert "SC360 relay-unfinished" in done.stdout
    assert "vercel-ai/ui-message-stream/7" in done.stdout
    whole = run_streamcheck("check", str(VERCEL / "ui-v6-tool-approval.sse"))
    assert whole.returncode == 0, whole.stdout + whole.stderr


def test_the_response_header_names_the_protocol_of_a_recorded_call() -> None:
    """A HAR or cassette entry: the header picks the protocol before any frame arrives."""
    body = sse({"type": "text-start", "id": "t1"}, *TEXT[1:], FINISH)
    headers = {"content-type": "text/event-stream", "x-vercel-ai-ui-message-stream": "v1"}
    report = check_bytes(body, headers=headers, url="http://127.0.0.1:3000/api/chat")
    (result,) = report.results
    assert result.api == "ui-message-stream"
    assert [f.code for f in result.findings] == ["SC362"]


@pytest.mark.parametrize(
    ("version", "whole", "cut"),
    [
        ("5", "ui-v5-text.sse", "ui-v5-text-cut.sse"),
        ("6", "ui-v6-tool-approval.sse", "ui-v6-tool-approval-cut.sse"),
    ],
)
def test_each_major_through_the_cli_whole_passes_cut_fails(
    version: str, whole: str, cut: str
) -> None:
    done = run_streamcheck("check", str(VERCEL / whole), "--api-version", version)
    assert done.returncode == 0, done.stdout + done.stderr
    done = run_streamcheck("check", str(VERCEL / cut), "--api-version", version)
    assert done.returncode == 1 and "SC360" in done.stdout, done.stdout + done.stderr
    assert f"vercel-ai/ui-message-stream/{version}" in done.stdout

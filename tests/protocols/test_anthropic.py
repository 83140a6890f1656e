"""Anthropic Messages streaming: detection, versions, and one test per grammar rule.

Streams are built event by event so each test states the defect it plants; findings are checked
through the public surface (`check_bytes`, `check_paths`, the CLI) with their frame indexes.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamcheck import CheckOptions, Report, Severity, check_bytes, check_paths
from streamcheck.check import check_exchange
from streamcheck.model import Exchange, Request
from streamcheck.schemas import Catalog
from tests.conftest import FIXTURES, run_streamcheck

MESSAGE = {
    "id": "msg_01Canary",
    "type": "message",
    "role": "assistant",
    "content": [],
    "model": "claude-sonnet-4-5",
    "stop_reason": None,
    "stop_sequence": None,
    "usage": {"input_tokens": 9, "output_tokens": 1},
}


def ev(data: dict[str, Any], name: str | None = None) -> bytes:
    """One SSE event; the event name is the JSON type unless given."""
    return f"event: {name or data['type']}\ndata: {json.dumps(data)}\n\n".encode()


def start() -> bytes:
    return ev({"type": "message_start", "message": MESSAGE})


def block_start(index: int, block_type: str = "text", **extra: Any) -> bytes:
    block: dict[str, Any] = {"type": block_type, **extra}
    if block_type == "text":
        block.setdefault("text", "")
    if block_type in ("tool_use", "server_tool_use"):
        block.update(id=f"toolu_{index}", name=extra.get("name", "get_weather"), input={})
    if block_type == "thinking":
        block.update(thinking="", signature="")
    if block_type == "redacted_thinking":
        block.update(data="Q2FuYXJ5")
    return ev({"type": "content_block_start", "index": index, "content_block": block})


def delta(index: int, delta_type: str = "text_delta", **fields: Any) -> bytes:
    defaults = {
        "text_delta": {"text": "Hi"},
        "input_json_delta": {"partial_json": "{}"},
        "thinking_delta": {"thinking": "hmm"},
        "signature_delta": {"signature": "c2ln"},
        "citations_delta": {"citation": {"type": "char_location", "cited_text": "x"}},
    }
    body = {"type": delta_type, **defaults.get(delta_type, {}), **fields}
    return ev({"type": "content_block_delta", "index": index, "delta": body})


def block_stop(index: int) -> bytes:
    return ev({"type": "content_block_stop", "index": index})


def message_delta(stop_reason: str | None = "end_turn") -> bytes:
    return ev(
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": 5},
        }
    )


PING = ev({"type": "ping"})
STOP = ev({"type": "message_stop"})
TEXT_BLOCK = block_start(0) + delta(0) + block_stop(0)
CLEAN = start() + TEXT_BLOCK + message_delta() + STOP


def check(body: bytes, **options: Any) -> Report:
    return check_bytes(body, CheckOptions(**options))


def found(body: bytes, **options: Any) -> list[tuple[str, int | None]]:
    """(code, frame index) of every finding, in order."""
    return [(f.code, f.location.frame) for f in check(body, **options).findings()]


# -- detection and versions -----------------------------------------------------------------------


def test_clean_stream_is_detected_and_has_no_findings() -> None:
    report = check(CLEAN)
    result = report.results[0]
    assert list(report.findings()) == []
    assert (result.provider, result.api, result.api_version) == (
        "anthropic",
        "messages",
        "2023-06-01",
    )
    assert result.frames == 6


@pytest.mark.parametrize("name", ["text.sse", "tool_use.sse", "thinking.sse"])
def test_clean_fixtures_pass(name: str) -> None:
    report = check_paths([str(FIXTURES / "anthropic" / name)])
    assert [f.code for f in report.findings()] == []
    assert report.results[0].provider == "anthropic"


def test_detected_by_url_even_when_frames_are_odd() -> None:
    body = ev({"type": "content_block_stop", "index": 0})
    report = check_bytes(body, url="https://api.anthropic.com/v1/messages?beta=true")
    assert report.results[0].provider == "anthropic"
    assert ("SC309", 0) in [(f.code, f.location.frame) for f in report.findings()]


def test_detected_by_vertex_url() -> None:
    url = (
        "https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/"
        "publishers/anthropic/models/claude-sonnet-4-5:streamRawPredict"
    )
    report = check_bytes(ev({"type": "vertex_only_event"}), url=url)
    assert report.results[0].provider == "anthropic"


def test_ping_before_message_start_is_allowed() -> None:
    assert found(PING + CLEAN) == []


def test_pings_anywhere_are_allowed() -> None:
    body = start() + PING + block_start(0) + PING + delta(0) + PING + block_stop(0)
    body += PING + message_delta() + PING + STOP
    assert found(body) == []


def _tape(tmp_path: Path, body: bytes, version: str | None, times: list[float]) -> Path:
    headers = {"anthropic-version": version} if version else {}
    header = {
        "streamcheck_tape": 1,
        "provider": None,
        "api": None,
        "api_version": None,
        "request": {
            "method": "POST",
            "url": "https://api.anthropic.com/v1/messages",
            "headers": headers,
            "body": {"model": "claude-sonnet-4-5", "stream": True, "max_tokens": 16},
        },
        "response": {"status": 200, "headers": {"content-type": "text/event-stream"}},
    }
    events = [e + b"\n\n" for e in body.split(b"\n\n") if e]
    assert len(events) == len(times)
    lines = [json.dumps(header)]
    lines += [json.dumps({"t": t, "text": e.decode()}) for t, e in zip(times, events, strict=True)]
    lines.append(json.dumps({"end": "eof", "t": times[-1]}))
    path = tmp_path / "stream.tape"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_version_comes_from_the_anthropic_version_header(tmp_path: Path) -> None:
    body = start() + TEXT_BLOCK + message_delta("model_context_window_exceeded") + STOP
    times = [0.1 * i for i in range(1, 7)]
    newer = check_paths([str(_tape(tmp_path, body, "2026-10-21", times))])
    assert newer.results[0].api_version == "2026-10-21"
    assert list(newer.findings()) == []
    # The same stop_reason is not listed for 2023-06-01: a warning, never an error.
    older = check_paths([str(_tape(tmp_path, body, "2023-06-01", times))])
    assert older.results[0].api_version == "2023-06-01"
    assert [(f.code, f.severity, f.location.frame) for f in older.findings()] == [
        ("SC205", Severity.WARNING, 4)
    ]


def test_first_content_time_is_the_first_delta(tmp_path: Path) -> None:
    times = [0.2, 0.3, 1.5, 1.6, 1.7, 1.8]
    result = check_paths([str(_tape(tmp_path, CLEAN, None, times))]).results[0]
    assert result.api_version == "2023-06-01"  # no header: the default version
    assert result.timing["first_content"] == 1.5


# -- SC204 event name versus JSON type ------------------------------------------------------------


def test_event_name_differing_from_type_is_sc204() -> None:
    relabelled = ev({"type": "content_block_stop", "index": 0}, name="content_block_delta")
    body = start() + block_start(0) + delta(0) + relabelled + message_delta() + STOP
    # The JSON type decides the kind, so the grammar still sees a clean stream.
    assert found(body) == [("SC204", 3)]


# -- SC309 message_start exactly once and first ---------------------------------------------------


def test_stream_not_starting_with_message_start_is_sc309() -> None:
    assert found(TEXT_BLOCK + message_delta() + STOP) == [("SC309", 0)]


def test_second_message_start_is_sc309() -> None:
    body = start() + TEXT_BLOCK + start() + message_delta() + STOP
    assert found(body) == [("SC309", 4)]


# -- SC310 block order ----------------------------------------------------------------------------


def test_skipped_block_index_is_sc310() -> None:
    body = start() + block_start(1) + delta(1) + block_stop(1) + message_delta() + STOP
    assert found(body) == [("SC310", 1)]


def test_delta_and_stop_without_start_are_sc310() -> None:
    body = start() + TEXT_BLOCK + delta(1) + block_stop(1) + message_delta() + STOP
    assert found(body) == [("SC310", 4), ("SC310", 5)]


def test_block_started_twice_is_sc310() -> None:
    body = start() + block_start(0) + block_start(0) + block_stop(0) + message_delta() + STOP
    assert found(body) == [("SC310", 2)]


def test_block_stopped_twice_is_sc310() -> None:
    body = start() + TEXT_BLOCK + block_stop(0) + message_delta() + STOP
    assert found(body) == [("SC310", 4)]


def test_block_never_stopped_is_reported_at_message_delta() -> None:
    body = start() + block_start(0) + delta(0) + message_delta() + STOP
    assert found(body) == [("SC310", 3)]


def test_block_never_stopped_in_a_cut_stream_is_reported_at_the_end() -> None:
    findings = list(check(start() + block_start(0) + delta(0)).findings())
    assert [(f.code, f.location.frame) for f in findings] == [
        ("SC310", None),
        ("SC303", None),
        ("SC301", None),
    ]


def test_interleaved_blocks_are_allowed() -> None:
    body = start() + block_start(0) + block_start(1) + delta(0) + delta(1)
    body += block_stop(0) + block_stop(1) + message_delta() + STOP
    assert found(body) == []


# -- SC311 delta type must fit the block type -----------------------------------------------------


@pytest.mark.parametrize(
    ("block_type", "delta_type"),
    [
        ("text", "input_json_delta"),
        ("text", "thinking_delta"),
        ("tool_use", "text_delta"),
        ("server_tool_use", "citations_delta"),
        ("thinking", "text_delta"),
        ("redacted_thinking", "thinking_delta"),
    ],
)
def test_delta_type_not_matching_block_is_sc311(block_type: str, delta_type: str) -> None:
    body = start() + block_start(0, block_type) + delta(0, delta_type) + block_stop(0)
    body += message_delta() + STOP
    assert found(body) == [("SC311", 2)]


@pytest.mark.parametrize(
    ("block_type", "delta_type"),
    [
        ("text", "text_delta"),
        ("text", "citations_delta"),
        ("tool_use", "input_json_delta"),
        ("server_tool_use", "input_json_delta"),
        ("thinking", "thinking_delta"),
        ("thinking", "signature_delta"),
    ],
)
def test_delta_type_matching_block_is_clean(block_type: str, delta_type: str) -> None:
    body = start() + block_start(0, block_type) + delta(0, delta_type) + block_stop(0)
    body += message_delta() + STOP
    assert found(body) == []


def test_unknown_block_type_is_an_enum_warning_and_not_judged_by_sc311() -> None:
    body = start() + block_start(0, "hologram") + delta(0) + block_stop(0) + message_delta() + STOP
    report = check(body)
    assert [(f.code, f.location.frame) for f in report.findings()] == [("SC205", 1)]
    assert not report.failed


# -- SC305 content after a block or the message finished ------------------------------------------


def test_delta_after_block_stop_is_sc305() -> None:
    body = start() + TEXT_BLOCK + delta(0) + delta(0) + message_delta() + STOP
    assert found(body) == [("SC305", 4)]  # reported once per block


def test_block_after_message_delta_is_sc305() -> None:
    body = start() + TEXT_BLOCK + message_delta() + block_start(1) + block_stop(1) + STOP
    assert found(body) == [("SC305", 5)]


# -- SC303 / SC304 stop_reason --------------------------------------------------------------------


def test_no_message_delta_is_sc303_at_message_stop() -> None:
    assert found(start() + TEXT_BLOCK + STOP) == [("SC303", 4)]


def test_null_stop_reason_is_sc303() -> None:
    assert found(start() + TEXT_BLOCK + message_delta(None) + STOP) == [("SC303", 5)]


def test_second_stop_reason_is_sc304() -> None:
    body = start() + TEXT_BLOCK + message_delta() + message_delta("max_tokens") + STOP
    assert found(body) == [("SC304", 5)]


def test_unknown_stop_reason_is_an_sc205_warning() -> None:
    report = check(start() + TEXT_BLOCK + message_delta("daydreaming") + STOP)
    findings = list(report.findings())
    assert [(f.code, f.location.frame, f.location.path) for f in findings] == [
        ("SC205", 4, "/delta/stop_reason")
    ]
    assert findings[0].severity == Severity.WARNING


# -- SC301 / SC302 message_stop last --------------------------------------------------------------


def test_missing_message_stop_is_sc301() -> None:
    assert found(start() + TEXT_BLOCK + message_delta()) == [("SC301", None)]


def test_frames_after_message_stop_are_sc302_once() -> None:
    assert found(CLEAN + PING + STOP) == [("SC302", 6)]


# -- SC403 / SC404 in-stream errors ---------------------------------------------------------------


def _error(error_type: str = "overloaded_error", message: str = "Overloaded") -> bytes:
    return ev({"type": "error", "error": {"type": error_type, "message": message}})


def test_error_event_mid_stream_is_sc403_and_ends_the_stream() -> None:
    report = check(start() + block_start(0) + delta(0) + _error())
    result = report.results[0]
    assert [(f.code, f.location.frame) for f in result.findings] == [("SC403", 3)]
    assert result.error_class == "overloaded"
    assert "overloaded_error" in result.findings[0].message
    assert "after 1 content event" in result.findings[0].message


@pytest.mark.parametrize(
    ("error_type", "message", "klass"),
    [
        ("api_error", "Internal server error", "server-error"),
        ("rate_limit_error", "Number of request tokens has exceeded your rate limit", "rate-limit"),
    ],
)
def test_error_event_is_classified(error_type: str, message: str, klass: str) -> None:
    report = check(start() + _error(error_type, message))
    assert report.results[0].error_class == klass


def test_error_event_as_the_only_frame_is_detected_as_anthropic() -> None:
    result = check(_error()).results[0]
    assert result.provider == "anthropic"
    assert [f.code for f in result.findings] == ["SC403"]


def test_message_stop_after_error_is_sc404() -> None:
    body = start() + block_start(0) + _error() + STOP
    assert found(body) == [("SC403", 2), ("SC404", 3)]


def test_frames_after_error_are_sc302() -> None:
    body = start() + _error() + block_start(0)
    assert found(body) == [("SC403", 1), ("SC302", 2)]


# -- SC308 tool input fragments join to JSON ------------------------------------------------------


def test_partial_json_that_does_not_join_is_sc308() -> None:
    body = start() + block_start(0, "tool_use")
    body += delta(0, "input_json_delta", partial_json='{"city": "Par')
    body += delta(0, "input_json_delta", partial_json="is")
    body += block_stop(0) + message_delta("tool_use") + STOP
    findings = list(check(body).findings())
    assert [(f.code, f.location.frame) for f in findings] == [("SC308", 4)]
    assert "get_weather" in findings[0].message


def test_partial_json_fragments_joining_to_json_are_clean() -> None:
    body = start() + block_start(0, "server_tool_use", name="web_search")
    for part in ("", '{"query": ', '"weather in Paris"', "}"):
        body += delta(0, "input_json_delta", partial_json=part)
    body += block_stop(0) + message_delta("tool_use") + STOP
    assert found(body) == []


def test_empty_tool_input_is_clean() -> None:
    body = start() + block_start(0, "tool_use") + delta(0, "input_json_delta", partial_json="")
    body += block_stop(0) + message_delta("tool_use") + STOP
    assert found(body) == []


def test_cut_tool_input_is_reported_at_the_end() -> None:
    body = start() + block_start(0, "tool_use")
    body += delta(0, "input_json_delta", partial_json='{"city": ')
    assert [c for c, _ in found(body)] == ["SC308", "SC310", "SC303", "SC301"]


# -- schema findings ------------------------------------------------------------------------------


def test_unknown_event_type_is_an_sc202_warning() -> None:
    body = start() + ev({"type": "content_block_citation", "index": 0}) + TEXT_BLOCK
    body += message_delta() + STOP
    report = check(body)
    assert [(f.code, f.location.frame) for f in report.findings()] == [("SC202", 1)]
    assert not report.failed


def test_missing_required_field_is_sc201() -> None:
    bad = ev({"type": "message_delta", "delta": {"stop_reason": "end_turn"}})
    findings = list(check(start() + TEXT_BLOCK + bad + STOP).findings())
    assert [(f.code, f.location.frame) for f in findings] == [("SC201", 4)]
    assert "usage" in findings[0].message


def test_text_delta_without_text_is_sc201() -> None:
    bad = ev({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta"}})
    body = start() + block_start(0) + bad + block_stop(0) + message_delta() + STOP
    assert found(body) == [("SC201", 2)]


def test_done_sentinel_is_not_anthropic() -> None:
    # Anthropic dropped `data: [DONE]` in 2023-06-01; a gateway that adds it sends non-JSON.
    assert [c for c, _ in found(CLEAN + b"data: [DONE]\n\n")] == ["SC103"]


# -- error bodies and the CLI end to end ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "klass"), [("401-authentication.http", "auth"), ("529-overloaded.http", "overloaded")]
)
def test_error_body_fixtures_are_classified(name: str, klass: str) -> None:
    result = check_paths([str(FIXTURES / "anthropic" / name)]).results[0]
    assert (result.provider, result.error_class) == ("anthropic", klass)
    assert [f.code for f in result.findings] == ["SC401"]


def test_cli_passes_a_clean_fixture() -> None:
    done = run_streamcheck("check", "fixtures/anthropic/tool_use.sse")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK" in done.stdout


def test_cli_fails_the_overloaded_fixture_with_json_output() -> None:
    done = run_streamcheck(
        "check", "--format", "json", "fixtures/anthropic/overloaded-mid-stream.sse"
    )
    assert done.returncode == 1, done.stderr
    [result] = json.loads(done.stdout)["results"]
    assert (result["provider"], result["api_version"]) == ("anthropic", "2023-06-01")
    assert result["error_class"] == "overloaded"
    assert [(f["code"], f["location"]["frame"]) for f in result["findings"]] == [("SC403", 3)]


def test_cli_reads_an_anthropic_stream_from_stdin() -> None:
    done = run_streamcheck("check", "-", input=start() + block_start(0) + delta(0))
    assert done.returncode == 1
    assert "SC301" in done.stdout and "SC310" in done.stdout


def test_huge_tool_input_is_not_held_in_memory() -> None:
    # Over the cap the input goes unchecked instead of growing memory without bound.
    body = start() + block_start(0, "tool_use")
    piece = "x" * 65536
    body += delta(0, "input_json_delta", partial_json='{"file": "')
    body += b"".join(delta(0, "input_json_delta", partial_json=piece) for _ in range(20))
    body += block_stop(0) + message_delta("tool_use") + STOP
    assert found(body) == []


@settings(max_examples=40, deadline=None)
@given(cuts=st.lists(st.integers(min_value=1, max_value=len(CLEAN) - 1), max_size=12))
def test_any_split_of_the_body_gives_the_same_findings(cuts: list[int]) -> None:
    body = start() + block_start(0) + delta(0) + delta(1) + block_stop(0) + message_delta() + STOP
    points = [0, *sorted(set(cuts)), len(body)]
    chunks = [(body[a:b], None) for a, b in itertools.pairwise(points) if b > a]
    exchange = Exchange("<split>", 0, Request(), 200, {}, chunks)
    result = check_exchange(exchange, CheckOptions(), Catalog())
    assert [(f.code, f.location.frame) for f in result.findings] == [("SC310", 3)]


def test_a_delta_kind_gets_the_same_hint_object_every_time() -> None:
    """Hints are made at their first use and kept: frames.handle counts a hint's frames by its
    id, so each text member (placed in a block or not) must return one object, not a new one."""
    from streamcheck.model import Frame, Location
    from streamcheck.protocols.anthropic import MessagesStream
    from streamcheck.protocols.base import Context

    found: list[object] = []
    stream = MessagesStream(
        Context(location=Location(source="t"), emit=found.append, api_version="2023-06-01")
    )
    events: list[dict[str, Any]] = [
        {"type": "message_start", "message": {}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text"}},
        *[
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": t}}
            for t in "ab"
        ],
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "thinking"}},
        *[
            {
                "type": "content_block_delta",
                "index": 1,
                "delta": {"type": "thinking_delta", "thinking": t},
            }
            for t in "ab"
        ],
        *[
            {"type": "content_block_delta", "delta": {"type": "text_delta", "text": t}}
            for t in "ab"
        ],
    ]
    hints = []
    for number, value in enumerate(events):
        hint = stream.frame(Frame(number, 0, 1, b"", value["type"]), value, value["type"])
        if hint is not None:
            hints.append(hint)
    text, text_again, thinking, thinking_again, unplaced, unplaced_again = hints
    assert text is text_again and thinking is thinking_again and unplaced is unplaced_again
    assert text[0] == (("delta", "text"),) and thinking[0] == (("delta", "thinking"),)
    assert unplaced[0] == (("delta", "text"),) and unplaced[1] != text[1]
    assert found == []

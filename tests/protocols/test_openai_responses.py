"""OpenAI Responses streams through the public API: detection, schemas, grammar, errors."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from streamcheck import Severity, check_bytes, check_paths
from tests.conftest import FIXTURES, needs_shared, run_in_process, run_streamcheck

MSG = {"id": "msg_1", "type": "message", "status": "in_progress", "role": "assistant"}
RESPONSE = {
    "id": "resp_1",
    "object": "response",
    "created_at": 1764028800,
    "status": "in_progress",
    "model": "gpt-4o-mini",
    "output": [],
}
TEXT = {"item_id": "msg_1", "output_index": 0, "content_index": 0}


def events() -> list[dict[str, Any]]:
    """A clean text answer, numbered from 0."""
    done = {**RESPONSE, "status": "completed", "output": [{**MSG, "status": "completed"}]}
    body: list[dict[str, Any]] = [
        {"type": "response.created", "response": RESPONSE},
        {"type": "response.in_progress", "response": RESPONSE},
        {"type": "response.output_item.added", "output_index": 0, "item": MSG},
        {"type": "response.content_part.added", **TEXT, "part": {"type": "output_text"}},
        {"type": "response.output_text.delta", **TEXT, "delta": "Hi", "logprobs": []},
        {"type": "response.output_text.delta", **TEXT, "delta": "!", "logprobs": []},
        {"type": "response.output_text.done", **TEXT, "text": "Hi!", "logprobs": []},
        {"type": "response.content_part.done", **TEXT, "part": {"type": "output_text"}},
        {"type": "response.output_item.done", "output_index": 0, "item": MSG},
        {"type": "response.completed", "response": done},
    ]
    return [{**e, "sequence_number": n} for n, e in enumerate(body)]


def sse(items: list[dict[str, Any]], *, names: bool = True) -> bytes:
    out = b""
    for item in items:
        if names:
            out += b"event: " + str(item["type"]).encode() + b"\n"
        out += b"data: " + orjson.dumps(item) + b"\n\n"
    return out


def findings(body: bytes, **kwargs: Any) -> list[tuple[str, Severity, str]]:
    report = check_bytes(body, **kwargs)
    return [(f.code, f.severity, f.message) for f in report.findings()]


def codes(body: bytes, **kwargs: Any) -> list[str]:
    return [code for code, _, _ in findings(body, **kwargs)]


def test_clean_stream_is_detected_and_has_no_findings() -> None:
    report = check_bytes(sse(events()))
    result = report.results[0]
    assert (result.provider, result.api, result.api_version) == ("openai", "responses", "2.3.0")
    assert result.frames == 10
    assert list(report.findings()) == []


def test_detected_from_the_url_too() -> None:
    result = check_bytes(sse(events()), url="https://api.openai.com/v1/responses").results[0]
    assert result.api == "responses"


def test_launch_shape_without_sequence_numbers_uses_the_legacy_schemas() -> None:
    old = [
        {k: v for k, v in e.items() if k not in ("sequence_number", "logprobs")} for e in events()
    ]
    report = check_bytes(sse(old))
    assert report.results[0].api_version == "2025-03"
    # The fallback is said once (aimock's streams were judged by it without a word).
    assert [(f.code, f.severity) for f in report.findings()] == [("SC902", Severity.INFO)]
    (note,) = report.findings()
    assert "2025-03" in note.message and "sequence_number" in note.message


def test_the_version_fallback_is_said_through_the_cli_and_a_named_version_is_not() -> None:
    old = [{k: v for k, v in e.items() if k != "sequence_number"} for e in events()]
    done = run_streamcheck("check", "-", "--format", "json", input=sse(old))
    assert done.returncode == 0, done.stdout
    found = [f for r in orjson.loads(done.stdout)["results"] for f in r["findings"]]
    assert [f["code"] for f in found] == ["SC902"]
    assert "judged by the openai responses 2025-03 schemas" in found[0]["message"]
    named = run_streamcheck(
        "check", "-", "--format", "json", "--api-version", "2025-03", input=sse(old)
    )
    assert [f for r in orjson.loads(named.stdout)["results"] for f in r["findings"]] == []


def test_current_version_requires_sequence_number_when_named() -> None:
    old = [{k: v for k, v in e.items() if k != "sequence_number"} for e in events()]
    from streamcheck import CheckOptions

    found = codes(sse(old), options=CheckOptions(api_version="2.3.0"))
    assert "SC201" in found


def test_event_name_and_type_disagree() -> None:
    body = sse(events()).replace(b"event: response.in_progress\n", b"event: response.queued\n", 1)
    [(code, severity, message)] = findings(body)
    assert code == "SC204" and severity is Severity.WARNING
    assert "response.queued" in message and "response.in_progress" in message


def test_data_only_events_with_comments_and_done_are_accepted() -> None:
    # OpenRouter: keep-alive comments, no event lines, data: [DONE] after the terminal event.
    body = b": OPENROUTER PROCESSING\n\n" + sse(events(), names=False) + b"data: [DONE]\n\n"
    assert codes(body) == []


def test_first_event_must_be_response_created() -> None:
    assert codes(sse(events()[1:])) == ["SC309", "SC331"]


def test_a_resumed_stream_may_start_mid_way() -> None:
    url = "https://api.openai.com/v1/responses/resp_1?starting_after=3&stream=true"
    assert codes(sse(events()[4:]), url=url) == []


def test_sequence_number_going_back_is_an_error_and_a_gap_a_warning() -> None:
    items = events()
    items.insert(6, items[4])  # a gateway replayed event 4 after event 5
    assert codes(sse(items)) == ["SC315"]
    gap = events()
    del gap[4]
    [(code, severity, message)] = findings(sse(gap))
    assert (code, severity) == ("SC331", Severity.WARNING) and "1 events missing" in message


def test_delta_for_an_item_never_opened_or_already_done() -> None:
    items = events()
    items[4]["item_id"] = "msg_other"
    items[4]["output_index"] = 1  # no item is open there either
    assert codes(sse(items)) == ["SC330"]
    # At the output_index its item was opened at, another id is a rotated id (SC339): the
    # official accumulator joins by output_index, so the answer is whole.
    items[4]["output_index"] = 0
    assert findings(sse(items))[0][:2] == ("SC339", Severity.WARNING)
    late = events()
    late[5], late[8] = late[8], late[5]
    for n, item in enumerate(late):
        item["sequence_number"] = n
    assert "SC330" in codes(sse(late))


def renumbered(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**item, "sequence_number": n} for n, item in enumerate(items)]


def test_text_before_its_content_part_was_added() -> None:
    """openai-python's responses.stream() raises IndexError on output.content[content_index]."""
    items = renumbered([e for e in events() if e["type"] != "response.content_part.added"])
    found = findings(sse(items))
    assert [(code, severity) for code, severity, _ in found] == [("SC332", Severity.ERROR)]
    assert (
        "content part 0 of item msg_1, which no response.content_part.added opened" in found[0][2]
    )


def test_text_after_its_content_part_was_done_is_a_warning() -> None:
    items = events()
    items[6], items[7] = items[7], items[6]  # output_text.done after content_part.done
    found = findings(sse(renumbered(items)))
    assert [(code, severity) for code, severity, _ in found] == [("SC332", Severity.WARNING)]
    assert "after the part was done" in found[0][2]


def test_a_part_is_reported_once_and_other_indexes_separately() -> None:
    items = renumbered([e for e in events() if e["type"] != "response.content_part.added"])
    second = {**items[3], "content_index": 1}
    found = codes(sse(renumbered([*items[:5], second, *items[5:]])))
    assert found == ["SC332", "SC332"]


def test_reasoning_summary_text_needs_its_summary_part() -> None:
    reasoning = {"id": "rs_1", "type": "reasoning", "summary": []}
    part = {"item_id": "rs_1", "output_index": 0, "summary_index": 0}
    body = [
        events()[0],
        {"type": "response.output_item.added", "output_index": 0, "item": reasoning},
        {"type": "response.reasoning_summary_part.added", **part, "part": {"type": "summary_text"}},
        {"type": "response.reasoning_summary_text.delta", **part, "delta": "Thinking"},
        {"type": "response.reasoning_summary_text.done", **part, "text": "Thinking"},
        {"type": "response.reasoning_summary_part.done", **part, "part": {"type": "summary_text"}},
        {"type": "response.output_item.done", "output_index": 0, "item": reasoning},
        events()[-1],
    ]
    assert "SC332" not in codes(sse(renumbered(body)))
    del body[2]
    assert "SC332" in codes(sse(renumbered(body)))


def test_a_response_that_ends_on_its_reasoning_is_noted() -> None:
    """open-webui#28871: clients waiting for the answer after reasoning break."""
    reasoning = {"id": "rs_1", "type": "reasoning", "summary": []}
    incomplete = {
        **RESPONSE,
        "status": "incomplete",
        "incomplete_details": {"reason": "max_output_tokens"},
    }
    body = [
        events()[0],
        {"type": "response.output_item.added", "output_index": 0, "item": reasoning},
        {"type": "response.output_item.done", "output_index": 0, "item": reasoning},
        {"type": "response.incomplete", "response": incomplete},
    ]
    [(code, severity, message)] = findings(sse(renumbered(body)))
    assert (code, severity) == ("SC335", Severity.INFO)
    assert message.startswith("response.incomplete (max_output_tokens) arrived")
    # A message after the reasoning is the normal shape.
    answer = [*body[:3], *events()[2:9], events()[-1]]
    assert "SC335" not in codes(sse(renumbered(answer)))


def test_cut_stream_has_no_terminal_event() -> None:
    [(code, _, message)] = findings(sse(events()[:6]))
    assert code == "SC301" and "still open: 1" in message


def test_frames_after_the_terminal_event() -> None:
    extra = {**events()[4], "sequence_number": 10}
    assert codes(sse([*events(), extra])) == ["SC302"]


def test_in_stream_error_event_is_terminal_and_classified() -> None:
    error = {
        "type": "error",
        "code": "rate_limit_exceeded",
        "message": "Rate limit reached for gpt-4o",
        "param": None,
        "sequence_number": 5,
    }
    report = check_bytes(sse([*events()[:5], error]))
    assert [f.code for f in report.findings()] == ["SC403"]
    assert report.results[0].error_class == "rate-limit"


def test_response_failed_is_an_in_stream_failure() -> None:
    failed = {
        "type": "response.failed",
        "sequence_number": 5,
        "response": {
            **RESPONSE,
            "status": "failed",
            "error": {"code": "server_error", "message": "The server had an error"},
        },
    }
    report = check_bytes(sse([*events()[:5], failed]))
    assert [f.code for f in report.findings()] == ["SC403"]
    assert report.results[0].error_class == "server-error"


def test_incomplete_is_a_normal_terminal_event() -> None:
    items = events()
    items[-1] = {
        "type": "response.incomplete",
        "sequence_number": 9,
        "response": {
            **RESPONSE,
            "status": "incomplete",
            "incomplete_details": {"reason": "max_output_tokens"},
        },
    }
    assert codes(sse(items)) == []


@pytest.mark.parametrize("status", ["incomplete", "failed"])
def test_completed_carrying_an_unfinished_status_fails_through_the_cli(status: str) -> None:
    """aimock sent `response.completed` whose response says `incomplete` / `failed`: the
    terminal event's own status decides, so the run fails (it passed with exit 0 before)."""
    items = events()
    items[-1]["response"] = {**items[-1]["response"], "status": status}
    done = run_streamcheck("check", "-", "--format", "json", input=sse(items))
    assert done.returncode == 1, done.stdout
    found = [f for r in orjson.loads(done.stdout)["results"] for f in r["findings"]]
    assert [(f["code"], f["severity"]) for f in found] == [("SC337", "error")]
    assert status in found[0]["message"]
    text = run_streamcheck("check", "-", input=sse(items)).stdout
    assert "fix: The server mislabels the terminal event" in text


def test_unknown_event_type_is_a_warning_only() -> None:
    items = events()
    items.insert(3, {"type": "response.brand_new.thing", "sequence_number": 3})
    for n, item in enumerate(items):
        item["sequence_number"] = n
    [(code, severity, _)] = findings(sse(items))
    assert (code, severity) == ("SC202", Severity.WARNING)


def test_missing_required_member_is_a_schema_violation() -> None:
    items = events()
    del items[4]["item_id"]
    [(code, _, message)] = findings(sse(items))
    assert code == "SC201" and "item_id" in message


def test_bad_status_enum_in_the_response_object() -> None:
    items = events()
    items[0]["response"] = {**RESPONSE, "status": "running"}
    assert codes(sse(items)) == ["SC205"]


@pytest.mark.parametrize("code", ["SC315", "SC330", "SC331", "SC332", "SC335", "SC337", "SC339"])
def test_rule_fixtures(code: str) -> None:
    folder = FIXTURES / "rules" / code
    bad = {f.code for f in check_paths([str(folder / "bad.sse")]).findings()}
    good = {f.code for f in check_paths([str(folder / "good.sse")]).findings()}
    assert code in bad and code not in good


def corpus_paths(api: str, provider: str | None = None) -> list[str]:
    """Cassettes of the shared corpus whose MANIFEST row names this API (and provider)."""
    import glob

    from tests.conftest import CORPUS

    rows = [line.split("\t") for line in (CORPUS / "MANIFEST.tsv").read_text().splitlines()[1:]]
    return [
        glob.escape(str(CORPUS / row[0]))
        for row in rows
        if row[6] == api and (provider is None or row[5] == provider)
    ]


@needs_shared
def test_real_responses_streams_are_clean() -> None:
    report = check_paths(corpus_paths("responses"))
    streams = [r for r in report.results if r.framing == "sse"]
    assert len(streams) >= 40
    assert {(r.provider, r.api) for r in streams} == {("openai", "responses")}
    dirty = {
        f"{r.source}#{r.index}": codes
        for r in streams
        if (codes := [f.code for f in r.findings if f.code != "SC902"])
    }
    assert dirty == {}
    # The 2025-03 launch recordings carry no sequence_number and get the legacy schemas, and
    # say so: one SC902 note naming the version chosen, on those and on no other stream.
    assert {r.api_version for r in streams} == {"2.3.0", "2025-03"}
    for r in streams:
        notes = [f for f in r.findings if f.code == "SC902"]
        assert len(notes) == (r.api_version == "2025-03"), (r.source, notes)


def test_rotated_item_ids_are_weighed_by_what_openai_python_does() -> None:
    """GitHub Copilot's Responses endpoint gives every event of one item another id. The real
    openai-python accumulator joins deltas by output_index (the answer arrives whole: a warning,
    was SC330 errors) but raises when output_item.done changes the item's id (an error)."""
    from tests.protocols.test_openai_sdk_differential import sdk_for

    rotated = FIXTURES / "openai" / "responses-rotated-item-ids.sse"
    with sdk_for(rotated).responses.stream(model="gpt-5", input="Hi") as events:
        assert events.get_final_response().output_text == "Hello!"
    done = run_in_process("check", str(rotated), "--format", "json")
    assert done.returncode == 0, done.stdout
    [result] = orjson.loads(done.stdout)["results"]
    assert [(f["code"], f["severity"]) for f in result["findings"]] == [("SC339", "warning")]
    assert "GitHub Copilot" in result["findings"][0]["message"]

    renamed = FIXTURES / "rules" / "SC339" / "bad.sse"
    with (
        pytest.raises(RuntimeError, match="identity changed"),
        sdk_for(renamed).responses.stream(model="gpt-5", input="Hi") as events,
    ):
        events.get_final_response()
    done = run_in_process("check", str(renamed), "--format", "json")
    assert done.returncode == 1
    [result] = orjson.loads(done.stdout)["results"]
    found = {(f["code"], f["severity"]) for f in result["findings"]}
    assert found == {("SC339", "warning"), ("SC339", "error")}

"""Recordings other projects made (issue 11), one class of false alarm per test, through the CLI:
sniffing by structure, recorders that damaged or stripped the SSE framing, APIs streamcheck
does not implement, OpenAI-compatible dialects weighed by what openai-python does, and SC308
under finish_reason "tool_calls"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURES, run_streamcheck

CHAT = "https://api.openai.com/v1/chat/completions"
STREAM = json.dumps({"model": "m", "messages": [], "stream": True})


def payloads(sse: str) -> list[str]:
    """What a payload-only recorder keeps of an SSE body: each event's data, minus [DONE]."""
    return [
        line[6:] for line in sse.splitlines() if line.startswith("data: ") and "[DONE]" not in line
    ]


def chunk(delta: dict[str, Any], finish: str | None = None, **top: Any) -> str:
    value = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **top,
    }
    return json.dumps(value)


def sse(*data: str) -> str:
    return "".join(f"data: {d}\n\n" for d in data)


def cassette(
    tmp_path: Path,
    body: str,
    *,
    url: str = CHAT,
    content_type: str = "text/event-stream",
    name: str = "c.json",
) -> Path:
    """A vcrpy JSON cassette of one streamed call."""
    interaction = {
        "request": {"method": "POST", "uri": url, "body": STREAM, "headers": {}},
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": [content_type]},
            "body": {"string": body},
        },
    }
    path = tmp_path / name
    path.write_text(json.dumps({"interactions": [interaction], "version": 1}))
    return path


def check(path: Path, *flags: str) -> tuple[int, list[dict[str, Any]]]:
    done = run_streamcheck("check", str(path), "--format", "json", *flags)
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    return done.returncode, json.loads(done.stdout)["results"]


def codes(result: dict[str, Any], severity: str | None = None) -> list[str]:
    return [f["code"] for f in result["findings"] if severity in (None, f["severity"])]


# -- 1. sniffing by structure -----------------------------------------------------------------


def test_ndjson_whose_first_line_is_longer_than_any_sniff_budget(tmp_path: Path) -> None:
    lines = payloads((FIXTURES / "gemini" / "clean-alt-sse.sse").read_text())
    first = json.loads(lines[0])
    first["candidates"][0]["content"]["parts"].append({"thoughtSignature": "s" * 20000})
    path = tmp_path / "gemini.ndjson"
    path.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    code, [result] = check(path)
    assert code == 0, result
    assert (result["framing"], result["provider"]) == ("ndjson", "gemini")
    assert "SC402" not in codes(result)


# -- 2. recorders that stripped or damaged the framing ------------------------------------------


def test_payload_only_openai_chat_gets_one_note_and_no_sc301(tmp_path: Path) -> None:
    body = "\n".join(payloads((FIXTURES / "openai" / "text-answer.sse").read_text())) + "\n"
    code, [result] = check(cassette(tmp_path, body))
    assert code == 0, result
    assert result["framing"] == "ndjson"
    assert codes(result) == ["SC902"]
    assert "cannot show whether data: [DONE] came" in result["findings"][0]["message"]


def test_payload_only_chunks_as_a_json_array_are_not_sc301_for_any_chat_api(
    tmp_path: Path,
) -> None:
    """A recorder or fixture that kept the parsed chunks as one JSON array cannot hold
    `data: [DONE]` either: the stripped-framing rule holds for every API that ends with it
    (was SC301, exit 1, for OpenAI, Azure and every compatible dialect)."""
    lines = payloads((FIXTURES / "openai" / "text-answer.sse").read_text())
    path = tmp_path / "chunks.json"
    path.write_text("[" + ",".join(lines) + "]")
    for provider in ("openai", "azure-openai", "vllm", "groq", "openrouter"):
        code, [result] = check(path, "--provider", provider)
        assert code == 0 and result["framing"] == "jsonarray", (provider, result)
        assert codes(result) == ["SC902"], provider
        assert "as one JSON array" in result["findings"][0]["message"]
    # Everything else is still judged: the same array without its finish chunk is cut.
    cut = [line for line in lines if '"finish_reason":null' in line.replace(" ", "")]
    path.write_text("[" + ",".join(cut) + "]")
    code, [result] = check(path)
    assert code == 1 and "SC303" in codes(result, "error") and "SC301" not in codes(result)


def test_payload_only_responses_calls_in_a_row_are_one_exchange_each(tmp_path: Path) -> None:
    """An agent loop recorded payloads only, call after call, into one file: a new
    response.created with a new response id after response.completed starts the next call
    (was one exchange with SC302 'frames after the terminator', exit 1)."""
    from tests.protocols.test_openai_responses import events

    calls = []
    for rid in ("resp_1", "resp_2", "resp_3"):
        for event in events():
            if "response" in event:
                event = {**event, "response": {**event["response"], "id": rid}}
            calls.append(json.dumps(event))
    path = tmp_path / "agent.jsonl"
    path.write_text("\n".join(calls) + "\n")
    code, results = check(path)
    assert code == 0, results
    assert [(r["api"], r["frames"]) for r in results] == [("responses", 10)] * 3
    notes = [f["message"] for r in results for f in r["findings"] if "calls" in f["message"]]
    assert len(notes) == 3 and "call 2, from line 11" in notes[1]
    assert all(set(codes(r)) == {"SC902"} for r in results)
    # One HTTP body (SSE framing) holding a second response is still the defect it is.
    path = tmp_path / "joined.sse"
    path.write_text("".join(f"data: {c}\n\n" for c in calls))
    code, [result] = check(path)
    assert code == 1 and "SC302" in codes(result, "error")
    # A repeated response.created (same id) is a replay, not a new call.
    path = tmp_path / "replayed.jsonl"
    path.write_text("\n".join(calls[:10] + calls[:10]) + "\n")
    code, [result] = check(path)
    assert code == 1 and "SC302" in codes(result, "error")


def test_payload_only_recording_is_still_judged(tmp_path: Path) -> None:
    """Everything the recording can show is checked: here the finish never came."""
    lines = payloads((FIXTURES / "openai" / "text-answer.sse").read_text())
    cut = [line for line in lines if '"finish_reason":null' in line.replace(" ", "")]
    code, [result] = check(cassette(tmp_path, "\n".join(cut) + "\n"))
    assert code == 1
    assert "SC303" in codes(result, "error") and "SC301" not in codes(result)


def test_payload_only_anthropic_is_told_apart_by_type(tmp_path: Path) -> None:
    lines = payloads((FIXTURES / "anthropic" / "text.sse").read_text())
    url = "https://api.anthropic.com/v1/messages"
    code, [result] = check(cassette(tmp_path, "\n".join(lines) + "\n", url=url))
    assert code == 0, result
    assert result["provider"] == "anthropic" and codes(result) == ["SC902"]
    # message_stop is a JSON payload such a recording can hold: its absence is still found.
    code, [result] = check(cassette(tmp_path, "\n".join(lines[:-1]) + "\n", url=url))
    assert code == 1 and "SC301" in codes(result, "error")


def test_events_without_blank_lines_are_judged_one_line_each(tmp_path: Path) -> None:
    data = [chunk({"role": "assistant", "content": ""}), chunk({"content": "Hi"})]
    path = tmp_path / "joined.txt"
    path.write_text("".join(f"data: {d}\n" for d in [*data, chunk({}, "stop"), "[DONE]"]))
    code, [result] = check(path)
    assert code == 0, result
    assert result["frames"] == 4 and codes(result) == ["SC902"]
    # The same recording without its finish chunk: the defect is still caught.
    path.write_text("".join(f"data: {d}\n" for d in data))
    code, [result] = check(path)
    assert code == 1 and "SC303" in codes(result, "error")


def test_file_trimmed_after_the_terminator_is_no_cut_event(tmp_path: Path) -> None:
    body = sse(chunk({"role": "assistant", "content": ""}), chunk({}, "stop")) + "data: [DONE]"
    path = tmp_path / "trimmed.sse"
    path.write_text(body)
    code, [result] = check(path)
    assert code == 0, result
    assert codes(result) == ["SC902"]
    # A content event cut off that way is lost to every SSE client: SC101 stands.
    path.write_text(sse(chunk({"role": "assistant", "content": ""})) + "data: " + chunk({}, "stop"))
    code, [result] = check(path)
    assert code == 1 and "SC101" in codes(result, "error")


# -- 3. APIs streamcheck does not implement ------------------------------------------------------


def unknown_api_result(tmp_path: Path, url: str, body: str, content_type: str) -> dict[str, Any]:
    code, [result] = check(cassette(tmp_path, body, url=url, content_type=content_type))
    assert code == 0, result
    # SC901, and never another API's schema or grammar (SC2xx, SC3xx).
    assert "SC901" in codes(result)
    assert not [c for c in codes(result) if c.startswith(("SC2", "SC3"))], result
    return result


def test_google_interactions_api_is_unknown(tmp_path: Path) -> None:
    events = [
        ("interaction.created", {"interaction": {"id": "v1_1", "status": "in_progress"}}),
        ("step.start", {"index": 0, "step": {"type": "model_output", "content": []}}),
        ("step.delta", {"index": 0, "delta": {"type": "text", "text": "Hi"}}),
        ("step.stop", {"index": 0}),
        ("interaction.completed", {"interaction": {"id": "v1_1", "status": "completed"}}),
    ]
    body = "".join(
        f"event: {name}\ndata: {json.dumps({**value, 'event_type': name})}\n\n"
        for name, value in events
    )
    url = "https://generativelanguage.googleapis.com/v1beta/interactions?alt=sse"
    result = unknown_api_result(tmp_path, url, body, "text/event-stream")
    assert result["provider"] == "gemini"


def test_cohere_v1_generate_is_not_judged_by_the_chat_grammar(tmp_path: Path) -> None:
    frames = [
        {"text": "Hel", "is_finished": False},
        {"text": "lo", "is_finished": False},
        {
            "is_finished": True,
            "finish_reason": "COMPLETE",
            "response": {"id": "g1", "generations": [{"id": "x", "text": "Hello"}]},
        },
    ]
    body = "".join(json.dumps(f) + "\n" for f in frames)
    unknown_api_result(
        tmp_path, "https://api.cohere.com/v1/generate", body, "application/stream+json"
    )


def test_made_up_sse_api_gets_framing_checks_only(tmp_path: Path) -> None:
    body = sse(json.dumps({"foo": 1}), json.dumps({"foo": 2, "bar": "done"}))
    result = unknown_api_result(
        tmp_path, "https://api.example.test/v1/foo", body, "text/event-stream"
    )
    assert result["provider"] is None
    # Framing is still checked: a cut last event is reported.
    path = cassette(tmp_path, body + 'data: {"foo": 3', url="https://api.example.test/v1/foo")
    code, [cut] = check(path)
    assert code == 1 and "SC101" in codes(cut, "error")


def test_anthropic_legacy_text_completions_is_not_judged_as_messages(tmp_path: Path) -> None:
    events = [
        ("completion", {"type": "completion", "completion": " Hi", "stop_reason": None}),
        ("ping", {"type": "ping"}),
        ("completion", {"type": "completion", "completion": "", "stop_reason": "stop_sequence"}),
    ]
    body = "".join(f"event: {n}\ndata: {json.dumps(v)}\n\n" for n, v in events)
    unknown_api_result(tmp_path, "https://api.anthropic.com/v1/complete", body, "text/event-stream")


# -- 4. dialects, weighed by what openai-python does --------------------------------------------


def test_mistral_tool_call_without_index_warns_naming_the_accumulator(tmp_path: Path) -> None:
    call = {"id": "c1", "function": {"name": "f", "arguments": '{"a": 1}'}}
    body = sse(
        chunk({"role": "assistant", "content": ""}),
        chunk({"tool_calls": [call]}, "tool_calls"),
        "[DONE]",
    )
    code, [result] = check(
        cassette(tmp_path, body, url="https://api.mistral.ai/v1/chat/completions")
    )
    assert code == 0, result
    [warning] = [f for f in result["findings"] if f["code"] == "SC201"]
    assert warning["severity"] == "warning"
    assert "client.chat.completions.stream()" in warning["hint"]
    # From OpenAI itself the same chunk is a defect.
    code, [result] = check(cassette(tmp_path, body))
    assert code == 1 and "SC201" in codes(result, "error")


def test_documented_omissions_of_a_compatible_server_are_no_finding(tmp_path: Path) -> None:
    def bare(delta: dict[str, Any], finish: str | None = None) -> str:
        value = json.loads(chunk(delta, finish))
        del value["created"]  # and no system_fingerprint, no logprobs
        return json.dumps(value)

    body = sse(bare({"role": "assistant", "content": ""}), bare({}, "stop"), "[DONE]")
    url = "https://api.together.xyz/v1/chat/completions"
    code, [result] = check(cassette(tmp_path, body, url=url))
    assert (code, codes(result)) == (0, [])
    code, [result] = check(cassette(tmp_path, body))  # OpenAI documents `created`
    assert code == 1 and "SC201" in codes(result, "error")


# -- 6. severity policy: SC308 under finish_reason "tool_calls" ---------------------------------


def tool_stream(arguments: list[str], finish: str | None) -> str:
    first = {"index": 0, "id": "t1", "type": "function", "function": {"name": "f", "arguments": ""}}
    parts = [chunk({"role": "assistant", "content": None, "tool_calls": [first]})]
    parts += [
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": a}}]}) for a in arguments
    ]
    if finish:
        parts.append(chunk({}, finish))
    return sse(*parts, "[DONE]")


def test_tool_arguments_cut_off_under_tool_calls_are_an_error(tmp_path: Path) -> None:
    path = tmp_path / "cut-args.sse"
    path.write_text(tool_stream(['{"city": "Par'], "tool_calls"))
    code, [result] = check(path)
    assert code == 1
    [sc308] = [f for f in result["findings"] if f["code"] == "SC308"]
    assert sc308["severity"] == "error" and "cut off mid-JSON" in sc308["message"]
    path.write_text(tool_stream(['{"city": "Paris"}'], "tool_calls"))
    assert check(path)[0] == 0

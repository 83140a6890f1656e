"""OpenAI Chat Completions grammar (PROVIDERS.md 2.1), one test per rule, through the public API.

Each test builds a small stream, checks it with `check_bytes`, and asserts the rule code, where it
points (frame index, byte offset, JSON path) and what the message says.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from streamcheck import CheckOptions, Finding, Report, Severity, check_bytes, check_paths
from tests.conftest import FIXTURES

ID = "chatcmpl-T3st0000000001"


def chunk(
    delta: dict[str, Any] | None = None,
    finish: str | None = None,
    *,
    index: int = 0,
    choices: list[dict[str, Any]] | None = None,
    **top: Any,
) -> bytes:
    value: dict[str, Any] = {
        "id": ID,
        "object": "chat.completion.chunk",
        "created": 1732560000,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": choices
        if choices is not None
        else [{"index": index, "delta": delta or {}, "logprobs": None, "finish_reason": finish}],
    }
    value.update(top)
    return b"data: " + json.dumps(value, separators=(",", ":")).encode() + b"\n\n"


DONE = b"data: [DONE]\n\n"
ROLE = {"role": "assistant", "content": ""}
USAGE = {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}


@dataclass
class Stream:
    """A body and the byte offset of each of its frames."""

    frames: list[bytes]

    @property
    def body(self) -> bytes:
        return b"".join(self.frames)

    def offset(self, index: int) -> int:
        return sum(len(f) for f in self.frames[:index])

    def check(self, **kwargs: Any) -> Report:
        return check_bytes(self.body, **kwargs)


def answer(*words: str, finish: str = "stop", index: int = 0) -> list[bytes]:
    return [
        chunk(ROLE, index=index),
        *(chunk({"content": w}, index=index) for w in words),
        chunk({}, finish, index=index),
    ]


def only(report: Report, code: str) -> list[Finding]:
    return [f for f in report.findings() if f.code == code]


def codes(report: Report) -> list[str]:
    return [f.code for f in report.findings()]


# -- clean streams ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "text-answer.sse",
        "text-answer.http",
        "tool-calls-fragmented.sse",
        "usage-chunk.sse",
        "n2-choices.sse",
    ],
)
def test_clean_fixture_streams_have_no_findings(name: str) -> None:
    report = check_paths([str(FIXTURES / "openai" / name)])
    result = report.results[0]
    assert codes(report) == []
    assert (result.provider, result.api, result.api_version) == (
        "openai",
        "chat-completions",
        "2.3.0",
    )
    assert result.error_class is None


def test_interleaved_choices_finish_in_any_order() -> None:
    frames = [
        chunk(ROLE, index=0),
        chunk(ROLE, index=1),
        chunk({"content": "A"}, index=1),
        chunk({"content": "B"}, index=0),
        chunk({}, "length", index=1),
        chunk({}, "stop", index=0),
        DONE,
    ]
    assert codes(Stream(frames).check()) == []


# -- role in the first delta (SC306) ---------------------------------------------------------


def test_first_delta_without_role_is_reported_at_that_frame() -> None:
    stream = Stream([chunk({"content": "Paris"}), chunk({}, "stop"), DONE])
    [finding] = stream.check().findings()
    assert finding.code == "SC306"
    assert finding.severity is Severity.WARNING
    assert finding.message == "the first delta of choice 0 has no role"
    assert (finding.location.frame, finding.location.offset) == (0, 0)
    assert finding.location.path == "/choices/0/delta"


def test_missing_role_is_checked_per_choice() -> None:
    stream = Stream(
        [
            chunk(ROLE, index=0),
            chunk({"content": "x"}, index=1),
            chunk({}, "stop", index=0),
            chunk({}, "stop", index=1),
            DONE,
        ]
    )
    [finding] = only(stream.check(), "SC306")
    assert "choice 1" in finding.message
    assert (finding.location.frame, finding.location.offset) == (1, stream.offset(1))


# -- exactly one finish_reason per choice, nothing after it (SC303, SC304, SC305) -------------


def test_second_finish_reason_for_a_choice() -> None:
    stream = Stream([*answer("Hi"), chunk({}, "length"), DONE])
    [finding] = stream.check().findings()
    assert finding.code == "SC304"
    assert finding.message == "choice 0 got finish_reason 'length' after 'stop'"
    assert (finding.location.frame, finding.location.offset) == (3, stream.offset(3))
    assert finding.location.path == "/choices/0/finish_reason"


def test_content_after_finish_reason() -> None:
    stream = Stream([*answer("Hi"), chunk({"content": " more"}), DONE])
    [finding] = stream.check().findings()
    assert finding.code == "SC305"
    assert finding.message == "choice 0 got content after finish_reason 'stop'"
    assert (finding.location.frame, finding.location.offset) == (3, stream.offset(3))


def test_tool_call_after_finish_is_content_too() -> None:
    late = {"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]}
    stream = Stream([*answer("Hi"), chunk(late), DONE])
    assert codes(stream.check()) == ["SC305"]


def test_done_without_any_finish_reason() -> None:
    stream = Stream([chunk(ROLE), chunk({"content": "The capital of"}), DONE])
    [finding] = stream.check().findings()
    assert finding.code == "SC303"
    assert finding.message == "choice 0 never got a non-null finish_reason"
    assert finding.location.frame is None  # a stream-level finding, reported at the end


def test_a_camelcase_finish_reason_is_named_in_the_finding() -> None:
    """Gemini's OpenAI-compatible endpoint (beta) sent `finishReason` and a null finish_reason
    (PROVIDERS.md section 4, row 15): say so, since clients wait for an end that never comes."""
    camel = {"index": 0, "delta": {"content": "."}, "finish_reason": None, "finishReason": "STOP"}
    stream = Stream([chunk(ROLE), chunk({"content": "Paris"}), chunk(choices=[camel]), DONE])
    [finding] = stream.check().findings()
    assert finding.code == "SC303"
    assert finding.message == (
        "choice 0 never got a non-null finish_reason "
        "(the last chunk says finishReason 'STOP' instead)"
    )
    assert finding.hint is not None and "camelCase" in finding.hint


def test_unfinished_choice_among_several() -> None:
    stream = Stream([*answer("A", index=0), chunk(ROLE, index=1), DONE])
    [finding] = stream.check().findings()
    assert (finding.code, finding.message) == (
        "SC303",
        "choice 1 never got a non-null finish_reason",
    )


# -- the usage chunk (SC312, SC317) -----------------------------------------------------------


def usage_chunk() -> bytes:
    return chunk(choices=[], usage=USAGE)


def test_usage_chunk_after_finish_is_clean() -> None:
    assert codes(Stream([*answer("Hi"), usage_chunk(), DONE]).check()) == []


def test_usage_chunk_before_the_finish() -> None:
    stream = Stream([chunk(ROLE), usage_chunk(), chunk({}, "stop"), chunk({}, None), DONE])
    found = only(stream.check(), "SC312")
    assert [(f.location.frame, f.location.offset) for f in found] == [
        (1, stream.offset(1)),
        (2, stream.offset(2)),
    ]
    assert found[0].message == "the usage chunk arrived before every choice had a finish_reason"
    assert found[1].message.startswith("a chunk with choices arrived after the usage chunk")


def test_chunks_after_the_usage_chunk_are_reported_once() -> None:
    stream = Stream([*answer("Hi"), usage_chunk(), chunk({}), chunk({}), chunk({}), DONE])
    found = only(stream.check(), "SC312")
    assert [f.location.frame for f in found] == [4]


def test_second_usage_chunk() -> None:
    stream = Stream([*answer("Hi"), usage_chunk(), usage_chunk(), DONE])
    [finding] = stream.check().findings()
    assert (finding.code, finding.message, finding.location.frame) == (
        "SC312",
        "a second usage chunk arrived",
        4,
    )


def test_requested_usage_that_never_came() -> None:
    request = {"model": "gpt-4o-mini", "stream": True, "stream_options": {"include_usage": True}}
    stream = Stream([*answer("Hi"), DONE])
    [finding] = stream.check(request_body=request).findings()
    assert finding.code == "SC317"
    assert finding.severity is Severity.WARNING
    assert "include_usage" in finding.message
    assert (finding.location.frame, finding.location.offset) == (3, stream.offset(3))
    # Not asked for: nothing to report. Asked for and sent: clean.
    assert codes(stream.check(request_body={"stream": True})) == []
    with_usage = Stream([*answer("Hi"), usage_chunk(), DONE])
    assert codes(with_usage.check(request_body=request)) == []


# -- [DONE] last, nothing after it (SC301, SC302) ----------------------------------------------


def test_stream_without_done() -> None:
    [finding] = Stream(answer("Hi")).check().findings()
    assert (finding.code, finding.message) == ("SC301", "the stream ended without data: [DONE]")
    assert finding.severity is Severity.ERROR


def test_frames_after_done_are_reported_once_at_the_first() -> None:
    stream = Stream([*answer("Hi"), DONE, chunk({"content": "x"}), DONE])
    [finding] = stream.check().findings()
    assert finding.code == "SC302"
    assert finding.message == "a frame arrived after data: [DONE]"
    assert (finding.location.frame, finding.location.offset) == (4, stream.offset(4))


def test_second_done() -> None:
    stream = Stream([*answer("Hi"), DONE, DONE])
    [finding] = stream.check().findings()
    assert (finding.code, finding.message) == ("SC302", "[DONE] arrived after data: [DONE]")


# -- id, model, created constant (SC307) ------------------------------------------------------


def test_identity_changes_are_reported_once_per_field() -> None:
    other = chunk({"content": "b"}).replace(ID.encode(), b"chatcmpl-Other000000002")
    stream = Stream([chunk(ROLE), chunk({"content": "a"}), other, other, chunk({}, "stop"), DONE])
    found = only(stream.check(), "SC307")
    assert [(f.message, f.location.frame, f.location.path) for f in found] == [
        (f"id changed from '{ID}' to 'chatcmpl-Other000000002'", 2, "/id")
    ]


def test_model_and_created_changes() -> None:
    stream = Stream(
        [
            chunk(ROLE),
            chunk({"content": "a"}, model="gpt-4o-2024-08-06"),
            chunk({}, "stop", created=1732560001),
            DONE,
        ]
    )
    found = only(stream.check(), "SC307")
    assert [(f.location.path, f.location.frame) for f in found] == [("/model", 1), ("/created", 2)]


# -- tool-call arguments join to JSON (SC308) -------------------------------------------------


def tool_start(index: int, name: str) -> dict[str, Any]:
    call = {"index": index, "id": f"call_{index}", "type": "function"}
    return {"tool_calls": [{**call, "function": {"name": name, "arguments": ""}}]}


def tool_args(index: int, fragment: str) -> dict[str, Any]:
    return {"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}


def test_parallel_tool_calls_with_fragmented_arguments_are_clean() -> None:
    frames = [
        chunk({"role": "assistant", "content": None, **tool_start(0, "get_weather")}),
        chunk(tool_args(0, '{"city": "Pa')),
        chunk(tool_start(1, "get_time")),
        chunk(tool_args(1, '{"tz": "UTC"}')),
        chunk(tool_args(0, 'ris"}')),  # fragments of index 0 resume after index 1
        chunk({}, "tool_calls"),
        DONE,
    ]
    assert codes(Stream(frames).check()) == []


def test_tool_arguments_that_do_not_join_to_json() -> None:
    stream = Stream(
        [
            chunk({"role": "assistant", "content": None, **tool_start(0, "get_weather")}),
            chunk(tool_start(1, "get_time")),
            chunk(tool_args(0, '{"city": ')),
            chunk(tool_args(0, '"Paris"}')),
            chunk(tool_args(1, '{"tz": "UT')),
            chunk({}, "tool_calls"),
            DONE,
        ]
    )
    [finding] = stream.check().findings()
    assert finding.code == "SC308"
    # Severity policy: under finish_reason "tool_calls" the call is delivered as complete.
    assert finding.severity is Severity.ERROR
    assert finding.message.startswith(
        "choice 0, tool call 1 (get_time): arguments joined from 2 fragments are not valid JSON"
    )
    assert finding.message.endswith("so the call arrives cut off mid-JSON")
    assert finding.evidence == '{"tz": "UT'
    # Reported at the chunk that finished the choice: that is when a client parses them.
    assert (finding.location.frame, finding.location.offset) == (5, stream.offset(5))


def test_tool_arguments_of_a_cut_stream_are_checked_at_the_end() -> None:
    stream = Stream([chunk({"role": "assistant", **tool_start(0, "f")}), chunk(tool_args(0, "{"))])
    assert sorted(codes(stream.check())) == ["SC301", "SC303", "SC308"]


def test_deprecated_function_call_arguments_are_joined_too() -> None:
    frames = [
        chunk({"role": "assistant", "function_call": {"name": "lookup", "arguments": ""}}),
        chunk({"function_call": {"arguments": '{"q": '}}),
        chunk({"function_call": {"arguments": "1}"}}),
        chunk({}, "function_call"),
        DONE,
    ]
    assert codes(Stream(frames).check()) == []
    broken = [*frames[:2], *frames[3:]]
    [finding] = Stream(broken).check().findings()
    assert finding.code == "SC308"
    assert "function_call (lookup)" in finding.message


# -- in-stream errors (SC403, SC404) ----------------------------------------------------------

SERVER_ERROR = (
    b'data: {"error":{"message":"The server had an error while processing your request. '
    b'Sorry about that!","type":"server_error","param":null,"code":null}}\n\n'
)


def test_in_stream_error_is_classified() -> None:
    stream = Stream([chunk(ROLE), chunk({"content": "The"}), SERVER_ERROR])
    report = stream.check()
    [finding] = report.findings()
    assert finding.code == "SC403"
    assert finding.message.startswith("error inside a 200 stream: [server-error]")
    assert "server_error" in finding.message
    assert (finding.location.frame, finding.location.offset) == (2, stream.offset(2))
    assert finding.hint is not None and "x-request-id" in finding.hint
    assert report.results[0].error_class == "server-error"


def test_done_after_an_in_stream_error_claims_success() -> None:
    stream = Stream([chunk(ROLE), SERVER_ERROR, DONE])
    found = list(stream.check().findings())
    assert [(f.code, f.location.frame) for f in found] == [("SC403", 1), ("SC404", 2)]
    assert found[1].message == "data: [DONE] followed an in-stream error"


def test_done_after_a_failure_finish_reason() -> None:
    stream = Stream([chunk(ROLE), chunk({}, "abort"), DONE])
    found = list(stream.check().findings())
    assert [f.code for f in found] == ["SC205", "SC404"]
    assert found[1].message == "data: [DONE] followed finish_reason 'abort'"


def test_null_error_member_is_not_an_error() -> None:
    frames = [chunk(ROLE, error=None), chunk({}, "stop", error=None), DONE]
    assert codes(Stream(frames).check()) == []


def test_error_frame_missing_spec_keys_is_a_schema_finding() -> None:
    partial = b'data: {"error":{"message":"Tool call validation failed","type":"bad"}}\n\n'
    found = list(Stream([chunk(ROLE), partial]).check().findings())
    assert [f.code for f in found] == ["SC201", "SC403"]
    assert "'param' is a required property" in found[0].message
    assert found[0].location.path == "/error"


# -- content in the finish chunk (SC316), empty choices (SC314) ---------------------------------


def test_content_in_the_finish_chunk() -> None:
    stream = Stream([chunk(ROLE), chunk({"content": "end."}, "stop"), DONE])
    [finding] = stream.check().findings()
    assert finding.code == "SC316"
    assert finding.severity is Severity.INFO
    assert finding.location.path == "/choices/0/delta/content"
    assert finding.location.frame == 1


def test_empty_choices_outside_the_usage_chunk() -> None:
    stream = Stream([chunk(choices=[]), *answer("Hi"), DONE])
    [finding] = stream.check().findings()
    assert finding.code == "SC314"
    assert "clients reading choices[0] raise IndexError" in finding.message
    assert (finding.location.frame, finding.location.offset) == (0, 0)


def test_moderation_chunk_is_named() -> None:
    moderation = {
        "input": {"type": "moderation_results", "model": "omni-moderation-latest", "results": []},
        "output": {"type": "moderation_results", "model": "omni-moderation-latest", "results": []},
    }
    stream = Stream([*answer("Hi"), usage_chunk(), chunk(choices=[], moderation=moderation), DONE])
    [finding] = stream.check().findings()
    assert (finding.code, finding.severity) == ("SC314", Severity.INFO)
    assert finding.message.startswith("moderation chunk")


# -- frame schema (SC201, SC205) and versions ---------------------------------------------------


def test_chunk_without_finish_reason_key_is_the_keyerror_case() -> None:
    bare = chunk({"content": "Hi"}).replace(b',"finish_reason":null', b"")
    stream = Stream([chunk(ROLE), bare, chunk({}, "stop"), DONE])
    [finding] = stream.check().findings()
    assert finding.code == "SC201"
    assert finding.message.startswith("chunk frame: 'finish_reason' is a required property")
    assert finding.message.endswith("[openai/chat-completions 2.3.0]")
    assert (finding.location.frame, finding.location.offset) == (1, stream.offset(1))
    assert finding.location.path == "/choices/0"


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("created", "1732560000", "/created"),
        ("object", "chat.completion", "/object"),
        ("usage", {"prompt_tokens": 1}, "/usage"),
        ("service_tier", 3, "/service_tier"),
    ],
)
def test_wrong_top_level_fields(field: str, value: Any, path: str) -> None:
    stream = Stream([chunk(ROLE, **{field: value}), chunk({}, "stop"), DONE])
    found = only(stream.check(), "SC201") + only(stream.check(), "SC205")
    assert found and found[0].location.path == path, [f.message for f in found]


def test_unknown_finish_reason_is_a_warning() -> None:
    stream = Stream([chunk(ROLE), chunk({}, "eos"), DONE])
    [finding] = stream.check().findings()
    assert (finding.code, finding.severity) == ("SC205", Severity.WARNING)
    assert finding.location.path == "/choices/0/finish_reason"


def test_unknown_fields_are_allowed() -> None:
    frames = [
        chunk({**ROLE, "reasoning_content": "hmm"}, obfuscation="x9", brand_new_field=[1]),
        chunk({}, "stop"),
        DONE,
    ]
    assert codes(Stream(frames).check()) == []


def test_2023_11_schema_has_no_usage_chunk() -> None:
    stream = Stream([*answer("Hi"), usage_chunk(), DONE])
    old = CheckOptions(api_version="2023-11")
    [finding] = stream.check(options=old).findings()
    assert finding.code == "SC201"
    assert "should be non-empty" in finding.message and "2023-11" in finding.message
    assert finding.location.frame == 3
    assert codes(Stream([*answer("Hi"), DONE]).check(options=old)) == []
    assert codes(stream.check(options=CheckOptions(api_version="2.3.0"))) == []


def test_2023_11_schema_accepts_function_call_deltas() -> None:
    frames = [
        chunk({"role": "assistant", "function_call": {"name": "f", "arguments": "{}"}}),
        chunk({}, "function_call"),
        DONE,
    ]
    assert codes(Stream(frames).check(options=CheckOptions(api_version="2023-11"))) == []


def test_done_alone_is_a_stream_with_no_answer() -> None:
    """A gateway that swallowed the upstream failure and closed cleanly (PROVIDERS.md 4, #28)."""
    report = Stream([DONE]).check()
    [finding] = report.findings()
    assert finding.code == "SC303"
    assert (
        finding.message == "data: [DONE] arrived before any chunk: no answer and no finish_reason"
    )
    assert report.results[0].provider == "openai"


def test_huge_tool_arguments_are_not_kept() -> None:
    """Past 1 MiB per call the arguments go unchecked rather than held in memory."""
    big = '{"blob": "' + "x" * (1 << 20) + '"'  # unterminated, but too large to be kept
    frames = [
        chunk({"role": "assistant", **tool_start(0, "upload")}),
        chunk(tool_args(0, big)),
        chunk({}, "tool_calls"),
        DONE,
    ]
    assert codes(Stream(frames).check()) == []


def test_tool_call_that_starts_without_id_or_name() -> None:
    nameless = {"tool_calls": [{"index": 1, "id": "call_1", "function": {"arguments": "{}"}}]}
    stream = Stream(
        [
            chunk({"role": "assistant", **tool_start(0, "get_weather")}),
            chunk(tool_args(0, "{}")),
            chunk(nameless),
            chunk({"tool_calls": [{"index": 2, "function": {"arguments": "{}"}}]}),
            chunk({}, "tool_calls"),
            DONE,
        ]
    )
    found = list(stream.check().findings())
    assert [(f.code, f.location.frame, f.location.path) for f in found] == [
        ("SC318", 2, "/choices/0/delta/tool_calls/0"),
        ("SC318", 3, "/choices/0/delta/tool_calls/0"),
    ]
    assert found[0].message == "choice 0, tool call 1: its first fragment has no function.name"
    assert (
        found[1].message
        == "choice 0, tool call 2: its first fragment has no id and no function.name"
    )
    assert found[1].location.offset == stream.offset(3)


def test_same_finish_repeated_on_the_usage_chunk_is_a_warning() -> None:
    """OpenRouter repeats the finish on its usage chunk: nothing is lost, so not an error."""
    repeat = chunk({"content": ""}, "stop", usage=USAGE)
    stream = Stream([*answer("Hi"), repeat, DONE])
    [finding] = stream.check().findings()
    assert (finding.code, finding.severity) == ("SC304", Severity.WARNING)
    assert finding.message == "choice 0 got finish_reason 'stop' on the usage chunk after 'stop'"
    assert finding.location.frame == 3
    assert not stream.check().failed


def test_error_as_the_first_frame_then_done() -> None:
    """The error's shape names the API, so the [DONE] after it is success-after-failure."""
    stream = Stream([SERVER_ERROR, DONE])
    report = stream.check()
    found = list(report.findings())
    assert [(f.code, f.location.frame, f.location.offset) for f in found] == [
        ("SC403", 0, 0),
        ("SC404", 1, stream.offset(1)),
    ]
    result = report.results[0]
    assert (result.provider, result.api, result.error_class) == (
        "openai",
        "chat-completions",
        "server-error",
    )


def test_content_filter_finish_is_reported_and_classified() -> None:
    stream = Stream([chunk(ROLE), chunk({"content": "Here is"}), chunk({}, "content_filter"), DONE])
    report = stream.check()
    [finding] = report.findings()
    assert (finding.code, finding.severity) == ("SC319", Severity.WARNING)
    assert finding.message.startswith("choice 0 was cut by the provider's content filter")
    assert (finding.location.frame, finding.location.path) == (2, "/choices/0/finish_reason")
    assert report.results[0].error_class == "content-filter"


def test_requested_usage_sent_next_to_the_choices_is_misplaced_not_missing() -> None:
    """Z.ai puts usage on the finish chunk: it arrived, but not where OpenAI clients look."""
    request = {"stream": True, "stream_options": {"include_usage": True}}
    stream = Stream([chunk(ROLE), chunk({"content": "Hi"}), chunk({}, "stop", usage=USAGE), DONE])
    [finding] = stream.check(request_body=request).findings()
    assert (finding.code, finding.severity) == ("SC312", Severity.WARNING)
    assert finding.message.startswith("usage came on chunk 2 next to its choices")
    assert (finding.location.frame, finding.location.offset) == (3, stream.offset(3))


def test_usage_on_a_continuing_chunk_is_seen() -> None:
    request = {"stream": True, "stream_options": {"include_usage": True}}
    frames = [chunk(ROLE), chunk({"content": "Hi"}, usage=USAGE), chunk({}, "stop"), DONE]
    assert codes(Stream(frames).check(request_body=request)) == ["SC312"]


@pytest.mark.parametrize(
    ("call", "missing"),
    [
        ({"id": "", "function": {"name": "f", "arguments": ""}}, "id"),
        ({"id": "call_1", "function": {"name": "", "arguments": ""}}, "function.name"),
        ({"id": "call_1", "function": {"name": 7, "arguments": ""}}, "function.name"),
        ({"id": 7, "function": {"name": "f", "arguments": ""}}, "id"),
        ({"id": "call_1", "function": "f"}, "function.name"),
    ],
)
def test_a_tool_call_start_named_by_empty_or_non_strings_is_reported(
    call: dict[str, Any], missing: str
) -> None:
    """A start whose id and name are both non-empty strings skips the check of what it lacks:
    an empty or non-string one still is a finding, at the call's place in its delta."""
    second = {"index": 2, **call}
    stream = Stream(
        [
            chunk(
                {"role": "assistant", "tool_calls": [tool_start(0, "g")["tool_calls"][0], second]}
            ),
            chunk({}, "tool_calls"),
            DONE,
        ]
    )
    found = [f for f in stream.check().findings() if f.code == "SC318"]
    assert [(f.location.frame, f.location.path) for f in found] == [
        (0, "/choices/0/delta/tool_calls/1")
    ]
    assert found[0].message == f"choice 0, tool call 2: its first fragment has no {missing}"


@pytest.mark.parametrize(
    "error",
    [
        {"error": {"message": "overloaded", "type": "server_error"}},
        {"error": "overloaded"},
        {"type": "error", "message": "overloaded"},
        {"statusCode": 529, "message": "overloaded"},
    ],
)
def test_a_chunk_that_says_it_is_a_chunk_and_carries_an_error_shape_is_an_error(
    error: dict[str, Any],
) -> None:
    """The full path asks errors.error_object only of a chunk holding one of its members: a
    chunk with `object: chat.completion.chunk` and any such shape is still an in-stream error."""
    frames = [chunk(ROLE), chunk({"content": "Hi"}), chunk({}, choices=[], **error), DONE]
    found = [(f.code, f.location.frame) for f in Stream(frames).check().findings()]
    assert ("SC403", 2) in found
    assert ("SC404", 3) in found

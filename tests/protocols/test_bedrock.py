"""Bedrock ConverseStream and InvokeModelWithResponseStream: detection, schemas, one test per
grammar rule, in-stream exceptions, pre-stream error bodies, and the binary fixtures.

Streams are built message by message with tests/wire/eventstream_build.py so each test states
the defect it plants; findings are read through `check_bytes`, `check_paths` and the CLI.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamcheck import CheckOptions, Report, Severity, check_bytes, check_paths
from streamcheck.check import check_exchange
from streamcheck.model import Exchange, Request
from streamcheck.schemas import Catalog
from tests.conftest import FIXTURES, ROOT, run_streamcheck
from tests.wire import eventstream_build as es

CONVERSE_URL = (
    "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-micro-v1%3A0/converse-stream"
)
INVOKE_URL = (
    "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
    "anthropic.claude-3-haiku-20240307-v1%3A0/invoke-with-response-stream"
)
EVENTSTREAM = {"content-type": "application/vnd.amazon.eventstream"}


def check(frames: list[bytes], url: str | None = CONVERSE_URL, **kw: Any) -> Report:
    return check_bytes(b"".join(frames), url=url, headers=kw.pop("headers", EVENTSTREAM), **kw)


def found(report: Report) -> list[tuple[str, int | None]]:
    return [(f.code, f.location.frame) for f in report.findings()]


def codes(report: Report) -> list[str]:
    return [f.code for f in report.findings()]


def start() -> bytes:
    return es.event("messageStart", {"role": "assistant"}, pad=3)


def text(index: int, value: str = "Hi") -> bytes:
    return es.event("contentBlockDelta", {"contentBlockIndex": index, "delta": {"text": value}})


def tool_start(index: int, name: str = "get_weather") -> bytes:
    body = {"contentBlockIndex": index, "start": {"toolUse": {"toolUseId": "t1", "name": name}}}
    return es.event("contentBlockStart", body)


def tool_input(index: int, fragment: str) -> bytes:
    body = {"contentBlockIndex": index, "delta": {"toolUse": {"input": fragment}}}
    return es.event("contentBlockDelta", body)


def stop(index: int) -> bytes:
    return es.event("contentBlockStop", {"contentBlockIndex": index})


def message_stop(reason: str = "end_turn") -> bytes:
    return es.event("messageStop", {"stopReason": reason})


def metadata() -> bytes:
    usage = {"inputTokens": 3, "outputTokens": 2, "totalTokens": 5}
    return es.event("metadata", {"usage": usage, "metrics": {"latencyMs": 100}}, pad=8)


def clean() -> list[bytes]:
    return [start(), text(0, "Hello"), text(0, " there"), stop(0), message_stop(), metadata()]


# -- detection and clean streams -------------------------------------------------------------


def test_clean_stream_by_url_and_by_its_frames() -> None:
    for url in (CONVERSE_URL, None):
        report = check(clean(), url=url)
        [result] = report.results
        assert codes(report) == []
        assert (result.provider, result.api, result.api_version) == (
            "aws-bedrock",
            "converse-stream",
            "2023-09-30",
        )
        assert (result.framing, result.frames) == ("eventstream", 6)


def test_tool_use_and_reasoning_blocks_are_clean() -> None:
    reasoning = {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "hmm"}}}
    signature = {"contentBlockIndex": 0, "delta": {"reasoningContent": {"signature": "c2ln"}}}
    frames = [
        start(),
        es.event("contentBlockDelta", reasoning),
        es.event("contentBlockDelta", signature),
        stop(0),
        text(1, "Checking."),
        stop(1),
        tool_start(2),
        tool_input(2, '{"city": '),
        tool_input(2, '"Paris"}'),
        stop(2),
        message_stop("tool_use"),
        metadata(),
    ]
    assert codes(check(frames)) == []


def test_the_committed_fixtures_are_what_the_builder_writes() -> None:
    for path in es.FIXTURES:
        assert (ROOT / path).read_bytes() == es.build(path), path


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("converse-stream", []),
        ("invoke-anthropic", []),
        ("throttling-mid-stream", ["SC403"]),
        ("crc-corrupted", ["SC117"]),
    ],
)
def test_bedrock_fixtures(name: str, expected: list[str]) -> None:
    report = check_paths([str(FIXTURES / "bedrock" / f"{name}.eventstream")])
    assert codes(report) == expected
    assert report.results[0].provider == "aws-bedrock"


@pytest.mark.parametrize("code", ["SC117", "SC370"])
def test_rule_fixtures(code: str) -> None:
    bad = check_paths([str(FIXTURES / "rules" / code / "bad.eventstream")])
    assert code in codes(bad)
    good = check_paths([str(FIXTURES / "rules" / code / "good.eventstream")])
    assert codes(good) == []


def test_cli_reads_a_binary_eventstream_file() -> None:
    done = run_streamcheck("check", "fixtures/bedrock/throttling-mid-stream.eventstream")
    assert done.returncode == 1, done.stderr
    assert "SC403" in done.stdout and "rate-limit" in done.stdout
    assert "Traceback" not in done.stderr


# -- grammar ----------------------------------------------------------------------------------


def test_eof_before_message_stop_is_truncated() -> None:
    report = check([start(), text(0), text(0)])
    assert codes(report) == ["SC310", "SC301"]  # block 0 never stopped, and no messageStop
    assert report.results[0].findings[-1].severity is Severity.ERROR


def test_missing_metadata_is_a_warning() -> None:
    report = check(clean()[:-1])
    assert found(report) == [("SC370", None)]
    assert not report.failed


def test_first_frame_must_be_message_start() -> None:
    assert found(check(clean()[1:])) == [("SC309", 0)]
    assert found(check([start(), *clean()])) == [("SC309", 1)]


def test_second_message_stop() -> None:
    frames = clean()
    frames.insert(5, message_stop("max_tokens"))
    assert found(check(frames)) == [("SC304", 5)]


def test_frames_after_the_end() -> None:
    assert found(check([*clean(), text(0)])) == [("SC302", 6)]
    metadata_first = [start(), text(0), stop(0), metadata(), message_stop()]
    assert found(check(metadata_first)) == [("SC302", 3), ("SC302", 4)]


def test_delta_after_its_block_stopped() -> None:
    frames = [start(), text(0), stop(0), text(0), message_stop(), metadata()]
    assert found(check(frames)) == [("SC305", 3)]


def test_block_order() -> None:
    tool_without_start = [start(), tool_input(0, "{}"), stop(0), message_stop(), metadata()]
    assert found(check(tool_without_start)) == [("SC310", 1)]
    stop_without_start = [start(), stop(0), message_stop(), metadata()]
    assert found(check(stop_without_start)) == [("SC310", 1)]
    going_back = [start(), text(1), stop(1), text(0), stop(0), message_stop(), metadata()]
    assert found(check(going_back)) == [("SC310", 3)]
    stopped_twice = [start(), text(0), stop(0), stop(0), message_stop(), metadata()]
    assert found(check(stopped_twice)) == [("SC310", 3)]
    started_twice = [start(), tool_start(0), tool_start(0), stop(0), message_stop(), metadata()]
    assert found(check(started_twice)) == [("SC310", 2)]
    unstopped = [start(), text(0), message_stop(), metadata()]
    assert found(check(unstopped)) == [("SC310", 2)]


def test_delta_kind_must_fit_its_block() -> None:
    frames = [start(), tool_start(0), text(0), stop(0), message_stop(), metadata()]
    assert found(check(frames)) == [("SC311", 2)]


def test_tool_input_fragments_must_join_to_json() -> None:
    frames = [start(), tool_start(0), tool_input(0, '{"city": '), stop(0), message_stop()]
    assert found(check([*frames, metadata()])) == [("SC308", 3)]
    empty = [start(), tool_start(0), tool_input(0, ""), stop(0), message_stop(), metadata()]
    assert codes(check(empty)) == []


# -- schemas ----------------------------------------------------------------------------------


def test_schema_findings() -> None:
    no_reason = [start(), text(0), stop(0), es.event("messageStop", {}), metadata()]
    report = check(no_reason)
    assert found(report) == [("SC201", 3)]
    assert "stopReason" in next(report.findings()).message
    new_reason = [start(), text(0), stop(0), message_stop("brand_new_reason"), metadata()]
    assert found(check(new_reason)) == [("SC205", 3)]
    no_usage = es.event("metadata", {"metrics": {"latencyMs": 1}})
    assert found(check([*clean()[:-1], no_usage])) == [("SC201", 5)]
    unknown = es.event("somethingNew", {"x": 1})
    assert found(check([start(), unknown, *clean()[1:]])) == [("SC202", 1)]


def test_padding_is_allowed_everywhere() -> None:
    frames = [
        es.event(name, body, pad=26)
        for name, body in [
            ("messageStart", {"role": "assistant"}),
            ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "x"}}),
            ("contentBlockStop", {"contentBlockIndex": 0}),
            ("messageStop", {"stopReason": "end_turn"}),
            ("metadata", {"usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
                          "metrics": {"latencyMs": 5}}),
        ]
    ]  # fmt: skip
    assert codes(check(frames)) == []


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exception", "klass"),
    [
        ("throttlingException", "rate-limit"),
        ("serviceUnavailableException", "overloaded"),
        ("internalServerException", "server-error"),
        ("modelStreamErrorException", "server-error"),
        ("validationException", "bad-request"),
    ],
)
def test_in_stream_exceptions_are_terminal_and_classified(exception: str, klass: str) -> None:
    frames = [start(), text(0), es.exception(exception, "it broke"), text(0)]
    report = check(frames)
    assert found(report) == [("SC403", 2), ("SC302", 3)]
    result = report.results[0]
    assert result.error_class == klass
    first = next(report.findings())
    assert exception in first.message and "after 1 content event" in first.message


def test_a_model_stream_error_is_classified_by_the_models_status() -> None:
    payload = {
        "message": "Received error from the model",
        "originalStatusCode": 429,
        "originalMessage": "Too many requests",
    }
    headers = (
        es.header(":exception-type", "modelStreamErrorException")
        + es.header(":content-type", "application/json")
        + es.header(":message-type", "exception")
    )
    report = check([start(), text(0), es.message(headers, json.dumps(payload).encode())])
    assert found(report) == [("SC403", 2)]
    assert report.results[0].error_class == "rate-limit"
    assert "HTTP 429" in next(report.findings()).message


def test_an_exception_first_stream_is_still_detected() -> None:
    report = check([es.exception("throttlingException", "Too many requests")], url=None)
    assert found(report) == [("SC403", 0)]
    assert report.results[0].provider == "aws-bedrock"
    assert report.results[0].error_class == "rate-limit"


def test_an_error_message_carries_its_content_in_headers() -> None:
    report = check([start(), text(0), es.error("InternalFailure", "stream reset")])
    assert found(report) == [("SC403", 2)]
    assert "InternalFailure" in next(report.findings()).message
    assert "stream reset" in next(report.findings()).message


PRE_STREAM_ERRORS = [
    (403, "AccessDeniedException", "You don't have access to the model.", "no-access"),
    (403, "UnrecognizedClientException", "The security token is invalid.", "auth"),
    (429, "ThrottlingException", "Too many requests, please wait.", "rate-limit"),
    (400, "ValidationException", "Input is too long for requested model.", "context-length"),
    (404, "ResourceNotFoundException", "Model not found.", "not-found"),
    (503, "ServiceUnavailableException", "Service is unavailable.", "overloaded"),
    (400, None, "The provided model identifier is invalid.", "not-found"),
    (
        400,
        "ValidationException",
        "Invocation of model ID x with on-demand throughput isn\u2019t supported.",
        "no-access",
    ),
]


@pytest.mark.parametrize(("status", "error_type", "message", "klass"), PRE_STREAM_ERRORS)
def test_pre_stream_error_bodies(
    status: int, error_type: str | None, message: str, klass: str
) -> None:
    headers = {"content-type": "application/json"}
    if error_type:
        headers["x-amzn-ErrorType"] = (
            f"{error_type}:http://internal.amazon.com/coral/com.amazon.bedrock/"
        )
    body = json.dumps({"message": message}).encode()
    report = check([body], headers=headers, status=status)
    [result] = report.results
    assert codes(report) == ["SC401"], [f.message for f in report.findings()]
    assert result.error_class == klass
    assert result.provider == "aws-bedrock"
    hint = next(report.findings()).hint or ""
    assert klass != "no-access" or "inference profile" in hint


def test_a_200_json_body_on_a_stream_endpoint_is_not_a_stream() -> None:
    body = (
        b'{"output": {"message": {"role": "assistant", "content": []}}, "stopReason": "end_turn"}'
    )
    report = check([body], headers={"content-type": "application/json"}, status=200)
    assert codes(report) == ["SC206"]


def test_truncated_frame_and_crc_findings_through_the_pipeline() -> None:
    frames = clean()
    body = b"".join(frames)
    report = check_bytes(body[:-20], url=CONVERSE_URL, headers=EVENTSTREAM)
    assert codes(report) == ["SC101", "SC370"]  # metadata was cut: messageStop had come
    cut = len(b"".join(frames[:3])) + 30
    report = check_bytes(body[:cut], url=CONVERSE_URL, headers=EVENTSTREAM)
    assert codes(report) == ["SC101", "SC310", "SC301"]
    frames[1] = es.corrupt(frames[1], 20)  # inside the headers: the CRC catches it
    assert found(check(frames)) == [("SC117", 1)]


def test_provider_flag_accepts_bedrock() -> None:
    report = check_bytes(b"".join(clean()), CheckOptions(provider="bedrock"))
    assert report.results[0].api == "converse-stream"
    assert codes(report) == []


# -- InvokeModelWithResponseStream -----------------------------------------------------------


def test_invoke_anthropic_inner_grammar() -> None:
    frames = es.invoke_anthropic()
    report = check(frames, url=INVOKE_URL)
    [result] = report.results
    assert (result.provider, result.api) == ("aws-bedrock", "invoke-with-response-stream")
    assert codes(report) == []
    assert codes(check(frames, url=None)) == []  # detected by its `chunk` events
    assert found(check(frames[:-1], url=INVOKE_URL)) == [("SC301", None)]


def test_invoke_converse_shaped_inner_grammar() -> None:
    frames = [
        es.chunk({"messageStart": {"role": "assistant"}}),
        es.chunk({"contentBlockDelta": {"delta": {"text": "On"}, "contentBlockIndex": 0}}),
        es.chunk({"contentBlockStop": {"contentBlockIndex": 0}}),
        es.chunk({"messageStop": {"stopReason": "end_turn"}}),
        es.chunk(
            {"metadata": {"usage": {"inputTokens": 1}}, "amazon-bedrock-invocationMetrics": {}}
        ),
    ]
    assert codes(check(frames, url=INVOKE_URL)) == []
    assert codes(check(frames[:3], url=INVOKE_URL)) == ["SC301"]


def test_invoke_other_models_are_checked_for_well_formedness() -> None:
    titan = [
        es.chunk({"outputText": "Hello", "index": 0}, pad=4),
        es.chunk(
            {
                "outputText": " world",
                "index": 0,
                "completionReason": "FINISH",
                "amazon-bedrock-invocationMetrics": {"inputTokenCount": 3},
            }
        ),
    ]
    assert codes(check(titan, url=INVOKE_URL)) == []
    cut = check(titan[:1], url=INVOKE_URL)
    assert codes(cut) == ["SC301"]
    assert next(cut.findings()).severity is Severity.WARNING
    blocked = [
        es.chunk({"outputText": "Input blocked", "amazon-bedrock-guardrailAction": "INTERVENED"})
    ]
    assert codes(check(blocked, url=INVOKE_URL)) == []


def test_invoke_bad_payloads() -> None:
    not_base64 = es.event("chunk", {"bytes": "!!!not-base64!!!"})
    report = check([not_base64, *es.invoke_anthropic()], url=INVOKE_URL)
    assert ("SC103", 0) in found(report)
    import base64

    cut_json = es.event("chunk", {"bytes": base64.b64encode(b'{"type": "message_st').decode()})
    report = check([*es.invoke_anthropic()[:-1], cut_json], url=INVOKE_URL)
    assert ("SC101", 5) in found(report)
    report = check([es.exception("modelTimeoutException", "timed out")], url=INVOKE_URL)
    assert found(report) == [("SC403", 0)]
    assert report.results[0].error_class == "server-error"


def test_the_cli_reads_the_rule_fixtures_with_no_flags() -> None:
    paths = [f"fixtures/rules/{code}/{stem}.eventstream" for code in ("SC117", "SC370")
             for stem in ("bad", "good")]  # fmt: skip
    done = run_streamcheck("check", "--format", "json", *paths)
    assert done.returncode == 1, done.stderr
    results = {r["source"]: r for r in json.loads(done.stdout)["results"]}
    found = {source: [f["code"] for f in r["findings"]] for source, r in results.items()}
    assert found == {
        "fixtures/rules/SC117/bad.eventstream": ["SC117"],
        "fixtures/rules/SC117/good.eventstream": [],
        "fixtures/rules/SC370/bad.eventstream": ["SC370"],
        "fixtures/rules/SC370/good.eventstream": [],
    }


SPLIT_PARTS = [
    start(),
    text(0),
    es.corrupt(text(0), 40),
    stop(0),
    tool_start(1),
    tool_input(1, '{"a"'),
    stop(1),
    message_stop("tool_use"),
    es.exception("throttlingException", "slow"),
]
SPLIT_BODY = b"".join(SPLIT_PARTS)


def _split_findings(chunks: list[tuple[bytes, float | None]]) -> list[tuple[Any, ...]]:
    exchange = Exchange("<split>", 0, Request(url=CONVERSE_URL), 200, EVENTSTREAM, chunks)
    result = check_exchange(exchange, CheckOptions(), Catalog())
    return [(f.code, f.location.frame, f.location.offset, f.message) for f in result.findings]


WHOLE = _split_findings([(SPLIT_BODY, None)])


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(min_value=1, max_value=len(SPLIT_BODY) - 1), max_size=16))
def test_any_split_of_the_body_gives_the_same_findings(cuts: list[int]) -> None:
    points = [0, *sorted(set(cuts)), len(SPLIT_BODY)]
    chunks: list[tuple[bytes, float | None]] = [
        (SPLIT_BODY[a:b], None) for a, b in itertools.pairwise(points) if b > a
    ]
    assert _split_findings(chunks) == WHOLE
    assert [(code, frame) for code, frame, _, _ in WHOLE] == [
        ("SC117", 2),
        ("SC308", 6),  # indexes count messages, the dropped one too
        ("SC403", 8),
    ]
    assert WHOLE[0][2] == len(SPLIT_PARTS[0]) + len(SPLIT_PARTS[1])


# -- container formats ------------------------------------------------------------------------


def test_a_tape_of_binary_chunks_reads_back_the_same(tmp_path: Any) -> None:
    from streamcheck.model import EndReason
    from streamcheck.sources import tape

    body = b"".join(es.converse_throttled())
    chunks: list[tuple[bytes, float | None]] = [
        (body[i : i + 50], round(i / 1000, 3)) for i in range(0, len(body), 50)
    ]
    fields = {
        "provider": "aws-bedrock",
        "request": Request(url=CONVERSE_URL),
        "headers": EVENTSTREAM,
    }
    path = tmp_path / "bedrock.tape"
    path.write_bytes(tape.dumps([(fields, chunks, EndReason.EOF)]))
    [result] = check_paths([str(path)]).results
    assert (result.provider, result.api, result.framing) == (
        "aws-bedrock",
        "converse-stream",
        "eventstream",
    )
    assert [(f.code, f.location.frame) for f in result.findings] == [("SC403", 3)]
    assert result.error_class == "rate-limit"


def test_a_har_with_a_base64_eventstream_body(tmp_path: Any) -> None:
    import base64

    body = b"".join(es.converse_clean())
    content = {
        "size": len(body),
        "mimeType": "application/vnd.amazon.eventstream",
        "encoding": "base64",
        "text": base64.b64encode(body).decode(),
    }
    entry = {
        "request": {"method": "POST", "url": CONVERSE_URL, "headers": []},
        "response": {"status": 200, "headers": [], "content": content},
        "timings": {"send": 1, "wait": 100, "receive": 5},
    }
    path = tmp_path / "bedrock.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": [entry]}}))
    [result] = check_paths([str(path)]).results
    assert (result.provider, result.framing, result.frames) == ("aws-bedrock", "eventstream", 10)
    assert result.findings == []


def test_invoke_chunks_without_the_bytes_envelope_fail_through_the_cli(tmp_path: Any) -> None:
    """A `curl -i` dump (no URL) of InvokeModelWithResponseStream whose `chunk` events carry
    Anthropic's events bare, as aimock sends them: it was judged as Anthropic Messages and
    passed, yet SDK code reads chunk["bytes"]. The enveloped stream still passes."""
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/vnd.amazon.eventstream\r\n"
        b"x-amzn-requestid: 0e4b\r\n\r\n"
    )
    inners = [
        {
            "type": "message_start",
            "message": {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": "claude-3-haiku-20240307",
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 12, "output_tokens": 1},
            },
        },
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 2},
        },
        {"type": "message_stop"},
    ]
    bare = tmp_path / "bare.curl"
    bare.write_bytes(head + b"".join(es.event("chunk", inner) for inner in inners))
    done = run_streamcheck("check", str(bare), "--format", "json")
    assert done.returncode == 1, done.stdout
    [result] = json.loads(done.stdout)["results"]
    assert (result["provider"], result["api"]) == ("aws-bedrock", "invoke-with-response-stream")
    errors = {(f["code"], "'bytes'" in f["message"]) for f in result["findings"]}
    assert errors == {("SC201", True)}
    wrapped = tmp_path / "wrapped.curl"
    wrapped.write_bytes(head + b"".join(es.invoke_anthropic()))
    assert run_streamcheck("check", str(wrapped)).returncode == 0

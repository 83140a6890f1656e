"""Gemini streamGenerateContent: both framings, versions from the URL, grammar, error bodies."""

from __future__ import annotations

from typing import Any

import orjson

from streamcheck import CheckOptions, Severity, check_bytes, check_paths
from tests.conftest import FIXTURES, needs_shared, run_in_process
from tests.protocols.test_openai_responses import corpus_paths

URL = "https://generativelanguage.googleapis.com/{v}/models/gemini-2.5-flash:streamGenerateContent"


def chunk(text: str | None = "Hi", finish: str | None = None, **extra: Any) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text}]}}
    if text is None:
        candidate["content"]["parts"] = []
    if finish:
        candidate["finishReason"] = finish
    usage = {"promptTokenCount": 4, "candidatesTokenCount": 2, "totalTokenCount": 6}
    return {
        "candidates": [{**candidate, "index": 0}],
        "usageMetadata": usage,
        "modelVersion": "gemini-2.5-flash",
        "responseId": "r1",
        **extra,
    }


CLEAN = [chunk("The answer"), chunk(" is 42."), chunk("", "STOP")]


def sse(items: list[Any]) -> bytes:
    return b"".join(b"data: " + orjson.dumps(i) + b"\r\n\r\n" for i in items)


def array(items: list[Any], close: bool = True) -> bytes:
    body = b"[" + b"\r\n,\r\n".join(orjson.dumps(i, option=orjson.OPT_INDENT_2) for i in items)
    return body + (b"\r\n]" if close else b"")


def codes(body: bytes, **kwargs: Any) -> list[str]:
    return [f.code for f in check_bytes(body, **kwargs).findings()]


def test_clean_sse_stream() -> None:
    report = check_bytes(sse(CLEAN), url=URL.format(v="v1beta") + "?alt=sse")
    result = report.results[0]
    assert (result.provider, result.api, result.api_version, result.framing) == (
        "gemini",
        "stream-generate-content",
        "v1beta",
        "sse",
    )
    assert list(report.findings()) == []


def test_clean_json_array_stream_in_odd_chunks() -> None:
    body = array(CLEAN)
    headers = {"content-type": "application/json; charset=UTF-8"}
    report = check_bytes(body, url=URL.format(v="v1"), status=200, headers=headers)
    result = report.results[0]
    assert (result.framing, result.api_version, result.frames) == ("jsonarray", "v1", 3)
    assert list(report.findings()) == []


def test_detected_from_frames_alone() -> None:
    result = check_bytes(array(CLEAN)).results[0]
    assert (result.provider, result.framing) == ("gemini", "jsonarray")


def test_version_from_url_and_flag() -> None:
    assert check_bytes(sse(CLEAN), url=URL.format(v="v1")).results[0].api_version == "v1"
    vertex = (
        "https://aiplatform.googleapis.com/v1beta1/projects/p/locations/global/publishers/"
        "google/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    )
    assert check_bytes(sse(CLEAN), url=vertex).results[0].api_version == "v1beta"
    options = CheckOptions(provider="gemini", api_version="v1")
    assert check_bytes(sse(CLEAN), options).results[0].api_version == "v1"


def test_truncated_array() -> None:
    body = array(CLEAN, close=False)
    assert codes(body) == ["SC116"]
    cut = body[: body.rindex(b'"finishReason"')]
    assert codes(cut) == ["SC101", "SC116", "SC303"]


def test_cut_sse_stream_has_no_finish_reason() -> None:
    [finding] = check_bytes(sse(CLEAN[:2])).findings()
    assert finding.code == "SC303" and "never got a finishReason" in finding.message


def test_prompt_blocked_with_http_200() -> None:
    blocked = {
        "promptFeedback": {"blockReason": "SAFETY", "safetyRatings": []},
        "usageMetadata": {"promptTokenCount": 8, "totalTokenCount": 8},
        "modelVersion": "gemini-2.5-flash",
    }
    report = check_bytes(sse([blocked]))
    [finding] = report.findings()
    assert (finding.code, finding.severity) == ("SC406", Severity.WARNING)
    assert report.results[0].error_class == "content-filter"


def test_safety_finish_cuts_the_answer() -> None:
    report = check_bytes(sse([chunk("Step one"), chunk(None, "SAFETY")]))
    [finding] = report.findings()
    assert finding.code == "SC407" and "after 8 characters" in finding.message
    assert report.results[0].error_class == "content-filter"


def test_malformed_function_call_is_a_failure_not_a_filter() -> None:
    report = check_bytes(sse([chunk(None, "MALFORMED_FUNCTION_CALL")]))
    assert [f.code for f in report.findings()] == ["SC407"]
    assert report.results[0].error_class is None


def test_unknown_finish_reason_is_a_warning() -> None:
    """An undocumented value is SC205's alone: nothing says the answer was cut (SC407 said
    "the answer is incomplete" of it)."""
    found = list(check_bytes(sse([chunk("x"), chunk("", "BRAND_NEW")])).findings())
    assert [(f.code, f.severity) for f in found] == [("SC205", Severity.WARNING)]


def test_a_function_call_finished_as_function_call_is_an_unknown_value_only() -> None:
    """aimock ends a function call with finishReason FUNCTION_CALL, which Gemini never sends
    (it says STOP); google-genai warns and delivers the call whole. SC205 says so; SC407 said
    the call failed and the answer was incomplete."""
    call = chunk(None, "FUNCTION_CALL")
    call["candidates"][0]["content"]["parts"] = [
        {"functionCall": {"name": "get_weather", "args": {"city": "SF"}}}
    ]
    report = check_bytes(sse([call]))
    [finding] = report.findings()
    assert (finding.code, finding.severity) == ("SC205", Severity.WARNING)
    assert "FUNCTION_CALL" in finding.message and not report.failed


def test_a_documented_finish_newer_than_the_schemas_is_still_an_abnormal_finish() -> None:
    found = [
        f.code for f in check_bytes(sse([chunk("x"), chunk("", "MALFORMED_RESPONSE")])).findings()
    ]
    assert "SC407" in found


def test_content_after_finish_and_second_finish() -> None:
    assert codes(sse([*CLEAN, chunk("more")])) == ["SC305"]
    assert codes(sse([*CLEAN, chunk("", "STOP")])) == ["SC304"]


def test_response_id_changes() -> None:
    other = chunk("", "STOP", responseId="r2")
    assert codes(sse([CLEAN[0], other])) == ["SC307"]


def test_schema_violation_in_a_part() -> None:
    bad = chunk("x")
    bad["candidates"][0]["content"]["parts"] = [{"functionCall": {"args": {}}}]
    assert codes(sse([bad, chunk("", "STOP")])) == ["SC201"]


RPC_429 = {
    "error": {
        "code": 429,
        "message": "Resource has been exhausted (e.g. check quota).",
        "status": "RESOURCE_EXHAUSTED",
        "details": [
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "rateLimitExceeded"}
        ],
    }
}


def test_error_body_wrapped_in_an_array() -> None:
    head = b"HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n\r\n"
    report = check_bytes(head + orjson.dumps([RPC_429]))
    [finding] = report.findings()
    result = report.results[0]
    assert finding.code == "SC401" and "RESOURCE_EXHAUSTED" in finding.message
    assert (result.provider, result.error_class) == ("gemini", "rate-limit")


def test_plain_error_body_invalid_key() -> None:
    body = {
        "error": {
            "code": 400,
            "message": "API key not valid. Please pass a valid API key.",
            "status": "INVALID_ARGUMENT",
            "details": [
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}
            ],
        }
    }
    head = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n\r\n"
    report = check_bytes(head + orjson.dumps(body), url=URL.format(v="v1beta"))
    assert report.results[0].error_class == "auth"


def test_error_inside_a_200_stream() -> None:
    overloaded = {
        "error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}
    }
    report = check_bytes(sse([CLEAN[0], overloaded]), url=URL.format(v="v1beta") + "?alt=sse")
    assert [f.code for f in report.findings()] == ["SC403"]
    assert report.results[0].error_class == "overloaded"


def test_rule_fixtures() -> None:
    rules = (
        ("SC116", "json"),
        ("SC118", "json"),
        ("SC338", "sse"),
        ("SC406", "sse"),
        ("SC407", "sse"),
    )
    for code, ext in rules:
        folder = FIXTURES / "rules" / code
        bad = {f.code for f in check_paths([str(folder / f"bad.{ext}")]).findings()}
        good = {f.code for f in check_paths([str(folder / f"good.{ext}")]).findings()}
        assert code in bad and code not in good, code
    clean = check_paths([str(p) for p in sorted((FIXTURES / "gemini").iterdir())])
    assert list(clean.findings()) == []


@needs_shared
def test_real_gemini_streams_are_clean() -> None:
    report = check_paths(corpus_paths("streamGenerateContent"))
    streams = [r for r in report.results if r.framing == "sse"]
    assert len(streams) >= 18
    assert {(r.provider, r.api) for r in streams} == {("gemini", "stream-generate-content")}
    dirty = {f"{r.source}#{r.index}": [f.code for f in r.findings] for r in streams if r.findings}
    assert dirty == {}


def test_error_array_with_http_200_is_an_in_stream_error() -> None:
    unavailable = {
        "error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}
    }
    for url in (URL.format(v="v1beta"), None):
        report = check_bytes(orjson.dumps([unavailable]), url=url)
        result = report.results[0]
        assert [f.code for f in report.findings()] == ["SC403"]
        assert (result.provider, result.framing, result.error_class) == (
            "gemini",
            "jsonarray",
            "overloaded",
        )


def piece(**call: Any) -> dict[str, Any]:
    body = chunk("x")
    body["candidates"][0]["content"]["parts"] = [{"functionCall": call}]
    return body


STREAMED_CALL = [
    piece(name="get_weather", willContinue=True),
    piece(
        partialArgs=[{"jsonPath": "$.location", "stringValue": "Bos", "willContinue": True}],
        willContinue=True,
    ),
    piece(partialArgs=[{"jsonPath": "$.location", "stringValue": "ton"}], willContinue=True),
    piece(),
    chunk("", "STOP"),
]


def test_function_call_arguments_streamed_in_pieces_pass_through_the_cli(tmp_path: Any) -> None:
    """Gemini 3 on Vertex AI (streamFunctionCallArguments): pieces after the named one carry no
    name; the call ends with an empty functionCall. Was SC201 on every piece."""
    path = tmp_path / "pieces.sse"
    path.write_bytes(sse(STREAMED_CALL))
    done = run_in_process("check", str(path), "--format", "json")
    assert done.returncode == 0, done.stdout
    [result] = orjson.loads(done.stdout)["results"]
    assert (result["provider"], result["findings"]) == ("gemini", [])
    fixture = FIXTURES / "gemini" / "streamed-function-call-args.sse"
    assert run_in_process("check", str(fixture)).returncode == 0


def test_a_piece_with_no_call_open_and_a_call_never_closed_are_sc338() -> None:
    lost_start = check_bytes(sse(STREAMED_CALL[1:]), url=URL.format(v="v1beta") + "?alt=sse")
    assert [(f.code, f.severity) for f in lost_start.findings()] == [("SC338", Severity.ERROR)]
    never_closed = [*STREAMED_CALL[:3], chunk("", "STOP")]
    found = list(check_bytes(sse(never_closed), url=URL.format(v="v1") + "?alt=sse").findings())
    assert [f.code for f in found] == ["SC338"] and "'get_weather'" in found[0].message
    # a whole call without its name is still the schema's finding, not a piece
    assert codes(sse([piece(args={"city": "Paris"}), chunk("", "STOP")])) == ["SC201"]


def test_an_sse_answer_to_a_request_for_the_json_array_is_a_framing_warning() -> None:
    """Without `?alt=sse` Gemini streams one JSON array; aimock answers SSE anyway. A client
    reading the array gets no chunks: SC113, a warning. Asked with alt=sse, or answered with the
    array, nothing is said."""
    [finding] = check_bytes(sse(CLEAN), url=URL.format(v="v1beta")).findings()
    assert (finding.code, finding.severity) == ("SC113", Severity.WARNING)
    assert "asked for jsonarray (its URL has no alt=sse)" in finding.message
    assert not list(check_bytes(sse(CLEAN), url=URL.format(v="v1beta") + "?alt=sse").findings())
    array = orjson.dumps(CLEAN)
    assert not list(check_bytes(array, url=URL.format(v="v1beta")).findings())

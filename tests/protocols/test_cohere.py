"""Cohere chat streaming, v2 (SSE) and v1 (NDJSON): detection, versions, schemas, one test per
grammar rule, failing finish reasons and error bodies, through `check_bytes` and the CLI."""

from __future__ import annotations

import json
from typing import Any

import pytest

from streamcheck import Report, check_bytes, check_paths
from tests.conftest import FIXTURES, run_streamcheck

V2_URL = "https://api.cohere.com/v2/chat"
V1_URL = "https://api.cohere.com/v1/chat"
SSE = {"content-type": "text/event-stream"}


def ev(data: dict[str, Any], name: str | None = None) -> bytes:
    return f"event: {name or data['type']}\ndata: {json.dumps(data)}\n\n".encode()


def msg(**members: Any) -> dict[str, Any]:
    return {"message": members}


def start() -> bytes:
    empty = msg(role="assistant", content=[], tool_plan="", tool_calls=[], citations=[])
    return ev({"id": "c0ffee", "type": "message-start", "delta": empty})


def content_start(index: int, kind: str = "text") -> bytes:
    content = {"type": kind, kind: ""}
    return ev({"type": "content-start", "index": index, "delta": msg(content=content)})


def content_delta(index: int, text: str = "Hi", kind: str = "text") -> bytes:
    return ev({"type": "content-delta", "index": index, "delta": msg(content={kind: text})})


def end(family: str, index: int) -> bytes:
    return ev({"type": f"{family}-end", "index": index})


def tool_start(index: int) -> bytes:
    call = {"id": f"t{index}", "type": "function", "function": {"name": "f", "arguments": ""}}
    return ev({"type": "tool-call-start", "index": index, "delta": msg(tool_calls=call)})


def tool_delta(index: int, fragment: str) -> bytes:
    call = {"function": {"arguments": fragment}}
    return ev({"type": "tool-call-delta", "index": index, "delta": msg(tool_calls=call)})


def message_end(reason: str = "COMPLETE", **extra: Any) -> bytes:
    usage = {"billed_units": {"input_tokens": 1, "output_tokens": 1}}
    return ev({"type": "message-end", "delta": {"finish_reason": reason, "usage": usage, **extra}})


DONE = b"data: [DONE]\n\n"


def clean() -> list[bytes]:
    return [start(), content_start(0), content_delta(0), end("content", 0), message_end(), DONE]


def check(parts: list[bytes], url: str | None = V2_URL, **kw: Any) -> Report:
    return check_bytes(b"".join(parts), url=url, headers=kw.pop("headers", SSE), **kw)


def found(report: Report) -> list[tuple[str, int | None]]:
    return [(f.code, f.location.frame) for f in report.findings()]


# -- v2 ---------------------------------------------------------------------------------------


def test_clean_v2_by_url_and_by_frames() -> None:
    for url in (V2_URL, None):
        report = check(clean(), url=url)
        [result] = report.results
        assert found(report) == []
        assert (result.provider, result.api, result.api_version) == ("cohere", "chat", "v2")
    assert found(check(clean()[:-1])) == []  # [DONE] is tolerated, not required


def test_tool_calls_thinking_and_citations_are_clean() -> None:
    citation = {"start": 0, "end": 2, "text": "Hi", "sources": [], "type": "TEXT_CONTENT"}
    parts = [
        start(),
        ev({"type": "tool-plan-delta", "delta": msg(tool_plan="Plan.")}),
        tool_start(0),
        tool_delta(0, '{"a": '),
        tool_delta(0, "1}"),
        end("tool-call", 0),
        tool_start(1),
        end("tool-call", 1),
        content_start(0, "thinking"),
        content_delta(0, "hmm", "thinking"),
        end("content", 0),
        content_start(1),
        content_delta(1),
        ev({"type": "citation-start", "index": 0, "delta": msg(citations=citation)}),
        end("citation", 0),
        end("content", 1),
        ev({"type": "debug", "prompt": "..."}),
        message_end("TOOL_CALL"),
        DONE,
    ]
    assert found(check(parts)) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [("v2-text.sse", []), ("v2-tool-calls.sse", []), ("v2-error-finish.sse", ["SC403"]),
     ("v1-text.ndjson", ["SC902"])],
)  # fmt: skip
def test_cohere_fixtures(name: str, expected: list[str]) -> None:
    report = check_paths([str(FIXTURES / "cohere" / name)])
    assert [f.code for f in report.findings()] == expected
    assert report.results[0].provider == "cohere"


def test_finish_reason_error_is_an_in_stream_failure() -> None:
    parts = clean()
    parts[4] = message_end("ERROR", error="internal server error")
    report = check(parts)
    assert found(report) == [("SC403", 4)]
    assert report.results[0].error_class == "server-error"
    done = run_streamcheck("check", "fixtures/cohere/v2-error-finish.sse")
    assert done.returncode == 1 and "SC403" in done.stdout and "server-error" in done.stdout


def test_eof_without_message_end() -> None:
    assert found(check(clean()[:3])) == [("SC301", None)]
    early_done = [*clean()[:3], DONE]
    assert found(check(early_done)) == [("SC301", 3)]


def test_start_order_and_after_end() -> None:
    assert found(check(clean()[1:])) == [("SC309", 0)]
    assert found(check([start(), *clean()])) == [("SC309", 1)]
    after = [*clean()[:5], content_delta(0), DONE]
    assert found(check(after)) == [("SC302", 5)]


def test_block_rules() -> None:
    no_start = [start(), content_delta(0), end("content", 0), message_end()]
    assert found(check(no_start)) == [("SC310", 1), ("SC310", 2)]
    after_end = [start(), content_start(0), end("content", 0), content_delta(0), message_end()]
    assert found(check(after_end)) == [("SC305", 3)]
    twice = [start(), content_start(0), content_start(0), end("content", 0), message_end()]
    assert found(check(twice)) == [("SC310", 2)]
    unended = [start(), content_start(0), content_delta(0), message_end()]
    assert found(check(unended)) == [("SC310", 3)]
    backwards = [start(), tool_start(1), end("tool-call", 1), tool_start(0), end("tool-call", 0)]
    assert found(check([*backwards, message_end("TOOL_CALL")])) == [("SC310", 3)]


def severities(report: Report) -> list[tuple[str, str, int | None]]:
    return [(f.code, f.severity.label, f.location.frame) for f in report.findings()]


def test_index_reused_after_its_end_is_a_warning_and_opens_a_new_block() -> None:
    # A reasoning stream's shape: the thinking block ends, then the answer starts at the same
    # index; its delta and end belong to the new block (no SC305, no second-end SC310).
    reused = [start(), content_start(0, "thinking"), content_delta(0, "hmm", "thinking")]
    reused += [end("content", 0), content_start(0), content_delta(0), end("content", 0)]
    report = check([*reused, message_end(), DONE])
    assert severities(report) == [("SC310", "warning", 4)]
    assert not report.failed
    (finding,) = report.findings()
    assert "content 0 started again after its content-end (thinking, then text)" in (
        finding.message
    )
    assert finding.hint is not None and "cohere-python" in finding.hint


def test_index_restarted_while_open_stays_an_error() -> None:
    # The second start comes before the first block's end: two blocks would share one index.
    twice = [start(), content_start(0, "thinking"), content_delta(0, "hmm", "thinking")]
    twice += [content_start(0), content_delta(0, "x", "thinking"), end("content", 0)]
    report = check([*twice, message_end(), DONE])
    assert severities(report) == [("SC310", "error", 3)]
    assert report.failed


def test_delta_kind_and_tool_arguments() -> None:
    wrong = [start(), content_start(0, "thinking"), content_delta(0), end("content", 0)]
    assert found(check([*wrong, message_end()])) == [("SC311", 2)]
    bad_json = [start(), tool_start(0), tool_delta(0, '{"a": '), end("tool-call", 0)]
    assert found(check([*bad_json, message_end("TOOL_CALL")])) == [("SC308", 3)]


def test_schema_and_event_name_findings() -> None:
    no_reason = ev({"type": "message-end", "delta": {"usage": {}}})
    report = check([*clean()[:4], no_reason])
    assert found(report) == [("SC201", 4)]
    assert "finish_reason" in next(report.findings()).message
    new_reason = [*clean()[:4], message_end("SOMETHING_NEW")]
    assert found(check(new_reason)) == [("SC205", 4)]
    renamed = [start(), content_start(0), content_delta(0), ev({"type": "content-end", "index": 0},
               "content-stop"), message_end()]  # fmt: skip
    assert found(check(renamed)) == [("SC204", 3)]


@pytest.mark.parametrize(
    ("status", "message", "klass"),
    [
        (401, "invalid api token", "auth"),
        (
            429,
            "You are using a Trial key, which is limited to 10 API calls / minute.",
            "rate-limit",
        ),
        (400, "too many tokens: total number of tokens exceeds the limit", "context-length"),
        (402, "Please add a payment method.", "billing"),
        (404, "model 'command-z' not found", "no-access"),
    ],
)
def test_error_bodies(status: int, message: str, klass: str) -> None:
    body = json.dumps({"id": "c0ffee", "message": message}).encode()
    report = check([body], headers={"content-type": "application/json"}, status=status)
    assert [f.code for f in report.findings()] == ["SC401"]
    [result] = report.results
    assert (result.provider, result.error_class) == ("cohere", klass)


# -- v1 ---------------------------------------------------------------------------------------


def line(event_type: str, finished: bool = False, **fields: Any) -> bytes:
    return (
        json.dumps({"is_finished": finished, "event_type": event_type, **fields}).encode() + b"\n"
    )


def v1_clean(reason: str = "COMPLETE") -> list[bytes]:
    return [
        line("stream-start", generation_id="g1"),
        line("text-generation", text="Ahoy"),
        line("stream-end", True, finish_reason=reason, response={"text": "Ahoy"}),
    ]


def test_clean_v1_by_url_and_by_frames() -> None:
    ndjson = {"content-type": "application/stream+json"}
    for url in (V1_URL, None):
        report = check(v1_clean(), url=url, headers=ndjson)
        [result] = report.results
        # Told by its frames alone, the version chosen is said (one SC902 note).
        assert found(report) == ([] if url else [("SC902", None)])
        assert (result.provider, result.api_version, result.framing) == ("cohere", "v1", "ndjson")


def test_v1_grammar() -> None:
    ndjson = {"content-type": "application/stream+json"}
    assert found(check(v1_clean()[:2], url=V1_URL, headers=ndjson)) == [("SC301", None)]
    assert found(check(v1_clean()[1:], url=V1_URL, headers=ndjson)) == [("SC309", 0)]
    extra = [*v1_clean(), line("text-generation", text="more")]
    assert found(check(extra, url=V1_URL, headers=ndjson)) == [("SC302", 3)]
    toxic = check(v1_clean("ERROR_TOXIC"), url=V1_URL, headers=ndjson)
    assert found(toxic) == [("SC403", 2)]
    assert toxic.results[0].error_class == "content-filter"
    unfinished = [*v1_clean()[:2], line("stream-end", False, finish_reason="COMPLETE")]
    assert found(check(unfinished, url=V1_URL, headers=ndjson)) == [("SC201", 2)]


# -- hints from recorded URLs -------------------------------------------------------------------


def test_hints_name_the_cohere_endpoint() -> None:
    from streamcheck.sources.hints import Hint, from_request

    assert from_request(V2_URL, {}) == Hint("cohere", "chat", "v2")
    assert from_request("https://api.cohere.com/v2/embed", {}) == Hint("cohere", "embed", "v2")
    compat = "https://api.cohere.ai/compatibility/v1/chat/completions"
    assert from_request(compat, {}) == Hint("cohere", "chat-completions")


def test_cohere_openai_compatible_endpoint_gets_the_openai_grammar(tmp_path: Any) -> None:
    chunk = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "command-a-03-2025",
        "choices": [
            {"index": 0, "delta": {"role": "assistant", "content": "Hi"}, "finish_reason": None}
        ],
    }
    last = {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    body = f"data: {json.dumps(chunk)}\n\ndata: {json.dumps(last)}\n\ndata: [DONE]\n\n"
    url = "https://api.cohere.ai/compatibility/v1/chat/completions"
    entry = {
        "request": {"method": "POST", "url": url, "headers": []},
        "response": {
            "status": 200,
            "headers": [],
            "content": {"size": len(body), "mimeType": "text/event-stream", "text": body},
        },
        "timings": {"send": 1, "wait": 100, "receive": 5},
    }
    path = tmp_path / "compat.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": [entry]}}))
    [result] = check_paths([str(path)]).results
    assert (result.api, result.framing) == ("chat-completions", "sse")
    assert not [f for f in result.findings if f.code.startswith(("SC3", "SC2"))]

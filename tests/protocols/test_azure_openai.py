"""Azure OpenAI chat streams: filter chunks, api-versions, detection, error bodies."""

from __future__ import annotations

from typing import Any

import orjson

from streamcheck import Severity, check_bytes, check_paths
from tests.conftest import FIXTURES, needs_shared, run_streamcheck
from tests.protocols.test_openai_responses import corpus_paths

SAFE = {"filtered": False, "severity": "safe"}
CFR = {k: SAFE for k in ("hate", "self_harm", "sexual", "violence")}
URL = "https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version={v}"


def prompt_filter(key: str = "prompt_filter_results") -> dict[str, Any]:
    results = [{"prompt_index": 0, "content_filter_results": CFR}]
    return {"choices": [], "created": 0, "id": "", "model": "", "object": "", key: results}


def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish, "content_filter_results": CFR}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1764064800,
        "model": "gpt-4o",
        "choices": [choice],
    }


FILTER_ONLY = {
    "id": "",
    "object": "",
    "created": 0,
    "model": "",
    "choices": [
        {
            "index": 0,
            "finish_reason": None,
            "content_filter_results": CFR,
            "content_filter_offsets": {"check_offset": 0, "start_offset": 0, "end_offset": 9},
        }
    ],
}
CLEAN = [
    prompt_filter(),
    chunk({"role": "assistant", "content": ""}),
    chunk({"content": "Hi there"}),
    chunk({}, "stop"),
    FILTER_ONLY,
]


def sse(items: list[Any], done: bool = True) -> bytes:
    body = b"".join(b"data: " + orjson.dumps(i) + b"\n\n" for i in items)
    return body + (b"data: [DONE]\n\n" if done else b"")


def found(body: bytes, **kwargs: Any) -> list[tuple[str, Severity]]:
    return [(f.code, f.severity) for f in check_bytes(body, **kwargs).findings()]


def test_clean_stream_only_notes_the_prompt_filter_chunk() -> None:
    report = check_bytes(sse(CLEAN), url=URL.format(v="2024-10-21"))
    result = report.results[0]
    assert (result.provider, result.api, result.api_version) == (
        "azure-openai",
        "chat-completions",
        "2024-10-21",
    )
    [finding] = report.findings()
    assert (finding.code, finding.severity) == ("SC314", Severity.INFO)
    assert "IndexError" in finding.message


def test_detected_from_the_first_chunk_without_a_url() -> None:
    result = check_bytes(sse(CLEAN)).results[0]
    assert (result.provider, result.api_version) == ("azure-openai", "2024-10-21")


def test_api_version_query_picks_the_schemas() -> None:
    for version in ("2024-06-01", "2024-02-01"):
        result = check_bytes(sse(CLEAN), url=URL.format(v=version)).results[0]
        assert result.api_version == version


def test_prompt_annotations_era() -> None:
    old = [prompt_filter("prompt_annotations"), *CLEAN[1:4]]
    url = URL.format(v="2023-07-01-preview")
    assert found(sse(old), url=url) == [("SC314", Severity.INFO)]
    # The new key under a preview api-version (or the old key under GA) is reported as drift.
    assert ("SC203", Severity.INFO) in found(sse(CLEAN), url=url)
    assert ("SC203", Severity.INFO) in found(sse(old), url=URL.format(v="2024-10-21"))


def test_choice_without_delta_needs_filter_members() -> None:
    bare = {**FILTER_ONLY, "choices": [{"index": 0, "finish_reason": None}]}
    assert ("SC334", Severity.WARNING) in found(sse([*CLEAN[:4], bare]))


def test_filter_chunks_do_not_change_identity_and_filter_values_are_typed() -> None:
    codes = [c for c, _ in found(sse(CLEAN))]
    assert "SC307" not in codes
    bad = chunk({"content": "x"})
    bad["choices"][0]["content_filter_results"] = {
        "hate": {"filtered": "False", "severity": "safe"}
    }
    assert ("SC201", Severity.ERROR) in found(sse([*CLEAN[:2], bad, *CLEAN[3:]]))


def test_content_filter_finish() -> None:
    cut = chunk({}, "content_filter")
    cut["choices"][0]["content_filter_results"] = {
        **CFR,
        "violence": {"filtered": True, "severity": "high"},
    }
    report = check_bytes(sse([*CLEAN[:3], cut]))
    assert "SC319" in [f.code for f in report.findings()]
    assert report.results[0].error_class == "content-filter"


def test_error_bodies() -> None:
    report = check_paths([str(FIXTURES / "azure-openai" / "content-filter-400.http")])
    [finding] = report.findings()
    result = report.results[0]
    assert finding.code == "SC401" and "ResponsibleAIPolicyViolation" in finding.message
    assert (result.provider, result.error_class) == ("azure-openai", "content-filter")
    gateway = (
        b"HTTP/1.1 401 PermissionDenied\r\ncontent-type: application/json\r\n\r\n"
        b'{"error":{"code":"401","message":"Access denied due to invalid subscription key or '
        b'wrong API endpoint."}}'
    )
    result = check_bytes(gateway, url=URL.format(v="2024-10-21")).results[0]
    assert (result.provider, result.error_class) == ("azure-openai", "auth")
    missing = (
        b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n\r\n"
        b'{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource '
        b'does not exist."}}'
    )
    assert (
        check_bytes(missing, url=URL.format(v="2024-10-21")).results[0].error_class == "not-found"
    )


def test_fixtures() -> None:
    folder = FIXTURES / "rules" / "SC334"
    assert "SC334" in {f.code for f in check_paths([str(folder / "bad.sse")]).findings()}
    assert "SC334" not in {f.code for f in check_paths([str(folder / "good.sse")]).findings()}
    for name, version in (
        ("async-filter-2024-10-21.tape", "2024-10-21"),
        ("prompt-annotations-2023-07-01-preview.tape", "2023-07-01-preview"),
    ):
        report = check_paths([str(FIXTURES / "azure-openai" / name)])
        assert report.results[0].api_version == version
        assert [f.code for f in report.findings()] == ["SC314"]


@needs_shared
def test_real_azure_streams_only_note_the_prompt_filter_chunk() -> None:
    results = check_paths(corpus_paths("chat-completions", "azure-openai")).results
    streams = [r for r in results if r.framing == "sse"]
    assert len(streams) == 8
    assert {(r.provider, r.api_version) for r in streams} == {("azure-openai", "2024-02-01")}
    assert {f.code for r in streams for f in r.findings} == {"SC314"}


PAYLOADS_ONLY = [
    '{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"}}}]}',
    '{"choices":[{"content_filter_results":{},"delta":{"content":"","role":"assistant"},"finish_reason":null,"index":0,"logprobs":null}],"created":1718000000,"id":"chatcmpl-1","model":"gpt-4o-2024-05-13","object":"chat.completion.chunk","system_fingerprint":"fp_1"}',
    '{"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"}},"delta":{"content":"Hi"},"finish_reason":null,"index":0,"logprobs":null}],"created":1718000000,"id":"chatcmpl-1","model":"gpt-4o-2024-05-13","object":"chat.completion.chunk","system_fingerprint":"fp_1"}',
    '{"choices":[{"content_filter_results":{},"delta":{},"finish_reason":"stop","index":0,"logprobs":null}],"created":1718000000,"id":"chatcmpl-1","model":"gpt-4o-2024-05-13","object":"chat.completion.chunk","system_fingerprint":"fp_1"}',
]


def test_a_payloads_only_azure_recording_is_not_sc301_for_a_done_it_cannot_hold(
    tmp_path: Any,
) -> None:
    """Recorders that keep only each event's JSON cannot hold `data: [DONE]`: the rule that
    spares OpenAI such recordings holds for Azure too (SC301 failed them). A cut one still
    fails, by its missing finish_reason."""
    whole = tmp_path / "azure.jsonl"
    whole.write_text("\n".join(PAYLOADS_ONLY) + "\n")
    done = run_streamcheck("check", str(whole), "--format", "json")
    assert done.returncode == 0, done.stdout
    [result] = orjson.loads(done.stdout)["results"]
    assert result["provider"] == "azure-openai"
    assert "SC301" not in [f["code"] for f in result["findings"]]
    notes = [f["message"] for f in result["findings"] if f["code"] == "SC902"]
    assert any("cannot show whether data: [DONE] came" in n for n in notes), notes
    cut = tmp_path / "azure-cut.jsonl"
    cut.write_text("\n".join(PAYLOADS_ONLY[:-1]) + "\n")
    done = run_streamcheck("check", str(cut), "--format", "json")
    assert done.returncode == 1
    [result] = orjson.loads(done.stdout)["results"]
    assert [f["code"] for f in result["findings"] if f["severity"] == "error"] == ["SC303"]

"""HAR exports: which entries become exchanges, bodies, timings, redaction, bad files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from streamcheck import InputError, check_paths
from streamcheck.model import ExchangeResult
from streamcheck.sources import read_path
from tests.conftest import FIXTURES, run_streamcheck

FIXTURE = FIXTURES / "har" / "chat_page.har"


def codes(result: ExchangeResult) -> list[str]:
    return [f.code for f in result.findings]


def entry(url: str, mime: str, text: str | None, **extra: Any) -> dict[str, Any]:
    content: dict[str, Any] = {"size": len(text or ""), "mimeType": mime}
    if text is not None:
        content["text"] = text
    value: dict[str, Any] = {
        "request": {"method": "POST", "url": url, "headers": []},
        "response": {"status": 200, "headers": [], "content": content},
        "timings": {"send": 1, "wait": 100, "receive": 5},
    }
    value.update(extra)
    return value


def write_har(tmp_path: Path, entries: list[Any], name: str = "x.har") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}))
    return path


def test_fixture_keeps_only_llm_calls_with_entry_indexes() -> None:
    results = check_paths([str(FIXTURE)]).results
    # Entry 0 is the page's HTML: not an LLM call, so not an exchange.
    assert [r.index for r in results] == [1, 2, 3]
    clean, cut, ollama = results
    assert (clean.provider, clean.api, clean.framing, clean.frames) == (
        "openai",
        "chat-completions",
        "sse",
        4,
    )
    assert codes(clean) == []
    assert "SC301" in codes(cut)  # the stream stops without data: [DONE]
    assert (ollama.framing, ollama.frames) == ("ndjson", 2)  # base64 content decoded


def test_fixture_body_arrives_at_time_to_first_byte() -> None:
    clean = check_paths([str(FIXTURE)]).results[0]
    # blocked 2.0 + send 0.5 + wait 412.5 ms; dns/connect/ssl are -1 (not applicable).
    assert clean.timing["first_byte"] == pytest.approx(0.415)


def test_fixture_request_is_parsed_and_redacted() -> None:
    exchange = next(read_path(str(FIXTURE)))
    assert exchange.request.body["stream"] is True
    assert exchange.request.headers["authorization"] == "[REDACTED]"
    assert ":authority" not in exchange.request.headers  # HTTP/2 pseudo-headers dropped
    done = run_streamcheck("check", "--format", "json", str(FIXTURE))
    assert done.returncode == 1, done.stderr
    assert "canary" not in done.stdout + done.stderr


def test_har_from_stdin() -> None:
    done = run_streamcheck("check", "--format", "json", "-", input=FIXTURE.read_bytes())
    report = json.loads(done.stdout)
    assert [r["exchange"] for r in report["results"]] == [1, 2, 3]


def test_missing_body_and_timings_are_notes(tmp_path: Path) -> None:
    item = entry("https://api.openai.com/v1/chat/completions", "text/event-stream", None)
    del item["timings"]
    [result] = check_paths([str(write_har(tmp_path, [item]))]).results
    notes = [f.message for f in result.findings if f.code == "SC902"]
    assert any("holds no response body" in n for n in notes)
    assert any("no timings" in n for n in notes)


def test_cancelled_request_has_no_status(tmp_path: Path) -> None:
    item = entry("https://api.anthropic.com/v1/messages", "", None)
    item["response"]["status"] = 0
    [result] = check_paths([str(write_har(tmp_path, [item]))]).results
    assert result.status is None
    assert any("status 0" in f.message for f in result.findings)


def test_stream_request_to_unknown_host_is_kept(tmp_path: Path) -> None:
    item = entry("https://gateway.example.test/llm", "application/json", '{"error": "down"}')
    item["request"]["postData"] = {"mimeType": "application/json", "text": '{"stream": true}'}
    [result] = check_paths([str(write_har(tmp_path, [item]))]).results
    assert result.index == 0 and result.findings


def test_har_without_llm_calls_is_an_input_error(tmp_path: Path) -> None:
    path = write_har(tmp_path, [entry("https://example.test/app.js", "text/javascript", "x")])
    with pytest.raises(InputError, match="none of the 1 HAR entries"):
        check_paths([str(path)])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"log": {"entries": [', "not a valid HAR file"),
        ('{"log": {"version": "1.2"}}', r"no log\.entries list"),
        ('{"log": {"entries": [1]}}', "HAR entry 0 is not an object"),
        ('{"log": {"entries": [{"request": {}}]}}', "HAR entry 0 has no request or response"),
    ],
)
def test_bad_har_is_one_line_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.har"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        check_paths([str(path)])
    done = run_streamcheck("check", str(path))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "bad.har" in done.stderr


def test_har_sniffed_without_suffix(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(FIXTURE.read_bytes())
    assert len(check_paths([str(path)]).results) == 3


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", "gemini"),
        (
            "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash"
            ":streamGenerateContent?alt=sse",
            "gemini",
        ),
        (
            "/model/anthropic.claude-3-haiku-20240307-v1:0/invoke-with-response-stream",
            "aws-bedrock",
        ),
        ("/model/anthropic.claude-3-haiku-20240307-v1:0/converse-stream", "aws-bedrock"),
    ],
)
def test_an_error_answer_to_a_streaming_call_through_a_gateway_is_judged(
    tmp_path: Path, path: str, label: str
) -> None:
    """A Gemini or Bedrock streaming call through a host that is not the provider's (a gateway,
    a private endpoint, a mock on 127.0.0.1) answered with a JSON error: its path says what it
    was. The HAR was refused as holding no LLM call (exit 2), so the 429 passed unjudged."""
    body = (
        '{"error": {"code": 429, "message": "Resource exhausted", "status": "RESOURCE_EXHAUSTED"}}'
    )
    item = entry("https://llm-gateway.example" + path, "application/json", body)
    item["response"]["status"] = 429
    done = run_streamcheck("check", str(write_har(tmp_path, [item])))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "SC401 error-body" in done.stdout and "[rate-limit]" in done.stdout
    assert f"exchange 0 · {label}" in done.stdout


def polly_chunks(body: str) -> dict[str, Any]:
    """A gzip body as Polly.JS keeps one it received in chunks: `encoding: base64` and a JSON
    array of base64 strings, one per chunk (the gzip stream split mid-way)."""
    import base64
    import gzip

    packed = gzip.compress(body.encode())
    half = len(packed) // 2
    pieces = [base64.b64encode(p).decode() for p in (packed[:half], packed[half:])]
    made = entry(URL, "text/event-stream", json.dumps(pieces), **{"_id": "1"})
    made["request"]["postData"] = {"mimeType": "application/json", "text": REQUEST}
    made["response"]["content"]["encoding"] = "base64"
    made["response"]["headers"] = [
        {"name": "content-type", "value": "text/event-stream"},
        {"name": "content-encoding", "value": "gzip"},
    ]
    return made


URL = "https://api.openai.com/v1/chat/completions"
REQUEST = json.dumps({"model": "gpt-4o", "messages": [], "stream": True})


def test_a_polly_body_kept_as_base64_chunks_is_joined(tmp_path: Path) -> None:
    """Each chunk was decoded as one base64 text with the array's quotes and commas in it:
    the gzip stream came out cut ("the gzip body is cut off") or garbled."""
    from tests.streams import CLEAN

    path = write_har(tmp_path, [polly_chunks(CLEAN)], name="recording.har")
    done = run_streamcheck("check", str(path), "--format", "json")
    assert done.returncode == 0, done.stdout
    (result,) = json.loads(done.stdout)["results"]
    assert (result["provider"], result["frames"]) == ("openai", 4), result
    assert not any("cut off" in f["message"] for f in result["findings"]), result


def test_a_har_written_as_yaml_is_read_as_a_har(tmp_path: Path) -> None:
    """Polly.JS's YAML persister (`recording.har.yaml`): read by the HAR reader, its
    base64-chunked gzip body joined, only LLM calls kept (a telemetry call is not)."""
    import yaml

    from tests.streams import CLEAN

    telemetry = entry("https://example.com/ping", "application/json", "{}")
    telemetry["request"]["method"] = "GET"
    har = {"log": {"creator": {"name": "Polly.JS"}, "entries": [telemetry, polly_chunks(CLEAN)]}}
    path = tmp_path / "recording.har.yaml"
    path.write_text(yaml.safe_dump(har, sort_keys=False))
    done = run_streamcheck("check", str(path), "--format", "json")
    assert done.returncode == 0, done.stdout
    (result,) = json.loads(done.stdout)["results"]
    assert (result["provider"], result["frames"]) == ("openai", 4), result
    assert not any("structure" in f["message"] for f in result["findings"]), result

"""VCR cassettes: every body encoding real cassettes use, redaction, hints, bad files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from streamcheck import InputError, check_paths
from streamcheck.model import ExchangeResult
from streamcheck.sources import read_path
from streamcheck.sources.hints import Hint, from_request
from tests.conftest import FIXTURES, run_streamcheck
from tests.streams import CLEAN

FIXTURE = FIXTURES / "cassettes" / "openai_chat_stream_and_error.yaml"
CANARY = "sk-canary-cassette-0000000000000000"
CLEAN_SSE = CLEAN
CHAT_URL = "https://api.openai.com/v1/chat/completions"
STREAM_REQUEST = '{"model":"m","messages":[],"stream":true}'


def interaction(
    body: Any,
    *,
    status: Any = None,
    headers: dict[str, list[str]] | None = None,
    url: str = CHAT_URL,
    request: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "request": request or {"body": STREAM_REQUEST, "headers": {}, "method": "POST", "uri": url},
        "response": {
            "body": body,
            "headers": headers or {"Content-Type": ["text/event-stream"]},
            "status": status if status is not None else {"code": 200, "message": "OK"},
        },
    }


def write(tmp_path: Path, *interactions: dict[str, Any], name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"interactions": list(interactions), "version": 1}))
    return path


def results(path: Path | str) -> list[ExchangeResult]:
    return check_paths([str(path)]).results


def codes(result: ExchangeResult) -> list[str]:
    return [f.code for f in result.findings]


def notes(result: ExchangeResult) -> list[str]:
    return [f.message for f in result.findings if f.code == "SC902"]


def body_of(path: Path, index: int = 0) -> bytes:
    for exchange in read_path(str(path)):
        if exchange.index == index:
            return b"".join(chunk for chunk, _ in exchange.chunks)
    raise AssertionError(f"no exchange {index}")


# -- the hand-written fixture ---------------------------------------------------------------------


def test_fixture_reads_a_clean_stream_and_an_error_body() -> None:
    first, second = results(FIXTURE)
    assert (first.index, first.status, first.framing, first.frames) == (0, 200, "sse", 4)
    assert (first.provider, first.api) == ("openai", "chat-completions")
    assert codes(first) == []
    assert (second.index, second.status, second.error_class) == (1, 401, "auth")
    assert codes(second) == ["SC401"]


def test_fixture_request_is_parsed_and_redacted() -> None:
    exchange = next(read_path(str(FIXTURE)))
    assert exchange.request.method == "POST"
    assert exchange.request.url == CHAT_URL
    assert exchange.request.body["stream"] is True
    assert exchange.request.headers["Authorization"] == "[REDACTED]"
    assert exchange.request.headers["Content-Type"] == "application/json"


def test_cli_reports_the_fixture_without_the_key() -> None:
    done = run_streamcheck("check", "--format", "json", str(FIXTURE))
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["summary"]["exchanges"] == 2
    assert [r["status"] for r in report["results"]] == [200, 401]
    assert CANARY not in done.stdout + done.stderr
    assert "canary" not in done.stdout + done.stderr


# -- body encodings -------------------------------------------------------------------------


def test_gzip_binary_body_is_inflated(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        interaction(
            {"string": gzip.compress(CLEAN_SSE.encode())},
            headers={"Content-Type": ["text/event-stream"], "Content-Encoding": ["gzip"]},
        ),
    )
    assert "!!binary" in path.read_text()
    assert body_of(path) == CLEAN_SSE.encode()
    [result] = results(path)
    assert (result.frames, codes(result)) == (4, [])


def test_gzip_header_over_an_already_decoded_body_is_a_note(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        interaction(
            {"string": CLEAN_SSE},
            headers={"Content-Type": ["text/event-stream"], "Content-Encoding": ["gzip"]},
        ),
    )
    [result] = results(path)
    assert result.frames == 4
    assert notes(result) == ["Content-Encoding says gzip but the stored body is not compressed"]


def test_corrupt_gzip_is_a_note_not_a_crash(tmp_path: Path) -> None:
    broken = gzip.compress(CLEAN_SSE.encode())[:30]
    path = write(
        tmp_path,
        interaction({"string": broken}, headers={"Content-Encoding": ["gzip"]}),
    )
    [result] = results(path)
    assert any("gzip body is cut off" in n or "corrupt" in n for n in notes(result))


def test_deflate_body_is_inflated(tmp_path: Path) -> None:
    import zlib

    path = write(
        tmp_path,
        interaction(
            {"string": zlib.compress(CLEAN_SSE.encode())},
            headers={"Content-Type": ["text/event-stream"], "Content-Encoding": ["deflate"]},
        ),
    )
    assert body_of(path) == CLEAN_SSE.encode()


def test_brotli_body_is_decoded_or_explained(tmp_path: Path) -> None:
    try:
        import brotli  # type: ignore[import-not-found]  # optional; not a dependency

        data = brotli.compress(CLEAN_SSE.encode())
    except ImportError:
        data = b"\x1b\x2a\x00\xf8not really brotli"
    path = write(
        tmp_path,
        interaction({"string": data}, headers={"Content-Encoding": ["br"]}),
    )
    [result] = results(path)
    if result.frames == 4:
        assert codes(result) == []
    else:
        assert any("brotli" in n for n in notes(result))


def test_binary_eventstream_body_keeps_its_bytes(tmp_path: Path) -> None:
    # An AWS event stream message prelude: not text, kept byte for byte.
    data = bytes.fromhex("0000003e000000201b0aef9c") + b"\x00\xff" * 20
    path = write(
        tmp_path,
        interaction(
            {"string": data},
            headers={"Content-Type": ["application/vnd.amazon.eventstream"]},
            url="https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse-stream",
        ),
    )
    assert body_of(path) == data
    [result] = results(path)
    assert (result.provider, result.api) == ("aws-bedrock", "converse-stream")


def test_parsed_body_is_reencoded_with_a_note(tmp_path: Path) -> None:
    error = {"type": "error", "error": {"type": "not_found_error", "message": "model: x"}}
    item = interaction(None, status={"code": 404, "message": "Not Found"})
    del item["response"]["body"]
    item["response"]["parsed_body"] = error
    item["request"] = {
        "method": "POST",
        "uri": "https://api.anthropic.com/v1/messages",
        "headers": {"anthropic-version": ["2023-06-01"]},
        "parsed_body": {"model": "x", "stream": True, "messages": []},
    }
    path = write(tmp_path, item)
    assert orjson.loads(body_of(path)) == error
    exchange = next(read_path(str(path)))
    assert exchange.request.body == {"model": "x", "stream": True, "messages": []}
    [result] = results(path)
    assert result.status == 404
    assert (result.provider, result.api, result.api_version) == (
        "anthropic",
        "messages",
        "2023-06-01",
    )
    assert any("stored parsed" in n for n in notes(result))


def test_body_stored_as_yaml_list_is_reencoded(tmp_path: Path) -> None:
    frames = [{"candidates": [{"content": {"parts": [{"text": "hi"}]}}]}]
    path = write(tmp_path, interaction(frames))
    assert orjson.loads(body_of(path)) == frames
    [result] = results(path)
    assert any("stored as YAML data" in n for n in notes(result))


def test_plain_string_body_and_integer_status(tmp_path: Path) -> None:
    path = write(tmp_path, interaction(CLEAN_SSE, status=200))
    [result] = results(path)
    assert (result.status, result.frames, codes(result)) == (200, 4, [])


def test_python2_unicode_tags_are_read(tmp_path: Path) -> None:
    text = (
        "interactions:\n"
        "- request:\n"
        "    body: !!python/unicode '{\"stream\": true}'\n"
        "    headers: {}\n"
        "    method: !!python/unicode 'POST'\n"
        f"    uri: !!python/unicode '{CHAT_URL}'\n"
        "  response:\n"
        "    body: {string: !!python/unicode " + json.dumps(CLEAN_SSE) + "}\n"
        "    headers: {}\n"
        "    status: {code: 200, message: OK}\n"
        "version: 1\n"
    )
    path = tmp_path / "old.yaml"
    path.write_text(text)
    [result] = results(path)
    assert (result.frames, codes(result)) == (4, [])


def test_ruby_vcr_base64_string(tmp_path: Path) -> None:
    import base64

    text = (
        "---\nhttp_interactions:\n"
        "- request:\n"
        "    method: post\n"
        f"    uri: {CHAT_URL}\n"
        "    body: {encoding: UTF-8, string: '{\"stream\":true}'}\n"
        "    headers: {}\n"
        "  response:\n"
        "    status: {code: 200, message: OK}\n"
        "    headers: {Content-Type: [text/event-stream]}\n"
        "    body: {encoding: ASCII-8BIT, base64_string: "
        + base64.b64encode(CLEAN_SSE.encode()).decode()
        + "}\n"
        "  recorded_at: Mon, 25 Nov 2024 12:00:00 GMT\n"
        "recorded_with: VCR 6.3.1\n"
    )
    path = tmp_path / "ruby.yml"
    path.write_text(text)
    exchange = next(read_path(str(path)))
    assert exchange.request.method == "POST"
    [result] = results(path)
    assert (result.frames, codes(result)) == (4, [])


def test_empty_body_and_headers_as_pairs(tmp_path: Path) -> None:
    item = interaction({"string": ""}, status={"code": 204, "message": "No Content"})
    item["response"]["headers"] = [["Content-Type", "text/plain"]]
    path = write(tmp_path, item)
    exchange = next(read_path(str(path)))
    assert exchange.headers == {"Content-Type": "text/plain"}
    [result] = results(path)
    assert codes(result) == ["SC114"]


# -- secrets -------------------------------------------------------------------------


def test_secrets_in_url_headers_and_request_body_are_redacted(tmp_path: Path) -> None:
    key = "AIzaCanary0000000000000000000000000000"
    request = {
        "method": "POST",
        "uri": "https://generativelanguage.googleapis.com/v1beta/models/g:streamGenerateContent"
        f"?alt=sse&key={key}",
        "headers": {"x-goog-api-key": [key], "x-api-key": ["sk-canary-x"]},
        "body": json.dumps({"contents": [], "api_key": "sk-canary-in-body-000000000000"}),
    }
    path = write(tmp_path, interaction({"string": "data: {}\n\n"}, request=request))
    exchange = next(read_path(str(path)))
    text = repr((exchange.request, exchange.headers))
    assert "canary" not in text.lower() and key not in text
    assert exchange.provider == "gemini" and exchange.api_version == "v1beta"
    done = run_streamcheck("check", "--format", "json", str(path))
    assert "anary" not in done.stdout + done.stderr


# -- hints -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "headers", "hint"),
    [
        (CHAT_URL, {}, Hint("openai", "chat-completions")),
        ("https://api.openai.com/v1/responses", {}, Hint("openai", "responses")),
        ("https://api.openai.com/v1/responses/resp_1?stream=true", {}, Hint("openai", "responses")),
        ("https://api.openai.com/v1/threads/t/runs", {}, Hint("openai", "threads")),
        (
            "https://r.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21",
            {},
            Hint("azure-openai", "chat-completions", "2024-10-21"),
        ),
        (
            "https://api.anthropic.com/v1/messages?beta=true",
            {"Anthropic-Version": "2023-06-01"},
            Hint("anthropic", "messages", "2023-06-01"),
        ),
        (
            "https://api.anthropic.com/v1/messages/count_tokens",
            {},
            Hint("anthropic", "count-tokens"),
        ),
        (
            "https://generativelanguage.googleapis.com/v1beta/models/g:streamGenerateContent?alt=sse",
            {},
            Hint("gemini", "stream-generate-content", "v1beta"),
        ),
        (
            "https://bedrock-runtime.eu-west-1.amazonaws.com/model/a.b-v1%3A0/converse-stream",
            {},
            Hint("aws-bedrock", "converse-stream"),
        ),
        (
            "https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/"
            "publishers/anthropic/models/claude-sonnet-4@20250514:streamRawPredict",
            {},
            Hint("anthropic", "messages"),
        ),
        (
            "https://aiplatform.googleapis.com/v1beta1/projects/p/locations/global/"
            "publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
            {},
            Hint("vertex-ai", "stream-generate-content", "v1beta1"),
        ),
        (
            "https://aiplatform.googleapis.com/v1/projects/p/locations/l/publishers/meta/models/m",
            {},
            Hint(),
        ),
        ("http://127.0.0.1:11434/api/chat", {}, Hint("ollama", "chat")),
        ("http://gpu-box:8080/api/generate", {}, Hint("ollama", "generate")),
        ("https://api.groq.com/openai/v1/chat/completions", {}, Hint("groq", "chat-completions")),
        ("https://api.cohere.com/v2/chat", {}, Hint("cohere", "chat", "v2")),
        ("https://example.test/v1/chat/completions", {}, Hint()),
        (None, {}, Hint()),
        ("http://[::1", {}, Hint()),
    ],
)
def test_hints_from_request(url: str | None, headers: dict[str, str], hint: Hint) -> None:
    assert from_request(url, headers) == hint


def test_hint_for_an_api_without_a_protocol_does_not_force_chat(tmp_path: Path) -> None:
    # A Responses stream under an OpenAI URL must never be checked with the chat grammar.
    body = 'event: response.created\ndata: {"type":"response.created","response":{}}\n\n'
    path = write(tmp_path, interaction({"string": body}, url="https://api.openai.com/v1/responses"))
    [result] = results(path)
    assert (result.provider, result.api) == ("openai", "responses")
    assert not any("chat" in f.message or "[DONE]" in f.message for f in result.findings)


def test_unknown_endpoint_gets_an_unknown_protocol_finding(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        interaction(
            {"string": '{"ok": true}'},
            headers={"Content-Type": ["application/json"]},
            url="https://telemetry.example.test/runs?token=canary-token",
        ),
    )
    [result] = results(path)
    assert result.provider is None
    assert "SC901" in codes(result)
    assert all("canary" not in (f.message + (f.evidence or "")) for f in result.findings)


# -- bad files -------------------------------------------------------------------------


def test_malformed_yaml_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("interactions:\n- request: {uri: [unclosed\n  response: x\n")
    with pytest.raises(InputError, match=r"bad\.yaml: not a valid YAML cassette: .* at line \d+"):
        results(path)
    done = run_streamcheck("check", str(path))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "bad.yaml" in done.stderr
    assert "Traceback" not in done.stderr


def test_unsafe_yaml_tag_gives_its_plain_value_and_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(
        "interactions:\n"
        f"- request: !!python/object/apply:os.system ['touch {marker}']\n"
        "  response: {}\n"
    )
    # The tag's plain value (the command line, a string) is not a request mapping.
    with pytest.raises(InputError, match=r"evil\.yaml: interaction 0 has no request mapping"):
        results(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("interactions: 3\n", "no interactions list"),
        ("interactions:\n- 1\n", "interaction 0 is not a mapping"),
        ("interactions:\n- request: {uri: x}\n", "interaction 0 has no response mapping"),
    ],
)
def test_cassette_outline_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        results(path)


def test_yaml_without_interactions_is_not_a_cassette(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("interactions:\n  enabled: true\n")
    with pytest.raises(InputError, match="not a cassette"):
        results(path)


def test_cassette_from_stdin_and_forced_format(tmp_path: Path) -> None:
    data = FIXTURE.read_bytes()
    done = run_streamcheck("check", "--format", "json", "-", input=data)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["summary"]["exchanges"] == 2
    other = tmp_path / "recording.txt"
    # A comment block longer than the sniffed head hides `interactions:` from detection.
    other.write_bytes(b"# padding\n" * 500 + data)
    assert len(results(other)) == 1  # read as one raw body
    done = run_streamcheck("check", "--format", "json", "--input-format", "cassette", str(other))
    assert json.loads(done.stdout)["summary"]["exchanges"] == 2


def test_done_after_unknown_frames_does_not_claim_the_chat_grammar(tmp_path: Path) -> None:
    # Legacy completions: `text_completion` frames no protocol knows, then data: [DONE].
    frame = 'data: {"id":"c","object":"text_completion","choices":[{"text":"hi","index":0}]}\n\n'
    path = write(
        tmp_path,
        interaction(
            {"string": frame * 2 + "data: [DONE]\n\n"}, url="http://gpu:8000/v1/completions"
        ),
    )
    [result] = results(path)
    assert codes(result) == ["SC901"]


def test_vcrpy_json_serializer_cassette(tmp_path: Path) -> None:
    doc = {"interactions": [interaction({"string": CLEAN_SSE})], "version": 1}
    path = tmp_path / "cassette.json"
    path.write_text(json.dumps(doc, indent=4))
    [result] = results(path)
    assert (result.frames, codes(result)) == (4, [])
    path.write_text(json.dumps(doc, indent=4)[:-40])
    with pytest.raises(InputError, match=r"cassette\.json: not a valid JSON cassette"):
        results(path)

"""Recordings as other projects' recorders really write them (issue 11): aiohttp's `istr` header
tags, Ruby's `!binary`, one interaction without a list, raw SSE in a `.json` file, Polly.js HAR,
and Go's httprr traces. Each is read and judged; none is an exit 2."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_streamcheck
from tests.streams import CLEAN

CHAT_URL = "https://api.openai.com/v1/chat/completions"
REQUEST = '{"model": "m", "messages": [], "stream": true}'


def check(path: Path) -> tuple[int, dict[str, object]]:
    done = run_streamcheck("check", str(path), "--format", "json")
    assert "Traceback" not in done.stderr
    return done.returncode, json.loads(done.stdout) if done.stdout else {}


def test_aiohttp_istr_header_keys_are_read_as_their_names_and_never_built(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "aiohttp.yaml"
    path.write_text(
        "interactions:\n"
        "- request:\n"
        f"    body: '{REQUEST}'\n"
        "    headers:\n"
        "      ? !!python/object/apply:multidict._multidict.istr\n"
        "      - Content-Type\n"
        "      : - application/json\n"
        "    method: POST\n"
        f"    uri: {CHAT_URL}\n"
        "  response:\n"
        f"    body: {{string: {json.dumps(CLEAN)}}}\n"
        "    headers:\n"
        "      ? !!python/object/apply:multidict._multidict.istr\n"
        "      - Content-Type\n"
        "      : - text/event-stream\n"
        f"      X-Evil: !!python/object/apply:os.system ['touch {marker}']\n"
        "    status: {code: 200, message: OK}\n"
        "version: 1\n"
    )
    code, report = check(path)
    assert code == 0, report
    (result,) = report["results"]  # type: ignore[attr-defined]
    assert (result["provider"], result["framing"], result["frames"]) == ("openai", "sse", 4)
    # The Content-Type under an istr key was read: no SC113 (framing/header mismatch).
    assert [f["code"] for f in result["findings"]] == []
    assert not marker.exists()


def test_ruby_binary_tag_body_is_base64_bytes(tmp_path: Path) -> None:
    import base64

    encoded = base64.b64encode(CLEAN.encode()).decode()
    path = tmp_path / "ruby.yml"
    path.write_text(
        "http_interactions:\n"
        "- request:\n"
        f"    method: post\n    uri: {CHAT_URL}\n"
        f"    body: {{encoding: UTF-8, string: '{REQUEST}'}}\n"
        "  response:\n"
        "    status: {code: 200, message: OK}\n"
        "    headers: {Content-Type: [text/event-stream]}\n"
        "    body:\n"
        "      encoding: ASCII-8BIT\n"
        f"      string: !binary |-\n        {encoded}\n"
    )
    code, report = check(path)
    assert code == 0, report
    assert report["results"][0]["frames"] == 4  # type: ignore[index]


def test_one_interaction_without_a_list_json_and_yaml(tmp_path: Path) -> None:
    interaction = {
        "request": {"method": "POST", "uri": CHAT_URL, "body": REQUEST, "headers": {}},
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": ["text/event-stream"]},
            "body": {"string": CLEAN.replace("data: [DONE]\n\n", "")},
        },
    }
    as_json = tmp_path / "one.json"
    as_json.write_text(json.dumps(interaction))
    import yaml

    as_yaml = tmp_path / "one.yaml"
    as_yaml.write_text(yaml.safe_dump(interaction))
    for path in (as_json, as_yaml):
        code, report = check(path)
        assert code == 1
        (result,) = report["results"]  # type: ignore[attr-defined]
        assert result["url"] == CHAT_URL
        # Judged as the stream it is: the missing [DONE] is found.
        assert "SC301" in [f["code"] for f in result["findings"]], path


def test_raw_sse_in_a_file_named_json(tmp_path: Path) -> None:
    path = tmp_path / "stream.json"
    path.write_text(CLEAN)
    code, report = check(path)
    assert code == 0
    assert report["results"][0]["framing"] == "sse"  # type: ignore[index]


def test_polly_har(tmp_path: Path) -> None:
    path = tmp_path / "recording.har"
    entry = {
        "_id": "abc",
        "_order": 0,
        "cache": {},
        "request": {
            "method": "POST",
            "url": CHAT_URL,
            "headers": [{"name": "content-type", "value": "application/json"}],
            "postData": {"mimeType": "application/json", "text": REQUEST},
        },
        "response": {
            "status": 200,
            "headers": [{"name": "content-type", "value": "text/event-stream"}],
            "content": {"mimeType": "text/event-stream", "size": len(CLEAN), "text": CLEAN},
        },
        "startedDateTime": "2025-02-20T03:48:31.000Z",
        "time": 900,
        "timings": {"blocked": -1, "receive": 0, "send": 0, "wait": 900},
    }
    path.write_text(
        json.dumps(
            {
                "log": {
                    "_recordingName": "chat/streams",
                    "creator": {"name": "Polly.JS", "version": "6.0.6"},
                    "entries": [entry],
                    "pages": [],
                    "version": "1.2",
                }
            }
        )
    )
    code, report = check(path)
    assert code == 0, report
    assert report["results"][0]["frames"] == 4  # type: ignore[index]


def _dump(first: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [first, *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def test_httprr_trace_with_a_chunked_stream_and_an_error(tmp_path: Path) -> None:
    body = CLEAN.encode()
    half = len(body) // 2
    chunked = (
        b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:half], body[half:]))
        + b"0\r\n\r\n"
    )
    request = _dump(
        f"POST {CHAT_URL} HTTP/1.1",
        {"Authorization": "Bearer sk-canary-httprr-000000000000", "Content-Length": "40"},
        REQUEST.encode(),
    )
    response = _dump(
        "HTTP/2.0 200 OK",
        {"Content-Type": "text/event-stream", "Transfer-Encoding": "chunked"},
        chunked,
    )
    error = _dump(
        "HTTP/2.0 401 Unauthorized",
        {"Content-Type": "application/json"},
        b'{"error": {"message": "Incorrect API key", "type": "invalid_request_error", '
        b'"param": null, "code": "invalid_api_key"}}',
    )
    trace = b"httprr trace v1\n"
    for req, resp in ((request, response), (request, error)):
        trace += b"%d %d\n" % (len(req), len(resp)) + req + resp
    path = tmp_path / "TestChat.httprr"
    path.write_bytes(trace)
    done = run_streamcheck("check", str(path), "--format", "json")
    assert done.returncode == 1
    assert "sk-canary-httprr" not in done.stdout
    stream, failure = json.loads(done.stdout)["results"]
    assert (stream["provider"], stream["frames"], stream["findings"]) == ("openai", 4, [])
    assert failure["status"] == 401 and failure["error_class"] == "auth"
    # A folder walk picks the trace up by its suffix.
    assert run_streamcheck("check", str(tmp_path)).returncode == 1

"""Recordings read by their structure (issue 21): one synthetic file per recorder's shape, as
each recorder writes it (shapes checked against public files; MANIFEST.tsv rows name them),
through the CLI. An error body answering a stream request is classified and fails the run; a
clean stream passes."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_streamcheck
from tests.streams import CLEAN

HOST = "https://api.openai.com"
PATH = "/v1/chat/completions"
URL = HOST + PATH
REQUEST = {"model": "gpt-4o", "messages": [], "stream": True}
ERROR = json.dumps(
    {
        "error": {
            "message": "Rate limit reached for gpt-4o",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        }
    }
)
SSE, JSON_TYPE = "text/event-stream", "application/json"


def interactions_chunks(status: int, kind: str, body: str) -> tuple[str, str]:
    """The file issue 21 names: `interactions`, headers as pairs, `body_chunks`."""
    half = len(body) // 2
    doc = {
        "interactions": [
            {
                "request": {
                    "method": "POST",
                    "uri": URL,
                    "headers": [["Content-Type", JSON_TYPE]],
                    "body": json.dumps(REQUEST),
                },
                "response": {
                    "status": status,
                    "headers": [["Content-Type", kind]],
                    "body_chunks": [body[:half], body[half:]],
                },
            }
        ]
    }
    return "recording.json", json.dumps(doc)


def go_vcr(status: int, kind: str, body: str) -> tuple[str, str]:
    """go-vcr v2: `status: 429 Too Many Requests` beside `code: 429`, header value lists."""
    reason = "OK" if status == 200 else "Too Many Requests"
    return "cassette.yaml", (
        "---\nversion: 2\ninteractions:\n- request:\n"
        f"    body: {json.dumps(json.dumps(REQUEST))}\n    form: {{}}\n"
        f"    headers:\n      Content-Type:\n      - {JSON_TYPE}\n"
        f"    url: {URL}\n    method: POST\n"
        f"  response:\n    body: {json.dumps(body)}\n"
        f"    headers:\n      Content-Type:\n      - {kind}\n"
        f"    status: {status} {reason}\n    code: {status}\n    duration: 1.2s\n"
    )


def nock(status: int, kind: str, body: str) -> tuple[str, str]:
    """nock's recorder (output_objects): a JSON array of flat definitions, rawHeaders flat."""
    response: object = json.loads(body) if kind == JSON_TYPE else body
    doc = [
        {
            "scope": f"{HOST}:443",
            "method": "POST",
            "path": PATH,
            "body": REQUEST,
            "status": status,
            "response": response,
            "rawHeaders": ["Content-Type", kind, "Connection", "close"],
            "responseIsBinary": False,
        }
    ]
    return "nock.json", json.dumps(doc)


def wiremock(status: int, kind: str, body: str) -> tuple[str, str]:
    """WireMock's recorded mappings: {mappings: [{request, response}]}, `jsonBody` for JSON."""
    response: dict[str, object] = {"status": status, "headers": {"Content-Type": kind}}
    if kind == JSON_TYPE:
        response["jsonBody"] = json.loads(body)
    else:
        response["body"] = body
    mapping = {
        "id": "4b0b8a57-0000-4000-8000-000000000000",
        "request": {
            "url": PATH,
            "method": "POST",
            "bodyPatterns": [{"equalToJson": json.dumps(REQUEST)}],
        },
        "response": response,
    }
    return "mappings.json", json.dumps({"mappings": [mapping], "meta": {"total": 1}})


def hoverfly(status: int, kind: str, body: str) -> tuple[str, str]:
    """Hoverfly v5 simulation: data.pairs, request fields as matcher lists, base64 bodies."""

    def exact(value: str) -> list[dict[str, str]]:
        return [{"matcher": "exact", "value": value}]

    pair = {
        "request": {
            "path": exact(PATH),
            "method": exact("POST"),
            "destination": exact("api.openai.com"),
            "scheme": exact("https"),
            "body": exact(json.dumps(REQUEST)),
        },
        "response": {
            "status": status,
            "body": base64.b64encode(body.encode()).decode(),
            "encodedBody": True,
            "headers": {"Content-Type": [kind]},
            "templated": False,
        },
    }
    meta = {"schemaVersion": "v5", "hoverflyVersion": "v1.5.0"}
    return "simulation.json", json.dumps({"data": {"pairs": [pair]}, "meta": meta})


def betamax(status: int, kind: str, body: str) -> tuple[str, str]:
    """Betamax (Python): http_interactions, bodies {encoding, string}, status {code, message}."""
    doc = {
        "http_interactions": [
            {
                "request": {
                    "body": {"encoding": "utf-8", "string": json.dumps(REQUEST)},
                    "headers": {"Content-Type": [JSON_TYPE]},
                    "method": "POST",
                    "uri": URL,
                },
                "response": {
                    "body": {"encoding": "utf-8", "string": body},
                    "headers": {"Content-Type": [kind]},
                    "status": {"code": status, "message": "Too Many Requests"},
                    "url": URL,
                },
                "recorded_at": "2025-01-01T00:00:00",
            }
        ],
        "recorded_with": "betamax/0.9.0",
    }
    return "betamax.json", json.dumps(doc)


def ruby_vcr_json(status: int, kind: str, body: str) -> tuple[str, str]:
    """Ruby VCR's JSON serializer: Betamax's layout, `recorded_with: VCR`."""
    _, text = betamax(status, kind, body)
    doc = json.loads(text)
    doc["recorded_with"] = "VCR 6.3.1"
    return "vcr.json", json.dumps(doc)


def talkback(status: int, kind: str, body: str) -> tuple[str, str]:
    """talkback's tape: JSON5 with bare keys, {meta, req, res}, the host in meta."""
    return "tape.json5", (
        '{\n  meta: {\n    createdAt: "2025-01-01T00:00:00.000Z",\n'
        f'    host: "{HOST}",\n    resHumanReadable: true\n  }},\n'
        f'  req: {{\n    url: "{PATH}",\n    method: "POST",\n'
        f'    headers: {{\n      "content-type": "{JSON_TYPE}"\n    }},\n'
        f"    body: {json.dumps(json.dumps(REQUEST))}\n  }},\n"
        f"  res: {{\n    status: {status},\n"
        f'    headers: {{\n      "content-type": [\n        "{kind}"\n      ]\n    }},\n'
        f"    body: {json.dumps(body)}\n  }}\n}}\n"
    )


def polly(status: int, kind: str, body: str) -> tuple[str, str]:
    """Polly.js: a HAR with `_recordingName` and Polly as its creator."""
    entry = {
        "_id": "0",
        "request": {
            "method": "POST",
            "url": URL,
            "headers": [{"name": "content-type", "value": JSON_TYPE}],
            "postData": {"mimeType": JSON_TYPE, "text": json.dumps(REQUEST)},
        },
        "response": {
            "status": status,
            "headers": [{"name": "content-type", "value": kind}],
            "content": {"mimeType": kind, "text": body, "size": len(body)},
        },
    }
    log = {
        "_recordingName": "chat",
        "creator": {"name": "Polly.JS", "version": "6.0.6"},
        "entries": [entry],
        "version": "1.2",
    }
    return "recording.har", json.dumps({"log": log})


def responses_recorder(status: int, kind: str, body: str) -> tuple[str, str]:
    """getsentry/responses' `_recorder`: YAML `responses: - response: {method, url, ...}`."""
    return "responses.yaml", (
        "responses:\n- response:\n    auto_calculate_content_length: false\n"
        f"    body: {json.dumps(body)}\n    content_type: {kind}\n    headers: {{}}\n"
        f"    method: POST\n    status: {status}\n    url: {URL}\n"
    )


def azure_test_proxy(status: int, kind: str, body: str) -> tuple[str, str]:
    """The Azure SDK test proxy's session record (System.ClientModel, the .NET OpenAI client's
    tests): one mapping per exchange whose keys name their part; an SSE body as its lines, a
    JSON body parsed; the request body is large, so the part-named keys past it are not in the
    first bytes read."""
    entry = {
        "RequestUri": URL,
        "RequestMethod": "POST",
        "RequestHeaders": {"Accept": "application/json, text/event-stream"},
        "RequestBody": {**REQUEST, "messages": [{"role": "user", "content": "x" * 8000}]},
        "StatusCode": status,
        "ResponseHeaders": {"Content-Type": kind},
        "ResponseBody": json.loads(body) if kind == JSON_TYPE else body.splitlines(True),
    }
    return "Recorded.json", json.dumps({"Entries": [entry], "Variables": {}}, indent=2)


def paired_lists(status: int, kind: str, body: str) -> tuple[str, str]:
    """vcrpy's cassette dict dumped as it is (langchain_tests' serializer): `requests` and
    `responses` side by side, the response body as bytes (YAML's !!binary)."""
    encoded = base64.b64encode(body.encode()).decode()
    return "cassette.yaml", (
        f"requests:\n- body: {json.dumps(json.dumps(REQUEST))}\n  headers: {{}}\n"
        f"  method: POST\n  uri: {URL}\n"
        f"responses:\n- body:\n    string: !!binary |\n      {encoded}\n"
        f"  headers:\n    Content-Type:\n    - {kind}\n"
        f"  status:\n    code: {status}\n    message: X\n"
    )


FORMATS: dict[str, Callable[[int, str, str], tuple[str, str]]] = {
    "interactions-body-chunks": interactions_chunks,
    "go-vcr": go_vcr,
    "nock": nock,
    "wiremock": wiremock,
    "hoverfly": hoverfly,
    "betamax": betamax,
    "ruby-vcr-json": ruby_vcr_json,
    "talkback": talkback,
    "polly": polly,
    "responses-recorder": responses_recorder,
    "azure-test-proxy": azure_test_proxy,
    "paired-lists": paired_lists,
}


def check(tmp_path: Path, shape: str, status: int, kind: str, body: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    name, text = FORMATS[shape](status, kind, body)
    path = tmp_path / name
    path.write_text(text)
    done = run_streamcheck("check", str(path), "--format", "json")
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode != 2, done.stderr
    return done.returncode, json.loads(done.stdout)


def codes(report: dict) -> list[str]:  # type: ignore[type-arg]
    return [f["code"] for r in report["results"] for f in r["findings"]]


@pytest.mark.parametrize("shape", FORMATS)
def test_an_error_body_answering_a_stream_request_is_classified(tmp_path: Path, shape: str) -> None:
    code, report = check(tmp_path, shape, 429, JSON_TYPE, ERROR)
    assert code == 1, report
    assert len(report["results"]) == 1
    assert "SC401" in codes(report), codes(report)
    assert "SC901" not in codes(report)


@pytest.mark.parametrize("shape", FORMATS)
def test_a_clean_stream_in_each_shape_passes(tmp_path: Path, shape: str) -> None:
    code, report = check(tmp_path, shape, 200, SSE, CLEAN)
    assert code == 0, report
    (result,) = report["results"]
    assert (result["provider"], result["frames"]) == ("openai", 4), result
    errors = [f for r in report["results"] for f in r["findings"] if f["severity"] == "error"]
    assert errors == []


@pytest.mark.parametrize(
    "shape",
    [
        "nock",
        "wiremock",
        "hoverfly",
        "talkback",
        "responses-recorder",
        "azure-test-proxy",
        "paired-lists",
    ],
)
def test_the_shape_read_is_named_once(tmp_path: Path, shape: str) -> None:
    _, report = check(tmp_path, shape, 200, SSE, CLEAN)
    notes = [
        f["message"]
        for r in report["results"]
        for f in r["findings"]
        if f["code"] == "SC902" and "structure" in f["message"]
    ]
    assert len(notes) == 1, notes


def test_a_json_body_that_holds_no_exchanges_is_still_a_raw_body(tmp_path: Path) -> None:
    path = tmp_path / "error.json"
    path.write_text(json.dumps({"error": {"status": 429, "message": "slow down", "code": 429}}))
    done = run_streamcheck("check", str(path), "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    assert not any("structure" in f["message"] for r in report["results"] for f in r["findings"])


def test_a_folder_walk_reads_a_yaml_of_exchanges_and_skips_a_ci_config(tmp_path: Path) -> None:
    name, text = responses_recorder(429, JSON_TYPE, ERROR)
    (tmp_path / name).write_text(text)
    (tmp_path / "ci.yml").write_text("on:\n  push:\njobs:\n  build:\n    status: x\n")
    done = run_streamcheck("check", str(tmp_path), "--format", "json")
    assert done.returncode == 1, done.stdout
    report = json.loads(done.stdout)
    assert [Path(r["source"]).name for r in report["results"]] == [name]
    assert "SC401" in codes(report)
    assert "ci.yml" in done.stderr  # said as skipped, never read
    notes = [f["message"] for f in report["results"][0]["findings"] if f["code"] == "SC902"]
    assert any("body under 'body'" in n for n in notes), notes


def test_a_retrieve_accepting_json_or_a_stream_is_not_a_stream_request(tmp_path: Path) -> None:
    """System.ClientModel sends `Accept: application/json, text/event-stream` on every call:
    a GET of a stored response (no body, no stream=true) answered with JSON was judged a
    stream request answered whole (SC206, exit 1). It asked for no stream."""
    stored = {"id": "resp_1", "object": "response", "status": "completed", "output": []}
    entry = {
        "RequestUri": f"{HOST}/v1/responses/resp_1",
        "RequestMethod": "GET",
        "RequestHeaders": {"Accept": "application/json, text/event-stream"},
        "RequestBody": None,
        "StatusCode": 200,
        "ResponseHeaders": {"Content-Type": JSON_TYPE},
        "ResponseBody": stored,
    }
    path = tmp_path / "Retrieve.json"
    path.write_text(json.dumps({"Entries": [entry]}))
    done = run_streamcheck("check", str(path), "--format", "json")
    assert done.returncode == 0, done.stdout
    report = json.loads(done.stdout)
    assert "SC206" not in codes(report)
    assert "SC903" in codes(report)


def gzipped(tmp_path: Path, status: int, kind: str, body: str) -> Path:
    """langchain_tests' cassette as it commits it: the paired-lists YAML, gzip-compressed."""
    _, text = paired_lists(status, kind, body)
    path = tmp_path / "test_stream.yaml.gz"
    path.write_bytes(gzip.compress(text.encode()))
    return path


def test_a_gzip_compressed_cassette_is_read_inflated(tmp_path: Path) -> None:
    """It was refused as binary junk (exit 2)."""
    path = gzipped(tmp_path, 429, JSON_TYPE, ERROR)
    done = run_streamcheck("check", str(path), "--format", "json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert "SC401" in codes(report)
    notes = [f["message"] for r in report["results"] for f in r["findings"]]
    assert sum("gzip-compressed" in n for n in notes) == 1, notes


def test_a_folder_walk_reads_a_compressed_cassette(tmp_path: Path) -> None:
    gzipped(tmp_path, 200, SSE, CLEAN)
    done = run_streamcheck("check", str(tmp_path), "--format", "json")
    assert done.returncode == 0, done.stderr
    (result,) = json.loads(done.stdout)["results"]
    assert (result["provider"], result["frames"]) == ("openai", 4), result


def test_a_broken_gzip_file_is_one_clear_line(tmp_path: Path) -> None:
    whole = gzipped(tmp_path, 200, SSE, CLEAN).read_bytes()
    path = tmp_path / "cut.yaml.gz"
    path.write_bytes(whole[: len(whole) // 2])
    done = run_streamcheck("check", str(path))
    assert done.returncode == 2, done.stdout
    assert "Traceback" not in done.stderr
    assert "a broken gzip file" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_talkback_tape_with_json5_comments_is_read(tmp_path: Path) -> None:
    """talkback's tapes are JSON5 and may carry comments (its own example tapes open with
    one); YAML, which reads talkback's bare keys, fails on `//`, so such a tape was judged as
    one raw text body: SC402 "expected a stream, got plain text", exit 1, on an error body it
    never read. Comments inside strings stay."""
    _, tape = talkback(429, JSON_TYPE, ERROR)
    opened = tape.replace(
        "{\n  meta", "// Tapes can have comments because they are JSON5\n{\n  meta"
    )
    commented = opened.replace("  res: {", "  /* recorded, then edited */\n  res: {")
    path = tmp_path / "tape.json5"
    path.write_text(commented)
    done = run_streamcheck("check", str(path), "--format", "json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert "SC401" in codes(report), codes(report)
    assert "SC402" not in codes(report)
    (result,) = report["results"]
    notes = [f["message"] for f in result["findings"] if f["code"] == "SC902"]
    assert any("each a request ('req') and a response ('res')" in n for n in notes), notes
    assert result["url"].endswith("/v1/chat/completions"), result


def test_json5_comments_are_taken_out_outside_strings_only(tmp_path: Path) -> None:
    """A `//` inside a string (a URL, an SSE body) is text, not a comment."""
    _, tape = talkback(200, SSE, CLEAN)
    path = tmp_path / "tape.json5"
    path.write_text(
        "// a comment\n" + tape.replace(f'url: "{PATH}",', f'url: "{PATH}?a=//b/*c", // the path')
    )
    done = run_streamcheck("check", str(path), "--format", "json")
    assert done.returncode == 0, done.stdout
    (result,) = json.loads(done.stdout)["results"]
    assert (result["provider"], result["frames"]) == ("openai", 4), result
    assert result["url"].endswith(PATH + "?a=%2F%2Fb%2F%2Ac"), result  # kept, quoted


def test_an_unclosed_json5_string_runs_to_the_end_of_its_line() -> None:
    """A string that never closes is text to the end of its line, as a block comment that never
    closes is to the end: a `//` after it on that line stays, the next line's comment goes.
    Tried again from every escaped quote instead, a hostile line took quadratic time."""
    from streamcheck.sources.shaped import _uncommented

    assert _uncommented(b'"a\\"b // c\n// d\n') == b'"a\\"b // c\n \n'
    assert _uncommented(b"'x // y\n/* z") == b"'x // y\n "
    hostile = b'"' + b'\\"' * 200_000 + b" // not a comment\n"
    assert _uncommented(hostile) == hostile


def test_a_folder_walk_reads_talkback_tapes_and_skips_a_json5_config(tmp_path: Path) -> None:
    """talkback writes its tapes as `.json5`: a folder of them was "no recordings in it" (exit
    2). A `renovate.json5` beside them is a config, passed over."""
    name, text = talkback(429, JSON_TYPE, ERROR)
    (tmp_path / "tapes").mkdir()
    (tmp_path / "tapes" / name).write_text("// recorded by talkback\n" + text)
    (tmp_path / "renovate.json5").write_text('{\n  extends: ["config:recommended"],\n}\n')
    done = run_streamcheck("check", str(tmp_path), "--format", "json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert [Path(r["source"]).name for r in report["results"]] == [name]
    assert "SC401" in codes(report)
    assert "renovate.json5" in done.stderr  # said as skipped, never read


def wiremock_recorded(response: dict[str, object]) -> str:
    """A mapping as WireMock's recorder writes it: the request it saw as an exact body
    pattern, the body often extracted to `__files` (bodyFileName)."""
    mapping = {
        "id": "6d3a1b8e-0000-4000-8000-000000000001",
        "name": "v1_chat_completions",
        "request": {
            "url": PATH,
            "method": "POST",
            "bodyPatterns": [
                {
                    "equalToJson": json.dumps(REQUEST),
                    "ignoreArrayOrder": True,
                    "ignoreExtraElements": True,
                }
            ],
        },
        "response": response,
        "uuid": "6d3a1b8e-0000-4000-8000-000000000001",
        "persistent": True,
    }
    return json.dumps(mapping, indent=1)


def test_a_wiremock_request_body_is_read_from_its_exact_pattern(tmp_path: Path) -> None:
    """The stream flag sits in the recorded `equalToJson` pattern: it was not read, so a whole
    JSON answer to a stream request passed as "not a streaming request" (SC903)."""
    whole = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "hi"},
                "finish_reason": "stop",
            }
        ],
    }
    path = tmp_path / "v1_chat_completions-6d3a1b8e.json"
    response = {"status": 200, "headers": {"Content-Type": JSON_TYPE}, "jsonBody": whole}
    path.write_text(wiremock_recorded(response))
    done = run_streamcheck("check", str(path), "--format", "json")
    assert done.returncode == 1, done.stdout
    report = json.loads(done.stdout)
    assert "SC206" in codes(report), codes(report)
    assert "SC903" not in codes(report)


@pytest.mark.parametrize("first", ["id", "request"])
def test_a_body_kept_in_another_file_is_said_not_judged(tmp_path: Path, first: str) -> None:
    """WireMock's recorder writes bodies to `__files` (bodyFileName): the mapping holds none.
    It was read as an answer no one asked to stream (SC903, passed without a word); it is an
    exchange not judged (SC901, naming the file), never an empty body (SC114). A mapping
    opening with `request` is read as one interaction (the cassette reader), the same way."""
    path = tmp_path / "v1_chat_completions-6d3a1b8e.json"
    response = {
        "status": 200,
        "bodyFileName": "v1_chat_completions-6d3a1b8e.txt",
        "headers": {"Content-Type": SSE},
    }
    mapping = json.loads(wiremock_recorded(response))
    if first == "request":
        mapping = {"request": mapping.pop("request"), "response": mapping.pop("response")}
    path.write_text(json.dumps(mapping))
    done = run_streamcheck("check", str(path), "--format", "json")
    assert done.returncode == 0, done.stdout
    found = [f for r in json.loads(done.stdout)["results"] for f in r["findings"]]
    unjudged = [f["message"] for f in found if f["code"] == "SC901"]
    assert len(unjudged) == 1 and "v1_chat_completions-6d3a1b8e.txt" in unjudged[0], found
    assert not {"SC114", "SC903"} & {f["code"] for f in found}, found
    if first == "id":  # read by structure: the shape note says where the body is
        assert any("body in another file ('bodyFileName')" in f["message"] for f in found)
    strict = run_streamcheck("check", str(path), "--require-judged")
    assert strict.returncode == 1, strict.stdout

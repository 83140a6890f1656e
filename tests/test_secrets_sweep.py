"""The canary sweep (issue 12): keys of every provider's shape, in every place a key travels,
and no output of any command in any format holds one, nor a long piece of one.

Places: request headers (auth headers of each provider, AWS SigV4, custom token headers, a
header marked with --secret-header), the `key=` query, request body members, error bodies that
echo the key (an Azure key has no prefix: only the request says it is one), stream frames that
quote it, a key cut in two by a chunk boundary; in cassettes, HAR files, tapes, curl dumps, raw
bodies, and live calls. Outputs: `check` in every format, --output, --report files and the
GitHub step summary; `record`'s terminal output and tape; `smoke` text and JSON; `serve`'s
access log. A dump or raw body carries no request, so there only keys with a known shape can
be recognised; the sweep puts only those there.
"""

from __future__ import annotations

import base64
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import httpx
import orjson
import pytest
import yaml

from streamcheck import redact
from tests.conftest import FIXTURES, ROOT, run_streamcheck
from tests.live.scripted import LAST_CHUNK, Received, Step, chunk, json_reply, scripted, sse_head

# Fake, but each in its provider's shape.
CANARY = {
    "openai": "sk-CanaryOpenAI0123456789abcdefghijklmnopqrstuvwxyzAB",
    "openai-project": "sk-proj-CanaryProject0123456789abcdefghijklmnopqrstuvwxyz_-AB",
    "anthropic": "sk-ant-api03-CanaryAnthropic0123456789abcdefghijklmnopqrstuvwxyz-AAAA",
    "azure": "3f9c2a7be14d4c0a9e6b5d8f7a1c2e3b",  # 32 hex characters, no prefix
    "google": "AIzaSyCanaryGoogle0123456789abcdefghi",
    "jwt": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJjYW5hcnkiOiJqd3QiLCJzdWIiOiIxMjM0In0."
    "Q2FuYXJ5U2lnbmF0dXJlMDEyMzQ1Njc4OQ",
    "aws-access-key": "AKIAQCANARYKEY123456",
    "aws-signature": "5d41402abc4b2a76b9719d911017c592aaf0e1b2c3d4e5f60718293a4b5c6d7e",
    "aws-session-token": "IQoJb3JpZ2luX2VjECanary//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+Canary/Tok=",
    "custom": "gw-canary-7f3e9d2b1a5c4e6f8091",  # in a header named x-custom-token
    "marked": "mk-canary-91b2c3d4e5f607182a3b",  # in x-gateway, marked with --secret-header
    "body": "bf-canary-2468ace013579bdf1357",  # a request body member named client_secret
    "query": "qp-canary-0f1e2d3c4b5a69788796",  # a ?api_key= query parameter
}
# Keys a reader recognises by shape alone (no request to say what travelled as a credential).
SHAPED = ("openai", "openai-project", "anthropic", "google", "jwt", "aws-access-key")
PIECE = 12  # no run of this many characters of a canary may appear in any output
SIGV4 = (
    f"AWS4-HMAC-SHA256 Credential={CANARY['aws-access-key']}/20241125/us-east-1/bedrock/"
    f"aws4_request, SignedHeaders=host;x-amz-date, Signature={CANARY['aws-signature']}"
)


def leaks(output: str | bytes) -> list[str]:
    """Which canaries `output` shows, whole, in part, or percent-encoded."""
    text = output.decode("utf-8", "replace") if isinstance(output, bytes) else output
    found = []
    for name, canary in CANARY.items():
        for form in {canary, quote(canary, safe="")}:
            pieces = (form[i : i + PIECE] for i in range(len(form) - PIECE + 1))
            if any(piece in text for piece in pieces):
                found.append(name)
                break
    return found


def assert_clean(what: str, output: str | bytes) -> None:
    assert not leaks(output), f"{what} leaks {leaks(output)}"


def readable(tape: bytes) -> bytes:
    """A tape as someone reading it would see it: its lines, and the bytes of every `b64`
    line decoded (a key in base64 is a key all the same)."""
    decoded = [
        base64.b64decode(item["b64"])
        for item in map(orjson.loads, tape.splitlines())
        if isinstance(item.get("b64"), str)
    ]
    return b"\n".join([tape, *decoded])


def test_the_detector_detects() -> None:
    """The sweep could fail: a piece of a key, or its encoded form, is caught."""
    assert leaks(f"x {CANARY['azure'][3:17]} y") == ["azure"]
    assert leaks(quote(CANARY["aws-session-token"], safe="")) == ["aws-session-token"]
    assert leaks("nothing here [REDACTED]") == []
    hidden = base64.b64encode(CANARY["custom"].encode() + b"\xc3").decode()
    assert leaks(readable(orjson.dumps({"t": 0, "b64": hidden}))) == ["custom"]


# -- recordings holding keys everywhere ----------------------------------------------------


def _sse(*frames: object) -> str:
    return "".join(f"data: {orjson.dumps(f).decode()}\n\n" for f in frames)


def _openai_chunk(delta: dict[str, object], finish: object = None) -> dict[str, object]:
    return {
        "id": "chatcmpl-sweep",
        "object": "chat.completion.chunk",
        "created": 1732560000,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _echo(*names: str) -> str:
    return "; ".join(f"{name} {CANARY[name]}" for name in names)


def _interactions() -> list[dict[str, object]]:
    """(request, response) of every provider's call, each answer echoing its keys."""
    chat = {"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    openai_error = {
        "error": {
            "message": f"Incorrect API key provided: {_echo('openai', 'custom', 'body', 'query')}",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }
    # A stream whose bad frame quotes a key in a schema message and in its evidence.
    quoting = _sse(
        _openai_chunk({"role": "assistant", "content": ""}),
        _openai_chunk({"content": f"your key {CANARY['openai-project']}"}),
        _openai_chunk({}, CANARY["openai-project"]),  # finish_reason not in the enum
        _openai_chunk({}, "stop"),
    )
    return [
        {
            "url": f"https://api.openai.com/v1/chat/completions?api_key={CANARY['query']}",
            "headers": {
                "Authorization": f"Bearer {CANARY['openai']}",
                "x-custom-token": CANARY["custom"],
                "Content-Type": "application/json",
            },
            "body": {**chat, "client_secret": CANARY["body"]},
            "status": 401,
            "content_type": "application/json",
            "answer": orjson.dumps(openai_error).decode(),
        },
        {
            "url": "https://api.openai.com/v1/chat/completions",
            "headers": {"Authorization": f"Bearer {CANARY['openai-project']}"},
            "body": chat,
            "status": 200,
            "content_type": "text/event-stream",
            "answer": quoting + "data: [DONE]\n\n",
        },
        {
            "url": "https://myres.openai.azure.com/openai/deployments/gpt4o/chat/completions"
            "?api-version=2024-10-21",
            "headers": {"api-key": CANARY["azure"]},
            "body": chat,
            "status": 401,
            "content_type": "application/json",
            "answer": orjson.dumps(
                {
                    "error": {
                        "code": "401",
                        "message": "Access denied due to invalid subscription key or wrong API "
                        f"endpoint ({CANARY['azure']}).",
                    }
                }
            ).decode(),
        },
        {
            "url": "https://generativelanguage.googleapis.com/v1beta/models/gemini-1.5-flash:"
            f"streamGenerateContent?alt=sse&key={CANARY['google']}",
            "headers": {"x-goog-api-key": CANARY["google"]},
            "body": {"contents": [{"parts": [{"text": "hi"}]}]},
            "status": 400,
            "content_type": "application/json",
            "answer": orjson.dumps(
                {
                    "error": {
                        "code": 400,
                        "message": f"API key not valid: {CANARY['google']}",
                        "status": "INVALID_ARGUMENT",
                        "details": [{"reason": "API_KEY_INVALID"}],
                    }
                }
            ).decode(),
        },
        {
            "url": "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
            "anthropic.claude-3-haiku-20240307-v1:0/converse-stream",
            "headers": {
                "Authorization": SIGV4,
                "X-Amz-Security-Token": CANARY["aws-session-token"],
            },
            "body": {"messages": [{"role": "user", "content": [{"text": "hi"}]}]},
            "status": 403,
            "content_type": "application/json",
            "answer": orjson.dumps(
                {
                    "message": "The security token included in the request is invalid: "
                    + _echo("aws-session-token", "aws-signature", "aws-access-key")
                }
            ).decode(),
        },
        {
            "url": "https://api.anthropic.com/v1/messages",
            "headers": {
                "x-api-key": CANARY["anthropic"],
                "authorization": f"Bearer {CANARY['jwt']}",  # a gateway's JWT
                "anthropic-version": "2023-06-01",
            },
            "body": {"model": "claude-3-5-haiku-latest", "max_tokens": 5, "stream": True},
            "status": 401,
            "content_type": "application/json",
            "answer": orjson.dumps(
                {
                    "type": "error",
                    "error": {
                        "type": "authentication_error",
                        "message": f"invalid x-api-key {_echo('anthropic', 'jwt')}",
                    },
                }
            ).decode(),
        },
    ]


def _cassette(path: Path) -> Path:
    interactions = []
    for item in _interactions():
        interactions.append(
            {
                "request": {
                    "body": orjson.dumps(item["body"]).decode(),
                    "headers": {k: [v] for k, v in item["headers"].items()},  # type: ignore[attr-defined]
                    "method": "POST",
                    "uri": item["url"],
                },
                "response": {
                    "body": {"string": item["answer"]},
                    "headers": {"Content-Type": [item["content_type"]]},
                    "status": {"code": item["status"], "message": ""},
                },
            }
        )
    path.write_text(yaml.safe_dump({"interactions": interactions, "version": 1}), "utf-8")
    return path


def _har(path: Path) -> Path:
    entries = []
    for item in _interactions():
        headers = [{"name": k, "value": v} for k, v in item["headers"].items()]  # type: ignore[attr-defined]
        entries.append(
            {
                "startedDateTime": "2024-11-25T12:00:00.000Z",
                "time": 10,
                "request": {
                    "method": "POST",
                    "url": item["url"],
                    "httpVersion": "HTTP/2",
                    "headers": [*headers, {"name": "content-type", "value": "application/json"}],
                    "queryString": [],
                    "cookies": [{"name": "session", "value": CANARY["custom"]}],
                    "postData": {
                        "mimeType": "application/json",
                        "text": orjson.dumps(item["body"]).decode(),
                    },
                    "headersSize": -1,
                    "bodySize": -1,
                },
                "response": {
                    "status": item["status"],
                    "statusText": "",
                    "httpVersion": "HTTP/2",
                    "headers": [{"name": "content-type", "value": item["content_type"]}],
                    "cookies": [],
                    "content": {
                        "size": -1,
                        "mimeType": item["content_type"],
                        "text": item["answer"],
                    },
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": -1,
                },
                "cache": {},
                "timings": {"send": 1, "wait": 5, "receive": 4},
            }
        )
    log = {
        "log": {"version": "1.2", "creator": {"name": "sweep", "version": "1"}, "entries": entries}
    }
    path.write_bytes(orjson.dumps(log))
    return path


def _tape(path: Path) -> Path:
    """A tape written by another tool: keys in clear in its header, and an echoed key cut in
    two by the chunk boundary."""
    header = {
        "streamcheck_tape": 1,
        "provider": "openai",
        "api": "chat-completions",
        "api_version": None,
        "request": {
            "method": "POST",
            "url": f"https://api.openai.com/v1/chat/completions?key={CANARY['query']}",
            "headers": {
                "authorization": f"Bearer {CANARY['openai']}",
                "x-custom-token": CANARY["custom"],
            },
            "body": {"model": "gpt-4o-mini", "stream": True, "client_secret": CANARY["body"]},
        },
        "response": {"status": 200, "headers": {"content-type": "text/event-stream"}},
    }
    error = _sse({"error": {"message": f"bad token {CANARY['custom']}", "type": "server_error"}})
    cut = error.index(CANARY["custom"]) + 13
    lines = [
        header,
        {"t": 0.1, "text": _sse(_openai_chunk({"role": "assistant", "content": ""}))},
        {"t": 0.2, "text": error[:cut]},
        {"t": 0.3, "text": error[cut:]},
        {"end": "eof", "t": 0.3},
    ]
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return path


def _curl_dump(path: Path) -> Path:
    body = orjson.dumps(
        {"error": {"message": f"Incorrect API key provided: {_echo(*SHAPED)}", "type": "x"}}
    )
    path.write_bytes(
        b"HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n"
        + f"set-cookie: session={CANARY['custom']}; Path=/; HttpOnly\r\n\r\n".encode()
        + body
    )
    return path


def _raw_sse(path: Path) -> Path:
    frames = _sse(
        _openai_chunk({"role": "assistant", "content": ""}),
        {"error": {"message": f"Incorrect API key provided: {_echo(*SHAPED)}"}},
    )
    path.write_text(frames, "utf-8")
    return path


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("sweep")
    made = [
        _cassette(folder / "calls.yaml"),
        _har(folder / "session.har"),
        _tape(folder / "other-tool.tape"),
        _curl_dump(folder / "dump.http"),
        _raw_sse(folder / "body.sse"),
    ]
    for path in made:  # the keys really are in the inputs
        assert leaks(path.read_bytes()), path
    return made


FORMATS = ("text", "json", "junit", "sarif", "github")


@pytest.mark.parametrize("format", FORMATS)
def test_check_in_every_format(recordings: list[Path], tmp_path: Path, format: str) -> None:
    summary = tmp_path / "summary.md"
    output = tmp_path / f"out.{format}"
    reports = [f"{other}:{tmp_path / ('report-' + other)}" for other in FORMATS if other != "text"]
    done = run_streamcheck(
        "check",
        *map(str, recordings),
        *("--format", format, "--verbose"),
        *(arg for report in reports for arg in ("--report", report)),
        env={"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true"},
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert_clean(f"check --format {format} (stdout)", done.stdout)
    assert_clean("stderr", done.stderr)
    for report in reports:
        path = Path(report.split(":", 1)[1])
        assert_clean(path.name, path.read_bytes())
    if format == "github":
        assert summary.read_text("utf-8").count("SC4") > 3  # the table is there, with errors
        assert_clean("GITHUB_STEP_SUMMARY", summary.read_bytes())
    again = run_streamcheck("check", *map(str, recordings), "--format", format, "-o", str(output))
    assert_clean(f"--output {format}", output.read_bytes())
    assert_clean("stdout", again.stdout + again.stderr)


def test_masking_keeps_the_verdicts(recordings: list[Path]) -> None:
    """The masks hide keys, not the diagnosis: each error body is still classified."""
    report = orjson.loads(
        run_streamcheck("check", *map(str, recordings), "--format", "json").stdout
    )
    results = report["results"] if isinstance(report, dict) else report
    classes = {(Path(r["source"]).name, r["exchange"]): r["error_class"] for r in results}
    assert classes[("calls.yaml", 0)] == "auth"
    assert classes[("calls.yaml", 2)] == "auth"  # the Azure key echoed in its 401
    assert classes[("calls.yaml", 3)] == "auth"  # Google: API_KEY_INVALID
    assert classes[("calls.yaml", 5)] == "auth"
    evidence = orjson.dumps(report).decode()
    assert evidence.count(redact.MASK) > 10
    schema = [
        f
        for r in results
        if (Path(r["source"]).name, r["exchange"]) == ("calls.yaml", 1)
        for f in r["findings"]
        if f["code"].startswith("SC2")
    ]
    assert schema and all(redact.MASK in (f["message"] + (f["evidence"] or "")) for f in schema)


# -- live: record, smoke, serve ------------------------------------------------------------


def _echo_server(request: Received) -> list[Step]:
    """Echoes every credential the request carried: in a 401 body, or inside a stream (a
    key cut in two by the chunk boundary, and a bad frame that quotes one)."""
    sent = " ".join(
        request.headers.get(name, "") for name in ("authorization", "x-custom-token", "x-gateway")
    )
    sent += " " + orjson.loads(request.body or b"{}").get("client_secret", "")
    if request.headers.get("x-mode") == "401":
        error = {
            "message": f"Incorrect API key provided: {sent}",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        }
        return [json_reply(401, orjson.dumps({"error": error}))]
    quoted = _sse(_openai_chunk({"content": f"café you sent {sent} ☕ {sent} 😀 fin"})).encode()
    cuts = [quoted.index(CANARY["marked"].encode()) + 10]
    if request.headers.get("x-mode") == "multibyte":
        # Every chunk cut inside a character, so none is UTF-8 on its own (a tape writes
        # them as base64), and a key straddling the boundary between two such chunks.
        cuts = [
            quoted.index("é".encode()) + 1,
            quoted.index(CANARY["openai-project"].encode()) + 13,
            quoted.index("☕".encode()) + 2,
            quoted.rindex(CANARY["marked"].encode()) + 10,
            quoted.index("😀".encode()) + 3,
        ]
    pieces = [quoted[a:b] for a, b in zip([0, *cuts], [*cuts, len(quoted)], strict=True)]
    return [
        sse_head(),
        chunk(_sse(_openai_chunk({"role": "assistant", "content": ""})).encode()),
        *(step for piece in pieces for step in (chunk(piece), 0.02)),
        chunk(_sse(_openai_chunk({}, CANARY["marked"])).encode()),  # quoted by SC2xx
        chunk(_sse(_openai_chunk({}, "stop")).encode() + b"data: [DONE]\n\n"),
        LAST_CHUNK,
    ]


LIVE_ENV = {"OPENAI_API_KEY": CANARY["openai-project"]}


def _live_flags(body: Path, mode: str) -> list[str]:
    return [
        *("--provider", "openai", "--model", "gpt-4o-mini"),
        *("-H", f"x-custom-token: {CANARY['custom']}"),
        *("-H", f"x-gateway: {CANARY['marked']}", "--secret-header", "x-gateway"),
        *("-H", f"x-mode: {mode}", "--read-timeout", "5"),
    ]


@pytest.fixture
def request_body(tmp_path: Path) -> Path:
    body = tmp_path / "body.json"
    body.write_bytes(
        orjson.dumps(
            {"messages": [{"role": "user", "content": "hi"}], "client_secret": CANARY["body"]}
        )
    )
    return body


@pytest.mark.parametrize("mode", ["401", "stream", "multibyte"])
def test_record_and_its_tape(tmp_path: Path, request_body: Path, mode: str) -> None:
    with scripted(_echo_server) as server:
        tape = tmp_path / "call.tape"
        done = run_streamcheck(
            "record",
            *_live_flags(request_body, mode),
            *("--base-url", server.url + "/v1", "--body", str(request_body), "-o", str(tape)),
            env=LIVE_ENV,
        )
        [sent] = server.received
    assert done.returncode == 1, done.stdout + done.stderr
    assert leaks(" ".join(sent.headers.values()) + sent.body.decode())  # the keys did travel
    assert_clean("record stdout", done.stdout)
    assert_clean("record stderr", done.stderr)
    assert_clean("the tape", readable(tape.read_bytes()))
    if mode == "multibyte":  # the keys were in base64 lines, and the text still joins up
        lines = [orjson.loads(line) for line in tape.read_bytes().splitlines()]
        assert sum("b64" in line for line in lines) == 6
        body = b"".join(
            base64.b64decode(line["b64"]) if "b64" in line else line["text"].encode()
            for line in lines[1:-1]
        )
        assert "café you sent".encode() in body and "😀 fin".encode() in body
    header = orjson.loads(tape.read_bytes().splitlines()[0])
    assert header["request"]["headers"]["x-custom-token"] == redact.MASK
    assert header["request"]["headers"]["x-gateway"] == redact.MASK
    assert header["request"]["body"]["client_secret"] == redact.MASK
    for format in FORMATS:
        again = run_streamcheck("check", str(tape), "--format", format)
        assert again.returncode == 1
        assert_clean(f"check of the tape, {format}", again.stdout + again.stderr)


@pytest.mark.parametrize("format", ["text", "json"])
@pytest.mark.parametrize("mode", ["401", "stream"])
def test_smoke(request_body: Path, format: str, mode: str) -> None:
    with scripted(_echo_server) as server:
        done = run_streamcheck(
            "smoke",
            *_live_flags(request_body, mode),
            *("--base-url", server.url + "/v1", "--format", format, "--verbose"),
            env=LIVE_ENV,
        )
    assert done.returncode == (3 if mode == "401" else 1), done.stdout + done.stderr
    assert_clean(f"smoke {format}", done.stdout + done.stderr)


def test_serve_access_log() -> None:
    """Requests to `serve` carry keys in the query and headers; its log shows none."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "streamcheck", "serve", str(FIXTURES / "live")),
            *("--port", "0", "--speed", "0", "--access-log", "--fault", "none"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().decode()
        url = re.search(r"listening on (http://\S+)", first)
        assert url, first
        query = f"key={CANARY['google']}&api_key={CANARY['query']}&sig={CANARY['azure']}"
        for path in ("/v1/chat/completions", f"/v1/{CANARY['openai']}/chat/completions"):
            answer = httpx.post(
                f"{url.group(1)}{path}?{query}",
                headers={
                    "authorization": f"Bearer {CANARY['openai']}",
                    "x-api-key": CANARY["anthropic"],
                },
                json={"model": "gpt-4o-mini", "stream": True, "messages": []},
                timeout=10,
            )
            assert answer.status_code in (200, 404)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    log = first + out.decode() + err.decode()
    assert "POST /v1/chat/completions?" in log  # the access log is on
    assert_clean("serve's access log", log)


def test_record_ws_binary_messages(tmp_path: Path) -> None:
    """Binary WebSocket messages that echo the handshake's keys, whole and cut across two
    messages, are masked in the tape like text, each keeping its length (a binary framing's
    length prefixes stay right)."""
    from websockets.sync.server import ServerConnection

    from tests.live.test_websocket import WHOLE, ws_server

    sent: list[bytes] = []

    def handler(conn: ServerConnection) -> None:
        assert conn.request is not None
        keys = " ".join(conn.request.headers.get(n, "") for n in ("authorization", "x-token"))
        echo = b"\x00\xff" + keys.encode() + " é".encode()
        cut = echo.index(CANARY["custom"].encode()) + 11
        sent.extend([echo, echo[:cut], echo[cut:]])
        conn.recv()
        for message in sent:
            conn.send(message)
        for frame in WHOLE:
            conn.send(frame)
        conn.close(1000)

    send = tmp_path / "send.json"
    send.write_text('{"question": "hi"}')
    tape = tmp_path / "ws.tape"
    with ws_server(handler) as url:
        done = run_streamcheck(
            *("record", "--ws", url, "--send", str(send), "-o", str(tape)),
            *("--key-env", "OPENAI_API_KEY", "-H", f"x-token: {CANARY['custom']}"),
            *("--read-timeout", "5", "--linger", "0.2"),
            env=LIVE_ENV,
        )
    assert "Traceback" not in done.stderr, done.stderr
    assert leaks(b"".join(sent))  # the keys did come back
    assert_clean("record --ws output", done.stdout + done.stderr)
    assert_clean("the WebSocket tape", readable(tape.read_bytes()))
    lines = [orjson.loads(line) for line in tape.read_bytes().splitlines()]
    kept = [base64.b64decode(line["b64"]) for line in lines if "b64" in line]
    assert [len(message) for message in kept] == [len(message) for message in sent]
    assert all(message.startswith(b"\x00\xff") for message in kept[:2])
    assert kept[0].count(redact.MASK[:-1].encode()) == 2 and kept[2].endswith(" é".encode())

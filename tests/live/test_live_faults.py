"""Transport faults, live: `record` and `smoke` against servers on 127.0.0.1 that refuse, do
not exist, fail the TLS handshake, reset, stall, drip or never answer. Each gets its class and
exit code, one clear line, and the partial tape when any bytes arrived. Through the CLI.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from streamcheck.check import CheckOptions
from streamcheck.live.call.client import LiveCall
from streamcheck.live.targets import Target, prepare
from tests.conftest import run_streamcheck
from tests.live.conftest import CANARY_ENV, OPENAI_CANARY, assert_no_canary
from tests.live.scripted import (
    HANG,
    LAST_CHUNK,
    RESET,
    Received,
    Step,
    chunk,
    closed_port,
    json_reply,
    scripted,
    sse_head,
)


def _frame(delta: dict[str, object], finish: str | None = None) -> bytes:
    body = {
        "id": "chatcmpl-live",
        "object": "chat.completion.chunk",
        "created": 1732560000,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + orjson.dumps(body) + b"\n\n"


FRAMES = [
    _frame({"role": "assistant", "content": ""}),
    _frame({"content": "po"}),
    _frame({"content": "ng"}),
    _frame({}, "stop"),
    b"data: [DONE]\n\n",
]


def _records(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def record(url: str, tape: Path, *extra: str):  # type: ignore[no-untyped-def]
    return run_streamcheck(
        *("record", "--provider", "openai", "--model", "gpt-4o-mini", "--base-url", url),
        *("-o", str(tape), "--read-timeout", "0.5", "--connect-timeout", "2", *extra),
        env=CANARY_ENV,
    )


def smoke(url: str, *extra: str):  # type: ignore[no-untyped-def]
    return run_streamcheck(
        *("smoke", "--provider", "openai", "--model", "gpt-4o-mini", "--base-url", url),
        *("--read-timeout", "0.5", "--connect-timeout", "2", *extra),
        env=CANARY_ENV,
    )


def _one_error_line(done: subprocess.CompletedProcess[str], text: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("streamcheck: error: "), done.stderr
    assert text in done.stderr, done.stderr
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr


def _smoke_class(done: subprocess.CompletedProcess[str], klass: str, code: int) -> str:
    assert done.returncode == code, done.stdout + done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith(f"FAIL  openai:gpt-4o-mini  [{klass}, exit {code}] "), first
    assert "Traceback" not in done.stderr
    assert_no_canary(done.stdout, done.stderr)
    return first


# -- no response at all ------------------------------------------------------------------------


def test_connection_refused(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    tape = tmp_path / "refused.tape"
    _one_error_line(record(url, tape), "connection refused (nothing listens there)")
    assert not tape.exists()  # nothing arrived: nothing to keep
    first = _smoke_class(smoke(url), "unreachable", 7)
    assert "connection refused" in first


def test_unresolvable_host_is_never_looked_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "http://api.streamcheck.invalid/v1"
    tape = tmp_path / "nowhere.tape"
    _one_error_line(record(url, tape), "cannot resolve host api.streamcheck.invalid")
    assert not tape.exists()
    assert "cannot resolve host" in _smoke_class(smoke(url), "unreachable", 7)

    # In process, any lookup or connection would raise: the call fails before either.
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a lookup or connection was attempted: {args}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    target = Target("openai", "m", url)
    outcome = LiveCall(target, prepare(target, OPENAI_CANARY), CheckOptions()).run()
    assert outcome.result is None and outcome.failure == "unreachable"
    assert (
        outcome.message
        == "cannot resolve host api.streamcheck.invalid (a .invalid name never resolves)"
    )


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    """A server-side TLS context with a certificate made here, signed by nobody."""
    openssl = shutil.which("openssl")
    assert openssl is not None, "the TLS test needs the openssl command"
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def _stream(request: Received) -> list[Step]:
    return [sse_head(), *(chunk(f) for f in FRAMES), LAST_CHUNK]


def test_tls_handshake_failure_self_signed(tmp_path: Path, self_signed: ssl.SSLContext) -> None:
    with scripted(_stream, tls=self_signed) as server:
        tape = tmp_path / "tls.tape"
        done = record(server.url + "/v1", tape)
        _one_error_line(done, "TLS handshake failed: the certificate was refused")
        assert "self-signed certificate" in done.stderr
        assert not tape.exists()
        assert "TLS handshake failed" in _smoke_class(smoke(server.url + "/v1"), "unreachable", 7)
        assert server.received == []  # the request never left the client


def test_tls_to_a_plain_http_server(tmp_path: Path) -> None:
    """https:// to a server that answers in plain HTTP: the handshake fails, said so."""
    with scripted(_stream, greeting=json_reply(400, b"{}")) as server:
        url = server.url.replace("http://", "https://") + "/v1"
        _one_error_line(record(url, tmp_path / "plain.tape"), "TLS handshake failed")
        _smoke_class(smoke(url), "unreachable", 7)


def test_server_that_never_answers(tmp_path: Path) -> None:
    with scripted(lambda request: [HANG]) as server:
        tape = tmp_path / "silent.tape"
        done = record(server.url + "/v1", tape)
        _one_error_line(done, "accepted the connection but sent no response headers within 0.5 s")
        assert "(--read-timeout)" in done.stderr
        assert not tape.exists()
        first = _smoke_class(smoke(server.url + "/v1"), "unreachable", 7)
        assert "no response headers" in first
        assert server.received and server.received[0].path == "/v1/chat/completions"


# -- a response that breaks off ----------------------------------------------------------------


@pytest.fixture
def served_script(request: pytest.FixtureRequest) -> Iterator[str]:
    with scripted(request.param) as server:
        yield server.url + "/v1"


def _reset(request: Received) -> list[Step]:
    return [sse_head(), chunk(FRAMES[0]), chunk(FRAMES[1]), 0.05, RESET]


def _stall(request: Received) -> list[Step]:
    return [sse_head(), chunk(FRAMES[0]), chunk(FRAMES[1]), HANG]


def _headers_then_silence(request: Received) -> list[Step]:
    return [sse_head(), HANG]


def _drip(request: Received) -> list[Step]:
    steps: list[Step] = [sse_head()]
    for frame in FRAMES:
        steps += [0.25, chunk(frame)]
    return [*steps, LAST_CHUNK]


# script -> (record exit, tape end, chunks kept, codes that must be found, record's line,
#            smoke class, smoke exit, words of the smoke verdict)
CUT: dict[str, tuple[object, ...]] = {
    "reset": (
        _reset,
        1,
        "reset",
        2,
        {"SC504", "SC301"},
        "connection reset: ",
        "unreachable",
        7,
        "was reset",
    ),
    "stall": (
        _stall,
        1,
        "timeout",
        2,
        {"SC503", "SC301"},
        "read timeout: no bytes for 0.5 s",
        "unreachable",
        7,
        "timed out",
    ),
    "headers-then-silence": (
        _headers_then_silence,
        1,
        "timeout",
        0,
        {"SC503"},
        "read timeout: no bytes for 0.5 s",
        "unreachable",
        7,
        "timed out",
    ),
}


@pytest.mark.parametrize("case", list(CUT))
def test_cut_off_streams_keep_the_partial_tape(tmp_path: Path, case: str) -> None:
    script, code, end, kept, codes, line, klass, smoke_code, words = CUT[case]
    with scripted(script) as server:  # type: ignore[arg-type]
        url = server.url + "/v1"
        tape = tmp_path / f"{case}.tape"
        done = record(url, tape)
        assert done.returncode == code, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        for wanted in codes:  # type: ignore[attr-defined]
            assert wanted in done.stdout, done.stdout
        assert line in done.stdout and "the partial tape is kept" in done.stdout, done.stdout
        assert "SC114" not in done.stdout  # cut off is not empty (issue 12)
        records = _records(tape)
        assert records[0]["response"] == {  # the headers came: the tape starts with them
            "status": 200,
            "headers": records[0]["response"]["headers"],  # type: ignore[index]
        }
        assert records[-1]["end"] == end
        assert len(records) == 2 + kept  # type: ignore[operator]
        assert_no_canary(done.stdout, done.stderr, tape.read_bytes())
        # The tape says the same thing when checked later.
        again = run_streamcheck("check", str(tape))
        assert again.returncode == 1
        for wanted in codes:  # type: ignore[attr-defined]
            assert wanted in again.stdout
        first = _smoke_class(smoke(url), klass, smoke_code)  # type: ignore[arg-type]
        assert words in first  # type: ignore[operator]


def test_slow_drip_is_a_complete_stream_with_gaps(tmp_path: Path) -> None:
    """Every piece comes before the read timeout: the answer is whole, the gaps are SC501."""
    with scripted(_drip) as server:
        url = server.url + "/v1"
        tape = tmp_path / "drip.tape"
        done = record(url, tape, "--read-timeout", "2", "--max-gap", "0.2")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "SC501" in done.stdout and "SC503" not in done.stdout
        records = _records(tape)
        assert records[-1]["end"] == "eof" and len(records) == 2 + len(FRAMES)
        strict = record(url, tmp_path / "drip2.tape", "--max-gap", "0.2", "--fail-on", "warning")
        assert strict.returncode == 1
        passed = smoke(url, "--read-timeout", "2", "--max-gap", "0.2")
        assert passed.returncode == 0, passed.stdout
        assert passed.stdout.startswith("PASS  openai:gpt-4o-mini  HTTP 200")
        assert " warning" in passed.stdout.splitlines()[0]


# -- a permanent refusal -----------------------------------------------------------------------


def _refused(status: int, message: str) -> object:
    error = {"message": message, "type": "invalid_request_error", "param": None, "code": None}
    body = orjson.dumps({"error": error})
    return lambda request: [json_reply(status, body)]


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (400, "Unrecognized request argument supplied: stream_optionz"),
        (422, "Input should be a valid list"),
    ],
)
def test_bad_request_is_its_own_class(tmp_path: Path, status: int, message: str) -> None:
    with scripted(_refused(status, message)) as server:  # type: ignore[arg-type]
        url = server.url + "/v1"
        first = _smoke_class(smoke(url), "bad-request", 8)
        assert message in first
        done = record(url, tmp_path / "refused.tape")
        assert done.returncode == 1 and "SC401" in done.stdout


def test_serve_own_400_is_bad_request(served: str) -> None:
    """serve answers 400 for a fixture it does not have: the request is wrong, not the net."""
    done = smoke(served, "-H", "x-streamcheck-fixture: no-such-recording")
    assert "no fixture named" in _smoke_class(done, "bad-request", 8)


def test_bad_request_outranks_transient_trouble(served: str) -> None:
    from streamcheck.live.call import smoke as smoke_

    target = Target("openai")
    verdicts = [smoke_.Verdict(target, k, "") for k in ("rate-limit", "unreachable", "defects")]
    assert smoke_.exit_code(verdicts) == 1
    assert smoke_.exit_code([*verdicts, smoke_.Verdict(target, "bad-request", "")]) == 8
    assert smoke_.exit_code([smoke_.Verdict(target, "billing", ""), *verdicts]) == 5


# -- against the project's own server ----------------------------------------------------------


def test_fault_none_is_no_fault(served: str, tmp_path: Path) -> None:
    tape = tmp_path / "none.tape"
    done = record(served, tape, "-H", "x-streamcheck-fault: none")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _records(tape)[-1]["end"] == "eof"
    assert smoke(served, "-H", "x-streamcheck-fault: none").returncode == 0
    listing = run_streamcheck("serve", "--help").stdout
    assert "none" in listing


def test_serve_stall_past_the_read_timeout(served: str, tmp_path: Path) -> None:
    tape = tmp_path / "stall.tape"
    done = record(served, tape, "-H", "x-streamcheck-fault: stall:3")
    assert done.returncode == 1 and "SC503" in done.stdout
    assert "read timeout: no bytes for 0.5 s (--read-timeout)" in done.stdout
    assert _records(tape)[-1]["end"] == "timeout"


def test_serve_reset_mid_stream(served: str, tmp_path: Path) -> None:
    tape = tmp_path / "reset.tape"
    done = record(served, tape, "-H", "x-streamcheck-fault: reset")
    assert done.returncode == 1 and "SC504" in done.stdout
    assert "connection reset: " in done.stdout and "the partial tape is kept" in done.stdout
    assert _records(tape)[-1]["end"] == "reset"

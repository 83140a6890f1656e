"""`streamcheck record` against the replay server: validated while streaming, saved as a tape."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from rich.console import Console

from streamcheck import redact
from streamcheck.check import CheckOptions
from streamcheck.live.call.client import LiveCall, Timeouts
from streamcheck.live.call.display import LivePanel
from streamcheck.live.targets import Target, prepare
from tests.conftest import ROOT, run_streamcheck
from tests.live.conftest import CANARY_ENV, OPENAI_CANARY, assert_no_canary

MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-3-5-haiku-20241022"}
# fault -> (exit code, how the body ended, finding codes that must be there)
EXPECTED: dict[str | None, tuple[int, str, set[str]]] = {
    None: (0, "eof", set()),
    "drop-finish-reason": (1, "eof", {"SC303"}),
    "truncate-after:2": (1, "eof", {"SC301"}),
    "truncate-mid-frame": (1, "eof", {"SC101", "SC301"}),
    "drop-terminator": (1, "eof", {"SC301"}),
    "http-401": (1, "eof", {"SC401"}),
    "http-403": (1, "eof", {"SC401"}),
    "http-404-model": (1, "eof", {"SC401"}),
    "http-429-quota": (1, "eof", {"SC401"}),
    "http-429-rate": (1, "eof", {"SC401"}),
    "http-500": (1, "eof", {"SC401"}),
    "http-502-html": (1, "eof", {"SC402"}),
    "error-event": (1, "eof", {"SC403"}),
    "stall:2": (1, "timeout", {"SC301"}),  # --read-timeout 0.5
    "reset": (1, "reset", {"SC301"}),
}


def _lines(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def record_cli(provider: str, url: str, tape: Path, *extra: str, fault: str | None = None):  # type: ignore[no-untyped-def]
    args = ["record", "--provider", provider, "--model", MODELS[provider], "--base-url", url]
    if fault:
        args += ["-H", f"x-streamcheck-fault: {fault}"]
    return run_streamcheck(*args, "-o", str(tape), "--read-timeout", "0.5", *extra, env=CANARY_ENV)


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
@pytest.mark.parametrize("fault", list(EXPECTED))
def test_record_every_fault(served: str, tmp_path: Path, provider: str, fault: str | None) -> None:
    code, end, codes = EXPECTED[fault]
    tape = tmp_path / "call.tape"
    done = record_cli(provider, served, tape, fault=fault)
    assert done.returncode == code, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "timing: headers " in done.stdout and f"tape: {tape}" in done.stdout
    for wanted in codes:
        assert wanted in done.stdout
    records = _lines(tape)
    assert records[0]["streamcheck_tape"] == 1
    assert records[-1]["end"] == end
    request = records[0]["request"]
    assert isinstance(request, dict)
    assert request["body"]["model"] == MODELS[provider]  # type: ignore[index]
    assert "[REDACTED]" in orjson.dumps(request["headers"]).decode()
    assert_no_canary(done.stdout, done.stderr, tape.read_bytes())
    # The tape replays through `check` with the same findings as the live run.
    again = run_streamcheck("check", str(tape), "--ignore", "SC5")
    for wanted in codes:
        assert wanted in again.stdout
    assert again.returncode == (1 if codes else 0)


def test_record_never_overwrites(served: str, tmp_path: Path) -> None:
    tape = tmp_path / "kept.tape"
    tape.write_text("precious", encoding="utf-8")
    done = record_cli("openai", served, tape)
    assert done.returncode == 2 and "already exists" in done.stderr
    assert tape.read_text(encoding="utf-8") == "precious"


def test_record_with_a_body_file(served: str, tmp_path: Path) -> None:
    body = tmp_path / "body.json"
    body.write_text('{"messages": [{"role": "user", "content": "hello"}], "temperature": 0}')
    tape = tmp_path / "call.tape"
    done = record_cli("openai", served, tape, "--body", str(body))
    assert done.returncode == 0, done.stdout
    sent = _lines(tape)[0]["request"]["body"]  # type: ignore[index]
    assert sent == {
        "messages": [{"role": "user", "content": "hello"}],
        "temperature": 0,
        "stream": True,
        "model": "gpt-4o-mini",
    }
    body.write_text("{not json")
    bad = record_cli("openai", served, tmp_path / "other.tape", "--body", str(body))
    assert bad.returncode == 2 and "not JSON" in bad.stderr


def test_record_unreachable_is_one_line(tmp_path: Path) -> None:
    tape = tmp_path / "none.tape"
    done = run_streamcheck(
        "record",
        "--provider",
        "openai",
        "--model",
        "m",
        "--base-url",
        "http://127.0.0.1:9",
        "-o",
        str(tape),
        env=CANARY_ENV,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("streamcheck: error: cannot reach http://127.0.0.1:9/v1/")
    assert len(done.stderr.splitlines()) == 1
    assert not tape.exists()


def test_ctrl_c_keeps_the_partial_tape(served: str, tmp_path: Path) -> None:
    tape = tmp_path / "partial.tape"
    env = {**os.environ, **CANARY_ENV, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamcheck",
            "record",
            "--provider",
            "openai",
            "--model",
            "m",
            "--base-url",
            served,
            "-H",
            "x-streamcheck-fault: stall:30",
            "-o",
            str(tape),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (not tape.exists() or len(_lines(tape)) < 4):
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 130, err
    assert b"interrupted: the stream was cut short by Ctrl-C; the partial tape is kept" in out
    records = _lines(tape)
    assert records[-1]["end"] == "interrupted"
    assert len(records) == 5  # header, the 3 chunks before the stall, end
    assert_no_canary(out, err, tape.read_bytes())
    again = run_streamcheck("check", str(tape))
    assert "SC301" in again.stdout


def test_live_panel_on_a_terminal(served: str) -> None:
    redact.register_secret(OPENAI_CANARY)
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=100, color_system=None)
    target = Target("openai", "gpt-4o-mini", served)
    prepared = prepare(target, OPENAI_CANARY)
    prepared.headers["x-streamcheck-fault"] = "stall:0.4"
    with LivePanel(console, target.label) as panel:
        call = LiveCall(target, prepared, CheckOptions(max_gap=0.2), Timeouts(), observer=panel)
        outcome = call.run()
    assert outcome.result is not None and outcome.result.frames == 7
    shown = buffer.getvalue()
    assert "frames" in shown and "largest gap" in shown and "SC501" in shown
    assert_no_canary(shown)


NO_KEYS = {"OPENAI_API_KEY": "", "ANTHROPIC_API_KEY": "", "AZURE_OPENAI_API_KEY": ""}


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_record_against_a_loopback_server_needs_no_key(
    served: str, tmp_path: Path, provider: str
) -> None:
    """Rehearsing against `serve` (127.0.0.1) works with no key in the environment, and the
    request carries no credential header at all."""
    tape = tmp_path / "call.tape"
    args = ["record", "--provider", provider, "--model", MODELS[provider], "--base-url", served]
    done = run_streamcheck(*args, "-o", str(tape), env=NO_KEYS)
    assert done.returncode == 0, done.stdout + done.stderr
    sent = _lines(tape)[0]["request"]["headers"]  # type: ignore[index]
    assert not {"authorization", "x-api-key", "api-key"} & set(sent)  # type: ignore[arg-type]
    localhost = served.replace("127.0.0.1", "localhost")
    again = run_streamcheck(
        "record", *args[1:5], "--base-url", localhost, "-o", str(tmp_path / "b.tape"), env=NO_KEYS
    )
    assert again.returncode == 0, again.stdout + again.stderr


def test_record_against_a_provider_still_needs_its_key(tmp_path: Path) -> None:
    """No key for api.openai.com is a usage error before anything is sent (no tape)."""
    tape = tmp_path / "call.tape"
    done = run_streamcheck(
        "record", "--provider", "openai", "--model", "m", "-o", str(tape), env=NO_KEYS
    )
    assert done.returncode == 2
    assert "OPENAI_API_KEY is not set" in done.stderr
    assert not tape.exists()

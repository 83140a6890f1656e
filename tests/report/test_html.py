"""`--format html` / `--report html:FILE`: one self-contained page per run, drawn in a real
browser (Debian's headless Chromium): the timeline of every exchange, the finding codes pinned
to it, the cause of a cut, no console error, no request to anywhere."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, run_streamcheck

CUT = FIXTURES / "causes" / "nginx-idle-60s.tape"  # silence of 60 s, then the connection ends
STALLED = FIXTURES / "causes" / "stall-62s.tape"  # a 62 s silence the stream survived
BUFFERED = FIXTURES / "rules" / "SC505" / "bad.tape"  # late first byte, then all at once
CLEAN = FIXTURES / "rules" / "SC505" / "good.tape"  # frames spread over time, whole
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
)


def _report(tmp_path: Path, *paths: Path, extra: tuple[str, ...] = ()) -> str:
    out = tmp_path / "report.html"
    done = run_streamcheck("check", *map(str, paths), "--report", f"html:{out}", *extra)
    assert done.returncode in (0, 1), done.stderr
    return out.read_text(encoding="utf-8")


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:  # .ci/run installs it: in CI this test never skips
        pytest.fail("headless Chromium is needed: apt-get install chromium (Debian's package)")
    return found


def _browse(page: Path, tmp_path: Path, *how: str) -> tuple[str, list[str]]:
    """What the browser made of the page (`--dump-dom`, or what `how` asks) and every line the
    page wrote to the console (errors included)."""
    done = subprocess.run(
        [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *how],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return done.stdout, console


def _artifacts(tmp_path: Path) -> Path:
    """Where screenshots are kept for a person to look at (.ci/run sets STREAMCHECK_ARTIFACTS;
    never committed)."""
    folder = Path(os.environ.get("STREAMCHECK_ARTIFACTS", tmp_path / "artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_page_is_one_file_that_asks_nothing_of_the_network(tmp_path: Path) -> None:
    page = _report(tmp_path, CUT, CLEAN)
    assert page.startswith("<!DOCTYPE html>")
    assert "default-src 'none'" in page  # the browser itself refuses any load
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "@import" not in page


def test_each_exchange_gets_its_timeline_codes_and_cause(tmp_path: Path) -> None:
    page = _report(tmp_path, CUT)
    checked = json.loads(run_streamcheck("check", str(CUT), "--format", "json").stdout)
    frames = checked["results"][0]["frames"]
    assert isinstance(frames, int) and frames > 1
    assert page.count('<rect class="frame"') == frames  # one mark per frame the checker saw
    assert 'data-code="SC301"' in page and 'data-code="SC504"' in page
    assert "proxy_read_timeout" in page  # the cause line and its fix
    assert "time, 0 to 62.500 s" in page  # drawn to scale: the 60 s silence is on the axis
    assert "silence before the end: 60.300 s" in page


def test_what_a_recording_holds_is_shown_escaped(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.sse"
    hostile.write_bytes(
        b'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m",'
        b'"choices":[{"index":0,"delta":{"content":"</pre><script>alert(1)</script>"},'
        b'"finish_reason":null}]}\n\ndata: {"broken <img src=x onerror=alert(2)>\n\n'
    )
    page = _report(tmp_path, hostile)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the assembled text, escaped


def test_a_key_in_the_recording_never_reaches_the_page(tmp_path: Path) -> None:
    key = "sk-proj-canaryHTML0123456789abcdefghijklmnopqrstuvwxyz"
    tape = tmp_path / "echo.tape"
    head = {
        "streamcheck_tape": 1,
        "provider": "openai",
        "api": "chat-completions",
        "request": {
            "method": "POST",
            "url": "https://api.openai.com/v1/chat/completions",
            "headers": {"authorization": f"Bearer {key}"},
            "body": {"model": "m", "stream": True},
        },
        "response": {"status": 200, "headers": {"content-type": "text/event-stream"}},
    }
    chunk = (
        'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m",'
        f'"choices":[{{"index":0,"delta":{{"content":"your key is {key}"}},'
        '"finish_reason":null}]}\n\n'
    )
    tape.write_text(json.dumps(head) + "\n" + json.dumps({"t": 0.1, "text": chunk}) + "\n")
    page = _report(tmp_path, tape)
    assert key not in page and key[8:30] not in page
    assert "your key is" in page  # the text is there, the key masked


@pytest.mark.parametrize(
    ("name", "recording", "codes", "said"),
    [
        ("cut", CUT, ["SC301", "SC504"], "proxy_read_timeout"),
        ("stalled", STALLED, ["SC501"], "62"),
        ("buffered", BUFFERED, ["SC505"], "X-Accel-Buffering"),
        ("clean", CLEAN, [], "No findings."),
    ],
)
def test_the_report_renders_in_chromium(
    tmp_path: Path, name: str, recording: Path, codes: list[str], said: str
) -> None:
    page = tmp_path / "report.html"
    page.write_text(_report(tmp_path, recording), encoding="utf-8")
    dom, console = _browse(page, tmp_path, "--dump-dom", page.as_uri())
    assert console == []  # no script error, no refused load, nothing logged
    assert "<svg" in dom and 'class="frame"' in dom  # the timeline was laid out
    for code in codes:
        assert f'data-code="{code}"' in dom
    assert said in dom
    frames = len(re.findall(r'<rect class="frame"', dom))
    assert frames > 0


def test_a_link_can_carry_the_code_filter(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(_report(tmp_path, CUT, BUFFERED, CLEAN), encoding="utf-8")
    dom, console = _browse(page, tmp_path, "--dump-dom", page.as_uri() + "#code=SC505")
    assert console == []
    sections = re.findall(r'<section class="([^"]*)"[^>]*data-codes="([^"]*)"', dom)
    assert len(sections) == 3
    for classes, found in sections:  # the script ran: only the SC505 exchange stays shown
        assert ("hidden" in classes.split()) == ("SC505" not in found.split())


def test_a_screenshot_of_a_cut_stream_is_kept(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(_report(tmp_path, CUT), encoding="utf-8")
    shot = _artifacts(tmp_path) / "html-report-cut-stream.png"
    shot.unlink(missing_ok=True)
    _, console = _browse(
        page, tmp_path, "--window-size=1280,1400", f"--screenshot={shot}", page.as_uri()
    )
    assert console == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 1400)
    assert len(data) > 20_000  # a drawn page, not a blank one

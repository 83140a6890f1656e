"""`streamcheck proxy` with its checker process (the default), run as a command on 127.0.0.1:
the checker killed, stopped (behind) or slow at exit never changes a byte the app gets, and
what was not checked is counted and said in the log."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import psutil
import pytest

from tests.conftest import ROOT
from tests.live.conftest import OPENAI_CANARY, assert_no_canary
from tests.live.scripted import LAST_CHUNK, chunk, scripted, sse_head

CHAT = {"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
AUTH = {"authorization": f"Bearer {OPENAI_CANARY}"}
PATH = "/v1/chat/completions"


def event(content: str | None, finish: str | None = None) -> bytes:
    delta = {} if content is None else {"content": content}
    value = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + orjson.dumps(value) + b"\n\n"


FIRST = event("Hello")
REST = event(" there") + event(None, "stop") + b"data: [DONE]\n\n"


class Proxy:
    def __init__(self, proc: subprocess.Popen[str], url: str, metrics: int, log: Path) -> None:
        self.proc, self.url, self.metrics, self.log = proc, url, metrics, log
        self.stderr = ""  # the rest of stderr, once the proxy ended

    @property
    def checker(self) -> psutil.Process:
        [child] = psutil.Process(self.proc.pid).children()
        return child

    def said(self) -> str:
        """The proxy's next line on stderr (waits for it)."""
        assert self.proc.stderr is not None
        return self.proc.stderr.readline()

    def lines(self) -> list[dict[str, Any]]:
        text = self.log.read_text() if self.log.is_file() else ""
        return [orjson.loads(line) for line in text.splitlines() if line.endswith("}")]

    def wait_lines(self, count: int) -> list[dict[str, Any]]:
        """The log once it holds `count` lines (the checker writes them when it gets there)."""
        pause = threading.Event()
        while len(self.lines()) < count:
            assert self.proc.poll() is None, "the proxy ended"
            pause.wait(0.02)
        return self.lines()

    def wait_for(self, done: Any) -> list[dict[str, Any]]:
        """The log once `done(lines)` holds."""
        pause = threading.Event()
        while not done(self.lines()):
            assert self.proc.poll() is None, "the proxy ended"
            pause.wait(0.02)
        return self.lines()

    def unchecked(self) -> dict[str, float]:
        """streamcheck_streams_unchecked_total by reason, from /metrics."""
        text = httpx.get(f"http://127.0.0.1:{self.metrics}/metrics").text
        found = {}
        for line in text.splitlines():
            if line.startswith("streamcheck_streams_unchecked_total{"):
                reason = line.split('reason="', 1)[1].split('"', 1)[0]
                found[reason] = float(line.rsplit(" ", 1)[1])
        return found


@contextmanager
def proxy(upstream: str, tmp_path: Path, *extra: str) -> Iterator[Proxy]:
    log = tmp_path / "log.jsonl"
    args = ["--upstream", upstream, "--port", "0", "--log", str(log), "--metrics-port", "0"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamcheck", "proxy", *args, *extra],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    ready = proc.stderr.readline()
    running = None
    try:
        assert "listening on" in ready, ready
        url = ready.split("listening on ", 1)[1].split(" ", 1)[0]
        running = Proxy(proc, url, int(ready.rsplit(":", 1)[1]), log)
        yield running
    finally:
        if proc.poll() is None:
            proc.terminate()
        rest = proc.communicate(timeout=120)[1]  # waits and closes its stderr pipe
        if running is not None:
            running.stderr = rest


def upstream_script(release: threading.Event) -> Any:
    """A chat stream; with x-wait, its first event, then the rest once `release` is set;
    with x-big, 2 MiB of content events between."""
    big = event("x" * 4000) * 512

    def script(received: Any) -> list[Any]:
        middle = [chunk(big[i : i + 65536]) for i in range(0, len(big), 65536)]
        wait = [release] if received.headers.get("x-wait") else []
        middle = middle if received.headers.get("x-big") else []
        return [sse_head(), chunk(FIRST), *wait, *middle, chunk(REST), LAST_CHUNK]

    return script, FIRST + big + REST


def stream(url: str, **headers: str) -> bytes:
    return httpx.post(url + PATH, json=CHAT, headers={**AUTH, **headers}, timeout=60).content


def test_a_killed_checker_changes_no_byte_and_is_logged_and_restarted(tmp_path: Path) -> None:
    """The checker process is killed twice: once while stopped with three finished exchanges
    it had not written yet, once while a stream is halfway through. The app gets every byte
    as the upstream sent it; each time the proxy says so in one line and starts another
    checker, which logs the loss and counts what it lost; the next exchange is checked."""
    release = threading.Event()
    script, _ = upstream_script(release)
    with scripted(script) as upstream, proxy(upstream.url, tmp_path) as running:
        first = running.checker
        first.suspend()
        for _ in range(3):
            assert stream(running.url) == FIRST + REST
        first.kill()
        first.wait(60)
        said_first = running.said()
        second = running.checker
        with httpx.stream(
            "POST", running.url + PATH, json=CHAT, headers={**AUTH, "x-wait": "1"}, timeout=60
        ) as answer:
            pieces = answer.iter_raw()
            got = next(pieces)
            second.kill()
            second.wait(60)
            said_second = running.said()
            release.set()
            got += b"".join(pieces)
        assert got == FIRST + REST
        assert running.checker.pid not in (first.pid, second.pid)
        assert stream(running.url) == FIRST + REST  # checked by the third checker
        lines = running.wait_for(lambda lines: any("verdict" in line for line in lines))
        unchecked = running.unchecked()  # each checker serves /metrics on the same port
    for said, count in ((said_first, 3), (said_second, 1)):
        assert "the checker process ended (killed by signal 9)" in said, said
        assert f"; {count} exchange(s) it had not written unchecked; restarted" in said, said
    # The second checker may die before it wrote what it was told of the first death: then
    # the third writes it (the counts merged). Either way every death and loss is said once.
    *notes, last = lines
    assert last["verdict"] == "ok", lines
    restarts = [n["message"] for n in notes if n["event"] == "checker-restarted"]
    assert restarts == ["the checker process ended (killed by signal 9) and was started again"] * 2
    lost = [n["message"] for n in notes if n["event"] == "unchecked-checker-lost"]
    assert len(notes) == 2 + len(lost), lines
    assert sum(int(m.split(" ", 1)[0]) for m in lost) == 4, lost
    assert all(m.endswith("the checker process ended before it wrote them") for m in lost)
    assert unchecked["checker-lost"] in (1.0, 4.0) and set(unchecked) == {"checker-lost"}
    assert_no_canary(running.log.read_bytes(), running.stderr)


def test_past_the_backlog_cap_exchanges_pass_unchecked_counted_and_logged(
    tmp_path: Path,
) -> None:
    """The checker is stopped (SIGSTOP) while a 2 MiB stream passes, with a 0.25 MB backlog
    cap: that stream and the next go on untouched and unchecked; once the checker catches up
    the log says how many passed unchecked, /metrics counts them as behind, and the next
    exchange is checked again."""
    script, big = upstream_script(threading.Event())
    with (
        scripted(script) as upstream,
        proxy(upstream.url, tmp_path, "--checker-backlog-mb", "0.25") as running,
    ):
        assert stream(running.url) == FIRST + REST
        running.wait_lines(1)
        checker = running.checker
        checker.suspend()
        try:
            assert stream(running.url, **{"x-big": "1"}) == big
            assert stream(running.url) == FIRST + REST
        finally:
            checker.resume()
        lines = running.wait_lines(2)
        assert lines[1]["event"] == "unchecked-behind", lines
        assert lines[1]["message"].startswith("2 exchange(s) passed unchecked"), lines
        assert stream(running.url) == FIRST + REST
        lines = running.wait_lines(3)
        unchecked = running.unchecked()
    assert len(lines) == 3 and lines[2]["verdict"] == "ok", lines
    assert unchecked == {"behind": 2.0}
    assert_no_canary(running.log.read_bytes(), running.stderr)


def test_sigterm_drains_the_checker_so_no_line_is_lost(tmp_path: Path) -> None:
    """Exchanges pass while the checker is stopped; then SIGTERM (to the proxy, and to the
    checker, which leaves its end to the proxy): the proxy waits for the checker to write
    every line before it ends."""
    script, _ = upstream_script(threading.Event())
    with (
        scripted(script) as upstream,
        proxy(upstream.url, tmp_path, "--drain-timeout", "600") as running,
    ):
        assert stream(running.url) == FIRST + REST
        running.wait_lines(1)
        checker = running.checker
        checker.suspend()
        try:
            for _ in range(20):
                assert stream(running.url) == FIRST + REST
            checker.send_signal(signal.SIGTERM)
            running.proc.send_signal(signal.SIGTERM)
        finally:
            checker.resume()
        assert running.proc.wait(120) == 0
    lines = running.lines()
    assert len(lines) == 21 and {line["verdict"] for line in lines} == {"ok"}, lines
    assert "streamcheck proxy: stopped" in running.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--checker", "threads"], "--checker threads: expected process or inline"),
        (["--checker-backlog-mb", "0"], "--checker-backlog-mb"),
        (["--drain-timeout", "-1"], "--drain-timeout"),
    ],
)
def test_bad_checker_options_are_one_line(args: list[str], said: str) -> None:
    from tests.conftest import run_streamcheck

    done = run_streamcheck("proxy", "--upstream", "http://127.0.0.1:1", *args)
    assert done.returncode == 2 and said in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_keys_reach_no_output_of_the_checker_process(tmp_path: Path) -> None:
    """The frames carry the request as the app sent it (the checker collects its keys before
    anything is written): keys in headers, query and body, echoed back by the upstream, reach
    no log line, tape, metric or stderr line of the proxy or its checker."""
    from tests.test_secrets_sweep import CANARY, leaks

    echoed = event(f"key {CANARY['openai']}", "7").replace(
        b'"gpt-4o-mini"', orjson.dumps(CANARY["openai-project"])
    )

    def script(_: Any) -> list[Any]:
        return [sse_head(), chunk(echoed), LAST_CHUNK]

    tapes = tmp_path / "tapes"
    with (
        scripted(script) as upstream,
        proxy(upstream.url, tmp_path, "--tapes", str(tapes)) as running,
    ):
        answer = httpx.post(
            f"{running.url}{PATH}?api_key={CANARY['query']}",
            json={**CHAT, "model": CANARY["anthropic"], "client_secret": CANARY["body"]},
            headers={
                "authorization": f"Bearer {CANARY['openai']}",
                "x-custom-token": CANARY["custom"],
                "api-key": CANARY["azure"],
            },
        )
        [line] = running.wait_lines(1)
        metrics = httpx.get(f"http://127.0.0.1:{running.metrics}/metrics").text
    assert answer.content == echoed  # the app gets what the upstream sent
    sent = upstream.received[0]
    assert sent.headers["authorization"] == f"Bearer {CANARY['openai']}"
    assert line["verdict"] == "defects" and line["tape"], line
    saved = [p.read_bytes() for p in tapes.iterdir()]
    assert saved and "streamcheck_streams_total" in metrics
    for output in (running.log.read_bytes(), metrics, running.stderr, *saved):
        assert leaks(output) == []


def test_a_websocket_session_is_checked_by_the_checker_process(tmp_path: Path) -> None:
    """A Realtime session through the proxy: every message either way crosses to the checker
    process with its time, and the session is judged as in process (12 frames, ok)."""
    from websockets.sync.client import connect as ws_connect

    from streamcheck.live.serve.server import ServeOptions
    from streamcheck.live.serve.server import running as serving
    from tests.conftest import FIXTURES

    sends = ['{"type": "conversation.item.create"}', '{"type": "response.create"}']

    def session(base: str) -> list[str | bytes]:
        url = base.replace("http://", "ws://") + "/v1/realtime?model=gpt-realtime"
        got: list[str | bytes] = []
        with ws_connect(url, additional_headers=AUTH, max_size=None) as ws:
            for text in sends:
                ws.send(text)
            try:
                while True:
                    got.append(ws.recv(timeout=5))
            except Exception:
                pass
        return got

    with serving(
        [str(FIXTURES / "openai-realtime" / "ga-text.tape")], ServeOptions(speed=0)
    ) as base:
        direct = session(base)
        with proxy(base, tmp_path) as running:
            through = session(running.url)
            [line] = running.wait_lines(1)
    assert through == direct and len(direct) == 12
    assert line["verdict"] == "ok" and line["frames"] == 12 and line["status"] == 101, line
    assert line["bytes_in"] == sum(len(s) for s in sends), line


def test_sampled_out_exchanges_are_counted_by_the_checker_process(tmp_path: Path) -> None:
    """--sample 0: the proxy decides, the checker process counts them on /metrics."""
    script, _ = upstream_script(threading.Event())
    with scripted(script) as upstream, proxy(upstream.url, tmp_path, "--sample", "0") as running:
        for _ in range(3):
            assert stream(running.url) == FIRST + REST
        pause = threading.Event()
        while running.unchecked().get("sampled-out", 0) < 3:  # told with the next frames
            pause.wait(0.02)
        assert running.unchecked() == {"sampled-out": 3.0}
    assert running.lines() == []


def test_a_checker_that_does_not_drain_in_time_is_stopped_and_said(tmp_path: Path) -> None:
    """The checker is stopped (SIGSTOP) and never resumed: on SIGTERM the proxy waits
    --drain-timeout, says on stderr that the lines it owed are lost, stops it and ends."""
    script, _ = upstream_script(threading.Event())
    with (
        scripted(script) as upstream,
        proxy(upstream.url, tmp_path, "--drain-timeout", "0.5") as running,
    ):
        assert stream(running.url) == FIRST + REST
        running.wait_lines(1)
        checker = running.checker
        checker.suspend()
        assert stream(running.url) == FIRST + REST
        running.proc.send_signal(signal.SIGTERM)
        assert running.proc.wait(120) == 0
        checker.wait(60)
        assert not checker.is_running()  # killed, not left behind
    assert "did not finish within --drain-timeout 0.5 s" in running.stderr, running.stderr
    assert "streamcheck proxy: stopped" in running.stderr
    assert len(running.lines()) == 1


def test_the_checker_process_imports_nothing_from_the_folder_it_starts_in(tmp_path: Path) -> None:
    """The proxy may run in a checked-out repository: a `streamcheck` package there must not
    be what the checker process imports (`python -m` puts the working folder first on
    sys.path unless told not to)."""
    marker = tmp_path / "ran"
    planted = tmp_path / "repo" / "streamcheck"
    planted.mkdir(parents=True)
    planted.joinpath("__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    log = tmp_path / "log.jsonl"
    # -P: the proxy command itself as its console script runs it, without the folder on the path.
    proc = subprocess.Popen(
        [
            *(sys.executable, "-P", "-m", "streamcheck", "proxy"),
            *("--upstream", "http://127.0.0.1:9", "--port", "0", "--log", str(log)),
        ],
        cwd=planted.parent,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        ready = proc.stderr.readline()
        assert "listening on" in ready, ready + proc.stderr.read()
    finally:
        proc.terminate()
        proc.communicate(timeout=60)
    assert not marker.exists()

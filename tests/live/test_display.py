"""What `record` and `smoke` print (issue 19): the finding that decided the verdict first,
findings grouped by code with counts and a fix line each, and a live panel that keeps moving
while the stream is silent."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from streamcheck.live.call.display import LivePanel
from tests.conftest import run_streamcheck
from tests.live.conftest import CANARY_ENV, assert_no_canary
from tests.live.scripted import (
    LAST_CHUNK,
    Received,
    Step,
    chunk,
    json_reply,
    scripted,
    sse_head,
)

FIRST = (
    b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini",'
    b'"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}'
    b"\n\n"
)
# `created` is a string: a schema finding (SC201) on each of five frames; then the stream ends
# with no finish_reason and no [DONE]: the two errors that decide the verdict.
BAD = (
    b'data: {"id":"c1","object":"chat.completion.chunk","created":"soon","model":"gpt-4o-mini",'
    b'"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}\n\n'
)


def _cut_after_schema_noise(request: Received) -> list[Step]:
    return [sse_head(), chunk(FIRST), *(chunk(BAD) for _ in range(5)), LAST_CHUNK]


def _codes(out: str) -> list[str]:
    """Finding codes in the order printed (lines `    error   SC303 ...`)."""
    return [
        line.split()[1]
        for line in out.splitlines()
        if line.startswith("    ") and line.split()[0] in ("error", "warning", "info")
    ]


def _live(command: str, url: str, *extra: str):  # type: ignore[no-untyped-def]
    args = [command, "--provider", "openai", "--model", "gpt-4o-mini", "--base-url", url]
    return run_streamcheck(*args, "--read-timeout", "2", *extra, env=CANARY_ENV)


def test_smoke_shows_the_deciding_errors_first_and_groups_the_rest() -> None:
    with scripted(_cut_after_schema_noise) as server:
        done = _live("smoke", server.url + "/v1")
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    # A live OpenAI target is held to the documented schema: the five SC201 are errors too,
    # yet the verdict names the cut first.
    assert lines[0] == (
        "FAIL  openai:gpt-4o-mini  [defects, exit 1] 7 findings: SC303, SC301, SC201 x5: "
        "choice 0 never got a non-null finish_reason"
    )
    codes = _codes(done.stdout)
    assert codes[:2] == ["SC303", "SC301"], done.stdout
    assert codes.count("SC201") == 1  # five findings, one entry
    assert "schema-violation (5 findings, the first at frame 1" in done.stdout
    assert done.stdout.count("fix: ") == len(codes)
    assert_no_canary(done.stdout, done.stderr)


def test_record_shows_the_deciding_errors_first_grouped_with_counts(tmp_path: Path) -> None:
    with scripted(_cut_after_schema_noise) as server:
        done = _live("record", server.url + "/v1", "-o", str(tmp_path / "cut.tape"))
    assert done.returncode == 1, done.stdout + done.stderr
    codes = _codes(done.stdout)
    assert codes[:2] == ["SC303", "SC301"], done.stdout
    assert codes.count("SC201") == 1 and "(5 findings, the first at frame 1" in done.stdout
    assert done.stdout.count("fix: ") == len(codes)
    # The tape keeps every finding: check lists them one by one.
    again = run_streamcheck("check", str(tmp_path / "cut.tape"))
    assert _codes(again.stdout).count("SC201") == 5


def test_the_live_panel_keeps_counting_while_no_bytes_arrive() -> None:
    """rich's Live redraws on its own timer through `get_renderable`: the panel it gets is
    computed then, so a stall shows a growing silence instead of a frozen screen."""
    now = [100.0]
    console = Console(file=io.StringIO(), force_terminal=True, width=100, color_system=None)
    panel = LivePanel(console, "openai:gpt-4o-mini", clock=lambda: now[0])
    assert panel.live.auto_refresh
    with panel:
        assert "for the first byte" in _shown(panel)
        now[0] = 103.0
        first = _shown(panel)
        now[0] = 165.5
        later = _shown(panel)
    assert "3.0 s" in first
    assert "65.5 s" in later and "65.5 s" not in first


def _shown(panel: LivePanel) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=100, color_system=None).print(panel.render())
    return buffer.getvalue()


def _region(request: Received) -> list[Step]:
    body = (
        b'{"error": {"code": "unsupported_country_region_territory", "message": "Country, '
        b'region, or territory not supported", "param": null, "type": "request_forbidden"}}'
    )
    return [json_reply(403, body)]


def test_smoke_says_the_region_is_refused_not_the_model() -> None:
    """A 403 unsupported_country_region_territory exits as no-access (4) with the region's fix,
    not the model-access advice."""
    with scripted(_region) as server:
        done = _live("smoke", server.url + "/v1")
    assert done.returncode == 4, done.stdout + done.stderr
    assert done.stdout.startswith("FAIL  openai:gpt-4o-mini  [no-access, exit 4] ")
    assert "[region] HTTP 403" in done.stdout
    assert "not the key or the model" in done.stdout
    assert "GET /v1/models" not in done.stdout

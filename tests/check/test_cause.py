"""Why a stream was cut, stalled or buffered (check/cause.py), through the CLI: one tape per
signature under fixtures/causes/ (written by tools/make_cause_fixtures.py), whose recorded times
carry it, so no test waits. Text is compared with its whitespace folded (the text reporter wraps
long lines)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamcheck import check_paths
from streamcheck.check import CheckOptions, cause
from streamcheck.check.hops import SIGNS
from streamcheck.model import GATEWAY_TIMEOUTS, STOPPED, EndReason, Location
from tests.conftest import CORPUS, FIXTURES, run_in_process, run_streamcheck

CAUSES = FIXTURES / "causes"


def _text(*args: str) -> str:
    done = run_in_process("check", *args)
    assert done.returncode in (0, 1), done.stderr
    return " ".join(done.stdout.split())


def _json(path: str) -> dict[str, object]:
    done = run_in_process("check", path, "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    result = orjson.loads(done.stdout)["results"][0]
    assert isinstance(result, dict)
    return result


@pytest.mark.parametrize(
    ("tape", "under", "cause", "fix"),
    [
        (
            "nginx-idle-60s.tape",
            "SC504",
            "cause: ended 60.3 s after the last byte, consistent with an idle timeout of 60 s "
            "such as nginx's default proxy_read_timeout; server: nginx/1.24.0",
            "try: `proxy_read_timeout 300s;`",
        ),
        (
            "cloudflare-idle-100s.tape",
            "SC504",
            "cause: ended 100.4 s after the last byte, consistent with an idle timeout of 100 s "
            "such as Cloudflare's default Proxy Read Timeout; cf-ray: 8f0c1b2a3d4e5f60-AMS",
            "try: keep bytes flowing (an SSE comment line every 15-30 s)",
        ),
        (
            "apigateway-total-29s.tape",
            "SC301",
            "cause: ended 29.1 s after the request, consistent with a limit of 29 s on the "
            "whole response such as Amazon API Gateway (REST)'s default integration timeout",
            "try: raise the integration timeout",
        ),
        (
            "vercel-total-300s.har",
            "SC301",
            "cause: ended 300.3 s after the request, consistent with a limit of 300 s on the "
            "whole response such as a Vercel Function's default maximum duration; x-vercel-id:",
            "try: raise the function's maxDuration",
        ),
        (
            "cloudflare-524.tape",
            "SC402",
            "cause: HTTP 524 is Cloudflare's: the origin sent no response within its Proxy "
            "Read Timeout (100 s by default); it answered 100.2 s after the request",
            "try: send the response headers and a first byte at once, then stream",
        ),
        (
            "alb-504.tape",
            "SC402",
            "cause: HTTP 504 came from an AWS Application Load Balancer; it answered 60.1 s "
            "after the request, consistent with an AWS Application Load Balancer's default "
            "connection idle timeout (60 s); server: awselb/2.0",
            "raise the load balancer's idle timeout (idle_timeout.timeout_seconds)",
        ),
        (
            "browser-reset.har",
            "SC504",
            "cause: the connection was reset 2.2 s after the request; no documented hop limit "
            "matches those times; the response passed through nginx (server: nginx)",
            "try: a hop or the server dropped the connection mid-stream: read nginx's logs",
        ),
        (
            "browser-abort.har",
            "SC301",
            "cause: the client stopped the transfer itself (the recording says interrupted: "
            "Ctrl-C in `record`, or a browser's net::ERR_ABORTED",
            "try: if the app cancels on purpose there is nothing to fix",
        ),
        (
            "reset-no-limit.tape",
            "SC504",
            "cause: the connection was reset 12.0 s after the last byte (14.2 s after the "
            "request); no documented hop limit matches those times",
            "try: a hop or the server dropped the connection mid-stream",
        ),
        (
            "clean-close.tape",
            "SC301",
            "cause: the server closed the body cleanly 10 ms after the last byte, without the "
            "stream's end: consistent with the sending app stopping early",
            "try: look in the serving app's log for an exception",
        ),
        (
            "client-read-timeout.tape",
            "SC503",
            "cause: no byte for 30.3 s, so the recording client gave up: its own read timeout "
            "(30 s) expired",
            "try: raise the client's read timeout (`--read-timeout`",
        ),
        (
            "in-band-error.tape",
            "SC403",
            "cause: an error event arrived just before the end (frame 7): error inside a 200 "
            "stream: [overloaded]",
            "try: handle in-stream errors like HTTP errors of the same class",
        ),
    ],
)
def test_each_signature_shows_its_cause_under_the_cut(
    tape: str, under: str, cause: str, fix: str
) -> None:
    text = _text(str(CAUSES / tape))
    assert cause in text
    assert fix in text
    # Under the finding it explains: that finding's line comes just before the cause line.
    before = text[: text.index("cause: ")]
    assert before.rindex(f" {under} ") > max(
        before.rfind(f" {code} ")
        for code in ("SC201", "SC303", "SC301", "SC503", "SC504", "SC402")
        if code != under
    )
    result = _json(str(CAUSES / tape))
    data = result["cause"]
    assert isinstance(data, dict)
    assert data["finding"] == under
    assert data["summary"] in cause.removeprefix("cause: ") or cause.removeprefix("cause: ") in str(
        data["summary"]
    )


def test_a_documented_limit_is_cited_and_reported_as_sc506() -> None:
    result = _json(str(CAUSES / "nginx-idle-60s.tape"))
    cause = result["cause"]
    assert isinstance(cause, dict)
    assert cause["kind"] == "idle-timeout"
    assert cause["hop"] == "nginx"
    assert cause["refs"] == [
        "https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_read_timeout"
    ]
    findings = result["findings"]
    assert isinstance(findings, list)
    sc506 = [f for f in findings if f["code"] == "SC506"]
    assert len(sc506) == 1 and sc506[0]["severity"] == "info"
    assert "nginx's default proxy_read_timeout (60 s)" in sc506[0]["message"]


def test_a_header_naming_another_hop_rules_out_a_limit_it_does_not_have() -> None:
    """A 60 s silence behind Cloudflare alone is not nginx's limit: no limit is claimed."""
    tape = (
        (CAUSES / "nginx-idle-60s.tape")
        .read_bytes()
        .replace(b'"server":"nginx/1.24.0"', b'"cf-ray":"8f0c1b2a3d4e5f60-AMS"')
    )
    done = run_streamcheck("check", "-", "--format", "json", input=tape)
    result = orjson.loads(done.stdout)["results"][0]
    assert result["cause"]["kind"] == "reset"
    assert "Cloudflare (cf-ray: 8f0c1b2a3d4e5f60-AMS)" in result["cause"]["summary"]
    assert not [f for f in result["findings"] if f["code"] == "SC506"]


def test_the_cause_reaches_sarif_junit_and_github() -> None:
    path = str(CAUSES / "nginx-idle-60s.tape")
    sarif = orjson.loads(run_in_process("check", path, "--format", "sarif").stdout)
    results = sarif["runs"][0]["results"]
    reset = next(r for r in results if r["ruleId"] == "SC504")
    assert "cause: ended 60.3 s after the last byte" in reset["message"]["text"]
    assert reset["properties"]["cause"]["hop"] == "nginx"
    junit = run_in_process("check", path, "--format", "junit").stdout
    assert "try: `proxy_read_timeout 300s;`" in junit
    github = run_in_process("check", path, "--format", "github").stdout
    line = next(x for x in github.splitlines() if "SC504" in x)
    assert "%0Acause: ended 60.3 s after the last byte" in line


def test_a_stream_that_ended_well_has_no_cause() -> None:
    report = check_paths([str(FIXTURES / "rules" / "SC505" / "good.tape")], CheckOptions())
    assert [r.cause for r in report.results] == [None]
    text = _text(str(FIXTURES / "rules" / "SC505" / "good.tape"))
    assert "cause:" not in text


def test_a_raw_body_is_explained_by_its_findings_alone() -> None:
    # No arrival times and an end the recording does not name: only the finding (an error
    # event at the end) asks for a cause, and gets one.
    path = FIXTURES / "anthropic" / "overloaded-mid-stream.sse"
    report = check_paths([str(path)], CheckOptions())
    [result] = report.results
    assert result.cause is not None and result.cause.kind == "in-band-error"
    assert result.cause.finding == "SC403"
    clean = check_paths([str(FIXTURES / "openai" / "text-answer.sse")], CheckOptions())
    assert [(r.cause, r.findings) for r in clean.results] == [(None, [])]


def test_buffered_delivery_is_sc505_naming_the_fix() -> None:
    text = _text(str(FIXTURES / "rules" / "SC505" / "bad.tape"))
    assert (
        "SC505 buffered-stream (body byte 0): the whole body (33 frames, 5733 bytes) arrived "
        "within 10 ms, 6.0 s after the request: consistent with an intermediary holding the stream "
        "until it ended (content-length: 6209)"
    ) in text
    explained = " ".join(run_in_process("explain", "SC505").stdout.split())
    assert "X-Accel-Buffering: no" in explained
    assert "Cache-Control: no-cache, no-transform" in explained


def test_explain_sc506_cites_every_limit() -> None:
    from streamcheck.check.hops import LIMITS

    explained = " ".join(run_in_process("explain", "SC506").stdout.split())
    for limit in LIMITS:
        assert limit.ref in explained.replace(" ", ""), limit.hop


def test_no_timing_no_buffering_verdict() -> None:
    """A recording whose chunks carry no arrival times (a raw body; HAR gives one time to the
    whole body) is never judged buffered, however its headers look."""
    body = (FIXTURES / "rules" / "SC505" / "bad.tape").read_bytes()
    lines = [orjson.loads(x) for x in body.splitlines()]
    raw = "".join(x["text"] for x in lines if "text" in x).encode()
    done = run_streamcheck("check", "-", "--format", "json", input=raw)
    result = orjson.loads(done.stdout)["results"][0]
    assert not [f for f in result["findings"] if f["code"] in ("SC505", "SC506")]
    assert "cause" not in result


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared is not beside the checkout")
def test_no_buffering_or_limit_finding_on_the_real_corpora() -> None:
    roots = [str(CORPUS), str(CORPUS.parent / "corpus_external")]
    report = check_paths([r for r in roots if __import__("os").path.isdir(r)], CheckOptions())
    codes = {f.code for f in report.findings()}
    assert not codes & {"SC505", "SC506"}
    kinds = {r.cause.kind for r in report.results if r.cause is not None}
    # Real cassettes carry no arrival times: only what the bytes and headers show (an error at
    # the end, a gateway's own timeout status).
    assert kinds <= {"in-band-error", "gateway-timeout"}, kinds


def test_a_har_gives_a_duration_never_a_silence(tmp_path: Path) -> None:
    """HAR's `receive` is how long the body took to arrive, not a silence: 60 s of it behind
    nginx is no idle timeout (HAR has no chunk times to measure one)."""
    har = orjson.loads((CAUSES / "vercel-total-300s.har").read_bytes())
    entry = har["log"]["entries"][0]
    entry["timings"].update(wait=500.0, receive=60_000.0)
    entry["response"]["headers"] = [
        {"name": "content-type", "value": "text/event-stream"},
        {"name": "server", "value": "nginx"},
    ]
    path = tmp_path / "streamed-60s.har"
    path.write_bytes(orjson.dumps(har))
    result = _json(str(path))
    assert "cause" not in result
    assert not [f for f in result["findings"] if f["code"] == "SC506"]  # type: ignore[index,union-attr]


def test_every_documented_limit_is_recognised_behind_its_own_headers(tmp_path: Path) -> None:
    """For each hop in the table: a tape carrying that hop's header and a cut at its limit
    (idle: silence before a reset; total: the whole response) gets that hop's cause, in one
    run of `check` over the folder."""
    from streamcheck.check.hops import IDLE, LIMITS, SIGNS

    base = [orjson.loads(x) for x in (CAUSES / "nginx-idle-60s.tape").read_bytes().splitlines()]
    header, chunks = base[0], [x for x in base[1:] if "text" in x]
    for number, limit in enumerate(LIMITS):
        # A hop no header names (a Lambda function) is judged by its limit alone.
        sign = next(((n, p) for hop, n, p in SIGNS if hop == limit.hop), None)
        response = {"content-type": "text/event-stream"}
        if sign is not None:
            response[sign[0]] = sign[1] or "present"
        if limit.kind == IDLE:
            end = {"end": "reset", "t": chunks[-1]["t"] + limit.seconds}
        else:
            end = {"end": "eof", "t": limit.seconds}
        lines = [{**header, "response": {"status": 200, "headers": response}}, *chunks, end]
        tape = tmp_path / f"{number:02d}.tape"
        tape.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    done = run_in_process("check", str(tmp_path), "--format", "json")
    results = sorted(orjson.loads(done.stdout)["results"], key=lambda r: r["source"])
    assert len(results) == len(LIMITS)
    for limit, result in zip(LIMITS, results, strict=True):
        cause = result["cause"]
        assert cause["hop"] == limit.hop, (limit.hop, cause["summary"])
        kind = "idle-timeout" if limit.kind == IDLE else "total-timeout"
        assert cause["kind"] == kind and cause["refs"] == [limit.ref]
        assert f"{limit.seconds:g} s" in cause["summary"]


def test_a_browsers_net_error_says_how_the_transfer_ended() -> None:
    """Chrome's `response._error` in a HAR: the body broke (reset) or the page aborted it."""
    reset = _json(str(CAUSES / "browser-reset.har"))
    assert reset["end"] == "reset"
    notes = [f["message"] for f in reset["findings"] if f["code"] == "SC902"]  # type: ignore[index,union-attr]
    assert notes == ["the browser recorded net::ERR_INCOMPLETE_CHUNKED_ENCODING for the response"]
    aborted = _json(str(CAUSES / "browser-abort.har"))
    assert aborted["end"] == "interrupted"
    assert aborted["cause"]["kind"] == "client-cancel"  # type: ignore[index]


def test_a_stall_the_stream_survived_names_the_hops_that_would_cut_it() -> None:
    text = _text(str(CAUSES / "stall-62s.tape"))
    assert (
        "cause: the stream went silent for 62.0 s and then went on: longer than nginx's "
        "default proxy_read_timeout (60 s), an AWS Application Load Balancer's default "
        "connection idle timeout (60 s), Kong's default service read_timeout (60 s), "
        "Heroku's router's rolling window after the first byte (55 s), Amazon CloudFront's "
        "default origin response timeout (30 s); behind such a hop it would have been cut there"
    ) in text
    assert "Cloudflare" not in text.split("cause:")[1].split("try:")[0]  # 100 s: not past it
    assert "try: keep bytes flowing during long waits" in text
    result = _json(str(CAUSES / "stall-62s.tape"))
    assert result["cause"]["kind"] == "stall" and result["cause"]["finding"] == "SC501"  # type: ignore[index]


_TIMES = st.none() | st.floats(min_value=0, max_value=1e6, allow_nan=False)
# Headers that name every hop cause.py knows, and those that hold a stream back.
_HEADERS = st.dictionaries(
    st.sampled_from(
        sorted({name for _, name, _ in SIGNS} | {"x-accel-buffering", "content-length", "age"})
    ),
    st.sampled_from(sorted({value or "x" for _, _, value in SIGNS} | {"no", "100"})),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(
    end=st.sampled_from([e for e in EndReason if e not in STOPPED]),
    times=st.tuples(_TIMES, _TIMES, _TIMES, _TIMES, _TIMES),
    frames=st.integers(min_value=0, max_value=10_000),
    size=st.integers(min_value=0, max_value=1 << 30),
    status=st.none() | st.integers(min_value=100, max_value=599),
    framing=st.none() | st.sampled_from(["sse", "ndjson", "json", "eventstream", "websocket"]),
    headers=_HEADERS,
)
def test_nothing_to_weigh_is_no_cause(
    end: EndReason,
    times: tuple[float | None, ...],
    frames: int,
    size: int,
    status: int | None,
    framing: str | None,
    headers: dict[str, str],
) -> None:
    # check/finish.diagnose does not even load this module for a body with no finding, no
    # arrival times, an end some sender chose and no gateway's timeout (most files of a
    # folder): cause.diagnose must conclude nothing for such a body, whatever else it holds.
    if status in GATEWAY_TIMEOUTS:
        status = 200
    end_time, read_timeout, first, last, gap = times
    facts = cause.Facts(
        end, end_time, read_timeout, first, last, frames, size, status, framing, False, gap
    )
    assert cause.diagnose(facts, headers, [], Location("a.sse", 0)) == (None, [])

"""Write the tapes that carry each cut, stall and buffering signature (fixtures/causes/ and the
SC505 / SC506 rule fixtures): times are part of the recording, so the tests that read them wait
for nothing.

    python tools/make_cause_fixtures.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
CAUSES = ROOT / "fixtures" / "causes"
RULES = ROOT / "fixtures" / "rules"

CHAT_URL = "https://api.openai.com/v1/chat/completions"
SSE = {"content-type": "text/event-stream; charset=utf-8"}


def _chat_chunk(content: str | None, finish: str | None = None, role: bool = False) -> str:
    delta: dict[str, Any] = {}
    if role:
        delta["role"] = "assistant"
    if content is not None:
        delta["content"] = content
    chunk = {
        "id": "chatcmpl-cause",
        "object": "chat.completion.chunk",
        "created": 1732560000,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return "data: " + orjson.dumps(chunk).decode() + "\n\n"


def _chat(words: int, finished: bool) -> list[str]:
    """The events of a chat stream: role, `words` deltas, and (when finished) finish + [DONE]."""
    events = [_chat_chunk("", role=True)]
    events += [_chat_chunk(f"w{i} ") for i in range(words)]
    if finished:
        events += [_chat_chunk(None, "stop"), "data: [DONE]\n\n"]
    return events


def _tape(
    path: Path,
    headers: dict[str, str],
    events: list[str],
    times: list[float],
    end: str,
    end_time: float,
    *,
    provider: str = "openai",
    api: str = "chat-completions",
    url: str = CHAT_URL,
    body: dict[str, Any] | None = None,
    read_timeout: float | None = None,
    status: int = 200,
) -> None:
    assert len(events) == len(times)
    header = {
        "streamcheck_tape": 1,
        "provider": provider,
        "api": api,
        "api_version": None,
        "request": {
            "method": "POST",
            "url": url,
            "headers": {"content-type": "application/json"},
            "body": body
            or {
                "model": "gpt-4o-mini",
                "stream": True,
                "messages": [{"role": "user", "content": "hi"}],
            },
        },
        "response": {"status": status, "headers": {**SSE, **headers}},
    }
    lines = [header]
    lines += [{"t": t, "text": text} for text, t in zip(events, times, strict=True)]
    last: dict[str, Any] = {"end": end, "t": end_time}
    if read_timeout is not None:
        last["read_timeout"] = read_timeout
    lines.append(last)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))


def _har(
    path: Path,
    headers: dict[str, str],
    events: list[str],
    wait: float,
    receive: float,
    error: str | None = None,
) -> None:
    """A browser HAR of one streamed call: no chunk times, only when the body started (`wait`)
    and how long it took to arrive (`receive`), in milliseconds."""
    entry = {
        "startedDateTime": "2026-01-05T10:00:00.000Z",
        "time": 1.0 + wait + receive,
        "request": {
            "method": "POST",
            "url": "https://chat.example.test/v1/chat/completions",
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": "content-type", "value": "application/json"}],
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": -1,
            "postData": {
                "mimeType": "application/json",
                "text": '{"model":"gpt-4o-mini","stream":true,"messages":[]}',
            },
        },
        "response": {
            "status": 200,
            "statusText": "OK",
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": k, "value": v} for k, v in {**SSE, **headers}.items()],
            "cookies": [],
            "content": {"size": -1, "mimeType": "text/event-stream", "text": "".join(events)},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        },
        "cache": {},
        "timings": {
            "blocked": 1.0,
            "dns": -1,
            "connect": -1,
            "send": 0,
            "wait": wait,
            "receive": receive,
        },
    }
    if error is not None:  # Chrome's net error for a transfer that failed
        entry["response"]["_error"] = error  # type: ignore[index]
    doc = {
        "log": {
            "version": "1.2",
            "creator": {"name": "devtools", "version": "1"},
            "entries": [entry],
        }
    }
    path.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")


def _spread(count: int, start: float, step: float) -> list[float]:
    return [round(start + i * step, 3) for i in range(count)]


def main() -> None:
    cut = _chat(6, finished=False)
    times = _spread(len(cut), 0.4, 0.3)  # last byte at 2.5 s
    # nginx's 60 s proxy_read_timeout: 60 s of silence, then the connection breaks.
    _tape(CAUSES / "nginx-idle-60s.tape", {"server": "nginx/1.24.0"}, cut, times, "reset", 62.5)
    # Cloudflare's 100 s Proxy Read Timeout.
    _tape(
        CAUSES / "cloudflare-idle-100s.tape",
        {"server": "cloudflare", "cf-ray": "8f0c1b2a3d4e5f60-AMS"},
        cut,
        times,
        "reset",
        102.6,
    )
    # API Gateway's 29 s integration timeout bounds the whole response: still streaming at 28.9 s.
    long_cut = _chat(40, finished=False)
    _tape(
        CAUSES / "apigateway-total-29s.tape",
        {"x-amz-apigw-id": "Zx1AbCdEfGhIjKl=", "x-amzn-requestid": "0e4f6c1e-cause"},
        long_cut,
        _spread(len(long_cut), 0.8, 0.7),
        "eof",
        29.1,
    )
    # A reset that matches no documented limit.
    _tape(CAUSES / "reset-no-limit.tape", {}, cut, times, "reset", 14.2)
    # The server closed the body cleanly, 10 ms after the last byte, without [DONE].
    _tape(CAUSES / "clean-close.tape", {}, cut, times, "eof", 2.21)
    # The recording client's own read timeout (what `record --read-timeout 30` writes).
    _tape(
        CAUSES / "client-read-timeout.tape",
        {"server": "nginx"},
        cut,
        times,
        "timeout",
        32.5,
        read_timeout=30.0,
    )
    # An in-band error just before the end: the provider ended the stream on purpose.
    error = 'data: {"error":{"message":"The server is overloaded","type":"server_error"}}\n\n'
    _tape(
        CAUSES / "in-band-error.tape",
        {},
        [*cut, error],
        [*times, 2.8],
        "eof",
        2.81,
    )
    # A stall the stream survived (62 s of silence, then the rest): past several hops' idle
    # timeouts, so behind one of them it would have been cut.
    whole_chat = _chat(6, finished=True)
    stall_times = [*_spread(4, 0.4, 0.3), *_spread(len(whole_chat) - 4, 63.3, 0.3)]
    _tape(CAUSES / "stall-62s.tape", {}, whole_chat, stall_times, "eof", stall_times[-1])
    # What a browser's HAR says of a failed transfer: the chunked body broke, or the page
    # aborted the fetch itself.
    broke = "net::ERR_INCOMPLETE_CHUNKED_ENCODING"
    _har(CAUSES / "browser-reset.har", {"server": "nginx"}, cut, 700.0, 1500.0, broke)
    _har(CAUSES / "browser-abort.har", {}, cut, 700.0, 1500.0, "net::ERR_ABORTED")
    # Hops that gave up waiting and answered with their own status: Cloudflare's 524 after
    # 100 s, and an AWS ALB's 504 after its 60 s idle timeout.
    html = {"content-type": "text/html"}
    _tape(
        CAUSES / "cloudflare-524.tape",
        {**html, "server": "cloudflare", "cf-ray": "8f0c1b2a3d4e5f61-FRA"},
        ["<html><head><title>524: A timeout occurred</title></head><body>524</body></html>"],
        [100.2],
        "eof",
        100.2,
        status=524,
    )
    _tape(
        CAUSES / "alb-504.tape",
        {**html, "server": "awselb/2.0"},
        ["<html><body><center><h1>504 Gateway Time-out</h1></center></body></html>\n"],
        [60.1],
        "eof",
        60.1,
        status=504,
    )
    # A HAR has no chunk times, only the whole duration: a Vercel Function's 300 s maximum.
    _har(
        CAUSES / "vercel-total-300s.har",
        {"x-vercel-id": "fra1::iad1::abcde-1767607200000"},
        long_cut,
        900.0,
        299_400.0,
    )
    # A buffered delivery: nothing for 6 s, then the whole finished answer within 10 ms.
    whole = _chat(30, finished=True)
    buffered = _spread(len(whole), 6.0, 0.0003)
    _tape(RULES / "SC505" / "bad.tape", {"content-length": "6209"}, whole, buffered, "eof", 6.02)
    # The same answer streamed as a model streams it: no finding.
    _tape(RULES / "SC505" / "good.tape", {}, whole, _spread(len(whole), 0.4, 0.05), "eof", 2.1)
    # SC506: a cut at nginx's limit, and a cut whose 45 s silence matches no documented limit.
    _tape(RULES / "SC506" / "bad.tape", {"server": "nginx"}, cut, times, "reset", 62.5)
    _tape(RULES / "SC506" / "good.tape", {"server": "nginx"}, cut, times, "reset", 47.5)


if __name__ == "__main__":
    main()

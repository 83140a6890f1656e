"""Fault definitions: parsing, provider-shaped error bodies, and what each does to a stream."""

from __future__ import annotations

import orjson
import pytest

from streamcheck import errors
from streamcheck.exceptions import ConfigError
from streamcheck.live.serve import faults
from streamcheck.live.serve.faults import Fault, Reset, Send, Stall
from streamcheck.sources import read_path
from tests.live.conftest import LIVE_FIXTURES

# fault -> class streamcheck.errors gives the body, per dialect (PROVIDERS.md section 3.1).
HTTP_CLASSES = {
    "http-401": "auth",
    "http-403": "no-access",
    "http-404-model": "no-access",
    "http-429-quota": "billing",
    "http-429-rate": "rate-limit",
    "http-500": "server-error",
    "http-502-html": "proxy",
}
AZURE_CLASSES = {**HTTP_CLASSES, "http-404-model": "not-found"}


def test_parse_fault() -> None:
    assert faults.parse_fault("truncate-after:3") == Fault("truncate-after", 3.0)
    assert faults.parse_fault(" stall:0.5 ") == Fault("stall", 0.5)
    assert faults.parse_fault("http-401") == Fault("http-401")
    assert str(Fault("stall", 2.0)) == "stall:2"


@pytest.mark.parametrize("text", ["nope", "http-401:2", "stall", "stall:x", "truncate-after:-1"])
def test_parse_fault_rejects(text: str) -> None:
    with pytest.raises(ConfigError):
        faults.parse_fault(text)


def test_every_http_fault_is_covered() -> None:
    assert set(faults.HTTP_FAULTS) == set(HTTP_CLASSES)


@pytest.mark.parametrize("dialect", ["openai", "azure", "anthropic"])
@pytest.mark.parametrize("name", sorted(HTTP_CLASSES))
def test_error_bodies_are_documented_shapes(dialect: str, name: str) -> None:
    reply = faults.error_reply(Fault(name), dialect, "gpt-x", "2024-10-21")
    verdict = errors.classify(
        reply.body, reply.status, reply.headers["content-type"], headers=reply.headers
    )
    expected = (AZURE_CLASSES if dialect == "azure" else HTTP_CLASSES)[name]
    if name == "http-403" and verdict.shape == "openai":
        expected = "region"  # OpenAI's 403 is unsupported_country_region_territory
    assert verdict.klass == expected
    if name == "http-502-html":
        assert (reply.status, verdict.shape, verdict.documented) == (502, "html", False)
        return
    body = orjson.loads(reply.body)
    if dialect == "anthropic":
        assert body["type"] == "error" and set(body["error"]) >= {"type", "message"}
        assert verdict.shape == "anthropic"
    elif dialect == "openai":
        assert set(body["error"]) == {"message", "type", "param", "code"}
        assert verdict.shape == "openai"
    assert str(reply.status) == name.split("-")[1]


def _frames(name: str) -> tuple[list[Send], list[Send]]:
    exchanges = read_path(str(LIVE_FIXTURES / name))
    exchange = next(exchanges)
    chunks = [Send(data, time) for data, time in exchange.chunks]  # while the file is open
    exchanges.close()
    return faults.split_frames([(c.data, c.time) for c in chunks], "sse"), chunks


def test_split_frames_keeps_bytes_and_times() -> None:
    frames, chunks = _frames("openai-chat.tape")
    assert b"".join(f.data for f in frames) == b"".join(c.data for c in chunks)
    assert [f.time for f in frames] == [c.time for c in chunks]  # one event per chunk here
    split = faults.split_frames([(b"data: 1\n\nda", 0.1), (b"ta: 2\n\n", 0.2)], "sse")
    assert split == [Send(b"data: 1\n\n", 0.1), Send(b"data: 2\n\n", 0.2)]


def test_plans() -> None:
    frames, chunks = _frames("openai-chat.tape")
    plan = lambda fault: list(faults.plan(fault, frames, chunks, "openai"))  # noqa: E731
    assert plan(None) == chunks
    assert plan(Fault("truncate-after", 2)) == frames[:2]
    assert plan(Fault("drop-terminator")) == frames[:-1]
    cut = plan(Fault("truncate-mid-frame"))
    assert cut[:-1] == frames[:3] and frames[3].data.startswith(cut[-1].data)
    assert len(cut[-1].data) < len(frames[3].data)
    stalled = plan(Fault("stall", 2))
    assert stalled[3] == Stall(2) and stalled[:3] + stalled[4:] == frames
    assert plan(Fault("reset"))[-1] == Reset()
    errored = plan(Fault("error-event"))
    assert errored[-1].data.startswith(b'data: {"error":{')  # type: ignore[union-attr]
    dropped = plan(Fault("drop-finish-reason"))
    assert all(b"finish_reason" not in s.data for s in dropped)  # type: ignore[union-attr]
    assert len(dropped) == len(frames)


def test_anthropic_plans() -> None:
    frames, chunks = _frames("anthropic-messages.tape")
    plan = lambda fault: list(faults.plan(fault, frames, chunks, "anthropic"))  # noqa: E731
    assert all(b"message_stop" not in s.data for s in plan(Fault("drop-terminator")))  # type: ignore[union-attr]
    assert all(
        b"stop_reason" not in s.data or b"message_start" in s.data  # type: ignore[union-attr]
        for s in plan(Fault("drop-finish-reason"))
    )
    last = plan(Fault("error-event"))[-1]
    assert isinstance(last, Send) and last.data.startswith(b"event: error\ndata: ")
    assert b"overloaded_error" in last.data

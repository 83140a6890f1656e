"""The push checker (`streamcheck.check.StreamChecker`): bytes fed as they arrive give the same
verdict as a whole recording, findings come out as the bytes that show them arrive, and memory
stays bounded however long the stream."""

from __future__ import annotations

import itertools
import random
import tracemalloc
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pytest

from streamcheck.check import CheckOptions, StreamChecker, check_exchange
from streamcheck.model import EndReason, Exchange, ExchangeResult, Request
from streamcheck.schemas import Catalog
from streamcheck.sources import read_path
from tests.conftest import FIXTURES

# One recording of each framing and answer shape: SSE of each provider, NDJSON, a JSON array,
# AWS event streams, error bodies, a body that opens with a long JSON line, cut streams.
RECORDINGS = [
    "openai/text-answer.sse",
    "openai/tool-calls-fragmented.sse",
    "openai/n2-choices.sse",
    "openai/gpt4-no-model-access.http",
    "anthropic/tool_use.sse",
    "anthropic/overloaded-mid-stream.sse",
    "anthropic/529-overloaded.http",
    "ollama/chat-clean.ndjson",
    "ollama/chat-error-mid-stream.ndjson",
    "ollama/model-not-found.http",
    "gemini/clean-json-array.json",
    "gemini/clean-alt-sse.sse",
    "bedrock/converse-stream.eventstream",
    "bedrock/crc-corrupted.eventstream",
    "live/openai-chat.tape",
    "live/anthropic-messages.tape",
]


def summary(result: ExchangeResult) -> dict[str, Any]:
    """Everything a verdict says, but timing (these runs feed no arrival times)."""
    return {
        "detected": (result.provider, result.api, result.api_version, result.framing),
        "counts": (result.frames, result.bytes, result.end, result.error_class),
        "findings": [
            (f.code, f.severity, f.message, f.location, f.evidence, f.hint, f.frame_kind)
            for f in result.findings
        ],
    }


def recorded(name: str) -> list[tuple[Exchange, bytes]]:
    """The exchanges of a recording with their whole bodies (read while the file is open)."""
    found = []
    for exchange in read_path(str(FIXTURES / name)):
        body = b"".join(data for data, _ in exchange.chunks)
        found.append((replace(exchange, chunks=(), notes=list(exchange.notes)), body))
    return found


def pushed(exchange: Exchange, pieces: list[bytes]) -> ExchangeResult:
    checker = StreamChecker(
        replace(exchange, notes=list(exchange.notes)), CheckOptions(), Catalog()
    )
    for piece in pieces:
        checker.feed(piece)
    return checker.close(exchange.end)


def split(body: bytes, rng: random.Random) -> list[bytes]:
    cuts = sorted(rng.sample(range(1, len(body)), min(len(body) - 1, 40))) if len(body) > 1 else []
    return [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]


@pytest.mark.parametrize("name", RECORDINGS)
def test_any_split_of_the_bytes_gives_the_verdict_of_the_whole_body(name: str) -> None:
    rng = random.Random(name)
    for exchange, body in recorded(name):
        whole = summary(
            check_exchange(
                replace(exchange, chunks=[(body, None)], notes=list(exchange.notes)),
                CheckOptions(),
                Catalog(),
            )
        )
        assert summary(pushed(exchange, [body])) == whole
        assert summary(pushed(exchange, split(body, rng))) == whole
        # One byte at a time: the framing is sniffed from held bytes, never from one chunk.
        assert summary(pushed(exchange, [body[i : i + 1] for i in range(len(body))])) == whole


def timed(result: ExchangeResult) -> dict[str, Any]:
    return {**summary(result), "timing": result.timing}


def one_by_one(
    exchange: Exchange, chunks: list[tuple[bytes, float]], options: CheckOptions
) -> ExchangeResult:
    checker = StreamChecker(replace(exchange, notes=list(exchange.notes)), options, Catalog())
    for data, time in chunks:
        checker.feed(data, time)
    return checker.close(exchange.end)


def together(
    exchange: Exchange,
    chunks: list[tuple[bytes, float]],
    options: CheckOptions,
    rng: random.Random,
) -> ExchangeResult:
    """The chunks fed in runs of random length (what ext-proc does with Envoy's messages)."""
    checker = StreamChecker(replace(exchange, notes=list(exchange.notes)), options, Catalog())
    at = 0
    while at < len(chunks):
        run = rng.choice((1, 2, 3, 7, 50))
        checker.feed_many(chunks[at : at + run])
        at += run
    return checker.close(exchange.end)


# Silences past the limit (SC501) and a cap of two per code, so the order in which findings
# reach the sink decides which ones are kept.
STRICT = CheckOptions(max_gap=0.05, max_per_code=2)


def arrivals(pieces: list[bytes], rng: random.Random) -> list[tuple[bytes, float]]:
    """Each piece with an arrival time; some gaps are over STRICT's limit."""
    time, out = 0.0, []
    for piece in pieces:
        time += rng.choice((0.001, 0.002, 0.01, 0.2))
        out.append((piece, round(time, 6)))
    return out


@pytest.mark.parametrize("name", RECORDINGS)
def test_chunks_fed_together_give_what_chunks_fed_one_by_one_give(name: str) -> None:
    """`feed_many` (the fast path a live driver takes for many small chunks) gives the same
    findings in the same order, the same timing and time to first token, as `feed` on each."""
    rng = random.Random(name)
    for exchange, body in recorded(name):
        for pieces in (split(body, rng), [body[i : i + 7] for i in range(0, len(body), 7)]):
            chunks = arrivals(pieces, rng)
            for options in (CheckOptions(), STRICT):
                expected = timed(one_by_one(exchange, chunks, options))
                assert timed(together(exchange, chunks, options, rng)) == expected


def test_findings_of_decoding_and_of_silences_keep_their_order_among_frame_findings() -> None:
    """Decoder findings (mixed line endings, a raw U+2028) and silences (SC501) fall between
    frames that fail their schema: fed together, the same ones are kept, in the same order."""
    bad = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": "not a list"}
    events = [sse(chunk_event(i, "word ")) for i in range(12)]  # past the sniffed head
    events += [b"data: {not json\n\n", sse(bad), b"data: {broken\r\n\r\n", sse(bad)]
    events += [sse(chunk_event(1, "a\u2028b"))]
    events += [b"data: {nope\n\n", sse(bad)] * 3 + [b"data: [DONE]\n\n"]
    # Every fourth chunk comes after a silence over STRICT's limit.
    times = itertools.accumulate(0.5 if i % 4 == 3 else 0.001 for i in range(len(events)))
    chunks = list(zip(events, times, strict=True))
    exchange = replace(openai_exchange(), end=EndReason.EOF)
    single = StreamChecker(replace(exchange, notes=[]), STRICT, Catalog())
    each = [single.feed(data, time) for data, time in chunks]  # what each feed returned
    expected = single.close()
    assert {"SC105", "SC111", "SC501"} <= {f.code for f in expected.findings}
    assert len({f.code for f in expected.findings}) >= 5
    for run in range(1, len(chunks) + 1):
        checker = StreamChecker(replace(exchange, notes=[]), STRICT, Catalog())
        for at in range(0, len(chunks), run):
            returned = checker.feed_many(chunks[at : at + run])
            assert returned == [f for found in each[at : at + run] for f in found]
        assert timed(checker.close()) == timed(expected)
    # The findings came out of the feeds, not only at the end: the order above was checked.
    assert sum(len(found) for found in each) >= 8


def sse(event: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(event) + b"\n\n"


def chunk_event(index: int, text: str) -> dict[str, Any]:
    delta = {"role": "assistant", "content": text} if index == 0 else {"content": text}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
    }


def openai_exchange() -> Exchange:
    url = "https://api.openai.com/v1/chat/completions"
    body = {"model": "gpt-4o-mini", "stream": True, "messages": []}
    headers = {"content-type": "text/event-stream"}
    return Exchange("push", 0, Request("POST", url, {}, body), 200, headers, ())


def test_a_finding_comes_back_from_the_feed_of_the_chunk_that_shows_it() -> None:
    good = b"".join(sse(chunk_event(i, "word ")) for i in range(20))  # past the sniffed head
    assert len(good) > 2048
    checker = StreamChecker(openai_exchange(), CheckOptions(), Catalog())
    assert checker.feed(good, 0.1) == []
    assert checker.feed(b'data: {"id": "chatcmpl-1", "choi', 0.2) == []
    found = checker.feed(b"\n\n", 0.3)  # the event ends here, cut inside its JSON
    assert [f.code for f in found] == ["SC101"]
    assert checker.progress().frames == 21
    result = checker.close(EndReason.RESET)
    assert {"SC101", "SC504"} <= {f.code for f in result.findings}
    assert checker.close() is result  # the verdict is given once


def test_a_websocket_exchange_is_fed_messages() -> None:
    for exchange in read_path(str(FIXTURES / "openai-realtime/ga-text.tape")):
        messages = list(exchange.messages or [])
        close = exchange.close
        whole = check_exchange(
            replace(exchange, messages=iter(messages), notes=list(exchange.notes)),
            CheckOptions(),
            Catalog(),
        )
        checker = StreamChecker(replace(exchange, messages=()), CheckOptions(), Catalog())
        with pytest.raises(ValueError, match="feed_message"):
            checker.feed(b"{}")
        for message in messages:
            checker.feed_message(message)
        result = checker.close(exchange.end, close)
        assert summary(result) == summary(whole)
        assert result.framing == "websocket" and result.frames > 0


def test_memory_stays_bounded_however_long_the_stream() -> None:
    """8 MiB of stream through the checker: the peak of what it holds is a small fraction."""
    event = sse(chunk_event(1, "x" * 100))
    chunk = event * (16384 // len(event))
    total = 8 * 1024 * 1024
    checker = StreamChecker(openai_exchange(), CheckOptions(), Catalog())
    checker.feed(sse(chunk_event(0, "")) + chunk)  # schemas compiled, protocol detected
    tracemalloc.start()
    try:
        sent = len(chunk)
        while sent < total:
            checker.feed(chunk)
            sent += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    result = checker.close(EndReason.EOF)
    assert result.frames == 1 + sent // len(event)
    assert peak < 1024 * 1024, peak


def test_the_checker_reads_no_path_of_its_own(tmp_path: Path) -> None:
    """Sans-I/O: an exchange whose `chunks` would read a file is never iterated by the push
    checker (only what is fed counts)."""

    def never() -> Any:
        raise AssertionError("the push checker iterated exchange.chunks")
        yield  # pragma: no cover

    exchange = replace(openai_exchange(), chunks=never())
    checker = StreamChecker(exchange, CheckOptions(), Catalog())
    checker.feed(sse(chunk_event(0, "hi")))
    assert checker.close(EndReason.EOF).frames == 1

"""Deterministic synthetic streams for the benchmark: same arguments, same bytes, every run.

OpenAI Chat Completions chunks (role, content, two tool calls with argument fragments, finish,
usage chunk, [DONE]) and Anthropic Messages events (message_start, a text block, a tool_use block
with input_json_delta fragments, pings, message_delta, message_stop), shaped like real captures
(compact JSON, the fields the providers send in 2025). `broken` puts a defect in every
`1 / broken`-th frame, rotating through a missing required field, a wrong type, an enum value
that is not allowed and JSON cut in half, so the failure path (messages, findings) is measured too.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

CHUNK = 64 * 1024  # the read size of streamcheck's file source
_TEXT = (
    "the stream of tokens arrives in small pieces and every piece is a JSON object with "
    "an id a model name and a delta that carries a few characters of text while the "
    "client joins them into an answer for the user who is waiting"
)
WORDS = tuple(_TEXT.split(" "))


def _sse(data: bytes, event: str | None = None) -> bytes:
    head = b"event: " + event.encode() + b"\n" if event else b""
    return head + b"data: " + data + b"\n\n"


def _words(rng: random.Random) -> str:
    return "".join(" " + rng.choice(WORDS) for _ in range(rng.randint(1, 3)))


def _fragments(text: str, rng: random.Random) -> Iterator[str]:
    at = 0
    while at < len(text):
        step = rng.randint(3, 12)
        yield text[at : at + step]
        at += step


# -- OpenAI Chat Completions ---------------------------------------------------------------------


def _openai_chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-BENCH0000000000000000000000",
        "object": "chat.completion.chunk",
        "created": 1_760_000_000,
        "model": "gpt-4o-2024-08-06",
        "service_tier": "default",
        "system_fingerprint": "fp_bench01",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        "usage": None,
        "obfuscation": "x7Qa",
    }


def _openai_break(value: dict[str, Any], count: int) -> dict[str, Any] | bytes:
    """A defect of the rotating kind `count` in an ordinary content chunk."""
    choice = value["choices"][0]
    match count % 4:
        case 0:  # SC201: a required key is missing (the KeyError('finish_reason') story)
            del choice["finish_reason"]
        case 1:  # SC201: wrong type
            choice["delta"] = {"content": 42}
        case 2:  # SC205: a value the enum does not allow
            choice["delta"] = {"role": "bot", "content": " x"}
        case _:  # SC101: JSON cut off by a proxy
            data = orjson.dumps(value)
            return data[: len(data) // 2]
    return value


def openai_events(
    events: int, broken: int = 0, seed: int = 1, defect: int | None = None
) -> Iterator[bytes]:
    """`events` SSE events of one chat completion (the [DONE] included). `defect`: the one kind
    of defect every broken frame has (a broken compatible server), instead of the rotation."""
    rng = random.Random(seed)
    body = max(events - 4, 2)  # role + finish + usage + [DONE] around the body
    content = body * 6 // 10
    calls = [("get_weather", "call_BENCHweather01"), ("search_docs", "call_BENCHsearch002")]
    frames: list[dict[str, Any]] = [_openai_chunk({"role": "assistant", "content": ""})]
    frames += [_openai_chunk({"content": _words(rng)}) for _ in range(content)]
    per_call = (body - content) // len(calls)
    for position, (name, call_id) in enumerate(calls):
        first = {
            "index": position,
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        frames.append(_openai_chunk({"tool_calls": [first]}))
        words = [rng.choice(WORDS) for _ in range(per_call * 2)]
        arguments = orjson.dumps({"query": " ".join(words), "limit": 5}).decode()
        pieces = list(_fragments(arguments, rng))
        # Exactly per_call - 1 fragments: join the tail into the last one.
        keep = max(per_call - 1, 1)
        pieces = [*pieces[: keep - 1], "".join(pieces[keep - 1 :])]
        for piece in pieces:
            fragment = {"index": position, "function": {"arguments": piece}}
            frames.append(_openai_chunk({"tool_calls": [fragment]}))
    frames = frames[: events - 3]
    frames.append(_openai_chunk({}, "tool_calls"))
    usage = _openai_chunk({})
    usage["choices"] = []
    usage["usage"] = {
        "prompt_tokens": 812,
        "completion_tokens": events,
        "total_tokens": 812 + events,
    }
    frames.append(usage)
    defects = 0
    for index, value in enumerate(frames):
        hit = broken and 0 < index < len(frames) - 2 and index % broken == 0
        if hit and "content" in value["choices"][0]["delta"]:
            broke = _openai_break(value, defects if defect is None else defect)
            defects += 1
            yield _sse(broke if isinstance(broke, bytes) else orjson.dumps(broke))
            continue
        yield _sse(orjson.dumps(value))
    yield _sse(b"[DONE]")


# -- Anthropic Messages --------------------------------------------------------------------------


def _anthropic_break(value: dict[str, Any], count: int) -> dict[str, Any] | bytes:
    match count % 4:
        case 0:  # SC201: `index` is required on a content_block_delta
            del value["index"]
        case 1:  # SC201: wrong type
            value["delta"]["text"] = 42
        case 2:  # SC201/SC205: a delta type that does not exist
            value["delta"]["type"] = "txt_delta"
        case _:  # SC101: JSON cut off by a proxy
            data = orjson.dumps(value)
            return data[: len(data) // 2]
    return value


def anthropic_events(
    events: int, broken: int = 0, seed: int = 2, defect: int | None = None
) -> Iterator[bytes]:
    """`events` SSE events of one Messages stream: a text block, then a tool_use block.
    `defect`: as for `openai_events`."""
    rng = random.Random(seed)
    model = "claude-sonnet-4-5-20250929"
    start = {
        "type": "message_start",
        "message": {
            "id": "msg_01BENCH0000000000000000",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {
                "input_tokens": 812,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "output_tokens": 1,
                "service_tier": "standard",
            },
        },
    }
    body = max(events - 9, 2)  # start, 2 block starts, 2 stops, ping, delta, stop + 1 spare
    text = body * 7 // 10
    frames: list[dict[str, Any]] = [
        start,
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "ping"},
    ]
    for _ in range(text):
        delta = {"type": "text_delta", "text": _words(rng)}
        frames.append({"type": "content_block_delta", "index": 0, "delta": delta})
    frames.append({"type": "content_block_stop", "index": 0})
    block = {"type": "tool_use", "id": "toolu_01BENCH000000", "name": "get_weather", "input": {}}
    frames.append({"type": "content_block_start", "index": 1, "content_block": block})
    words = [rng.choice(WORDS) for _ in range((body - text) * 2)]
    arguments = orjson.dumps({"query": " ".join(words), "limit": 5}).decode()
    pieces = list(_fragments(arguments, rng))
    keep = max(body - text, 1)
    pieces = [*pieces[: keep - 1], "".join(pieces[keep - 1 :])]
    for piece in pieces:
        delta = {"type": "input_json_delta", "partial_json": piece}
        frames.append({"type": "content_block_delta", "index": 1, "delta": delta})
    frames.append({"type": "content_block_stop", "index": 1})
    frames.append(
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": events},
        }
    )
    frames.append({"type": "message_stop"})
    defects = 0
    for index, value in enumerate(frames):
        if (
            broken
            and index % broken == 0
            and value["type"] == "content_block_delta"
            and value["delta"]["type"] == "text_delta"
        ):
            broke = _anthropic_break(value, defects if defect is None else defect)
            defects += 1
            data = broke if isinstance(broke, bytes) else orjson.dumps(broke)
            yield _sse(data, value["type"])
            continue
        yield _sse(orjson.dumps(value), value["type"])


# -- OpenAI Realtime over WebSocket ---------------------------------------------------------------


def realtime_tape(events: int, seed: int = 4) -> bytes:
    """A streamcheck tape (JSON lines) of one GA Realtime session: session.created, a response
    of `events` - 12 output_text deltas (each with its own event_id, as the server sends), the
    done events and response.done, then a normal close; the client's two events included."""
    rng = random.Random(seed)
    response = {
        "object": "realtime.response",
        "id": "resp_BENCH01",
        "status": "in_progress",
        "status_details": None,
        "output": [],
        "conversation_id": "conv_BENCH01",
        "usage": None,
        "metadata": None,
        "output_modalities": ["text"],
    }
    item = {
        "id": "item_BENCH01",
        "object": "realtime.item",
        "type": "message",
        "status": "in_progress",
        "role": "assistant",
        "content": [],
    }
    at = {"response_id": "resp_BENCH01", "item_id": "item_BENCH01", "output_index": 0}
    session = {
        "type": "realtime",
        "object": "realtime.session",
        "id": "sess_BENCH01",
        "model": "gpt-realtime",
        "output_modalities": ["text"],
        "instructions": "Be brief.",
        "max_output_tokens": "inf",
    }
    deltas = max(events - 12, 1)
    texts = [_words(rng) for _ in range(deltas)]
    whole = "".join(texts)
    server: list[dict[str, Any]] = [
        {"type": "session.created", "session": session},
        {"type": "response.created", "response": response},
        {
            "type": "response.output_item.added",
            "response_id": "resp_BENCH01",
            "output_index": 0,
            "item": item,
        },
        {"type": "conversation.item.created", "previous_item_id": None, "item": item},
        {
            "type": "response.content_part.added",
            **at,
            "content_index": 0,
            "part": {"type": "text", "text": ""},
        },
        *(
            {"type": "response.output_text.delta", **at, "content_index": 0, "delta": t}
            for t in texts
        ),
        {"type": "response.output_text.done", **at, "content_index": 0, "text": whole},
        {
            "type": "response.content_part.done",
            **at,
            "content_index": 0,
            "part": {"type": "text", "text": whole},
        },
        {
            "type": "response.output_item.done",
            "response_id": "resp_BENCH01",
            "output_index": 0,
            "item": {
                **item,
                "status": "completed",
                "content": [{"type": "output_text", "text": whole}],
            },
        },
        {
            "type": "response.done",
            "response": {
                **response,
                "status": "completed",
                "output": [
                    {
                        **item,
                        "status": "completed",
                        "content": [{"type": "output_text", "text": whole}],
                    }
                ],
            },
        },
    ]
    head = {
        "streamcheck_tape": 2,
        "transport": "websocket",
        "provider": None,
        "api": None,
        "api_version": None,
        "request": {
            "method": "GET",
            "url": "wss://api.openai.com/v1/realtime?model=gpt-realtime",
            "headers": {},
            "body": None,
        },
        "response": {"status": 101, "headers": {}},
    }
    lines = [orjson.dumps(head)]
    sent = [
        {
            "type": "conversation.item.create",
            "item": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "Say hello"}],
            },
        },
        {"type": "response.create"},
    ]
    clock = 0.0
    for number, event in enumerate(server):
        # event_id second, as the server orders its members.
        event = {"type": event["type"], "event_id": f"event_{number:06d}", **event}
        clock += 0.001
        lines.append(
            orjson.dumps(
                {"t": round(clock, 3), "dir": "received", "text": orjson.dumps(event).decode()}
            )
        )
        if number == 0:
            for message in sent:
                lines.append(
                    orjson.dumps(
                        {
                            "t": round(clock, 3),
                            "dir": "sent",
                            "text": orjson.dumps(message).decode(),
                        }
                    )
                )
    lines.append(
        orjson.dumps(
            {
                "end": "eof",
                "t": round(clock + 0.1, 3),
                "close": {"code": 1000, "reason": "", "by": "client"},
            }
        )
    )
    return b"\n".join(lines) + b"\n"


# -- shapes the bench feeds to the pipeline ------------------------------------------------------

Generator = Callable[..., Iterator[bytes]]
PROVIDERS: dict[str, Generator] = {"openai": openai_events, "anthropic": anthropic_events}


def body(provider: str, events: int, broken: int = 0, defect: int | None = None) -> bytes:
    return b"".join(PROVIDERS[provider](events, broken, defect=defect))


def chunks(data: bytes, size: int = CHUNK) -> list[bytes]:
    """The body cut into reads of `size` bytes, as a file source or a socket hands it over."""
    return [data[i : i + size] for i in range(0, len(data), size)]


def write_corpus(folder: Path, files: int, events: int) -> list[Path]:
    """Many small recordings, alternating providers; every tenth one has a defect."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for number in range(files):
        provider = "openai" if number % 2 == 0 else "anthropic"
        broken = 7 if number % 10 == 9 else 0
        path = folder / f"{number:05d}-{provider}.sse"
        path.write_bytes(b"".join(PROVIDERS[provider](events, broken, seed=number)))
        written.append(path)
    return written


def write_long(path: Path, size: int) -> int:
    """An OpenAI stream of about `size` bytes written piece by piece (memory stays small).

    The middle is one block of content chunks repeated: a long completion in constant memory.
    Returns the number of events written.
    """
    # Content chunks only: repeated tool-call fragments would make one endless argument string.
    rng = random.Random(3)
    sample = list(openai_events(8))
    head, tail = sample[0], b"".join(sample[-3:])
    middle = b"".join(
        _sse(orjson.dumps(_openai_chunk({"content": _words(rng)}))) for _ in range(4000)
    )
    per_block = 4000
    written = len(head) + len(tail)
    events = 4
    with path.open("wb") as out:
        out.write(head)
        while written + len(middle) <= size or events == 4:
            out.write(middle)
            written += len(middle)
            events += per_block
        out.write(tail)
    return events

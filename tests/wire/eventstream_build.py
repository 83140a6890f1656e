"""Build AWS event-stream bytes by hand, and (re)write the binary fixtures made with it.

The fixtures under fixtures/bedrock/ and fixtures/rules/SC117/ are binary, so they are not
typed in: this module writes them (`python -m tests.wire.eventstream_build`) and
tests/wire/test_eventstream_fixtures.py checks the committed files still equal what it builds.
Encoding per the AWS "Event stream encoding" page (PROVIDERS.md section 2.9).
"""

from __future__ import annotations

import base64
import struct
import uuid
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent.parent
HeaderValue = bool | int | str | bytes | datetime | uuid.UUID


def header(name: str, value: HeaderValue, kind: int | None = None) -> bytes:
    """One header; the value type follows the Python type unless `kind` names it (2-5)."""
    raw_name = name.encode("utf-8")
    out = bytes([len(raw_name)]) + raw_name
    if isinstance(value, bool):
        return out + bytes([0 if value else 1])
    if isinstance(value, int):
        kind = kind or 4
        width = {2: 1, 3: 2, 4: 4, 5: 8}[kind]
        return out + bytes([kind]) + value.to_bytes(width, "big", signed=True)
    if isinstance(value, str):
        data = value.encode("utf-8")
        return out + bytes([7]) + struct.pack(">H", len(data)) + data
    if isinstance(value, bytes):
        return out + bytes([6]) + struct.pack(">H", len(value)) + value
    if isinstance(value, datetime):
        return out + bytes([8]) + struct.pack(">q", int(value.timestamp() * 1000))
    return out + bytes([9]) + value.bytes


def message(headers: bytes, payload: bytes) -> bytes:
    """One framed message: prelude, prelude CRC, headers, payload, message CRC."""
    total = 16 + len(headers) + len(payload)
    prelude = struct.pack(">II", total, len(headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + headers + payload
    return body + struct.pack(">I", zlib.crc32(body))


def event(event_type: str, payload: dict[str, Any], pad: int = 0) -> bytes:
    """A JSON event the way Bedrock sends it (`p` padding of `pad` characters when asked)."""
    if pad:
        payload = {**payload, "p": "abcdefghijklmnopqrstuvwxyz"[:pad]}
    headers = (
        header(":event-type", event_type)
        + header(":content-type", "application/json")
        + header(":message-type", "event")
    )
    return message(headers, orjson.dumps(payload))


def exception(exception_type: str, text: str) -> bytes:
    headers = (
        header(":exception-type", exception_type)
        + header(":content-type", "application/json")
        + header(":message-type", "exception")
    )
    return message(headers, orjson.dumps({"message": text}))


def error(code: str, text: str) -> bytes:
    headers = (
        header(":error-code", code)
        + header(":error-message", text)
        + header(":message-type", "error")
    )
    return message(headers, b"")


def chunk(inner: dict[str, Any], pad: int = 0) -> bytes:
    """An InvokeModelWithResponseStream `chunk` event wrapping model-native JSON."""
    return event("chunk", {"bytes": base64.b64encode(orjson.dumps(inner)).decode()}, pad)


def corrupt(data: bytes, at: int) -> bytes:
    """Flip one bit at `at`, the way a proxy that re-encodes binary as text damages a body."""
    return data[:at] + bytes([data[at] ^ 0x20]) + data[at + 1 :]


# -- the fixtures ----------------------------------------------------------------------------------


def converse_clean() -> list[bytes]:
    """A text block then a tool-use block, messageStop, metadata: as a real stream looks."""
    return [
        event("messageStart", {"role": "assistant"}, pad=5),
        event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Let me "}}, pad=9),
        event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "check."}}, pad=3),
        event("contentBlockStop", {"contentBlockIndex": 0}, pad=12),
        event(
            "contentBlockStart",
            {
                "contentBlockIndex": 1,
                "start": {"toolUse": {"toolUseId": "tooluse_abc123", "name": "get_weather"}},
            },
            pad=7,
        ),
        event(
            "contentBlockDelta",
            {"contentBlockIndex": 1, "delta": {"toolUse": {"input": '{"city": '}}},
            pad=2,
        ),
        event(
            "contentBlockDelta",
            {"contentBlockIndex": 1, "delta": {"toolUse": {"input": '"Paris"}'}}},
            pad=20,
        ),
        event("contentBlockStop", {"contentBlockIndex": 1}, pad=4),
        event("messageStop", {"stopReason": "tool_use"}, pad=11),
        event(
            "metadata",
            {
                "usage": {"inputTokens": 40, "outputTokens": 25, "totalTokens": 65},
                "metrics": {"latencyMs": 480},
            },
            pad=6,
        ),
    ]


def converse_throttled() -> list[bytes]:
    """Two deltas, then Bedrock gives up mid-answer with an in-stream throttlingException."""
    return [
        event("messageStart", {"role": "assistant"}, pad=5),
        event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "The answer"}}),
        event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": " is"}}),
        exception(
            "throttlingException",
            "Too many tokens, please wait before trying again.",
        ),
    ]


def converse_corrupted() -> list[bytes]:
    """The clean stream with one payload byte of the second delta flipped in transit."""
    frames = converse_clean()
    frames[2] = corrupt(frames[2], len(frames[2]) - 12)
    return frames


def converse_no_metadata() -> list[bytes]:
    """messageStop and then the connection closes: the usage (metadata) never came."""
    return converse_clean()[:-1]


def invoke_anthropic() -> list[bytes]:
    """InvokeModelWithResponseStream for a Claude model: Anthropic events inside chunk.bytes."""
    message_start = {
        "type": "message_start",
        "message": {
            "id": "msg_bdrk_01canary",
            "type": "message",
            "role": "assistant",
            "model": "claude-3-haiku-20240307",
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 12, "output_tokens": 1},
        },
    }
    return [
        chunk(message_start),
        chunk(
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            }
        ),
        chunk(
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": "Hi"},
            }
        ),
        chunk({"type": "content_block_stop", "index": 0}),
        chunk(
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": 2},
            }
        ),
        chunk(
            {
                "type": "message_stop",
                "amazon-bedrock-invocationMetrics": {
                    "inputTokenCount": 12,
                    "outputTokenCount": 2,
                    "invocationLatency": 310,
                    "firstByteLatency": 250,
                },
            }
        ),
    ]


FIXTURES: dict[str, Any] = {
    "fixtures/bedrock/converse-stream.eventstream": converse_clean,
    "fixtures/bedrock/throttling-mid-stream.eventstream": converse_throttled,
    "fixtures/bedrock/crc-corrupted.eventstream": converse_corrupted,
    "fixtures/bedrock/invoke-anthropic.eventstream": invoke_anthropic,
    "fixtures/rules/SC117/bad.eventstream": converse_corrupted,
    "fixtures/rules/SC117/good.eventstream": converse_clean,
    "fixtures/rules/SC370/bad.eventstream": converse_no_metadata,
    "fixtures/rules/SC370/good.eventstream": converse_clean,
}


def build(path: str) -> bytes:
    return b"".join(FIXTURES[path]())


def main() -> None:
    for path in FIXTURES:
        target = ROOT / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(build(path))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()

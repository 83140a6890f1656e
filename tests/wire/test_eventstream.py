"""The AWS event-stream decoder: frames, headers, CRCs, truncation."""

from __future__ import annotations

import struct
import zlib

from streamcheck.model import Location
from streamcheck.wire import DECODERS


def _message(headers: bytes, payload: bytes) -> bytes:
    total = 16 + len(headers) + len(payload)
    prelude = struct.pack(">II", total, len(headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + headers + payload
    return body + struct.pack(">I", zlib.crc32(body))


def test_one_message_decodes() -> None:
    name = b":event-type"
    value = b"messageStart"
    headers = bytes([len(name)]) + name + bytes([7]) + struct.pack(">H", len(value)) + value
    decoder = DECODERS["eventstream"](Location(), 1 << 20)
    frames = decoder.decode(_message(headers, b'{"role":"assistant"}'))
    assert [f.event for f in frames] == ["messageStart"]
    assert frames[0].data == b'{"role":"assistant"}'
    assert decoder.flush() == [] and decoder.findings == []

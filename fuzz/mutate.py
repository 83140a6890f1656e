"""Deterministic input mutation for the fuzzers: input number `n` of a run with seed `s` is
always the same bytes, so a worker regenerates an input from its number and a crasher found by
any process can be written out again by another.

Input `n` belongs to surface `n % len(SURFACES)` (seeds.py): a run is spread evenly over every
kind of file a checked repository can hold. Mutations mix byte-level damage (flips, cuts,
splices, repeats) with the structures that broke streamcheck before (issue 12): nesting hundreds
or thousands deep, numbers past every limit, YAML anchors and aliases, compressed bodies, odd
URLs, line endings and invalid UTF-8; and, for every surface but raw recordings, the
structure-aware mutations of structured.py (issue 18).
"""

from __future__ import annotations

import gzip
import random
import zlib

import structured
from seeds import SURFACES, Seed

MAX_INPUT = 256 * 1024  # mutants are cut here: the point is odd shapes, not size

TOKENS: tuple[bytes, ...] = (
    b"1e400",
    b"-1e400",
    b"9" * 5000,
    b"18446744073709551616",
    b"-9223372036854775809",
    b"[" * 300,
    b"]" * 300,
    b"{" * 30,
    b'{"a":' * 260,
    b"[" * 1100,
    b"null",
    b"true",
    b'""',
    b"[]",
    b"{}",
    b"\x00",
    b"\xff\xfe",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\r",
    b"\r\n",
    b"\n\n",
    b"\u2028".decode("unicode_escape").encode("utf-8"),
    b"data: ",
    b"data: [DONE]\n\n",
    b"event: error\n",
    b"id: 1\n",
    b"retry: 99999999999999999999\n",
    b": comment\n",
    b'"type":',
    b'"error":',
    b'"choices":',
    b'"finish_reason":',
    b'"object":"chat.completion.chunk"',
    b'"type":"message_start"',
    b"http://[::1/x",
    b"https://user:pw@host:99999999/v1/chat/completions",
    b"https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=[",
    b"&a [x, x, x, x, x, x, x, x, x]",
    b"*a",
    b"!!binary ",
    b"!!python/object:os.system",
    b"!!python/unicode ",
    b"Content-Encoding: gzip\r\n",
    b"content-encoding: [br]",
    b"HTTP/1.1 200 OK\r\n",
    b"HTTP/1.1 401 Unauthorized\r\n",
    b"\x1f\x8b\x08\x00",
    b'{"streamcheck_tape": 1}',
    b'{"log": {"entries": [',
    b"interactions:\n",
    b"\t",
    b"\\ud800",
    b"\\u0000",
    b"NaN",
    b"Infinity",
)


def _yaml_bomb(rng: random.Random) -> bytes:
    """A cassette whose body is a "billion laughs": each anchor 9 aliases of the one before."""
    levels = rng.randint(3, 12)
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    where = rng.choice(("body: {string: *a%d}", "headers: {x-bomb: *a%d}", "parsed_body: *a%d"))
    return (
        "\n".join(lines) + "\ninteractions:\n- request:\n"
        "    {method: POST, uri: 'https://api.openai.com/v1/chat/completions'}\n"
        "  response:\n    status: {code: 200}\n"
        f"    {where % (levels - 1)}\n"
    ).encode()


def _compressed(rng: random.Random, data: bytes) -> bytes:
    kind = rng.choice(("gzip", "deflate", "raw"))
    payload = data if rng.random() < 0.5 else b"\x00" * rng.randint(1, 1 << 22)
    if kind == "gzip":
        packed = gzip.compress(payload, 1)
    elif kind == "deflate":
        packed = zlib.compress(payload, 1)
    else:
        packed = zlib.compress(payload, 1)[2:]
    return (
        b"HTTP/1.1 200 OK\r\ncontent-encoding: "
        + (b"gzip" if kind == "gzip" else b"deflate")
        + b"\r\ncontent-type: text/event-stream\r\n\r\n"
        + packed
    )


def _one(rng: random.Random, data: bytes, other: bytes) -> bytes:
    choice = rng.randrange(12)
    size = len(data)
    at = rng.randint(0, size) if size else 0
    if choice == 0 and size:  # flip bits
        buf = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            buf[rng.randrange(size)] ^= 1 << rng.randrange(8)
        return bytes(buf)
    if choice == 1:  # insert a token
        return data[:at] + rng.choice(TOKENS) + data[at:]
    if choice == 2:  # replace a span with a token
        end = min(size, at + rng.randint(0, 40))
        return data[:at] + rng.choice(TOKENS) + data[end:]
    if choice == 3:  # cut
        return data[:at]
    if choice == 4 and size:  # delete a span
        end = min(size, at + rng.randint(1, 200))
        return data[:at] + data[end:]
    if choice == 5:  # splice with another seed
        cut = rng.randint(0, len(other)) if other else 0
        return data[:at] + other[cut:]
    if choice == 6 and size:  # repeat a span
        end = min(size, at + rng.randint(1, 100))
        return data[:at] + data[at:end] * rng.randint(2, 50) + data[at:]
    if choice == 7:  # random bytes
        return data[:at] + rng.randbytes(rng.randint(1, 64)) + data[at:]
    if choice == 8:  # deep nesting inside the data
        depth = rng.choice((200, 256, 300, 990, 1025, 5000))
        opener, closer = rng.choice(((b"[", b"]"), (b'{"a":', b"}")))
        inner = opener * depth + b"1" + closer * depth
        return data[:at] + inner + data[at:]
    if choice == 9:  # line endings
        return data.replace(b"\n", rng.choice((b"\r", b"\r\n", b"\n\r", b"\n\n\n")))
    if choice == 10 and rng.random() < 0.3:  # whole-input structures
        return _yaml_bomb(rng) if rng.random() < 0.5 else _compressed(rng, data)
    # swap two spans
    if size > 4:
        a, b = sorted(rng.sample(range(size), 2))
        return data[:a] + data[b:] + data[a:b]
    return data + rng.choice(TOKENS)


def mutant(corpus: dict[str, list[Seed]], seed: int, number: int) -> tuple[Seed, bytes]:
    """Input `number` of a run: its seed (surface, the name whose suffix steers sniffing as a
    file's would, what is checked with it) and the mutated bytes."""
    rng = random.Random(seed * 1_000_003 + number)
    surface = SURFACES[number % len(SURFACES)]
    chosen = corpus[surface]
    base = chosen[rng.randrange(len(chosen))]
    other = chosen[rng.randrange(len(chosen))].data
    data = base.data
    structure = surface in structured.FORMATS and rng.random() < 0.6
    rounds = rng.choice((1, 1, 1, 2, 2, 3, 5))
    for step in range(rounds):
        if structure and (step == 0 or rng.random() < 0.5):
            data = structured.mutate(rng, surface, data)[:MAX_INPUT]
        else:
            data = _one(rng, data, other)[:MAX_INPUT]
    return base, data

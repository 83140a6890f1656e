"""Content-Encoding undone as a stream: compressed chunks in, inflated pieces of at most 64 KiB
out, the total capped. A 3 MB gzip bomb never exists inflated in memory (issue 12: inflating
in one call held 512 MiB of output and peaked at 1.09 GB); what the checker does not keep, it
never holds.

RFC 9110 section 8.4 (codings are listed in the order applied, so they are undone from the
last), RFC 1952 (gzip), RFC 1950/1951 (deflate: zlib-wrapped as the RFC means, or raw as some
servers send). Brotli only when a `brotli` or `brotlicffi` module is installed.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

PIECE = 64 * 1024  # the most one inflate step returns
MAX_INFLATED = 512 * 1024 * 1024  # a decompression bomb stops here, with a note
_HOLD = 1024 * 1024  # compressed input kept until it inflates to something (corrupt: as stored)


def decoded(
    chunks: Iterable[bytes],
    coding: str | None,
    notes: list[str],
    *,
    limit: int = MAX_INFLATED,
    say_plain: bool = True,
) -> Iterator[bytes]:
    """The body with its Content-Encoding removed, piece by piece; what could not be undone
    goes to `notes` and passes as stored. `say_plain`: note a body that says gzip but is not
    (recorders that kept the header after their HTTP client decoded the body)."""
    names = [c.strip().lower() for c in (coding or "").split(",")]
    stream: Iterator[bytes] = iter(chunks)
    for name in reversed([n for n in names if n and n != "identity"]):
        stream = _one(stream, name, notes, limit, say_plain)
    return stream


def _one(
    stream: Iterator[bytes], name: str, notes: list[str], limit: int, say_plain: bool
) -> Iterator[bytes]:
    head = b""
    for chunk in stream:  # enough bytes to tell the wrapping
        head += chunk
        if len(head) >= 2:
            break
    if not head:
        return
    rest = chain([head], stream)
    if name in ("gzip", "x-gzip"):
        if head[:2] != b"\x1f\x8b":
            if say_plain:
                notes.append("Content-Encoding says gzip but the stored body is not compressed")
            yield from rest
            return
        yield from _inflate(rest, 16 + zlib.MAX_WBITS, name, notes, limit)
    elif name == "deflate":
        wbits = zlib.MAX_WBITS if head[:1] == b"\x78" else -zlib.MAX_WBITS
        yield from _inflate(rest, wbits, name, notes, limit)
    elif name == "br":
        yield from _unbrotli(rest, notes, limit)
    else:
        notes.append(f"unknown Content-Encoding {name[:40]!r}: the body was checked as stored")
        yield from rest


def _inflate(
    stream: Iterator[bytes], wbits: int, name: str, notes: list[str], limit: int
) -> Iterator[bytes]:
    inflater = zlib.decompressobj(wbits)
    total = 0
    held: list[bytes] | None = []  # input that has inflated to nothing yet
    for data in stream:
        if held is not None:
            held.append(data)
            if sum(map(len, held)) > _HOLD:
                held = None
        while data and not inflater.eof:
            try:
                out = inflater.decompress(data, PIECE)
            except zlib.error as exc:
                if total == 0 and held is not None:
                    notes.append(f"the {name} body is corrupt ({exc}); it was checked as stored")
                    yield from held
                    yield from stream
                else:
                    notes.append(f"the {name} body is corrupt ({exc}); what inflated was checked")
                return
            data = inflater.unconsumed_tail
            if out:
                held = None
                if total + len(out) > limit:
                    yield out[: limit - total]
                    notes.append(
                        f"the {name} body inflates past {limit >> 20} MiB; only that was read"
                    )
                    return
                total += len(out)
                yield out
        if inflater.eof:
            return
    if not inflater.eof:
        notes.append(f"the {name} body is cut off; what inflated was checked")


def _unbrotli(stream: Iterator[bytes], notes: list[str], limit: int) -> Iterator[bytes]:
    module: Any = None
    for candidate in ("brotli", "brotlicffi"):
        try:
            module = __import__(candidate)
            break
        except ImportError:
            continue
    if module is None:
        notes.append(
            "the body is brotli-compressed and no brotli module is installed "
            "(pip install brotli); it was checked as stored"
        )
        yield from stream
        return
    # Small input steps bound what one step can return (the bindings take no output limit).
    decompressor = module.Decompressor()
    total = 0
    for data in stream:
        for at in range(0, len(data), 1024):
            try:
                out = bytes(decompressor.process(data[at : at + 1024]))
            except Exception as exc:  # each brotli binding raises its own error type
                notes.append(f"the brotli body is corrupt ({exc}); what inflated was checked")
                return
            if total + len(out) > limit:
                yield out[: limit - total]
                notes.append(f"the br body inflates past {limit >> 20} MiB; only that was read")
                return
            total += len(out)
            if out:
                yield out

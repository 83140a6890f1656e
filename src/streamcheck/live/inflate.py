"""A compressed response body (Content-Encoding gzip or deflate) undone as its chunks arrive
(Envoy's to ext-proc, the upstream's through the proxy), so the checker sees the stream the
app's client sees. As sources/inflate.py does for
recordings: pieces of at most 64 KiB per step, the total capped (a bomb never exists inflated),
deflate zlib-wrapped or raw as servers send it, and a body that says gzip but is not passes as
it came. What could not be undone is said in `notes` (SC902 on the exchange)."""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from streamcheck.sources.inflate import MAX_INFLATED, PIECE

CODINGS = frozenset({"gzip", "x-gzip", "deflate"})


class Inflater:
    def __init__(self, coding: str, notes: list[str], limit: int = MAX_INFLATED) -> None:
        self.coding = coding
        self.notes = notes
        self.limit = limit
        self.total = 0
        self.inflater: zlib._Decompress | None = None
        self.plain = False  # the body was not compressed after all
        self.stopped = False  # corrupt or over the cap: nothing more comes out

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The inflated pieces of one compressed chunk."""
        if self.plain:
            yield data
            return
        if self.stopped or not data:
            return
        if self.inflater is None:
            if self.coding != "deflate" and data[:2] != b"\x1f\x8b":
                self.notes.append("Content-Encoding says gzip but the body is not compressed")
                self.plain = True
                yield data
                return
            if self.coding == "deflate":
                wbits = zlib.MAX_WBITS if data[:1] == b"\x78" else -zlib.MAX_WBITS
            else:
                wbits = 16 + zlib.MAX_WBITS
            self.inflater = zlib.decompressobj(wbits)
        inflater = self.inflater
        while data and not inflater.eof:
            try:
                out = inflater.decompress(data, PIECE)
            except zlib.error as exc:
                self.notes.append(
                    f"the {self.coding} body is corrupt ({exc}); what inflated was checked"
                )
                self.stopped = True
                return
            data = inflater.unconsumed_tail
            if self.total + len(out) > self.limit:
                yield out[: self.limit - self.total]
                cap = self.limit >> 20
                self.notes.append(
                    f"the {self.coding} body inflates past {cap} MiB; only that was read"
                )
                self.stopped = True
                return
            self.total += len(out)
            if out:
                yield out

"""The real corpus as a test (STYLE habit 12): every SSE body in ../shared/corpus decodes to the
events httpx-sse and openai-python yield (plus one empty event per SC108, where they deviate from
the spec), whatever the chunking, and the wire findings over the whole corpus are pinned."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from streamcheck.sources import expand, read_path
from streamcheck.wire.sniff import sniff
from tests.conftest import CORPUS, needs_shared
from tests.wire.sse_streams import decode, httpx_sse_events, openai_events, same_events, sdk_view

pytestmark = needs_shared


def sse_bodies() -> list[tuple[str, bytes]]:
    """(source#exchange, body) for every exchange of the corpus whose body is an event stream."""
    if not CORPUS.is_dir():
        return []
    found = []
    for path in expand([str(CORPUS)]):
        for exchange in read_path(path):
            body = b"".join(chunk for chunk, _ in exchange.chunks)
            if sniff(body[:1024], exchange.content_type) == "sse":
                name = Path(path).relative_to(CORPUS).as_posix()
                found.append((f"{name}#{exchange.index}", body))
    return found


BODIES = sse_bodies()


def test_the_corpus_has_event_streams() -> None:
    assert len(BODIES) >= 100


@pytest.mark.parametrize(("name", "body"), BODIES, ids=[name for name, _ in BODIES])
def test_real_stream_decodes_like_the_sdks(name: str, body: bytes) -> None:
    whole = decode([body])
    # Network-sized chunks, and a split at every CR/LF pair's middle.
    assert decode([body[i : i + 1500] for i in range(0, len(body), 1500)]) == whole
    crlf = [i + 1 for i in range(len(body)) if body[i : i + 2] == b"\r\n"]
    assert decode([body[a:b] for a, b in zip([0, *crlf], [*crlf, len(body)], strict=True)]) == whole
    if "SC107" in whole.codes():
        return  # the SDKs lose the first event of a body with a BOM (test_sse covers it)
    chunks = [body]
    expected = sdk_view(chunks)
    same_events(expected, httpx_sse_events(chunks))
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return  # openai-python raises on invalid UTF-8 (test_sse covers it)
    same_events(expected, openai_events(chunks))


def test_wire_findings_over_the_corpus_are_pinned() -> None:
    """Real provider streams are clean at the wire level, save two known quirks of Replicate's
    legacy stream: multi-line data and a `:408` comment block after `id:` lines."""
    counts: collections.Counter[str] = collections.Counter()
    for _, body in BODIES:
        counts.update(decode([body]).codes())
    assert dict(counts) == {"SC108": 1, "SC112": 1}

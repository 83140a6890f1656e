"""Every Cohere chat recording in the shared corpus, read in place, with a pinned verdict.

What the cassettes really hold (../shared/corpus/MANIFEST.tsv; nothing is copied here): the two
`chat-v1` files are `/v1/chat` NDJSON streams (stream-start, text-generation, stream-end with
COMPLETE); the four `chat-v2` files are `/v2/chat` SSE streams (one LangChain text stream, one
text stream, two with a tool plan and two tool calls), each ending with `data: [DONE]` after
`message-end`. All are complete, working streams: every one must check clean.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from streamcheck import check_bytes, check_paths
from streamcheck.sources.files import read_path
from tests.conftest import CORPUS, needs_shared

pytestmark = needs_shared


def _rows() -> list[dict[str, str]]:
    if not CORPUS.is_dir():
        return []
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        return [r for r in csv.DictReader(handle, delimiter="\t") if r["provider"] == "cohere"]


ROWS = _rows()
# file -> (version, framing, finish reason the stream ends with); the verdict is: no finding.
EXPECTED = {
    "test_cohere_chat_legacy_with_streaming.yaml": ("v1", "ndjson"),
    "test_cohere_chat_legacy_with_streaming_async.yaml": ("v1", "ndjson"),
    "test_cohere_v2_chat_legacy_with_streaming.yaml": ("v2", "sse"),
    "test_cohere_v2_chat_legacy_with_tool_calls_and_streaming.yaml": ("v2", "sse"),
    "test_cohere_v2_chat_legacy_with_tool_calls_and_streaming_async.yaml": ("v2", "sse"),
    "test_stream.yaml": ("v2", "sse"),  # LangChain's cassette, a v2 text stream
}


def test_the_manifest_lists_what_is_pinned() -> None:
    assert sorted(Path(r["file"]).name for r in ROWS) == sorted(EXPECTED)
    assert sorted(r["api"] for r in ROWS) == ["chat-v1"] * 2 + ["chat-v2"] * 4


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_cohere_stream_is_clean(name: str) -> None:
    path = next(CORPUS / r["file"] for r in ROWS if Path(r["file"]).name == name)
    [result] = check_paths([str(path)]).results
    version, framing = EXPECTED[name]
    assert (result.provider, result.api, result.api_version) == ("cohere", "chat", version)
    assert (result.status, result.framing) == (200, framing) and result.frames > 30
    assert [f"{f.code} frame {f.location.frame}: {f.message}" for f in result.findings] == []


def _body(name: str) -> tuple[bytes, str | None]:
    path = next(CORPUS / r["file"] for r in ROWS if Path(r["file"]).name == name)
    [exchange] = list(read_path(str(path)))
    return b"".join(chunk for chunk, _ in exchange.chunks), exchange.request.url


def test_cut_corpus_streams_are_caught() -> None:
    """Guard against a vacuous pass: the same real streams, cut in memory, must fail."""
    body, url = _body("test_cohere_v2_chat_legacy_with_tool_calls_and_streaming.yaml")
    sse = {"content-type": "text/event-stream"}
    cut = check_bytes(body[: body.index(b"event: message-end")], url=url, headers=sse)
    assert [f.code for f in cut.findings()] == ["SC301"]
    broken = body.replace(b'"arguments":"}"', b'"arguments":"]"', 1)
    assert [f.code for f in check_bytes(broken, url=url, headers=sse).findings()] == ["SC308"]
    body, url = _body("test_cohere_chat_legacy_with_streaming.yaml")
    ndjson = {"content-type": "application/stream+json"}
    cut = check_bytes(body[: body.rindex(b"\n{") + 1], url=url, headers=ndjson)
    assert [f.code for f in cut.findings()] == ["SC301"]

"""Every Bedrock recording in the shared corpus, read in place, with a pinned verdict per file.

The cassettes (VCR.py YAML with `!!binary` event-stream bodies; ../shared/corpus/MANIFEST.tsv
gives sources and licences) go through `check_paths` and the cassette reader; nothing from the
corpus is copied into the repository. Real streams that completed must give no finding at all:
a validator that flags clean real streams is worse than none. Each verdict carries the reason
it is what it is.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from streamcheck import ExchangeResult, check_bytes, check_paths
from streamcheck.sources.files import read_path
from tests.conftest import CORPUS, needs_shared
from tests.wire import eventstream_build as es

pytestmark = needs_shared


def _rows() -> list[dict[str, str]]:
    if not CORPUS.is_dir():
        return []
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [r for r in rows if r["provider"] == "aws-bedrock"]


ROWS = _rows()
CLEAN = ()  # no finding at all
# file name -> per exchange: (provider, api, error class, finding codes), with the reason.
VERDICTS: dict[str, list[tuple[str, str | None, str | None, tuple[str, ...]]]] = {
    # -- ConverseStream: complete real streams, every one clean. They show the `p` padding on
    # every event, text blocks that start with their first delta, tool blocks with a start,
    # reasoning (text, signature, redacted) blocks, a server tool's toolResult block
    # (code execution), `serverToolUsage` and guardrail `trace` in metadata.
    "test_bedrock_native_output_stream.yaml": [("aws-bedrock", "converse-stream", None, CLEAN)],
    "test_bedrock_model_code_execution_tool_stream.yaml": [
        ("aws-bedrock", "converse-stream", None, CLEAN)
    ],
    "test_bedrock_model_iter_stream.yaml": [
        ("aws-bedrock", "converse-stream", None, CLEAN),
        ("aws-bedrock", "converse-stream", None, CLEAN),
    ],
    "test_bedrock_model_stream.yaml": [("aws-bedrock", "converse-stream", None, CLEAN)],
    "test_bedrock_model_stream_empty_text_delta.yaml": [
        ("aws-bedrock", "converse-stream", None, CLEAN)
    ],
    "test_bedrock_model_stream_with_extra_headers.yaml": [
        ("aws-bedrock", "converse-stream", None, CLEAN)
    ],
    "test_bedrock_model_thinking_part_redacted_stream.yaml": [
        ("aws-bedrock", "converse-stream", None, CLEAN)
    ],
    "test_bedrock_model_thinking_part_stream.yaml": [
        ("aws-bedrock", "converse-stream", None, CLEAN)
    ],
    # The client cancels while reading, but the recorded body is the whole stream.
    "test_stream_cancel.yaml": [("aws-bedrock", "converse-stream", None, CLEAN)],
    "test_meta_converse_stream.yaml": [("aws-bedrock", "converse-stream", None, CLEAN)],
    "test_nova_converse_stream.yaml": [("aws-bedrock", "converse-stream", None, CLEAN)],
    "test_anthropic_converse_stream_with_tool_use.yaml": [
        ("aws-bedrock", "converse-stream", None, CLEAN)
    ],
    # stopReason guardrail_intervened is a documented, complete ending (the guardrail's
    # message was the answer), not a failure of the stream.
    "test_titan_converse_stream.yaml": [("aws-bedrock", "converse-stream", None, CLEAN)],
    "test_guardrail_converse_stream.yaml": [("aws-bedrock", "converse-stream", None, CLEAN)],
    # -- ConverseStream rejected up front: HTTP 400 `{"message"}` (pydantic-ai's recorder drops
    # x-amzn-ErrorType); the model id does not exist. The body was stored parsed (SC902).
    "test_bedrock_streaming_error.yaml": [
        ("aws-bedrock", "converse-stream", "not-found", ("SC401", "SC902"))
    ],
    # -- Not stream endpoints (Converse, CountTokens): the error body is still Bedrock's and
    # classified; no stream protocol claims them, so the API stays what the URL said.
    "test_bedrock_error.yaml": [("aws-bedrock", "converse", "not-found", ("SC401", "SC902"))],
    "test_anthropic_bedrock_count_tokens_error.yaml": [
        ("aws-bedrock", None, "bad-request", ("SC401", "SC902"))
    ],
    # -- InvokeModelWithResponseStream. Claude: Anthropic events inside chunk.bytes, checked
    # with the Anthropic grammar. Nova: Converse-shaped events inside, checked with that
    # grammar (its one block per delta is legal). Titan: well-formed pieces, the last with
    # completionReason and invocationMetrics.
    "test_anthropic_3_completion_streaming.yaml": [
        ("aws-bedrock", "invoke-with-response-stream", None, CLEAN)
    ],
    "test_nova_invoke_stream.yaml": [("aws-bedrock", "invoke-with-response-stream", None, CLEAN)],
    "test_titan_invoke_stream.yaml": [("aws-bedrock", "invoke-with-response-stream", None, CLEAN)],
    # The manifest's rough scan flagged this one (DEFECT?: missing-stop-reason). It is not a
    # defect: the guardrail blocked the *input*, so the model never ran; Bedrock answers with
    # one chunk holding the configured "blocked" text and amazon-bedrock-guardrailAction
    # INTERVENED, without completionReason or invocationMetrics. That is the documented
    # behaviour of a guardrail intervention, and the stream is complete.
    "test_guardrail_invoke_stream.yaml": [
        ("aws-bedrock", "invoke-with-response-stream", None, CLEAN)
    ],
}


def _bedrock_results() -> dict[str, list[ExchangeResult]]:
    files = [str(CORPUS / r["file"]) for r in ROWS if r["api"] != "responses"]
    out: dict[str, list[ExchangeResult]] = {}
    for result in check_paths(files).results if files else []:
        out.setdefault(Path(result.source).name, []).append(result)
    return out


RESULTS = _bedrock_results()


def test_every_bedrock_file_has_a_pinned_verdict() -> None:
    # bedrock-mantle's OpenAI Responses cassette belongs to the Responses protocol's tests.
    names = {Path(r["file"]).name for r in ROWS if r["api"] != "responses"}
    assert names == set(VERDICTS)
    apis = [r["api"] for r in ROWS]
    assert apis.count("converse-stream") == 15
    assert apis.count("invoke-with-response-stream") == 4


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_pinned_verdict(name: str) -> None:
    got = [
        (
            r.provider,
            r.api,
            r.error_class,
            tuple(f"{f.code} frame {f.location.frame}: {f.message}" for f in r.findings),
        )
        for r in RESULTS[name]
    ]
    expected = [(p, a, c, codes) for p, a, c, codes in VERDICTS[name]]
    assert [(p, a, c, tuple(x.split(" ", 1)[0] for x in f)) for p, a, c, f in got] == expected, got
    for result in RESULTS[name]:
        if result.status == 200:
            assert result.framing == "eventstream" and result.frames > 0
            assert result.api_version == "2023-09-30"


def _body(name: str) -> tuple[bytes, str | None]:
    path = next(CORPUS / r["file"] for r in ROWS if r["file"].endswith(name))
    [exchange] = list(read_path(str(path)))
    return b"".join(chunk for chunk, _ in exchange.chunks), exchange.request.url


def test_a_cut_corpus_stream_is_caught() -> None:
    """Guard against a vacuous pass: real streams cut in memory must fail."""
    body, url = _body("test_bedrock_model_stream.yaml")
    headers = {"content-type": "application/vnd.amazon.eventstream"}
    whole = check_bytes(body, url=url, headers=headers)
    assert [f.code for f in whole.findings()] == []
    cut = check_bytes(body[: len(body) // 2], url=url, headers=headers)
    assert [f.code for f in cut.findings()] == ["SC101", "SC310", "SC301"]
    damaged = check_bytes(es.corrupt(body, 200), url=url, headers=headers)
    assert [f.code for f in damaged.findings()] == ["SC117"]


def test_a_cut_invoke_stream_is_caught() -> None:
    body, url = _body("test_anthropic_3_completion_streaming.yaml")
    headers = {"content-type": "application/vnd.amazon.eventstream"}
    # Drop the last message (the chunk holding message_stop): a whole-frame cut, no SC101.
    frames = es_frames(body)
    cut = check_bytes(b"".join(frames[:-1]), url=url, headers=headers)
    assert [f.code for f in cut.findings()] == ["SC301"]


def es_frames(body: bytes) -> list[bytes]:
    out, pos = [], 0
    while pos < len(body):
        total = int.from_bytes(body[pos : pos + 4], "big")
        out.append(body[pos : pos + total])
        pos += total
    return out

"""Real OpenAI chat-completions streams from the shared corpus validate clean against 2.3.0.

The cassettes (VCR.py YAML; ../shared/corpus/MANIFEST.tsv gives sources and licences) are read
in place through `check_paths` and the cassette reader; the corpus is never copied into the
repository. Every streamed exchange of a cassette whose provider is `openai` and API
`chat-completions` must give no schema finding (SC2xx) and nothing at warning or above: these are
real, working streams, and a validator that flags them is worse than none.
"""

from __future__ import annotations

import csv

import pytest

from streamcheck import CheckOptions, ExchangeResult, Severity, check_paths
from tests.conftest import CORPUS, needs_shared


def _manifest(provider: str, api: str) -> list[dict[str, str]]:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [r for r in rows if (r["provider"], r["api"]) == (provider, api)]


ROWS = _manifest("openai", "chat-completions") if CORPUS.is_dir() else []
FILES = [str(CORPUS / row["file"]) for row in ROWS]


def streamed(version: str) -> list[ExchangeResult]:
    """The results of every exchange whose body is an SSE stream, checked against `version`."""
    report = check_paths(FILES, CheckOptions(api_version=version))
    return [r for r in report.results if r.framing == "sse"]


RESULTS = streamed("2.3.0") if CORPUS.is_dir() else []


def _label(result: ExchangeResult) -> str:
    return f"{result.source.rsplit('/', 1)[-1]}[{result.index}]"


@needs_shared
def test_the_corpus_has_openai_chat_streams() -> None:
    # MANIFEST.tsv notes say how many responses of each cassette were streamed ("3 streamed
    # response(s)"): the reader must find every one, so the test below cannot pass on nothing.
    expected = sum(int(row["notes"].split(" streamed", 1)[0].rsplit(" ", 1)[-1]) for row in ROWS)
    assert expected == 17
    assert len(RESULTS) == expected


@needs_shared
@pytest.mark.parametrize("result", RESULTS, ids=[_label(r) for r in RESULTS])
def test_openai_chat_stream_validates_clean(result: ExchangeResult) -> None:
    assert (result.provider, result.api, result.api_version) == (
        "openai",
        "chat-completions",
        "2.3.0",
    )
    assert result.status == 200 and result.frames > 1
    schema = [f"{f.code} frame {f.location.frame}: {f.message}" for f in result.findings]
    assert [s for s in schema if s.startswith("SC2")] == []
    serious = [f"{f.code}: {f.message}" for f in result.findings if f.severity > Severity.INFO]
    assert serious == []


@needs_shared
def test_usage_chunks_are_what_sets_2023_11_apart() -> None:
    """Against the DevDay 2023 schema only the usage chunks (`choices: []`) fail: exactly the
    exchanges the MANIFEST notes as having a usage-only chunk, and nothing else in them."""
    usage_streams = sum(row["notes"].count("usage-only-chunks=1") for row in ROWS)
    failing = 0
    for result in streamed("2023-11"):
        schema = [f for f in result.findings if f.code.startswith("SC2")]
        for finding in schema:
            assert finding.message.startswith("chunk frame: [] should be non-empty at /choices")
        failing += bool(schema)
    assert failing == usage_streams == 9

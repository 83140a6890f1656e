"""The shared corpus of real cassettes (../shared/corpus, see its MANIFEST.tsv), read end to end.

What is pinned here holds whatever protocols exist: every file is read without an exception,
every interaction becomes exactly one exchange, every body the manifest calls a stream is read
as a stream (gzip, `!!binary` and parsed bodies decoded), every exchange either has a provider
or says it has none (SC901), and no finding carries a key. Verdicts are pinned per protocol in
tests/protocols/.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from streamcheck import check_paths, redact
from streamcheck.model import ExchangeResult
from streamcheck.wire.sniff import STREAM_FRAMINGS
from tests.conftest import CORPUS, needs_shared

pytestmark = needs_shared

_COUNTS = re.compile(r"(\d+) streamed response\(s\).* of (\d+) interaction\(s\)")
# Where the manifest's rough scan and a careful read disagree, and why.
MANIFEST_MISCOUNTS = {
    # Interaction 0 is the POST that creates the prediction: one JSON document holding the
    # stream URL, not a stream, although its request says "stream": true.
    "traceloop__openllmetry/packages/opentelemetry-instrumentation-replicate/tests/cassettes/"
    "test_llama/test_replicate_llama_stream_legacy.yaml": 1,
}


@pytest.fixture(scope="module")
def manifest() -> dict[str, tuple[int, int]]:
    """File -> (streamed responses, interactions), as the manifest states them."""
    out = {}
    with (CORPUS / "MANIFEST.tsv").open(newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            match = _COUNTS.search(row["notes"])
            assert match, row["file"]
            out[row["file"]] = (int(match.group(1)), int(match.group(2)))
    return out


@pytest.fixture(scope="module")
def results() -> dict[str, list[ExchangeResult]]:
    report = check_paths([str(CORPUS)])
    by_file: dict[str, list[ExchangeResult]] = defaultdict(list)
    for result in report.results:
        by_file[Path(result.source).relative_to(CORPUS).as_posix()].append(result)
    return by_file


def recordings() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return sorted(
        p.relative_to(CORPUS).as_posix()
        for p in CORPUS.rglob("*")
        if p.is_file() and p.name not in ("MANIFEST.tsv", "README.md")
    )


def test_every_file_in_the_corpus_is_read(
    results: dict[str, list[ExchangeResult]], manifest: dict[str, tuple[int, int]]
) -> None:
    files = recordings()
    assert len(files) >= 150
    assert sorted(results) == files
    assert sorted(manifest) == files


@pytest.mark.parametrize("name", recordings())
def test_one_exchange_per_interaction(
    name: str, results: dict[str, list[ExchangeResult]], manifest: dict[str, tuple[int, int]]
) -> None:
    with (CORPUS / name).open("rb") as handle:
        doc = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    interactions = len(doc["interactions"])
    found = results[name]
    assert [r.index for r in found] == list(range(interactions))
    streamed, total = manifest[name]
    assert total == interactions
    streams = sum(1 for r in found if r.framing in STREAM_FRAMINGS)
    assert streams == MANIFEST_MISCOUNTS.get(name, streamed)


def test_every_exchange_has_a_provider_or_says_it_has_none(
    results: dict[str, list[ExchangeResult]],
) -> None:
    """Unknown streams say SC901; calls that asked for no stream (a telemetry POST, an image
    download) say SC903 and are not judged."""
    silent = [
        f"{name}#{r.index} {r.url}"
        for name, found in results.items()
        for r in found
        if r.provider is None and not any(f.code in ("SC901", "SC903") for f in r.findings)
    ]
    assert silent == []


def test_calls_that_asked_for_no_stream_are_not_judged(
    results: dict[str, list[ExchangeResult]],
) -> None:
    """A plain GET of a file or a telemetry POST is context in a cassette, never an error."""
    judged = [
        f"{name}#{r.index} {r.url}: {[f.code for f in r.findings]}"
        for name, found in results.items()
        for r in found
        if any(f.code == "SC903" for f in r.findings)
        and any(f.severity.label != "info" for f in r.findings)
    ]
    assert judged == []


def test_most_exchanges_name_their_provider(results: dict[str, list[ExchangeResult]]) -> None:
    every = [r for found in results.values() for r in found]
    named = [r for r in every if r.provider is not None]
    # Only calls that are not to an LLM API (telemetry, image downloads, IAM tokens, a
    # self-hosted server on localhost) stay unnamed.
    assert len(named) >= 0.9 * len(every)


def test_no_finding_carries_a_key(results: dict[str, list[ExchangeResult]]) -> None:
    leaks = [
        f"{name}#{r.index} {f.code}"
        for name, found in results.items()
        for r in found
        for f in r.findings
        for text in (f.message, f.evidence or "", f.hint or "", r.url or "")
        if redact.text(text) != text
    ]
    assert leaks == []

"""Real OpenAI chat-completions streams from the shared corpus validate clean against 2.3.0.

The cassettes (VCR.py YAML, see ../shared/corpus/MANIFEST.tsv for sources and licences) are read
here with pyyaml; the corpus is never copied into the repository. Every streamed interaction of a
cassette whose provider is `openai` and API `chat-completions` must give no schema finding
(SC2xx) and nothing at warning or above: these are real, working streams, and a validator that
flags them is worse than none.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from streamcheck import CheckOptions, check_bytes
from tests.conftest import CORPUS, needs_shared


@dataclass(frozen=True)
class Recorded:
    cassette: str
    interaction: int
    url: str
    status: int
    headers: dict[str, str]
    request: dict[str, Any] | None
    body: bytes

    @property
    def label(self) -> str:
        return f"{self.cassette.rsplit('/', 1)[-1]}[{self.interaction}]"


def _rows(provider: str, api: str) -> list[str]:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [r["file"] for r in rows if (r["provider"], r["api"]) == (provider, api)]


def _request_body(request: dict[str, Any]) -> dict[str, Any] | None:
    import json

    parsed = request.get("parsed_body")
    if isinstance(parsed, dict):
        return parsed
    body = request.get("body")
    if isinstance(body, str | bytes):
        try:
            value = json.loads(body)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None
    return None


def streamed(provider: str = "openai", api: str = "chat-completions") -> Iterator[Recorded]:
    """Every interaction of the matching cassettes whose response body is an SSE stream."""
    import yaml

    for name in _rows(provider, api):
        with (CORPUS / name).open(encoding="utf-8") as handle:
            cassette = yaml.safe_load(handle)
        for number, interaction in enumerate(cassette["interactions"]):
            response = interaction["response"]
            body = (response.get("body") or {}).get("string")
            if isinstance(body, str):
                body = body.encode("utf-8")
            if not isinstance(body, bytes) or not body.lstrip().startswith(b"data:"):
                continue
            headers = {
                k: v[0] if isinstance(v, list) else str(v) for k, v in response["headers"].items()
            }
            request = interaction["request"]
            yield Recorded(
                name,
                number,
                request["uri"],
                response["status"]["code"],
                headers,
                _request_body(request),
                body,
            )


RECORDED = list(streamed()) if CORPUS.is_dir() else []


@needs_shared
def test_the_corpus_has_openai_chat_streams() -> None:
    # Pinned from MANIFEST.tsv: 17 streamed responses in 9 cassettes. Guards against the
    # parametrised test below passing because it found nothing.
    assert len(RECORDED) == 17
    assert len({r.cassette for r in RECORDED}) == 9


@needs_shared
@pytest.mark.parametrize("recorded", RECORDED, ids=[r.label for r in RECORDED])
def test_openai_chat_stream_validates_clean(recorded: Recorded) -> None:
    report = check_bytes(
        recorded.body,
        CheckOptions(api_version="2.3.0"),
        source=recorded.label,
        status=recorded.status,
        headers=recorded.headers,
        url=recorded.url,
        request_body=recorded.request,
    )
    result = report.results[0]
    assert (result.provider, result.api, result.api_version) == (
        "openai",
        "chat-completions",
        "2.3.0",
    )
    assert result.frames > 1
    schema = [f"{f.code} frame {f.location.frame}: {f.message}" for f in report.findings()]
    assert [s for s in schema if s.startswith("SC2")] == []
    serious = [f"{f.code}: {f.message}" for f in report.findings() if f.severity > 10]
    assert serious == []


@needs_shared
def test_usage_chunks_are_what_sets_2023_11_apart() -> None:
    """Against the DevDay 2023 schema only the usage chunks (choices: []) fail, nothing else."""
    old = CheckOptions(api_version="2023-11")
    failing: set[str] = set()
    for recorded in RECORDED:
        report = check_bytes(recorded.body, old, status=recorded.status, url=recorded.url)
        for finding in report.findings():
            if finding.code.startswith("SC2"):
                assert "should be non-empty" in finding.message, finding.message
                failing.add(recorded.label)
        asked = (recorded.request or {}).get("stream_options") or {}
        assert (recorded.label in failing) == bool(asked.get("include_usage")), recorded.label
    assert failing

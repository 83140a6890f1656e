"""Every Anthropic Messages recording in the shared corpus checks clean, frame by frame.

The cassettes (VCR.py YAML, third-party, see ../shared/corpus/MANIFEST.tsv for attribution) are
read here with pyyaml and fed to the library as Exchanges with their request URL, headers and
body, so detection and the anthropic-version header work as they would from a cassette reader.
Nothing from the corpus is copied into the repository.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from streamcheck import CheckOptions, ExchangeResult
from streamcheck.check import check_exchange
from streamcheck.model import EndReason, Exchange, Request
from streamcheck.schemas import Catalog
from tests.conftest import CORPUS, needs_shared

pytestmark = needs_shared


def _manifest() -> list[dict[str, str]]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [r for r in rows if r["provider"] == "anthropic" and r["api"] == "messages"]


ROWS = _manifest()
FILES = [r["file"] for r in ROWS]
# Cassettes holding at least one streamed response (the others hold only error bodies).
STREAM_FILES = [r["file"] for r in ROWS if "; 0 streamed" not in r["notes"]]
CATALOG = Catalog()


def _first(value: Any) -> str:
    return str(value[0] if isinstance(value, list) else value)


def _exchanges(path: Path) -> list[tuple[Exchange, bytes]]:
    cassette = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = []
    for index, interaction in enumerate(cassette["interactions"]):
        request, response = interaction["request"], interaction["response"]
        body = response.get("body")
        text = body.get("string") if isinstance(body, dict) else body
        if text is None and "parsed_body" in response:
            text = json.dumps(response["parsed_body"])
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text or b"")
        exchange = Exchange(
            source=str(path),
            index=index,
            request=Request(
                method=request.get("method", "POST"),
                url=request.get("uri"),
                headers={k: _first(v) for k, v in (request.get("headers") or {}).items()},
                body=request.get("parsed_body"),
            ),
            status=response["status"]["code"],
            headers={k: _first(v) for k, v in (response.get("headers") or {}).items()},
            chunks=[(data, None)],
            end=EndReason.UNKNOWN,
        )
        found.append((exchange, data))
    return found


def _check(exchange: Exchange, data: bytes, **options: Any) -> ExchangeResult:
    exchange.chunks = [(data, None)]  # an exchange's chunks are consumed once
    return check_exchange(exchange, CheckOptions(**options), CATALOG)


def _is_stream(exchange: Exchange) -> bool:
    return (exchange.content_type or "") == "text/event-stream"


def test_the_corpus_has_anthropic_streams() -> None:
    assert len(STREAM_FILES) >= 19


@pytest.mark.parametrize("name", STREAM_FILES)
@pytest.mark.parametrize("version", ["2023-06-01", "2026-10-21"])
def test_every_frame_of_every_stream_is_clean(name: str, version: str) -> None:
    streams = 0
    for exchange, data in _exchanges(CORPUS / name):
        if not _is_stream(exchange):
            continue
        streams += 1
        result = _check(exchange, data, api_version=version)
        events = len(re.findall(rb"^data:", data, flags=re.MULTILINE))
        assert (result.provider, result.api, result.api_version) == (
            "anthropic",
            "messages",
            version,
        )
        assert result.frames == events > 0
        assert [f"{f.code} frame {f.location.frame}: {f.message}" for f in result.findings] == []
    assert streams > 0


@pytest.mark.parametrize("name", FILES)
def test_version_is_taken_from_the_request(name: str) -> None:
    for exchange, data in _exchanges(CORPUS / name):
        if _is_stream(exchange):
            requested = exchange.request.headers.get("anthropic-version")
            result = _check(exchange, data)
            assert result.api_version == (requested or "2023-06-01")


@pytest.mark.parametrize("name", FILES)
def test_non_stream_answers_are_classified(name: str) -> None:
    for exchange, data in _exchanges(CORPUS / name):
        if _is_stream(exchange):
            continue
        result = _check(exchange, data)
        assert result.provider == "anthropic"
        codes = [f.code for f in result.findings]
        if exchange.status and exchange.status >= 400:
            assert codes == ["SC401"]
            assert result.error_class in ("no-access", "bad-request")
        else:
            asked = isinstance(exchange.request.body, dict) and exchange.request.body.get("stream")
            assert codes == (["SC206"] if asked else ["SC903"])


def test_a_cut_corpus_stream_is_caught() -> None:
    """Guard against a vacuous pass: drop the last event of a real stream in memory."""
    name = next(f for f in FILES if f.endswith("test_anthropic_tools_streaming_legacy.yaml"))
    [(exchange, data)] = _exchanges(CORPUS / name)
    cut = data[: data.rindex(b"event: message_stop")]
    codes = [f.code for f in _check(exchange, cut).findings]
    assert codes == ["SC301"]

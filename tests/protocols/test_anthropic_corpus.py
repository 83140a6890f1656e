"""Every Anthropic Messages recording in the shared corpus checks clean, frame by frame.

The cassettes (VCR.py YAML; ../shared/corpus/MANIFEST.tsv gives sources and licences) are read
in place through `check_paths` and the cassette reader; nothing from the corpus is copied into
the repository. Every streamed exchange must give no finding at all against either shipped
version: these are real, working streams, and a validator that flags them is worse than none.
The non-streamed exchanges get a pinned verdict.
"""

from __future__ import annotations

import csv
import re

import pytest
import yaml

from streamcheck import CheckOptions, ExchangeResult, check_bytes, check_paths
from tests.conftest import CORPUS, needs_shared

VERSIONS = ("2023-06-01", "2026-10-21")


def _manifest() -> list[dict[str, str]]:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [r for r in rows if (r["provider"], r["api"]) == ("anthropic", "messages")]


ROWS = _manifest() if CORPUS.is_dir() else []
FILES = [str(CORPUS / row["file"]) for row in ROWS]


def _results(version: str | None) -> list[ExchangeResult]:
    options = CheckOptions(api_version=version) if version else CheckOptions()
    return check_paths(FILES, options).results if FILES else []


RESULTS = {version: _results(version) for version in VERSIONS}
DEFAULT = _results(None)
STREAMED = [(v, r) for v in VERSIONS for r in RESULTS[v] if r.framing == "sse"]


def _label(item: tuple[str, ExchangeResult]) -> str:
    version, result = item
    return f"{result.source.rsplit('/', 1)[-1]}[{result.index}]@{version}"


def _streamed_count(notes: str) -> int:
    return int(notes.split(" streamed", 1)[0].rsplit(" ", 1)[-1])


@needs_shared
def test_the_reader_finds_every_streamed_response() -> None:
    # MANIFEST.tsv notes say how many responses of each cassette were streamed: the reader must
    # find every one, so the clean-stream test below cannot pass on nothing.
    expected = sum(_streamed_count(row["notes"]) for row in ROWS)
    assert expected == 24
    for version in VERSIONS:
        assert sum(r.framing == "sse" for r in RESULTS[version]) == expected


@needs_shared
@pytest.mark.parametrize("item", STREAMED, ids=[_label(i) for i in STREAMED])
def test_every_frame_of_every_stream_is_clean(item: tuple[str, ExchangeResult]) -> None:
    version, result = item
    assert (result.provider, result.api, result.api_version) == ("anthropic", "messages", version)
    assert result.status == 200 and result.frames > 1
    assert [f"{f.code} frame {f.location.frame}: {f.message}" for f in result.findings] == []


@needs_shared
def test_default_version_is_the_requested_one() -> None:
    # The openllmetry cassettes keep the anthropic-version header (2023-06-01); pydantic-ai's
    # drop it, so the default applies. Both land on 2023-06-01.
    streams = [r for r in DEFAULT if r.framing == "sse"]
    assert streams and {r.api_version for r in streams} == {"2023-06-01"}


@needs_shared
def test_non_streamed_answers_get_their_pinned_verdict() -> None:
    verdicts = sorted(
        (r.source.rsplit("/", 1)[-1], r.index, r.error_class, tuple(f.code for f in r.findings))
        for r in DEFAULT
        if r.framing != "sse"
    )
    assert verdicts == [
        ("test_anthropic_count_tokens_error.yaml", 0, "no-access", ("SC401", "SC902")),
        (
            "test_anthropic_explicit_effort_xhigh_unsupported_model_errors.yaml",
            0,
            "bad-request",
            ("SC401", "SC902"),
        ),
        # A `stream: false` call recorded next to the streamed ones.
        ("test_anthropic_text_parts_ahead_of_built_in_tool_call.yaml", 0, None, ("SC903", "SC902")),
    ]
    assert all(r.provider == "anthropic" for r in DEFAULT)


@needs_shared
def test_a_cut_corpus_stream_is_caught() -> None:
    """Guard against a vacuous pass: drop the last event of a real stream, in memory only."""
    path = next(f for f in FILES if f.endswith("test_anthropic_tools_streaming_legacy.yaml"))
    with open(path, encoding="utf-8") as handle:
        [interaction] = yaml.safe_load(handle)["interactions"]
    body = interaction["response"]["body"]["string"].encode()
    cut = body[: body.rindex(b"event: message_stop")]
    assert len(re.findall(rb"^data:", cut, flags=re.MULTILINE)) == 34
    report = check_bytes(cut, url=interaction["request"]["uri"])
    assert [f.code for f in report.findings()] == ["SC301"]

"""A folder is checked with what one run keeps between files (the schema catalog, each schema
set's bound validators, templates' proofs, the report's word splitting): every file's verdict
must be the one it gets checked alone, in a process of its own making. The folder mixes clean
and defective recordings, unknown APIs and several providers, with tapes, cassettes, HAR and
raw bodies."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path
from typing import Any

from streamcheck.check import frames
from streamcheck.check.options import CheckOptions
from streamcheck.check.push import StreamChecker
from streamcheck.model import Exchange, Request
from streamcheck.run import check_paths
from streamcheck.schemas import Catalog
from tests.conftest import FIXTURES
from tests.streams import CLEAN

SUFFIXES = {".sse", ".ndjson", ".jsonl", ".http", ".txt", ".har", ".tape", ".yaml", ".json"}


def _verdict(result: Any) -> Any:
    cause = result.cause
    why = None if cause is None else {name: getattr(cause, name) for name in cause.__slots__}
    return (
        result.provider,
        result.api,
        result.api_version,
        result.frames,
        result.end,
        why,
        result.findings,
    )


def test_every_file_of_a_folder_is_judged_as_it_is_alone(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    alone: dict[str, list[Any]] = {}
    for number, path in enumerate(sorted(FIXTURES.rglob("*"))):
        if not path.is_file() or path.suffix not in SUFFIXES:
            continue
        copy = folder / f"{number:04d}-{path.name}"
        shutil.copyfile(path, copy)
        try:
            report = check_paths([str(copy)])
        except Exception:  # bad input (a fixture of it): not for the folder run
            copy.unlink()
            continue
        alone[str(copy)] = [_verdict(r) for r in report.results]
    assert len(alone) > 200
    together: dict[str, list[Any]] = {}
    for result in check_paths([str(folder)]).results:
        together.setdefault(result.source, []).append(_verdict(result))
    assert together == {k: v for k, v in alone.items() if v}


def test_schema_drift_is_sampled_in_every_file_of_a_folder(tmp_path: Path) -> None:
    # The first frame of each kind passes through the drift sample in every exchange, even
    # though the folder's later files would find that kind's validator bound already: here the
    # second kind of an Anthropic stream (content_block_start) brings a member no schema has.
    events = (FIXTURES / "anthropic" / "tool_use.sse").read_bytes()
    assert events.count(b'"type":"content_block_start"') >= 1
    for name, extra in (("a.sse", b"first_new"), ("b.sse", b"second_new")):
        marked = b'"type":"content_block_start","' + extra + b'":1'
        (tmp_path / name).write_bytes(events.replace(b'"type":"content_block_start"', marked, 1))
    report = check_paths([str(tmp_path)], CheckOptions(select=("SC203",)))
    drift = [(r.source, f.message) for r in report.results for f in r.findings]
    assert [source.rsplit("/", 1)[1] for source, _ in drift] == ["a.sse", "b.sse"], drift
    assert "first_new" in drift[0][1] and "second_new" in drift[1][1]


def _repeated(text: str, block: str, times: int) -> str:
    """`text` with its first SSE block that holds `block` repeated `times` times."""
    blocks = text.split("\n\n")
    at = next(n for n, b in enumerate(blocks) if block in b)
    return "\n\n".join(blocks[:at] + blocks[at : at + 1] * times + blocks[at + 1 :])


def test_what_a_file_held_is_freed_when_its_verdict_is_made(tmp_path: Path) -> None:
    # Checking an exchange makes reference cycles (the sink's frame-kind callback and the
    # state, a grammar and its own hints, a template that is its own `after`, openai-python's
    # weighing around the sink): released with the verdict, none is left for the cyclic
    # collector, whose passes over a folder's leftovers were a tenth of a run of small files.
    folder = tmp_path / "folder"
    folder.mkdir()
    for name in (
        "openai/tool-calls-fragmented.sse",
        "openai/n2-choices.sse",
        "anthropic/tool_use.sse",
    ):
        shutil.copy(FIXTURES / name, folder / name.replace("/", "-"))
    chat = _repeated(CLEAN, '"content":"Hi"', 8)
    (folder / "chat.sse").write_text(chat)
    (folder / "broken-chat.sse").write_text(chat.replace(',"finish_reason":null', "", 5))
    messages = (FIXTURES / "anthropic" / "text.sse").read_text()
    (folder / "messages.sse").write_text(_repeated(messages, "event: content_block_delta", 8))
    check_paths([str(folder)])  # modules imported, schemas compiled, patterns made
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        report = check_paths([str(folder)])
        left = gc.collect()
    finally:
        if enabled:
            gc.enable()
    assert left == 0
    assert [r.frames for r in report.results if r.source.endswith("chat.sse")] == [11, 11]
    assert [f.code for r in report.results for f in r.findings] == ["SC201"] * 5


def test_a_stream_that_keeps_making_templates_keeps_a_bounded_few_for_release() -> None:
    # A text shape, then a ping (off the hot path: the templates are dropped), again and again:
    # a template is made every cycle. Release unlinks only the first RELEASED; the others are
    # the cyclic collector's, so what a stream holds does not grow with its length.
    start = (
        'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1",'
        '"type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],'
        '"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}}'
        '\n\nevent: content_block_start\ndata: {"type":"content_block_start","index":0,'
        '"content_block":{"type":"text","text":""}}\n\n'
    )
    delta = (
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
        '"delta":{"type":"text_delta","text":"w%d"}}\n\n'
    )
    cycle = "".join(delta % n for n in range(4)) + 'event: ping\ndata: {"type":"ping"}\n\n'
    checker = StreamChecker(
        Exchange("cycles", 0, Request(), None, {}, iter(())), CheckOptions(), Catalog()
    )
    checker.take(start.encode())
    for _ in range(4 * frames.RELEASED):
        checker.take(cycle.encode())
    assert len(checker.state.repeat_made) == frames.RELEASED
    result = checker.close()
    checker.release()
    assert result.frames == 2 + 5 * 4 * frames.RELEASED and checker.state.repeat_made == []

"""Speed never changes a verdict: every fixture and every file of the shared corpus checked with
the grammars' hot paths (OpenAI chat, Anthropic, Realtime's repeated deltas) and recorded
WebSocket sessions fed in runs (as shipped, and with templates made even where a short body
cannot repay them), and again with every frame on the reference path and every
message fed on its own (protocols/shortcuts.reference_only), gives the same findings, in the
same order. Again with no finding kept (`max_per_code` 0): every failing frame is then only
counted under its code, which the schema's enum-blind twin chooses on the fast side and
jsonschema-rs's keywords on the other. tests/check/test_websocket_runs.py holds the WebSocket
edges no fixture has."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from streamcheck.check import CheckOptions
from streamcheck.protocols import shortcuts
from streamcheck.protocols.anthropic import MessagesStream
from streamcheck.protocols.openai_chat import ChatStream
from streamcheck.protocols.openai_realtime import RealtimeStream
from streamcheck.protocols.shortcuts import reference_only
from streamcheck.run import check_paths
from streamcheck.schemas import SchemaSet
from tests.conftest import CORPUS, FIXTURES
from tests.reference import templates_anywhere, verdict


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "README.md")


COUNTED = CheckOptions(max_per_code=0)  # every finding past the cap: only counted


def _verdicts(path: Path, options: CheckOptions | None = None) -> Any:
    try:
        report = check_paths([str(path)], options)
    except Exception as exc:  # bad input: the same refusal both ways
        return ("refused", type(exc).__name__, str(exc))
    return [verdict(r) for r in report.results]


def _compare(files: list[Path], options: CheckOptions | None = None) -> tuple[int, int, int]:
    """(OpenAI chat, Anthropic, WebSocket exchanges) compared; fails on the first difference."""
    chat = anthropic = websocket = 0
    for path in files:
        fast = _verdicts(path, options)
        with templates_anywhere():  # a short recording's templates too (frames.PAYS_AFTER)
            anywhere = _verdicts(path, options)
        with reference_only():
            reference = _verdicts(path, options)
        assert fast == reference, path
        assert anywhere == reference, path
        if isinstance(fast, list):
            chat += sum(1 for r in fast if r[3] == "chat-completions")
            anthropic += sum(1 for r in fast if r[2] == "anthropic")
            websocket += sum(1 for r in fast if r[-1] == "websocket")
    return chat, anthropic, websocket


def test_the_switch_swaps_the_hot_paths_and_puts_them_back() -> None:
    fast = ChatStream.frame, MessagesStream._continues, RealtimeStream.frame, shortcuts.batched
    assert shortcuts.batched is True and SchemaSet.enum_twins is True
    with reference_only():
        assert ChatStream.frame is ChatStream.full_frame
        assert MessagesStream._continues is MessagesStream.no_shortcut
        assert RealtimeStream.frame is RealtimeStream.full_frame
        assert shortcuts.batched is False
        assert SchemaSet.enum_twins is False
    assert (
        ChatStream.frame,
        MessagesStream._continues,
        RealtimeStream.frame,
        shortcuts.batched,
    ) == fast
    assert SchemaSet.enum_twins is True


def test_every_fixture_gets_the_same_findings_either_way() -> None:
    chat, anthropic, websocket = _compare(_files(FIXTURES))
    # The comparison means something only if each judged many streams.
    assert chat >= 50 and anthropic >= 20 and websocket >= 50, (chat, anthropic, websocket)


def test_every_fixture_counts_the_same_codes_when_nothing_is_kept() -> None:
    chat, anthropic, _ = _compare(_files(FIXTURES), COUNTED)
    assert chat >= 50 and anthropic >= 20, (chat, anthropic)
    # Frames failing their schema were counted under both codes: the twin chose something.
    counted = {f.code for r in check_paths([str(FIXTURES)], COUNTED).results for f in r.findings}
    assert {"SC201", "SC205"} <= counted, counted


def test_tool_input_cut_on_the_hot_path_is_found_either_way(tmp_path: Path) -> None:
    # No fixture cuts an Anthropic tool's input JSON, and its fragments ride the hot path: the
    # tool_use fixture with its last fragment cut short, so SC308 depends on what that path keeps.
    whole = (FIXTURES / "anthropic" / "tool_use.sse").read_text()
    cut = tmp_path / "tool_use-cut.sse"
    cut.write_text(whole.replace('\\"unit\\": \\"celsius\\"}"', '\\"unit\\": \\"cel"', 1))
    assert cut.read_text() != whole
    _compare([cut])
    codes = [f.code for r in check_paths([str(cut)]).results for f in r.findings]
    assert "SC308" in codes


def test_every_corpus_file_gets_the_same_findings_either_way() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not here ({CORPUS})")
    chat, anthropic, _ = _compare(_files(CORPUS))
    assert chat + anthropic >= 20, (chat, anthropic)


def test_every_corpus_file_counts_the_same_codes_when_nothing_is_kept() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not here ({CORPUS})")
    chat, anthropic, _ = _compare(_files(CORPUS), COUNTED)
    assert chat + anthropic >= 20, (chat, anthropic)

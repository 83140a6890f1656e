"""The shared content-block bookkeeping (streamcheck.protocols.blocks) through its public
functions: SC308 on fragments that do not join to JSON, the bounded fragment store, and the
SC305 / SC310 findings every block grammar shares. The grammars that use it are tested end to
end in test_anthropic.py, test_bedrock.py, test_openai_chat.py and test_cohere.py."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamcheck.model import Finding, Location
from streamcheck.protocols.base import Context
from streamcheck.protocols.blocks import (
    MAX_JSON,
    Block,
    Blocks,
    JsonFragments,
    check_joined_json,
)


def context() -> tuple[Context, list[Finding]]:
    found: list[Finding] = []
    return Context(location=Location(source="test"), emit=found.append, api_version="v"), found


def anthropic_blocks(ctx: Context) -> Blocks:
    return Blocks(ctx, index_key="index", stop_event="content_block_stop", fragments="partial_json")


@pytest.mark.parametrize("parts", [[], [""], ["  ", "\n"], ['{"a"', ": 1}"], ["[1,", " 2]"]])
def test_fragments_that_join_to_json_or_to_nothing_are_fine(parts: list[str]) -> None:
    ctx, found = context()
    check_joined_json(ctx, parts, lambda reason: f"bad ({reason})")
    assert found == []


def test_fragments_that_do_not_join_report_sc308_with_the_parser_reason() -> None:
    ctx, found = context()
    check_joined_json(ctx, ['{"city": ', '"Pa'], lambda reason: f"bad ({reason})")
    [finding] = found
    assert finding.code == "SC308"
    assert finding.message.startswith("bad (") and finding.message != "bad ()"
    assert finding.evidence is not None and '"city"' in finding.evidence


JSON_VALUES = st.dictionaries(
    st.text(max_size=8),
    st.one_of(st.integers(-(2**63), 2**63 - 1), st.text(max_size=12), st.booleans()),
    min_size=1,
)


def split(text: str, cuts: list[int]) -> JsonFragments:
    points = sorted({min(c, len(text)) for c in cuts})
    fragments = JsonFragments()
    for a, b in zip([0, *points], [*points, len(text)], strict=True):
        fragments.add(text[a:b])
    return fragments


@given(JSON_VALUES, st.lists(st.integers(min_value=0, max_value=200), max_size=8))
def test_any_split_of_json_passes_and_the_same_cut_short_fails(
    value: dict[str, object], cuts: list[int]
) -> None:
    text = orjson.dumps(value).decode()
    ctx, found = context()
    split(text, cuts).check(ctx, lambda reason: "whole")
    split(text[:-1], cuts).check(ctx, lambda reason: "cut short")
    assert [(f.code, f.message) for f in found] == [("SC308", "cut short")]


def test_fragments_are_checked_once_then_forgotten() -> None:
    ctx, found = context()
    fragments = JsonFragments()
    fragments.add("{")
    fragments.check(ctx, lambda reason: "bad")
    fragments.check(ctx, lambda reason: "bad")
    assert [f.code for f in found] == ["SC308"]
    assert fragments.parts == []


def test_a_value_past_the_limit_is_dropped_and_goes_unchecked() -> None:
    ctx, found = context()
    fragments = JsonFragments()
    fragments.add("{" + "x" * MAX_JSON)  # invalid, but too large to keep
    fragments.add("}")
    assert fragments.parts == []
    assert fragments.size == MAX_JSON + 1  # later fragments are not even counted
    fragments.check(ctx, lambda reason: "bad")
    assert found == []


def test_index_takes_integers_only() -> None:
    ctx, _ = context()
    blocks = Blocks(
        ctx, index_key="contentBlockIndex", stop_event="contentBlockStop", fragments="x"
    )
    assert blocks.index({"contentBlockIndex": 2}) == 2
    assert blocks.index({"contentBlockIndex": True}) is None
    assert blocks.index({"contentBlockIndex": "2"}) is None
    assert blocks.index({"index": 2}) is None


def test_stop_checks_tool_input_and_reports_a_second_stop() -> None:
    ctx, found = context()
    blocks = anthropic_blocks(ctx)
    blocks.by_index[0] = Block("tool_use", "get_weather")
    blocks.by_index[0].tool_input.add('{"city": "Pa')
    assert blocks.stop(0) is True
    assert blocks.stop(0) is True
    assert blocks.stop(1) is False  # never began: the grammar words that finding
    assert [(f.code, f.message) for f in found] == [
        (
            "SC308",
            "content block 0 (tool_use get_weather): the partial_json fragments do not join "
            "to valid JSON",
        ),
        ("SC310", "content block 0 stopped a second time"),
    ]


def test_tool_type_names_the_block_in_the_message_when_given() -> None:
    ctx, found = context()
    blocks = Blocks(
        ctx,
        index_key="contentBlockIndex",
        stop_event="contentBlockStop",
        fragments="input",
        tool_type="toolUse",
    )
    blocks.by_index[3] = Block(None)  # input arrived on a block of unknown type
    blocks.by_index[3].tool_input.add("{")
    blocks.stop(3)
    assert [f.message for f in found] == [
        "content block 3 (toolUse ?): the input fragments do not join to valid JSON"
    ]


def test_a_delta_after_the_stop_is_reported_once_per_block() -> None:
    ctx, found = context()
    blocks = anthropic_blocks(ctx)
    block = blocks.by_index[0] = Block("text")
    assert blocks.after_stop(0, block) is False
    blocks.stop(0)
    assert blocks.after_stop(0, block) is True
    assert blocks.after_stop(0, block) is True
    assert [(f.code, f.message, f.location.path) for f in found] == [
        ("SC305", "delta for content block 0 after its content_block_stop", "/index")
    ]


def test_close_open_reports_every_open_block_once() -> None:
    ctx, found = context()
    blocks = anthropic_blocks(ctx)
    for index in (0, 1, 2):
        blocks.by_index[index] = Block("text")
    blocks.stop(1)
    blocks.close_open("message_delta", at_end=False)
    blocks.close_open("message_delta", at_end=True)  # nothing left open
    assert [f.message for f in found] == [
        "content block 0, 2 never got content_block_stop before message_delta arrived"
    ]
    assert all(b.stopped for b in blocks.by_index.values())


def test_close_open_at_the_end_of_the_stream() -> None:
    ctx, found = context()
    blocks = anthropic_blocks(ctx)
    blocks.by_index[0] = Block("text")
    blocks.close_open("message_delta", at_end=True)
    assert [f.message for f in found] == [
        "content block 0 never got content_block_stop before the stream ended"
    ]


def test_check_unstopped_checks_only_blocks_still_open() -> None:
    ctx, found = context()
    blocks = anthropic_blocks(ctx)
    for index in (0, 1):
        blocks.by_index[index] = Block("tool_use", f"tool{index}")
        blocks.by_index[index].tool_input.add('{"a": ')
    blocks.stop(0)
    found.clear()
    blocks.check_unstopped()
    assert [f.message for f in found] == [
        "content block 1 (tool_use tool1): the partial_json fragments do not join to valid JSON"
    ]


@given(
    st.lists(
        st.one_of(
            st.sampled_from(["", " ", "\t\n", "\u3000", "\x1c", "{", "}", '"a"', "[1,", "2]", "x"]),
            st.text(max_size=6),
        ),
        max_size=5,
    )
)
def test_parses_is_true_exactly_when_check_reports_nothing(fragments: list[str]) -> None:
    """The callers skip `check` (and its message) when `parses()` says the value is blank or
    JSON: it must agree with check_joined_json on any fragments, Unicode whitespace included."""
    value = JsonFragments()
    for fragment in fragments:
        value.add(fragment)
    ctx, found = context()
    said = value.parses()
    value.check(ctx, lambda reason: reason)
    assert said == (found == [])

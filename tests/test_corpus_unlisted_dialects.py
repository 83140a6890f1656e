"""Verdicts on OpenAI-compatible servers that ship no dialect overlay (Writer, Snowflake, Z.ai,
Hugging Face), pinned with the reason. These are judged by the plain OpenAI chat schema, so what
an OpenAI client would trip over is reported; each pin says why we believe it is right.
"""

from __future__ import annotations

import pytest

from streamcheck import check_paths
from tests.conftest import CORPUS, needs_shared

pytestmark = needs_shared

PYD = "pydantic__pydantic-ai/tests/models/cassettes/"
WRITER = "traceloop__openllmetry/packages/opentelemetry-instrumentation-writer/tests/cassettes/"

# file -> (codes at warning or above, the reason)
PINS: dict[str, tuple[set[str], str]] = {
    PYD + "test_zai/test_zai_thinking_stream.yaml": (
        {"SC201", "SC312"},
        "no chunk carries the finish_reason key (a client reading choices[0]['finish_reason'] "
        "raises KeyError), and usage rides on a chunk that still has choices",
    ),
    PYD + "test_snowflake/test_snowflake_model_streaming.yaml": (
        {"SC201", "SC205", "SC303", "SC312"},
        "chunks never carry finish_reason (manifest: DEFECT? missing-finish_reason), "
        "service_tier is an empty string outside the enum, and usage comes before any finish",
    ),
    PYD + "test_snowflake/test_snowflake_thinking_streaming.yaml": (
        {"SC201", "SC205", "SC303", "SC312"},
        "same Snowflake shape as the plain stream, with reasoning deltas",
    ),
    WRITER + "test_chat/test_writer_streaming_chat_legacy.yaml": (
        {"SC201", "SC301"},
        "delta.tool_calls is null where the schema has an array, and no data: [DONE] ends the "
        "stream (manifest: DEFECT? missing-[DONE])",
    ),
    WRITER + "test_chat/test_writer_streaming_chat_multiple_choices_legacy.yaml": (
        {"SC201", "SC301"},
        "same Writer shape, two choices",
    ),
    WRITER + "test_chat/test_writer_streaming_chat_tool_calls_legacy.yaml": (
        {"SC201", "SC301"},
        "same Writer shape, with tool calls",
    ),
    WRITER + "test_completions/test_writer_streaming_completions_legacy.yaml": (
        {"SC901"},
        "legacy /v1/completions: no protocol module ships for it, so it is named unknown",
    ),
}


@pytest.mark.parametrize("name", sorted(PINS))
def test_unlisted_dialect_verdict(name: str) -> None:
    expected, reason = PINS[name]
    report = check_paths([str(CORPUS / name)])
    # Info notes aside, but SC901 (not judged) counts: it is what an unknown API gets.
    found = {f.code for f in report.findings() if f.severity.label != "info" or f.code == "SC901"}
    assert found == expected, reason

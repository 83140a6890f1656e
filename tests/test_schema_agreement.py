"""python-jsonschema writes the messages of failing frames (schemas.explain); jsonschema-rs
decides which frames fail (is_valid, the hot path). The two must agree on every frame: a frame
rs rejects but python-jsonschema accepts would be reported with no message, and the reverse
would hide a defect. Every frame the pipeline validates is recorded, through the real pipeline
(detection, version choice, kind by discriminator), and checked with both."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from streamcheck import check_paths
from streamcheck.schemas import SchemaSet
from tests.conftest import CORPUS, FIXTURES, needs_shared

Seen = list[tuple[SchemaSet, str, Any, bool]]


class _Recording:
    """A compiled validator that notes each value it judges."""

    def __init__(self, schemas: SchemaSet, kind: str, fast: Any, seen: Seen) -> None:
        self.schemas, self.kind, self.fast, self.seen = schemas, kind, fast, seen

    def is_valid(self, value: Any) -> bool:
        verdict = bool(self.fast.is_valid(value))
        self.seen.append((self.schemas, self.kind, value, verdict))
        return verdict

    def __getattr__(self, name: str) -> Any:
        return getattr(self.fast, name)


def frames_validated(monkeypatch: pytest.MonkeyPatch, paths: list[str]) -> Seen:
    seen: Seen = []
    original = SchemaSet.validator

    def recording(self: SchemaSet, kind: str) -> Any:
        return _Recording(self, kind, original(self, kind), seen)

    monkeypatch.setattr(SchemaSet, "validator", recording)
    check_paths(paths)
    return seen


def disagreements(seen: Seen) -> list[str]:
    slow: dict[tuple[int, str], Any] = {}
    out = []
    for schemas, kind, value, fast_ok in seen:
        key = (id(schemas), kind)
        if key not in slow:
            schema = schemas.schema(kind)
            slow[key] = jsonschema.validators.validator_for(schema)(schema)
        slow_ok = next(iter(slow[key].iter_errors(value)), None) is None
        where = f"{schemas.provider}/{schemas.api}/{schemas.version}/{kind}"
        if slow_ok != fast_ok:
            out.append(
                f"{where}: jsonschema-rs {fast_ok}, python-jsonschema {slow_ok}: {value!r:.200}"
            )
        elif not fast_ok and schemas.explain(kind, value) != schemas.explain_fully(kind, value):
            # The short cut (python-jsonschema on the one keyword jsonschema-rs blamed) must say
            # exactly what the whole walk says.
            out.append(f"{where}: explain differs from explain_fully: {value!r:.200}")
    return out


def shortcut_taken(seen: Seen) -> int:
    """How many failing frames explain() answered from the one blamed keyword."""
    return sum(
        1
        for schemas, kind, value, ok in seen
        if not ok
        and len(found := list(schemas.validator(kind).iter_errors(value))) == 1
        and schemas._explain_one(kind, value, found[0]) is not None
    )


def test_verdicts_agree_on_every_fixture_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = frames_validated(monkeypatch, [str(FIXTURES)])
    assert len(seen) > 500
    assert any(not ok for *_, ok in seen)  # the fixtures hold failing frames too
    assert len({(s.provider, s.api) for s, *_ in seen}) >= 5
    assert disagreements(seen) == []
    assert shortcut_taken(seen) > 0


@needs_shared
def test_verdicts_agree_on_every_corpus_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = frames_validated(monkeypatch, [str(CORPUS)])
    assert len(seen) > 1000
    assert disagreements(seen) == []


@pytest.mark.parametrize(
    "chunk",
    [
        {"object": "chat.completion.chunk", "choices": []},  # id, created, model missing
        {"id": "c", "object": "chat.completion.chunk", "created": 1, "choices": []},
        {"id": 7, "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": []},
        {"id": "c", "object": "chat.chunk", "created": 1, "model": "m", "choices": []},
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [{"index": 0, "delta": {"role": "bot"}, "finish_reason": None}],
        },
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "done"}],
        },
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [],
            "usage": {"prompt_tokens": "many"},
        },  # inside an anyOf: the long way
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [{"index": "0", "delta": {"content": 5}, "finish_reason": None}],
        },
    ],
)
def test_the_short_cut_says_what_the_whole_walk_says(chunk: dict[str, Any]) -> None:
    from streamcheck.schemas import Catalog

    schemas = Catalog().get("openai", "chat-completions", "2.3.0")
    assert schemas is not None
    assert not schemas.is_valid("chunk", chunk)
    assert schemas.explain("chunk", chunk) == schemas.explain_fully("chunk", chunk)


@pytest.mark.parametrize(
    "event",
    [
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": 5}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta"}},
        {"type": "content_block_delta", "index": "0", "delta": {"type": "text_delta", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "mystery_delta"}},
    ],
)
def test_the_short_cut_through_allof_and_then(event: dict[str, Any]) -> None:
    """Anthropic's delta schema picks its branch with allOf + if/then: faults there are reported
    as they are by both libraries, so the short cut may walk through them."""
    from streamcheck.schemas import Catalog

    schemas = Catalog().get("anthropic", "messages", None)
    assert schemas is not None
    assert not schemas.is_valid("content_block_delta", event)
    explained = schemas.explain("content_block_delta", event)
    assert explained == schemas.explain_fully("content_block_delta", event)

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
        if slow_ok != fast_ok:
            where = f"{schemas.provider}/{schemas.api}/{schemas.version}/{kind}"
            out.append(
                f"{where}: jsonschema-rs {fast_ok}, python-jsonschema {slow_ok}: {value!r:.200}"
            )
    return out


def test_verdicts_agree_on_every_fixture_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = frames_validated(monkeypatch, [str(FIXTURES)])
    assert len(seen) > 500
    assert any(not ok for *_, ok in seen)  # the fixtures hold failing frames too
    assert len({(s.provider, s.api) for s, *_ in seen}) >= 5
    assert disagreements(seen) == []


@needs_shared
def test_verdicts_agree_on_every_corpus_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = frames_validated(monkeypatch, [str(CORPUS)])
    assert len(seen) > 1000
    assert disagreements(seen) == []

"""A defect in a stream is a finding, never a crash: every SSE and NDJSON fixture, with values
of its frames swapped for values of the wrong type (a list where a string belongs, a dict for a
number, ...), is checked without any exception but a StreamcheckError.

Deterministic (fixed seeds), so a failure names the fixture, frame and value to reproduce. The
first frames are mutated most often: detection is where an odd shape once crashed (a `type`
that is a list made Anthropic's and Cohere's match_frame raise TypeError).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from streamcheck import check_bytes
from streamcheck.exceptions import StreamcheckError
from tests.conftest import FIXTURES

ODD: list[Any] = [None, 5, "x", [], {}, True, -1, 1.5, [1, 2], {"a": 1}, "", "\u2028", [[[]]]]
RECORDINGS = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".sse", ".ndjson"))
MUTATIONS_PER_FILE = 8


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):
            yield (*prefix, index)
            yield from _paths(item, (*prefix, index))


def _mutants(path: Path, rng: random.Random) -> Iterator[tuple[int, Any, bytes]]:
    sse = path.suffix == ".sse"
    separator = b"\n\n" if sse else b"\n"
    blocks = path.read_bytes().split(separator)
    parsed: dict[int, tuple[bytes, Any]] = {}
    for i, block in enumerate(blocks):
        head, _, data = block.rpartition(b"data: ") if sse else (b"", b"", block)
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError:
            continue  # a fixture's own broken frame stays as it is
        if isinstance(value, dict):
            parsed[i] = (head, value)
    json_blocks = sorted(parsed)
    for _ in range(MUTATIONS_PER_FILE if json_blocks else 0):
        index = rng.choice(json_blocks[:2] if rng.random() < 0.5 else json_blocks)
        head, value = parsed[index]
        value = copy.deepcopy(value)
        for _ in range(rng.randint(1, 3)):
            where = list(_paths(value))
            if not where:
                break
            *parents, last = rng.choice(where)
            target = value
            for step in parents:
                target = target[step]
            target[last] = copy.deepcopy(rng.choice(ODD))
        changed = list(blocks)
        changed[index] = (head + b"data: " if sse else b"") + orjson.dumps(value)
        yield index, value, separator.join(changed)


@pytest.mark.parametrize("path", RECORDINGS, ids=[str(p.relative_to(FIXTURES)) for p in RECORDINGS])
def test_odd_values_in_frames_are_findings_not_crashes(path: Path) -> None:
    rng = random.Random(path.name)
    for index, value, body in _mutants(path, rng):
        try:
            check_bytes(body)
        except StreamcheckError:
            pass
        except Exception as exc:  # pragma: no cover - the failure message is the point
            pytest.fail(f"frame {index} = {value!r:.300}: {type(exc).__name__}: {exc}")


def test_the_fuzz_reaches_every_kind_of_recording() -> None:
    assert len(RECORDINGS) > 60
    assert {p.suffix for p in RECORDINGS} == {".sse", ".ndjson"}

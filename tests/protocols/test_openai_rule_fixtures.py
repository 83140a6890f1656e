"""fixtures/rules/<CODE>/ for the rules the OpenAI chat protocol owns: bad triggers, good is clean.

The repository-wide walker (every registered code) is held back until every family has its
fixtures; this covers the OpenAI-relevant codes now, and goes further: a good fixture is
completely clean, so it cannot pass by triggering something else.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from streamcheck import check_paths, rules
from tests.conftest import FIXTURES

CODES = [
    "SC201", "SC205", "SC206", "SC301", "SC302", "SC303", "SC304", "SC305", "SC306", "SC307",
    "SC308", "SC312", "SC314", "SC316", "SC317", "SC318", "SC401", "SC402", "SC403", "SC404",
    "SC405", "SC319",
]  # fmt: skip


def _one(code: str, stem: str) -> Path:
    found = [p for p in (FIXTURES / "rules" / code).glob(f"{stem}.*") if p.suffix != ".md"]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("code", CODES)
def test_bad_fixture_triggers_the_rule(code: str) -> None:
    assert code in rules.REGISTRY
    found = {f.code for f in check_paths([str(_one(code, "bad"))]).findings()}
    assert code in found, sorted(found)


@pytest.mark.parametrize("code", CODES)
def test_good_fixture_is_clean(code: str) -> None:
    report = check_paths([str(_one(code, "good"))])
    assert [f.code for f in report.findings()] == []
    assert report.results[0].provider == "openai"

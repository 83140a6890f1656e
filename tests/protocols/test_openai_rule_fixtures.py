"""fixtures/rules/<CODE>/ for the rules the OpenAI chat protocol owns: each good fixture is
completely clean and detected as OpenAI, so it cannot pass by tripping a neighbouring rule or by
not being recognised. (That each bad fixture triggers its code is tests/test_rule_fixtures.py's
walk over every registered code.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from streamcheck import check_paths
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
def test_good_fixture_is_clean(code: str) -> None:
    report = check_paths([str(_one(code, "good"))])
    assert [f.code for f in report.findings()] == []
    assert report.results[0].provider == "openai"

"""fixtures/rules/<CODE>/ for the wire rules (SC101-SC115): good fixtures have no wire finding at
all, and the real CLI finds each code in its bad fixture (tests/test_rule_fixtures.py walks every
registered code through the library).

Checked with no flags, so each fixture is self-describing; a good fixture with no wire finding
at all cannot pass by accident while tripping a neighbouring rule.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import yaml

from streamcheck import check_paths
from tests.conftest import FIXTURES, run_streamcheck
from tests.wire import long_line_build

CODES = [f"SC1{n:02d}" for n in range(1, 16)]


def _one(code: str, stem: str) -> Path:
    found = [p for p in (FIXTURES / "rules" / code).glob(f"{stem}.*") if p.suffix != ".md"]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("code", CODES)
def test_good_fixture_has_no_wire_finding(code: str) -> None:
    report = check_paths([str(_one(code, "good"))])
    found = [f.code for f in report.findings()]
    assert not [c for c in found if c.startswith("SC1")], found
    # Every good fixture is a clean stream of a known API, but Ollama has no protocol (yet).
    assert [c for c in found if c != "SC901"] == []


def test_the_cli_finds_each_code_in_its_bad_fixture_and_none_in_the_good() -> None:
    bad = [str(_one(code, "bad").relative_to(FIXTURES.parent)) for code in CODES]
    done = run_streamcheck("check", "--format", "json", *bad)
    assert done.returncode == 1, done.stderr
    results = {r["source"]: r for r in json.loads(done.stdout)["results"]}
    for code, path in zip(CODES, bad, strict=True):
        assert code in [f["code"] for f in results[path]["findings"]], path
    good = [str(_one(code, "good").relative_to(FIXTURES.parent)) for code in CODES]
    done = run_streamcheck("check", "--format", "json", *good)
    assert done.returncode == 0, done.stdout
    codes = [f["code"] for r in json.loads(done.stdout)["results"] for f in r["findings"]]
    assert set(codes) <= {"SC901"}


@pytest.mark.parametrize("kind", ["bad", "good"])
def test_sc104_cassettes_hold_what_the_builder_makes(kind: str) -> None:
    cassette = yaml.safe_load(long_line_build.FIXTURES[kind].read_text(encoding="utf-8"))
    packed = cassette["interactions"][0]["response"]["body"]["string"]
    assert gzip.decompress(packed) == long_line_build.body(kind)

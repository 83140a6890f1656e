"""Schema drift (SC203): opt-in, sampled, top-level members the chosen version does not know."""

from __future__ import annotations

from streamcheck import CheckOptions, Severity, check_bytes, check_paths
from tests.conftest import FIXTURES
from tests.protocols.test_openai_responses import events, sse


def drifted() -> bytes:
    items = events()
    for item in items:
        item["brand_new_member"] = 1  # on every event: reported once per kind
    return sse(items)


def test_drift_is_off_by_default() -> None:
    assert [f.code for f in check_bytes(drifted()).findings()] == []


def test_drift_is_reported_once_per_kind_and_member_when_selected() -> None:
    report = check_bytes(drifted(), CheckOptions(select=("SC203",)))
    found = list(report.findings())
    kinds = {e["type"] for e in events()}
    assert len(found) == len(kinds)
    assert {f.severity for f in found} == {Severity.INFO}
    assert all("'brand_new_member'" in f.message and "2.3.0" in f.message for f in found)


def test_drift_looks_only_at_a_sample_of_each_kind() -> None:
    items = events()
    deltas = [dict(items[4], sequence_number=0) for _ in range(20)]
    late = dict(items[4], late_member=True)
    body_items = [*items[:4], *deltas, late, *items[5:]]
    for n, item in enumerate(body_items):
        item["sequence_number"] = n
    report = check_bytes(sse(body_items), CheckOptions(select=("SC203",)))
    assert [f.code for f in report.findings()] == []  # the 25th delta is past the sample


def test_prompt_filter_key_of_the_other_era_is_drift_without_flags() -> None:
    bad = check_paths([str(FIXTURES / "rules" / "SC203" / "bad.tape")])
    assert [f.code for f in bad.findings()] == ["SC203", "SC314"]
    good = check_paths([str(FIXTURES / "rules" / "SC203" / "good.tape")])
    assert "SC203" not in {f.code for f in good.findings()}

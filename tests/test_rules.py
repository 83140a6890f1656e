"""The rule registry (STYLE habits 6 and 7): codes by family, unique names, docs with the rule."""

from __future__ import annotations

import re

import pytest

from streamcheck import rules
from streamcheck.model import Severity

RULES = sorted(rules.REGISTRY.values(), key=lambda r: r.code)
CODE = re.compile(
    r"^SC[1-69]\d{2}$"
)  # SC<family><nn>: 1 wire, 2 schema, 3 grammar, 4 errors, 6 WebSocket close, ...
NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def test_registry_is_not_empty_and_keyed_by_code() -> None:
    assert len(RULES) >= 17  # at least the wire family
    assert all(code == r.code for code, r in rules.REGISTRY.items())


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_is_complete(rule: rules.Rule) -> None:
    assert CODE.match(rule.code), rule.code
    assert NAME.match(rule.name), rule.name
    assert rule.family  # a known family, or this raises
    assert isinstance(rule.severity, Severity)
    assert rule.summary.strip() and "\n" not in rule.summary
    assert rule.protocols, "applicability is metadata: ('*',) or named protocols"
    # Every doc section, in order, each with text.
    headings = re.findall(r"^## (.+)$", rule.doc, flags=re.MULTILINE)
    assert headings == list(rules.DOC_SECTIONS)
    for section, body in zip(
        headings, re.split(r"^## .+$", rule.doc, flags=re.MULTILINE)[1:], strict=True
    ):
        assert body.strip(), f"{rule.code}: section {section!r} is empty"


def test_names_are_unique() -> None:
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))


def test_lookup_by_code_or_name() -> None:
    for rule in RULES:
        assert rules.get(rule.code) is rule
        assert rules.get(rule.code.lower()) is rule
        assert rules.get(rule.name) is rule
    with pytest.raises(KeyError):
        rules.get("SC000")


def test_registering_a_duplicate_or_malformed_code_fails() -> None:
    docs = {"finds": "x", "why": "x", "example": "x", "fix": "x", "refs": "x"}
    with pytest.raises(ValueError, match="twice"):
        rules.rule("SC101", "another-name", Severity.INFO, "s", **docs)
    with pytest.raises(ValueError, match="twice"):
        rules.rule("SC199", rules.REGISTRY["SC101"].name, Severity.INFO, "s", **docs)
    for bad in ("SC7", "SC701", "XX101", "SC1011", "SC1a1"):
        with pytest.raises(ValueError):
            rules.rule(bad, f"name-{bad.lower()}", Severity.INFO, "s", **docs)
    assert "SC199" not in rules.REGISTRY and "SC701" not in rules.REGISTRY


def test_wire_family_is_complete() -> None:
    """SC101-SC117 are the wire and framing rules; codes are never reused or renumbered."""
    wire = [r.code for r in RULES if r.code.startswith("SC1")]
    assert wire[:17] == [f"SC1{n:02d}" for n in range(1, 18)]
    assert all(rules.REGISTRY[c].family == "wire and framing" for c in wire)


def test_select_and_ignore_prefix_semantics() -> None:
    assert rules.selected("SC301", (), ())
    assert rules.selected("SC301", ("SC3",), ())
    assert not rules.selected("SC301", ("SC1",), ())
    assert not rules.selected("SC301", (), ("SC3",))
    assert rules.selected("SC301", ("SC301",), ("SC3",))  # the longer prefix wins
    assert not rules.selected("SC301", ("SC3",), ("SC301",))


def test_readme_severity_section_agrees_with_the_registry() -> None:
    """A code the README's "Severity" policy names under one severity only is registered with
    that severity (SC901 was a warning where the README says info). A code named under two
    (SC308: error or warning by context) is checked by its own tests."""
    import re

    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Severity\n", 1)[1].split("\n### ", 1)[0]
    bullets = re.findall(r"^- \*\*(\w+)\*\*:(.*?)(?=^- \*\*|\Z)", section, re.S | re.M)
    assert [name for name, _ in bullets] == ["error", "warning", "info"]
    named: dict[str, set[str]] = {}
    for severity, text in bullets:
        codes = set(re.findall(r"SC\d{3}", text))
        for low, high in re.findall(r"SC(\d{3})`?-`?SC(\d{3})", text):
            codes |= {f"SC{n}" for n in range(int(low), int(high) + 1)}
        for code in codes:
            named.setdefault(code, set()).add(severity)
    assert {"SC901", "SC902", "SC301"} <= set(named)
    for code, severities in named.items():
        if len(severities) == 1:
            assert rules.get(code).severity.label == severities.pop(), code


def test_an_unknown_api_is_reported_as_info_and_fails_only_at_fail_on_info() -> None:
    """SC901 is shown (never passed silently) as info: exit 0 by default, 1 with
    `--fail-on info`."""
    from tests.conftest import FIXTURES, run_streamcheck

    bad = str(FIXTURES / "rules" / "SC901" / "bad.sse")
    done = run_streamcheck("check", bad)
    assert done.returncode == 0, done.stdout
    assert "info    SC901 unknown-protocol" in done.stdout
    assert "0 warnings, 1 info" in done.stdout
    assert run_streamcheck("check", bad, "--fail-on", "info").returncode == 1

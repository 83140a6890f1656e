"""Every finding says what to do (issue 19): in text output each error and warning carries a
`fix:` line, its own hint or its rule's cause and fix, and `explain` cites public sources.

The rule fixtures (fixtures/rules/<CODE>/bad.*, tests/test_rule_fixtures.py) trigger every
registered rule; each is checked and rendered as text, and each error or warning in the output
must be followed by its fix line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from streamcheck import check_bytes, check_paths, rules
from streamcheck.check import CheckOptions
from streamcheck.report import text
from tests.conftest import FIXTURES, run_streamcheck

RULES_DIR = FIXTURES / "rules"
CODES = sorted(code for code, rule in rules.REGISTRY.items() if not rule.retired)
HEADLINE = re.compile(r"^    (error|warning|info) +(SC\d{3}) ")
# One or two sentences: a fix line is read under each finding, the rest is in `explain`.
MOST = 240


def _bad(code: str) -> Path:
    found = [p for p in (RULES_DIR / code).glob("bad.*") if p.suffix != ".md"]
    assert len(found) == 1
    return found[0]


def _text(path: Path) -> str:
    declared = tuple(path.parent.glob("protocol.*"))
    options = CheckOptions(protocol_files=declared, force_protocols=bool(declared))
    return text.plain(check_paths([str(path)], options), verbose=True, width=100)


def _findings_with_fix(output: str) -> list[tuple[str, str, bool]]:
    """(severity, code, has a fix line) for every finding printed."""
    found: list[tuple[str, str, bool]] = []
    for line in output.splitlines():
        match = HEADLINE.match(line)
        if match:
            found.append((match.group(1), match.group(2), False))
        elif found and line.startswith(" " * text.FINDING_INDENT + "fix: "):
            severity, code, _ = found[-1]
            found[-1] = (severity, code, True)
    return found


@pytest.mark.parametrize("code", [c for c in CODES if c != "SC920"])
def test_every_error_and_warning_in_text_output_has_a_fix_line(code: str) -> None:
    output = _text(_bad(code))
    findings = _findings_with_fix(output)
    assert any(found == code for _, found, _ in findings), output
    # A fix is printed once per exchange, under the first finding of the code it answers.
    missing = [
        (s, c)
        for n, (s, c, fixed) in enumerate(findings)
        if s != "info" and not fixed and c not in {x[1] for x in findings[:n]}
    ]
    assert not missing, f"no fix line for {missing}:\n{output}"


def test_a_baseline_entry_no_longer_found_is_shown_with_its_rule() -> None:
    """SC920 is about a run, not a recording: checked through the CLI against its baseline."""
    folder = RULES_DIR / "SC920"
    done = run_streamcheck(
        "check", str(_bad("SC920")), "--baseline", str(folder / "streamcheck.baseline")
    )
    assert "SC920" in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize("code", CODES)
def test_each_rule_has_a_short_cause_and_fix(code: str) -> None:
    fix = rules.REGISTRY[code].fix
    assert fix and "\n" not in fix
    assert len(fix) <= MOST, f"{code}: {len(fix)} characters; keep the detail in the doc"
    assert fix == rules.fix_for(code)


def test_a_finding_with_its_own_hint_shows_the_hint_not_the_rule_text() -> None:
    body = (
        b"HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n\r\n"
        b'{"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",'
        b' "code": "invalid_api_key"}}'
    )
    report = check_bytes(body)
    [finding] = [f for f in report.findings() if f.code == "SC401"]
    assert finding.hint
    words = " ".join(text.plain(report, width=80).split())
    assert f"fix: {finding.hint}" in words
    assert rules.REGISTRY["SC401"].fix not in words


def test_info_findings_get_no_rule_fix_line() -> None:
    output = _text(_bad("SC107"))  # byte-order-mark, info
    assert "SC107" in output
    assert rules.REGISTRY["SC107"].fix not in output


@pytest.mark.parametrize("code", sorted(rules.REGISTRY))
def test_explain_cites_public_sources_not_internal_documents(code: str) -> None:
    doc = rules.REGISTRY[code].doc
    for internal in ("PROVIDERS.md", "DESIGN.md", "Bamboo-agent", "shared corpus"):
        assert internal not in doc, f"{code} cites {internal}"

"""Every rule code has a recording that triggers it and one that does not (STYLE habit 8).

fixtures/rules/<CODE>/bad.<ext> must produce the code; good.<ext> must not. Both are checked
with no flags, so each fixture is self-describing; the rules of user-defined protocols need their
protocol file, so a folder holding a `protocol.yaml` / `protocol.toml` is checked with it, as
`check --protocol` would.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from streamcheck import check_paths, rules
from streamcheck.check import CheckOptions
from tests.conftest import FIXTURES

RULES_DIR = FIXTURES / "rules"
CODES = sorted(code for code, rule in rules.REGISTRY.items() if not rule.retired)


def _one(folder: Path, stem: str) -> Path:
    found = [p for p in folder.glob(f"{stem}.*") if p.suffix != ".md"]
    assert len(found) == 1, f"{folder} needs exactly one {stem}.* recording, found {found}"
    return found[0]


def _options(folder: Path) -> CheckOptions:
    declared = tuple(folder.glob("protocol.*"))
    return CheckOptions(protocol_files=declared, force_protocols=bool(declared))


@pytest.mark.parametrize("code", CODES)
def test_bad_fixture_triggers_the_rule(code: str) -> None:
    bad = _one(RULES_DIR / code, "bad")
    found = {f.code for f in check_paths([str(bad)], _options(bad.parent)).findings()}
    assert code in found, f"{bad} should produce {code}, produced {sorted(found)}"


@pytest.mark.parametrize("code", CODES)
def test_good_fixture_does_not_trigger_the_rule(code: str) -> None:
    good = _one(RULES_DIR / code, "good")
    found = {f.code for f in check_paths([str(good)], _options(good.parent)).findings()}
    assert code not in found, f"{good} should not produce {code}, produced {sorted(found)}"


def test_no_fixture_folder_for_an_unknown_code() -> None:
    folders = {p.name for p in RULES_DIR.iterdir() if p.is_dir()}
    assert folders <= set(rules.REGISTRY), sorted(folders - set(rules.REGISTRY))

"""Every rule code has a recording that triggers it and one that does not (STYLE habit 8).

fixtures/rules/<CODE>/bad.<ext> must produce the code; good.<ext> must not. Both are checked
with no flags, so each fixture is self-describing; the rules of user-defined protocols need their
protocol file, so a folder holding a `protocol.yaml` / `protocol.toml` is checked with it, as
`check --protocol` would; a code about a run rather than a recording (SC920, a baseline entry no
longer found) has a `streamcheck.baseline` beside them (a name the folder walk passes over), and
both are then checked through the CLI against it.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from streamcheck import check_paths, rules
from streamcheck.check import CheckOptions
from tests.conftest import FIXTURES, run_streamcheck

RULES_DIR = FIXTURES / "rules"
CODES = sorted(code for code, rule in rules.REGISTRY.items() if not rule.retired)


def _one(folder: Path, stem: str) -> Path:
    found = [p for p in folder.glob(f"{stem}.*") if p.suffix != ".md"]
    assert len(found) == 1, f"{folder} needs exactly one {stem}.* recording, found {found}"
    return found[0]


def _options(folder: Path) -> CheckOptions:
    declared = tuple(folder.glob("protocol.*"))
    return CheckOptions(protocol_files=declared, force_protocols=bool(declared))


def _codes(path: Path) -> set[str]:
    baseline = path.parent / "streamcheck.baseline"
    if not baseline.is_file():
        return {f.code for f in check_paths([str(path)], _options(path.parent)).findings()}
    done = run_streamcheck("check", str(path), "--baseline", str(baseline), "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    report = orjson.loads(done.stdout)
    found = {f["code"] for r in report["results"] for f in r["findings"]}
    return found | {f["code"] for f in report["baseline"]["absent_findings"]}


@pytest.mark.parametrize("code", CODES)
def test_bad_fixture_triggers_the_rule(code: str) -> None:
    bad = _one(RULES_DIR / code, "bad")
    found = _codes(bad)
    assert code in found, f"{bad} should produce {code}, produced {sorted(found)}"


@pytest.mark.parametrize("code", CODES)
def test_good_fixture_does_not_trigger_the_rule(code: str) -> None:
    good = _one(RULES_DIR / code, "good")
    found = _codes(good)
    assert code not in found, f"{good} should not produce {code}, produced {sorted(found)}"


def test_no_fixture_folder_for_an_unknown_code() -> None:
    folders = {p.name for p in RULES_DIR.iterdir() if p.is_dir()}
    assert folders <= set(rules.REGISTRY), sorted(folders - set(rules.REGISTRY))

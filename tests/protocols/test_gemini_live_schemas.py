"""The shipped Gemini Live schemas are what tools/gen_gemini_live.py makes from the locked
google-genai's LiveServerMessage: a google-genai release that changes the messages fails
here until the generator is run again."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from tests.conftest import ROOT

SHIPPED = ROOT / "schemas" / "gemini" / "live"


def test_shipped_gemini_live_schemas_are_what_the_generator_makes(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "gen_gemini_live", ROOT / "tools" / "gen_gemini_live.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    module.main(tmp_path / "live" / "v1beta")
    made = {
        str(p.relative_to(tmp_path / "live")): p.read_text()
        for p in sorted((tmp_path / "live").rglob("*.json"))
    }
    shipped = {str(p.relative_to(SHIPPED)): p.read_text() for p in sorted(SHIPPED.rglob("*.json"))}
    assert made == shipped, "run: python tools/gen_gemini_live.py"
    assert "serverContent.json" in str(sorted(made))

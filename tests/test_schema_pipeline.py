"""The schema pipeline (tools/schemas/generate.py): the shipped schemas hold what the locked
SDKs know (event kinds, the enums clients branch on), and the pipeline finds and fixes drift."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType

from tests.conftest import ROOT


def pipeline() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "schema_generate", ROOT / "tools" / "schemas" / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*.json"))}


def test_shipped_schemas_are_what_the_locked_sdks_generate(tmp_path: Path) -> None:
    copy = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", copy)
    changes, _ = pipeline().run(copy, write=True)
    assert [f"{c.api}: {c.what}" for c in changes] == [], (
        "schemas/ lags the locked SDKs: run `python tools/schemas/generate.py` and commit"
    )
    assert tree(copy) == tree(ROOT / "schemas")


def test_drift_is_found_and_written_back_and_exclusions_hold(tmp_path: Path) -> None:
    copy = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", copy)
    chunk = copy / "openai" / "chat-completions" / "2.3.0" / "chunk.json"
    schema = json.loads(chunk.read_text())
    finish = schema["$defs"]["choice"]["properties"]["finish_reason"]
    finish["enum"].remove("length")  # the schema lags an SDK value
    chunk.write_text(json.dumps(schema))
    generated = copy / "openai" / "responses" / "2.3.0" / "response.compaction.compacting.json"
    generated.unlink()  # an event the SDK has and no schema judges
    changes, kept = pipeline().run(copy, write=True)
    said = [f"{c.api}: {c.what}" for c in changes]
    assert said == [
        "openai/chat-completions/2.3.0: chunk.json: finish_reason gains ['length']",
        "openai/responses/2.3.0: new event 'response.compaction.compacting': generated from the "
        "SDK",
    ]
    finish_now = json.loads(chunk.read_text())["$defs"]["choice"]["properties"]["finish_reason"]
    assert "length" in finish_now["enum"] and finish_now["enum"][-1] is None
    assert generated.read_text() == (ROOT / generated.relative_to(tmp_path)).read_text()
    # A deliberate exclusion is said, never written: 2023-06-01 clients may not know it.
    assert any("model_context_window_exceeded" in k for k in kept)
    stop = json.loads((copy / "anthropic/messages/2023-06-01/message_delta.json").read_text())
    assert "model_context_window_exceeded" not in json.dumps(stop)

"""The schema pipeline (tools/schemas/generate.py): the shipped schemas hold what the locked
SDKs know (event kinds, the enums clients branch on), and the pipeline finds and fixes drift."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import ROOT, SPECS, needs_shared


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


def spec() -> Path | None:
    document = SPECS / "openai-openapi.yaml"
    return document if document.is_file() else None


def drift(shipped: Path, scratch: Path) -> list[str]:
    """What the whole pipeline (the OpenAPI step when ../shared holds the document, the SDK
    steps, the compatible dialects) changes when run on a copy of `shipped`: the SDK overlay's
    changes, then every schema file that differs from what it generates."""
    copy = scratch / "schemas"
    shutil.copytree(shipped, copy)
    generate = pipeline()
    changes, _ = generate.pipeline(copy, spec())
    return [f"{c.api}: {c.what}" for c in changes] + generate.differences(shipped, copy)


def test_shipped_schemas_are_what_the_locked_sdks_generate(tmp_path: Path) -> None:
    assert drift(ROOT / "schemas", tmp_path) == [], (
        "schemas/ lags the locked SDKs: run `python tools/schemas/generate.py` and commit"
    )


def shipped_copy(tmp_path: Path) -> Path:
    shipped = tmp_path / "shipped"
    shutil.copytree(ROOT / "schemas", shipped)
    return shipped


def edit(file: Path, change: Callable[[dict[str, Any]], None]) -> None:
    schema = json.loads(file.read_text())
    change(schema)
    file.write_text(json.dumps(schema, indent=2) + "\n")


@needs_shared
def test_a_hand_edit_to_a_member_generated_from_the_spec_is_drift(tmp_path: Path) -> None:
    """The chat chunk is generated from OpenAI's OpenAPI document member by member: a shipped
    file that says `delta.content` may not be null (the spec says it may) fails the comparison
    the drift test makes, and names the file."""
    shipped = shipped_copy(tmp_path)
    chunk = shipped / "openai" / "chat-completions" / "2.3.0" / "chunk.json"

    def not_null(schema: dict[str, Any]) -> None:
        schema["$defs"]["delta"]["properties"]["content"] = {"type": "string"}

    edit(chunk, not_null)
    assert drift(shipped, tmp_path) == ["openai/chat-completions/2.3.0/chunk.json"]


@needs_shared
def test_a_chat_version_folder_no_generator_makes_stops_the_run(tmp_path: Path) -> None:
    """Every chat-completions version in versions.json is generated (2.3.0 from the document,
    2023-11 as its LEGACY overlay); one the generator cannot make stops the run by name
    instead of shipping a stale hand-kept file."""
    copy = shipped_copy(tmp_path)

    def newer(versions: dict[str, Any]) -> None:
        versions["versions"]["2099-01"] = "a version nobody generates"

    edit(copy / "openai" / "chat-completions" / "versions.json", newer)
    with pytest.raises(SystemExit, match=r"no generator for chat-completions \['2099-01'\]"):
        pipeline().pipeline(copy, spec())


@needs_shared
def test_where_openai_python_and_the_spec_disagree_on_the_chunk_is_in_the_drift_report() -> None:
    """The chat chunk comes from the OpenAPI document; openai-python's ChatCompletionChunk is
    the cross-check: each member or required member one has and the other lacks is a line of
    tools/schemas/DRIFT.md (run `python tools/schemas/generate.py` after a lock refresh)."""
    sys.path.insert(0, str(ROOT / "tools" / "schemas"))
    import openai_chat  # type: ignore[import-not-found]

    document = spec()
    assert document is not None
    notes = openai_chat.crosscheck(document)
    assert any("finish_reason" in n for n in notes)  # optional in the SDK, required in the spec
    report = (ROOT / "tools" / "schemas" / "DRIFT.md").read_text()
    assert [n for n in notes if f"- {n}" not in report] == []


@needs_shared
def test_the_spec_step_rewrites_what_it_generates_and_keeps_what_it_does_not(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", copy)
    responses = copy / "openai" / "responses" / "2.3.0"
    (responses / "response.output_text.delta.json").write_text("{}")
    (copy / "openai" / "realtime" / "ga" / "error.json").unlink()
    (copy / "vllm" / "chat-completions" / "compat" / "chunk.json").write_text("{}")
    generate = pipeline()
    assert len(generate.differences(ROOT / "schemas", copy)) == 3
    generate.pipeline(copy, spec())
    assert generate.differences(ROOT / "schemas", copy) == []
    # hand-kept (the WebSocket error) and SDK-generated files beside the spec's stay
    assert (responses / "websocket-error.json").is_file()
    assert (responses / "response.compaction.compacting.json").is_file()


def test_a_hand_edit_to_a_member_generated_from_the_sdk_is_drift(tmp_path: Path) -> None:
    """The Anthropic events are generated from anthropic-sdk-python's models member by member:
    a shipped text_delta whose `text` may be a number fails the comparison, named by file."""
    shipped = shipped_copy(tmp_path)
    delta = shipped / "anthropic" / "messages" / "2023-06-01" / "content_block_delta.json"

    def any_text(schema: dict[str, Any]) -> None:
        for branch in schema["properties"]["delta"]["allOf"]:
            if branch["if"]["properties"]["type"] == {"const": "text_delta"}:
                branch["then"]["properties"]["text"] = {"type": ["string", "number"]}

    edit(delta, any_text)
    assert drift(shipped, tmp_path) == ["anthropic/messages/2023-06-01/content_block_delta.json"]


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
    reasons = stop["properties"]["delta"]["properties"]["stop_reason"]["enum"]
    assert "end_turn" in reasons and "model_context_window_exceeded" not in reasons


def test_the_sdk_generators_own_their_schemas_field_by_field(tmp_path: Path) -> None:
    """Gemini's chunk (google-genai), Cohere's v2 and v1 events (cohere) and Bedrock's events
    (botocore) are generated member by member: a hand edit to a generated field is drift the
    comparison names, and the pipeline writes the SDK's shape back."""
    copy = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", copy)
    edits = {
        "gemini/stream-generate-content/v1beta/chunk.json": ("$defs", "part", "text"),
        "cohere/chat/v2/content-delta.json": ("properties", "index"),
        "cohere/chat/v1/stream-end.json": ("properties", "finish_reason"),
        "aws-bedrock/converse-stream/2023-09-30/metadata.json": ("properties", "usage"),
    }
    for name, path in edits.items():
        file = copy / name
        schema = json.loads(file.read_text())
        node = schema
        for step in path[:-1]:
            node = node[step]
        if path[0] == "$defs":
            node = node["properties"]
        node[path[-1]] = {"type": "boolean"}  # a member typed by hand, not by the SDK
        file.write_text(json.dumps(schema, indent=2) + "\n")
    generate = pipeline()
    assert generate.differences(ROOT / "schemas", copy) == sorted(edits)
    for generator in generate.sdk_generators():
        generator.main(copy)
    assert generate.differences(ROOT / "schemas", copy) == []
    # The member really is the SDK's: Gemini's text part is a string, as google-genai types it.
    chunk = json.loads((copy / "gemini/stream-generate-content/v1beta/chunk.json").read_text())
    assert chunk["$defs"]["part"]["properties"]["text"] == {"type": "string"}
    assert "Generated by tools/schemas/gemini.py from google-genai" in chunk["$comment"]


def test_an_overlay_whose_place_the_sdk_dropped_fails_loudly() -> None:
    """An overlay entry pointing where the SDK's shape no longer has a member stops the run
    (KeyError), so a hand relaxation never outlives what it was for unnoticed."""
    sys.path.insert(0, str(ROOT / "tools" / "schemas"))
    import shapes  # type: ignore[import-not-found]

    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    shapes.apply(schema, [shapes.Overlay("/properties/a", {"minLength": 1}, "why")])
    assert schema["properties"]["a"] == {"type": "string", "minLength": 1}
    with pytest.raises(KeyError):
        shapes.apply(schema, [shapes.Overlay("/properties/gone", {"minLength": 1}, "why")])


def open_responses() -> ModuleType:
    return pipeline().open_responses_step()  # type: ignore[no-any-return]


def test_open_responses_schemas_are_what_the_pinned_releases_generate(tmp_path: Path) -> None:
    """schemas/open-responses/responses/ is what tools/schemas/open_responses.py writes from the
    pinned releases (the documents live in the cache, outside the repository: fill it with
    `python tools/schemas/open_responses.py --from-git CLONE`)."""
    step = open_responses()
    try:
        step.documents(step.cache())
    except step.SpecError as exc:
        pytest.skip(f"{exc} (fill the cache: see README, 'Open Responses')")
    copy = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", copy)
    (copy / "open-responses" / "responses" / "2026-04-24" / "error.json").write_text("{}")
    generate = pipeline()
    changes, _ = generate.pipeline(copy, None, step.cache())
    # the drift report says what the step rewrote, and from which release and commit
    assert [f"{c.api}: {c.what}" for c in changes] == [
        "open-responses/responses/2026-04-24: error.json: regenerated (release 2026-04-24, "
        "commit 4849f32442bc)"
    ]
    assert generate.differences(ROOT / "schemas", copy) == [], (
        "schemas/open-responses lags the pinned releases: run "
        "`python tools/schemas/open_responses.py` and commit"
    )


def test_each_shipped_open_responses_schema_names_its_release_commit_and_digest() -> None:
    pin = json.loads((ROOT / "tools" / "schemas" / "open-responses.json").read_text())
    folder = ROOT / "schemas" / "open-responses" / "responses"
    assert json.loads((folder / "versions.json").read_text())["default"] == max(pin["releases"])
    for release, entry in pin["releases"].items():
        files = sorted((folder / release).glob("*.json"))
        assert len(files) == 24  # the text/event-stream union of POST /responses
        for file in files:
            comment = json.loads(file.read_text())["$comment"]
            assert f"release {release}" in comment
            assert entry["commit"] in comment and entry["sha256"] in comment


def test_an_open_responses_document_not_pinned_or_missing_is_one_line(tmp_path: Path) -> None:
    script = str(ROOT / "tools" / "schemas" / "open_responses.py")
    spec = tmp_path / "spec"
    args = [script, "--open-responses-spec", str(spec), "--out", str(tmp_path / "out")]
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and done.stdout == ""
    missing = spec / "2026-01-15" / "openapi.json"
    assert done.stderr == f"error: no Open Responses 2026-01-15 document at {missing}\n"
    missing.parent.mkdir(parents=True)
    missing.write_text('{"openapi": "3.1.0"}')
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert "is not the pinned ee8c96e11e19" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_the_pipeline_leaves_open_responses_out_and_names_the_missing_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pipeline().open_responses_documents(tmp_path) is None
    missing = tmp_path / "2026-01-15" / "openapi.json"
    assert capsys.readouterr().err == (
        f"no Open Responses 2026-01-15 document at {missing}: the Open Responses step is left out\n"
    )

"""Open Responses as an API of its own: a stream is judged by the specification's releases when
the user names it, and an OpenAI Responses stream stays OpenAI's otherwise."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURES, run_in_process

OPEN = str(FIXTURES / "open-responses" / "reasoning-and-text.sse")
OPENAI = str(FIXTURES / "openai-responses" / "clean-text.sse")


def check(*args: str) -> tuple[int, dict[str, Any]]:
    done = run_in_process("check", *args, "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    [result] = json.loads(done.stdout)["results"]
    return done.returncode, result


def codes(result: dict[str, Any]) -> list[str]:
    return [f["code"] for f in result["findings"]]


def test_a_stream_named_open_responses_is_judged_by_its_newest_release_and_says_so() -> None:
    for named in (("--api", "open-responses"), ("--provider", "open-responses")):
        code, result = check(OPEN, *named)
        assert code == 0
        assert (result["provider"], result["api"], result["api_version"]) == (
            "open-responses",
            "responses",
            "2026-04-24",
        )
        # response.reasoning.delta is an Open Responses event: no SC202 under its schemas.
        assert codes(result) == ["SC902"]
        [note] = result["findings"]
        assert "open-responses responses 2026-04-24 schemas" in note["message"]
        assert "newest Open Responses release" in note["message"]
        assert "--api-version" in note["message"]


def test_the_same_stream_unnamed_is_openai_responses_and_its_open_responses_events_unknown() -> (
    None
):
    code, result = check(OPEN)
    assert code == 0
    assert (result["provider"], result["api"]) == ("openai", "responses")
    unknown = [f["message"] for f in result["findings"] if f["code"] == "SC202"]
    assert len(unknown) == 3 and all("response.reasoning." in m for m in unknown)


def test_an_openai_stream_stays_openai_and_fails_the_open_responses_resource() -> None:
    code, result = check(OPENAI)
    assert code == 0 and (result["provider"], result["api"]) == ("openai", "responses")
    assert codes(result) == []
    # OpenAI's response object lacks members Open Responses' ResponseResource requires.
    code, result = check(OPENAI, "--api", "open-responses")
    assert code == 1
    errors = [f["message"] for f in result["findings"] if f["code"] == "SC201"]
    assert len(errors) == 3
    assert errors[0].startswith("response.created frame: 'completed_at' is a required property")
    assert "at /response" in errors[0]


def test_api_version_picks_the_release_without_a_note() -> None:
    """2026-01-15 requires logprobs on output text; 2026-04-24 made them optional."""
    code, result = check(OPEN, "--api", "open-responses", "--api-version", "2026-01-15")
    assert code == 1
    assert result["api_version"] == "2026-01-15"
    assert "SC902" not in codes(result)
    messages = [f["message"] for f in result["findings"] if f["code"] == "SC201"]
    assert messages and all("'logprobs' is a required property" in m for m in messages)
    assert any(m.startswith("response.output_text.delta frame:") for m in messages)
    code, result = check(OPEN, "--api", "open-responses", "--api-version", "2026-04-24")
    assert code == 0 and codes(result) == []


def test_an_unknown_release_is_one_line() -> None:
    done = run_in_process("check", OPEN, "--api", "open-responses", "--api-version", "2027-01-01")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "open-responses/responses version '2027-01-01'" in lines[0]
    assert "2026-01-15, 2026-04-24" in lines[0]


def test_the_config_names_open_responses_for_every_responses_stream(tmp_path: Path) -> None:
    """`api = "open-responses"` in the config: a stream detected as OpenAI Responses (by its
    frames, or a tape's URL) is judged by Open Responses; its `api-version` picks the release."""
    tape = FIXTURES / "conform" / "responses-clean" / "responses-text.tape"
    for source in (OPEN, str(tape)):
        shutil.copyfile(source, tmp_path / Path(source).name)
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.streamcheck]\napi = "open-responses"\n')
    done = run_in_process("check", "reasoning-and-text.sse", "--format", "json", cwd=tmp_path)
    [result] = json.loads(done.stdout)["results"]
    assert (result["provider"], result["api_version"]) == ("open-responses", "2026-04-24")
    assert codes(result) == ["SC902"]
    # conform's replay of an OpenAI server: its usage lacks the token details the spec requires
    done = run_in_process("check", "responses-text.tape", "--format", "json", cwd=tmp_path)
    [result] = json.loads(done.stdout)["results"]
    assert result["provider"] == "open-responses" and done.returncode == 1
    assert any(
        "'input_tokens_details' is a required property at /response/usage" in f["message"]
        for f in result["findings"]
    )
    config.write_text('[tool.streamcheck]\napi = "open-responses"\napi-version = "2026-01-15"\n')
    done = run_in_process("check", "reasoning-and-text.sse", "--format", "json", cwd=tmp_path)
    [result] = json.loads(done.stdout)["results"]
    assert result["api_version"] == "2026-01-15" and "SC902" not in codes(result)
    assert "SC201" in codes(result)

"""A whole body where a stream was expected (check/body.py), through the CLI."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.conftest import run_in_process

# What an OpenAI-compatible gateway in front of Ollama or Bedrock answers (aimock does the same):
# an error in OpenAI's shape, which neither provider's own APIs document.
DUMP = (
    b"HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n\r\n"
    b'{"error": {"message": "You exceeded your current quota.", "type": "insufficient_quota",'
    b' "code": "insufficient_quota"}}'
)


@pytest.mark.parametrize("provider", ["ollama", "aws-bedrock"])
def test_an_error_body_under_a_named_provider_is_that_providers(
    tmp_path: Path, provider: str
) -> None:
    """issue 21: with --provider ollama or aws-bedrock an error body in a shape neither
    documents was classified but said to come from an unknown protocol ("the server")."""
    dump = tmp_path / "answer.txt"
    dump.write_bytes(DUMP)
    done = run_in_process("check", "--provider", provider, str(dump))
    assert done.returncode == 1
    assert f"exchange 0 · {provider} · HTTP 429" in done.stdout
    assert f"{provider} answered with an error body instead of a stream: [billing]" in done.stdout
    report = orjson.loads(
        run_in_process("check", "-f", "json", "--provider", provider, str(dump)).stdout
    )
    (result,) = report["results"]
    assert (result["provider"], result["error_class"]) == (provider, "billing")
    assert report["summary"]["unjudged"] == 0
    # Unnamed, the error's own shape still says OpenAI, as before.
    assert "openai answered" in run_in_process("check", str(dump)).stdout

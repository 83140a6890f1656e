"""The README quick start, end to end: the motivating GPT-4 error bodies through the real CLI."""

from __future__ import annotations

import json

from tests.conftest import FIXTURES, run_streamcheck

NO_ACCESS = str(FIXTURES / "openai" / "gpt4-no-model-access.http")
NO_QUOTA = str(FIXTURES / "openai" / "gpt4-no-quota.http")


def test_no_model_access_fails_and_says_why_and_how_to_fix() -> None:
    done = run_streamcheck("check", NO_ACCESS)
    assert done.returncode == 1, done.stderr
    out = done.stdout
    assert "SC401" in out
    assert "no-access" in out and "model_not_found" in out and "HTTP 404" in out
    assert "The model `gpt-4` does not exist or you do not have access to it." in out
    assert "finish_reason" in out and "KeyError" in out  # how the app crashes on it
    assert "GET /v1/models" in out  # the fix
    assert done.stderr == ""


def test_no_quota_is_a_billing_problem() -> None:
    done = run_streamcheck("check", NO_QUOTA, "--format", "json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    [result] = report["results"] if isinstance(report, dict) else report
    assert result["error_class"] == "billing"
    assert result["status"] == 429
    [finding] = result["findings"]
    assert finding["code"] == "SC401"
    assert "insufficient_quota" in finding["message"]
    assert "credit" in finding["hint"]


def test_clean_stream_exits_zero() -> None:
    done = run_streamcheck("check", str(FIXTURES / "openai"), "--select", "SC3")
    assert done.returncode == 0, done.stdout

"""Error body classification (streamcheck.errors): what went wrong and what to do about it.

OpenAI bodies follow PROVIDERS.md section 3.1; the bodies are written out in full, as the API
sends them (`ErrorResponse`: message, type, param, code).
"""

from __future__ import annotations

import json

import pytest

from streamcheck import check_bytes
from streamcheck.errors import CLASSES, classify
from tests.conftest import run_streamcheck


def openai_error(message: str, type_: str, code: str | None, param: str | None = None) -> bytes:
    error = {"message": message, "type": type_, "param": param, "code": code}
    return json.dumps({"error": error}, indent=4).encode() + b"\n"


OPENAI_CASES = [
    pytest.param(
        401,
        openai_error(
            "Incorrect API key provided: sk-canar****************1234. You can find your API key "
            "at https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            "invalid_api_key",
        ),
        "auth",
        id="401-invalid_api_key",
    ),
    pytest.param(
        401,
        openai_error(
            "You didn't provide an API key. You need to provide your API key in an Authorization "
            "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            "invalid_request_error",
            None,
        ),
        "auth",
        id="401-no-key",
    ),
    pytest.param(
        404,
        openai_error(
            "The model `gpt-4` does not exist or you do not have access to it.",
            "invalid_request_error",
            "model_not_found",
        ),
        "no-access",
        id="404-model_not_found",
    ),
    pytest.param(
        403,
        openai_error(
            "Country, region, or territory not supported",
            "request_forbidden",
            "unsupported_country_region_territory",
        ),
        "region",
        id="403-unsupported-country",
    ),
    pytest.param(
        429,
        openai_error(
            "You exceeded your current quota, please check your plan and billing details.",
            "insufficient_quota",
            "insufficient_quota",
        ),
        "billing",
        id="429-insufficient_quota",
    ),
    pytest.param(
        429,
        openai_error(
            "Rate limit reached for gpt-4 in organization org-canary on tokens per min (TPM): "
            "Limit 10000, Used 9800, Requested 700. Please try again in 3s. Visit "
            "https://platform.openai.com/account/rate-limits to learn more. You can increase your "
            "rate limit by adding a payment method to your account at "
            "https://platform.openai.com/account/billing.",
            "tokens",
            "rate_limit_exceeded",
        ),
        "rate-limit",
        id="429-rate_limit_exceeded-mentions-billing",
    ),
    pytest.param(
        500,
        openai_error(
            "The server had an error while processing your request. Sorry about that!",
            "server_error",
            None,
        ),
        "server-error",
        id="500-server_error",
    ),
    pytest.param(
        503,
        openai_error(
            "The engine is currently overloaded, please try again later.", "server_error", None
        ),
        "overloaded",
        id="503-overloaded",
    ),
    pytest.param(
        503,
        openai_error("Slow down", "server_error", "slow_down"),
        "overloaded",
        id="503-slow_down",
    ),
    pytest.param(
        400,
        openai_error(
            "This model's maximum context length is 8192 tokens. However, your messages resulted "
            "in 9135 tokens. Please reduce the length of the messages.",
            "invalid_request_error",
            "context_length_exceeded",
            "messages",
        ),
        "context-length",
        id="400-context_length_exceeded",
    ),
    pytest.param(
        400,
        openai_error(
            "This model's maximum context length is 8192 tokens.", "invalid_request_error", None
        ),
        "context-length",
        id="400-context-length-by-message",
    ),
    pytest.param(
        400,
        openai_error(
            "Your request was rejected as a result of our safety system.",
            "invalid_request_error",
            "content_filter",
        ),
        "content-filter",
        id="400-content_filter",
    ),
    pytest.param(
        400,
        openai_error(
            "Invalid prompt: your prompt was flagged as potentially violating our usage policy.",
            "invalid_request_error",
            "invalid_prompt",
        ),
        "content-filter",
        id="400-invalid_prompt",
    ),
    pytest.param(
        400,
        openai_error(
            "Unrecognized request argument supplied: foo", "invalid_request_error", None, "foo"
        ),
        "bad-request",
        id="400-generic",
    ),
]


@pytest.mark.parametrize(("status", "body", "klass"), OPENAI_CASES)
def test_openai_error_bodies_are_classified(status: int, body: bytes, klass: str) -> None:
    verdict = classify(body, status, "application/json")
    assert verdict.klass == klass
    assert verdict.documented
    assert verdict.shape == "openai"
    assert verdict.hint  # every class has a fix


@pytest.mark.parametrize(("status", "body", "klass"), OPENAI_CASES)
def test_openai_error_body_instead_of_a_stream(status: int, body: bytes, klass: str) -> None:
    dump = f"HTTP/2 {status} \r\ncontent-type: application/json\r\n\r\n".encode() + body
    report = check_bytes(dump)
    [finding] = report.findings()
    assert finding.code == "SC401"
    assert report.results[0].error_class == klass
    assert f"[{klass}] HTTP {status}" in finding.message
    # The incident this tool exists for: say how the app crashes on this body.
    assert "chunk['choices'][0]['finish_reason'] raises KeyError" in finding.message
    assert finding.hint == classify(body, status).hint


def test_openai_hints_name_the_fix() -> None:
    no_access = classify(openai_error("x", "invalid_request_error", "model_not_found"), 404)
    assert "GET /v1/models" in no_access.hint and "tier" in no_access.hint
    quota = classify(openai_error("x", "insufficient_quota", "insufficient_quota"), 429)
    assert "retrying does not help" in quota.hint
    assert quota.hint != CLASSES["rate-limit"]
    key = classify(openai_error("x", "invalid_request_error", "invalid_api_key"), 401)
    assert "OPENAI_API_KEY" in key.hint


REGION = openai_error(
    "Country, region, or territory not supported",
    "request_forbidden",
    "unsupported_country_region_territory",
)


def test_a_region_refusal_is_its_own_class_with_its_own_hint() -> None:
    """OpenAI's 403 unsupported_country_region_territory is about where the request comes
    from, not about the model: the model-access advice (GET /v1/models, tiers) would mislead."""
    verdict = classify(REGION, 403)
    assert verdict.klass == "region"
    assert "supported" in verdict.hint and "not the key or the model" in verdict.hint
    assert "GET /v1/models" not in verdict.hint and "tier" not in verdict.hint
    # By its message alone (a gateway that keeps the text and drops the code).
    worded = openai_error("Country, region, or territory not supported", "request_forbidden", None)
    assert classify(worded, 403).klass == "region"


def test_check_prints_the_region_hint_for_a_region_refusal() -> None:
    dump = b"HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\n\r\n" + REGION
    done = run_streamcheck("check", "-", input=dump)
    assert done.returncode == 1, done.stderr
    assert "error: region" in done.stdout and "SC401" in done.stdout
    words = " ".join(done.stdout.split())
    assert "not the key or the model" in words and "GET /v1/models" not in words


def test_generic_type_is_used_when_the_status_cannot_decide() -> None:
    """In-stream errors arrive under HTTP 200: then the error type is the best evidence."""
    value = json.loads(openai_error("The server had an error", "server_error", None))
    assert classify(None, 200, value=value).klass == "server-error"
    value = json.loads(openai_error("Tool call validation failed", "invalid_request_error", None))
    assert classify(None, 200, value=value).klass == "bad-request"


def test_canary_key_in_an_error_message_is_redacted() -> None:
    key = "sk-canary" + "0123456789abcdefghijklmnopqrstuvwxyzABCD"
    body = openai_error(
        f"Incorrect API key provided: {key}.", "invalid_request_error", "invalid_api_key"
    )
    dump = b"HTTP/2 401 \r\ncontent-type: application/json\r\n\r\n" + body
    [finding] = check_bytes(dump).findings()
    assert finding.code == "SC401"
    shown = " ".join(str(v) for v in finding.to_dict().values())
    assert key not in shown

"""Anthropic error bodies: each documented status/type lands in the right class.

Bodies follow Anthropic's Errors page: `{"type": "error", "error": {"type", "message"},
"request_id"}`; the same object is an in-stream `event: error`.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from streamcheck import check_bytes, errors


def body(error_type: str, message: str, **error: Any) -> bytes:
    return json.dumps(
        {
            "type": "error",
            "error": {"type": error_type, "message": message, **error},
            "request_id": "req_011Canary",
        }
    ).encode()


CASES = [
    (401, "authentication_error", "invalid x-api-key", {}, "auth"),
    (
        403,
        "permission_error",
        "Your API key does not have permission to use this model.",
        {},
        "no-access",
    ),
    (404, "not_found_error", "model: claude-3-opus-19000101", {}, "no-access"),
    (404, "not_found_error", "Not Found", {}, "not-found"),
    (402, "billing_error", "Your account has no active billing.", {}, "billing"),
    (
        400,
        "invalid_request_error",
        "Your credit balance is too low to access the Anthropic API. Please go to Plans & "
        "Billing to upgrade or purchase credits.",
        {},
        "billing",
    ),
    (
        429,
        "rate_limit_error",
        "Number of request tokens has exceeded your per-minute rate limit",
        {},
        "rate-limit",
    ),
    (
        429,
        "rate_limit_error",
        "You have reached your specified workspace API usage limits.",
        {"details": {"error_code": "enforced_spend_limit_reached"}},
        "billing",
    ),
    (529, "overloaded_error", "Overloaded", {}, "overloaded"),
    (500, "api_error", "Internal server error", {}, "server-error"),
    (504, "timeout_error", "Request timed out", {}, "server-error"),
    (
        400,
        "invalid_request_error",
        "prompt is too long: 215341 tokens > 200000 maximum",
        {},
        "context-length",
    ),
    (400, "invalid_request_error", "max_tokens: Field required", {}, "bad-request"),
]


@pytest.mark.parametrize(("status", "error_type", "message", "extra", "klass"), CASES)
def test_anthropic_error_bodies_are_classified(
    status: int, error_type: str, message: str, extra: dict[str, Any], klass: str
) -> None:
    verdict = errors.classify(body(error_type, message, **extra), status, "application/json")
    assert (verdict.klass, verdict.shape, verdict.documented) == (klass, "anthropic", True)
    assert verdict.type == error_type


def test_spend_limit_code_is_carried_in_the_verdict() -> None:
    details = {"details": {"error_code": "enforced_spend_limit_reached"}}
    verdict = errors.classify(body("rate_limit_error", "limit", **details), 429)
    assert verdict.code == "enforced_spend_limit_reached"
    assert "enforced_spend_limit_reached" in verdict.describe()


@pytest.mark.parametrize(("status", "error_type", "message", "extra", "klass"), CASES)
def test_error_bodies_behind_curl_headers_are_sc401_for_anthropic(
    status: int, error_type: str, message: str, extra: dict[str, Any], klass: str
) -> None:
    dump = f"HTTP/1.1 {status} Whatever\r\ncontent-type: application/json\r\n\r\n".encode() + body(
        error_type, message, **extra
    )
    result = check_bytes(dump).results[0]
    assert (result.provider, result.error_class) == ("anthropic", klass)
    [finding] = result.findings
    assert finding.code == "SC401"
    assert finding.hint == errors.CLASSES[klass]


def test_in_stream_error_has_the_same_class_as_the_body() -> None:
    event = b"event: error\ndata: " + body("overloaded_error", "Overloaded") + b"\n\n"
    result = check_bytes(event).results[0]
    assert result.error_class == "overloaded"
    assert [f.code for f in result.findings] == ["SC403"]

"""Which class an error is (auth, no-access, billing, rate-limit, ...), from the evidence in the
order PROVIDERS.md section 3 gives: the provider's error type and code first, then the message
text, then the HTTP status.
"""

from __future__ import annotations

_BY_TOKEN: list[tuple[tuple[str, ...], str]] = [
    # Not about the key or the model: where the request comes from (OpenAI's 403).
    (("unsupported_country_region_territory",), "region"),
    (
        (
            "invalid_api_key",
            "account_deactivated",
            "invalid_organization",
            "no_organization",
            "authentication_error",
            "api_key_invalid",
            "unauthenticated",
            "unrecognizedclientexception",
            "invalidsignatureexception",
            "expiredtokenexception",
        ),
        "auth",
    ),
    (
        (
            "insufficient_quota",
            "billing_hard_limit_reached",
            "billing_error",
            "enforced_spend_limit_reached",
            "billing_not_active",
            "servicequotaexceededexception",
        ),
        "billing",
    ),
    # A Responses request naming a response that is gone (WebSocket mode keeps only the last
    # one in memory): the request must change, the key is fine ("not found" would say access).
    (("previous_response_not_found",), "bad-request"),
    (
        (
            "model_not_found",
            "permission_error",
            "not_found_error",
            "permission_denied",
            "accessdeniedexception",
        ),
        "no-access",
    ),
    (("deploymentnotfound", "resourcenotfoundexception"), "not-found"),
    (("context_length_exceeded",), "context-length"),
    (
        (
            "content_filter",
            "content_policy_violation",
            "invalid_prompt",
            "responsibleaipolicyviolation",
        ),
        "content-filter",
    ),
    (
        (
            "rate_limit_exceeded",
            "rate_limit_error",
            "ratelimitexceeded",
            "throttlingexception",
            "resource_exhausted",
        ),
        "rate-limit",
    ),
    (
        (
            "overloaded_error",
            "server_is_overloaded",
            "slow_down",
            "unavailable",
            "serviceunavailableexception",
            "modelnotreadyexception",
        ),
        "overloaded",
    ),
    (
        (
            "internal",
            "internalserverexception",
            "timeout_error",
            "modelerrorexception",
            "modelstreamerrorexception",
            "modeltimeoutexception",
        ),
        "server-error",
    ),
]

# Catch-all error types that say only which side failed. They are weaker evidence than the
# message and the HTTP status: OpenAI answers both 500 and 503-overloaded with `server_error`, and
# a context-length or no-credit error can arrive as a bare `invalid_request_error`. Used only when
# the status does not decide (an in-stream error arrives under HTTP 200).
_GENERIC_TOKENS: dict[str, str] = {
    "server_error": "server-error",
    "api_error": "server-error",
    "invalid_request_error": "bad-request",
    "validationexception": "bad-request",
}

_BY_MESSAGE: list[tuple[tuple[str, ...], str]] = [
    (
        (
            "incorrect api key",
            "invalid api key",
            "didn't provide an api key",
            "invalid x-api-key",
            "api key not valid",
            "invalid api token",
            "no api key",
            "unauthorized",
            "access denied due to invalid",
        ),
        "auth",
    ),
    (
        (
            "credit balance is too low",
            "exceeded your current quota",
            "insufficient balance",
            "insufficient credits",
            "payment required",
            "billing",
        ),
        "billing",
    ),
    (("model identifier is invalid",), "not-found"),  # Bedrock: no such model id here
    (
        (
            "does not exist or you do not have access",
            "do not have access to the model",
            "on-demand throughput isn",  # Bedrock: the model needs an inference profile
            "don't have access to the model",
            "not found",
            "try pulling it first",
        ),
        "no-access",
    ),
    (
        (
            "maximum context length",
            "prompt is too long",
            "too many tokens",
            "exceeds the maximum number of tokens",
            "input is too long",
        ),
        "context-length",
    ),
    (("country, region, or territory not supported",), "region"),
    (("rate limit", "too many requests"), "rate-limit"),
    (("overloaded", "capacity"), "overloaded"),
    (
        (
            "error was encountered while running the model",  # Ollama runner failures
            "runner process has terminated",
            "out of memory",
        ),
        "server-error",
    ),
    (
        ("content management policy", "filtered", "flagged as potentially violating"),
        "content-filter",
    ),
]


def classify_fields(
    status: int | None,
    etype: str | None,
    code: str | None,
    message: str | None,
    status_text: str | None,
) -> str:
    tokens = {t.lower() for t in (etype, code, status_text) if t}
    # Anthropic answers not_found_error both for an unknown model ("model: X") and for a wrong
    # path ("Not Found"); only the first is about access to a model.
    if "not_found_error" in tokens and not (message or "").lower().startswith("model:"):
        return "not-found"
    # Google: an invalid key is 400 INVALID_ARGUMENT with reason API_KEY_INVALID, so the reason
    # (carried in `code`) is looked at together with the status string.
    for needles, klass in _BY_TOKEN:
        if tokens & set(needles):
            if klass == "rate-limit" and "insufficient_quota" in tokens:
                return "billing"
            return klass
    text = (message or "").lower()
    for needles, klass in _BY_MESSAGE:
        if any(n in text for n in needles):
            if klass == "no-access" and status == 404 and "deployment" in text:
                return "not-found"
            return klass
    if status is not None and status >= 400:
        return by_status(status)
    generic = next((_GENERIC_TOKENS[t] for t in sorted(tokens) if t in _GENERIC_TOKENS), None)
    return generic or by_status(status)


def by_status(status: int | None) -> str:
    if status is None:
        return "unknown"
    return {
        400: "bad-request",
        401: "auth",
        402: "billing",
        403: "no-access",
        404: "not-found",
        408: "server-error",
        413: "bad-request",
        422: "bad-request",
        429: "rate-limit",
        503: "overloaded",
        529: "overloaded",
    }.get(status, "server-error" if status >= 500 else "unknown")

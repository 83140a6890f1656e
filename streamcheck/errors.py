"""Classify error bodies: what the provider said went wrong, and what to do about it.

Order of evidence (PROVIDERS.md section 3): HTTP status and content type first, then the
provider's error fields (type / code / status / reason), and only then message text, because
messages change and codes rarely do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from streamcheck.redact import excerpt

CLASSES: dict[str, str] = {
    "auth": "The API key is missing, invalid or revoked. Check which environment variable the app "
    "reads, create a new key, and for Azure send it in the `api-key` header.",
    "no-access": "The key works but may not use this model (access not granted, wrong "
    "organisation or project, retired model, region). Request access or pick a model the key "
    "lists (`GET /v1/models`).",
    "billing": "No credit, quota or budget left. Add a payment method or credit, or raise the "
    "spend limit; the key itself is fine.",
    "rate-limit": "Too many requests or tokens per minute. Back off and retry after the "
    "`retry-after` header; smooth the load or ask for a higher limit.",
    "overloaded": "The provider is out of capacity right now. Retry with exponential backoff or "
    "fall back to another model or region.",
    "server-error": "The provider failed internally. Retry; if it persists, report the request "
    "id to the provider.",
    "context-length": "The request is longer than the model's context window. Trim the prompt or "
    "history, or lower max_tokens.",
    "content-filter": "The provider's content filter blocked the prompt or the answer. Rephrase, "
    "or review the filter configuration (Azure) for false positives.",
    "not-found": "The endpoint, deployment or model name does not exist at this base URL. Check "
    "the URL, the deployment name and the api-version.",
    "bad-request": "The provider rejected the request as malformed. Read the message: a "
    "parameter is wrong for this model or API version.",
    "proxy": "This body did not come from the provider: a proxy, gateway or load balancer "
    "answered. Check the base URL, proxy settings and gateway logs.",
    "unknown": "The body is an error, but not one streamcheck can classify. Read the message.",
}


# Where a provider's own wording of the fix is sharper than the class hint. Keyed by error shape
# and class; the class hint is used otherwise.
SHAPE_HINTS: dict[tuple[str, str], str] = {
    # The "openai" shape is also what OpenAI-compatible servers send: name OpenAI's specifics as
    # such.
    ("openai", "auth"): "The key was rejected (401). Check which environment variable the app "
    "reads (OPENAI_API_KEY for OpenAI), that the key was not revoked, and that it belongs to "
    "the organization and project the request names; create a new key if in doubt.",
    ("openai", "no-access"): "The key is valid but may not use this model: access was never "
    "granted, the project's model allowlist excludes it, or (on OpenAI) the account needs a "
    "first payment to reach usage tier 1, which GPT-4-class models require. `GET /v1/models` "
    "lists the models the key can use: pick one or get access. Make the client check the HTTP "
    "status before iterating the stream.",
    ("openai", "billing"): "No credit left or the monthly budget is reached (insufficient_quota "
    "is not a rate limit: retrying does not help). Add credit or raise the budget (OpenAI: "
    "Settings > Billing > Limits); the key itself is fine.",
    ("openai", "rate-limit"): "Requests or tokens per minute exceeded for this model and tier. "
    "Back off and retry after the retry-after / x-ratelimit-reset-* headers; lower concurrency "
    "or max_tokens, or move to a higher usage tier.",
    ("openai", "overloaded"): "The provider is short of capacity for this model right now (503, "
    "server_is_overloaded, slow_down). Retry with exponential backoff or fall back to another "
    "model.",
    ("openai", "server-error"): "The server failed internally (server_error). Retry with "
    "backoff; if it persists, report the x-request-id response header value to the provider.",
    ("openai", "context-length"): "Prompt plus max_tokens exceed the model's context window. "
    "Trim the history or retrieved context, or lower max_tokens / max_completion_tokens.",
    ("bedrock", "auth"): "AWS rejected the credentials (403 UnrecognizedClientException, "
    "InvalidSignatureException, ExpiredTokenException). Check which AWS profile or role the app "
    "uses, that its session token has not expired, and that the clock is right (SigV4).",
    ("bedrock", "no-access"): "The credentials work but may not invoke this model: enable model "
    "access in the Bedrock console for this region, allow bedrock:InvokeModelWithResponseStream "
    "in the IAM policy, or use an inference profile id (us.anthropic...) where on-demand "
    "throughput is not offered.",
    ("bedrock", "not-found"): "No such model here: check the model id (with its version suffix, "
    "e.g. ...-v1:0), the region, and whether the model needs an inference profile id.",
    ("bedrock", "rate-limit"): "Bedrock throttled the account (ThrottlingException): tokens or "
    "requests per minute for this model and region are used up. Back off and retry, spread "
    "load across regions with a cross-region inference profile, or request a quota increase.",
    ("cohere", "auth"): "Cohere rejected the API key (401 invalid api token). Check which "
    "environment variable the app reads (CO_API_KEY) and create a new key in the dashboard.",
    ("cohere", "rate-limit"): "Cohere rate-limited the key (429). Trial keys allow only a few "
    "calls per minute: use a production key or back off and retry.",
    ("openai", "content-filter"): "The provider's safety system flagged the prompt. Rephrase it, "
    "or moderate user input before sending it.",
}


@dataclass(frozen=True, slots=True)
class ErrorVerdict:
    klass: str  # one of CLASSES
    documented: bool  # the body has a provider's documented error shape
    shape: str  # openai, anthropic, google, ollama, vllm, azure-gateway, bedrock, html, text, ...
    status: int | None
    type: str | None
    code: str | None
    message: str | None

    @property
    def hint(self) -> str:
        return SHAPE_HINTS.get((self.shape, self.klass), CLASSES[self.klass])

    def describe(self) -> str:
        parts = [f"HTTP {self.status}" if self.status else None, self.type, self.code]
        label = ", ".join(str(p) for p in parts if p)
        quoted = f": {excerpt(self.message, 160)}" if self.message else ""
        return f"[{self.klass}] {label}{quoted}" if label else f"[{self.klass}]{quoted}"


def parse_body(body: bytes) -> Any:
    """The JSON value of a body, or None when it is not JSON."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def error_object(value: Any) -> dict[str, Any] | None:
    """The error part of a JSON value in any known shape, or None when it is not an error."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]  # Gemini wraps stream errors in a one-element array
    if not isinstance(value, dict):
        return None
    error = value.get("error")
    if isinstance(error, dict | str):
        return value
    if value.get("type") == "error" or value.get("object") == "error":
        return value
    if isinstance(value.get("statusCode"), int) and "message" in value:
        return value
    return None


def classify(
    body: bytes | None,
    status: int | None,
    content_type: str | None = None,
    value: Any = None,
    headers: dict[str, str] | None = None,
    provider: str | None = None,
) -> ErrorVerdict:
    """Classify an error body (or an already parsed in-stream error value).

    `provider` is the provider the exchange was detected as, when known: Bedrock and Cohere
    error bodies are a bare `{"message": ...}` that only the provider (or Bedrock's
    x-amzn-ErrorType header) tells apart from any other JSON.
    """
    if value is None and body is not None:
        value = parse_body(body)
    if value is None:
        text = (body or b"").lstrip()[:512].lower()
        html = text.startswith((b"<!doctype", b"<html", b"<")) or "html" in (content_type or "")
        return ErrorVerdict(
            klass=_by_status(status) if status and not html else "proxy",
            documented=False,
            shape="html" if html else "text",
            status=status,
            type=None,
            code=None,
            message=excerpt(body or b"", 160) if body else None,
        )
    obj = error_object(value)
    amzn = next((v for k, v in (headers or {}).items() if k.lower() == "x-amzn-errortype"), None)
    if obj is None and ((status is not None and status >= 400) or amzn or provider in _BARE):
        obj = _bare_message(value)
    if obj is None:
        return ErrorVerdict(_by_status(status), False, "json", status, None, None, None)
    shape, etype, code, message, status_text = _fields(obj, headers or {}, provider)
    klass = _classify_fields(status, etype, code, message, status_text)
    # azure-gateway: `{"error": {"code": "401", "message"}}` and `{"statusCode", "message"}`
    # are the bodies Azure's gateway documents for keys, endpoints and rate limits.
    documented = shape in {
        "openai",
        "anthropic",
        "google",
        "ollama",
        "vllm",
        "cohere",
        "bedrock",
        "azure-gateway",
        "azure",
    }
    return ErrorVerdict(klass, documented, shape, status, etype, code, message)


# Providers whose error is a bare `{"message"}` object, so that shape is theirs when they speak.
_BARE = frozenset({"aws-bedrock", "bedrock", "cohere"})


def _bare_message(value: Any) -> dict[str, Any] | None:
    """A JSON object whose error is only a `message` string (Bedrock: `message` or `Message`;
    Cohere: `id` and `message`); an error only when the status or a header says so."""
    if isinstance(value, dict) and isinstance(value.get("message", value.get("Message")), str):
        return value
    return None


def _fields(
    obj: dict[str, Any], headers: dict[str, str], provider: str | None = None
) -> tuple[str, str | None, str | None, str | None, str | None]:
    error = obj.get("error")
    if isinstance(error, dict):
        message = _str(error.get("message"))
        if obj.get("type") == "error":  # Anthropic
            return "anthropic", _str(error.get("type")), _detail(error), message, None
        if isinstance(error.get("code"), int) and "status" in error:  # Google RPC
            reason = _google_reason(error)
            return "google", _str(error.get("status")), reason, message, _str(error.get("status"))
        code = _str(error.get("code"))
        inner = error.get("innererror") or error.get("inner_error")  # Azure spells it both ways
        if isinstance(inner, dict):
            return "azure", _str(inner.get("code")), code, message, None
        if "type" in error or "param" in error:
            return "openai", _str(error.get("type")), code, message, None
        if message is not None:
            return (
                "azure-gateway" if code and code.isdigit() else "openai",
                None,
                code,
                message,
                None,
            )
        return "unknown", None, code, None, None
    if isinstance(error, str):  # Ollama, HF TGI
        kind = "tgi" if "error_type" in obj else "ollama"
        return kind, _str(obj.get("error_type")), None, error, None
    if obj.get("object") == "error":  # vLLM and Mistral (flat)
        return "vllm", _str(obj.get("type")), _str(obj.get("code")), _str(obj.get("message")), None
    if "statusCode" in obj:
        return "azure-gateway", None, _str(obj.get("statusCode")), _str(obj.get("message")), None
    amzn = next((v for k, v in headers.items() if k.lower() == "x-amzn-errortype"), None)
    if amzn:
        message = _str(obj.get("message") or obj.get("Message"))
        return "bedrock", amzn.split(":", 1)[0], None, message, None
    if provider in _BARE and _bare_message(obj) is not None:
        # Recorders often drop x-amzn-ErrorType; the body alone is still Bedrock's shape.
        message = _str(obj.get("message", obj.get("Message")))
        shape = "cohere" if provider == "cohere" else "bedrock"
        return shape, None, None, message, None
    return "unknown", _str(obj.get("type")), _str(obj.get("code")), _str(obj.get("message")), None


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _detail(error: dict[str, Any]) -> str | None:
    details = error.get("details")
    if isinstance(details, dict):
        return _str(details.get("error_code"))
    return None


def _google_reason(error: dict[str, Any]) -> str | None:
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("reason"):
            return str(detail["reason"])
    return None


_BY_TOKEN: list[tuple[tuple[str, ...], str]] = [
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
    (
        (
            "model_not_found",
            "permission_error",
            "not_found_error",
            "permission_denied",
            "accessdeniedexception",
            "unsupported_country_region_territory",
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


def _classify_fields(
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
        return _by_status(status)
    generic = next((_GENERIC_TOKENS[t] for t in sorted(tokens) if t in _GENERIC_TOKENS), None)
    return generic or _by_status(status)


def _by_status(status: int | None) -> str:
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

"""Which provider's error shape a JSON body has, and the fields it carries (type, code, message,
status). Recognising the shape is kept apart from deciding the class (`classes.py`).
"""

from __future__ import annotations

from typing import Any

import orjson

from streamcheck.redact import brief


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


# Providers whose error is a bare `{"message"}` object, so that shape is theirs when they speak.
BARE = frozenset({"aws-bedrock", "bedrock", "cohere"})


def bare_message(value: Any) -> dict[str, Any] | None:
    """A JSON object whose error is only a `message` string (Bedrock: `message` or `Message`;
    Cohere: `id` and `message`); an error only when the status or a header says so."""
    if isinstance(value, dict) and isinstance(value.get("message", value.get("Message")), str):
        return value
    return None


def fields(
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
    if provider in BARE and bare_message(obj) is not None:
        # Recorders often drop x-amzn-ErrorType; the body alone is still Bedrock's shape.
        message = _str(obj.get("message", obj.get("Message")))
        shape = "cohere" if provider == "cohere" else "bedrock"
        return shape, None, None, message, None
    return "unknown", _str(obj.get("type")), _str(obj.get("code")), _str(obj.get("message")), None


def _str(value: Any) -> str | None:
    """A field as text. A non-string (a number, or a list nested a thousand deep) gets a short
    repr: str() of a deep list raises RecursionError."""
    if value is None or isinstance(value, str):
        return value
    return brief(value, 240)


def _detail(error: dict[str, Any]) -> str | None:
    details = error.get("details")
    if isinstance(details, dict):
        return _str(details.get("error_code"))
    return None


def _google_reason(error: dict[str, Any]) -> str | None:
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("reason"):
            return _str(detail["reason"])
    return None

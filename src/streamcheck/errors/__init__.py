"""Classify error bodies: what the provider said went wrong, and what to do about it.

Order of evidence (PROVIDERS.md section 3): HTTP status and content type first, then the
provider's error fields (type / code / status / reason), and only then message text, because
messages change and codes rarely do. `shapes.py` reads a body's fields, `classes.py` decides the
class, `hints.py` says what each class means and how to fix it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from streamcheck.errors.classes import by_status, classify_fields
from streamcheck.errors.hints import CLASSES, SHAPE_HINTS
from streamcheck.errors.shapes import BARE, bare_message, error_object, fields, parse_body
from streamcheck.redact import excerpt

__all__ = ["CLASSES", "SHAPE_HINTS", "ErrorVerdict", "classify", "error_object", "parse_body"]


class ErrorVerdict(NamedTuple):
    """What an error body says went wrong. (A named tuple: a dataclass costs start-up time.)"""

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
            klass=by_status(status) if status and not html else "proxy",
            documented=False,
            shape="html" if html else "text",
            status=status,
            type=None,
            code=None,
            message=excerpt(body or b"", 160) if body else None,
        )
    obj = error_object(value)
    amzn = next((v for k, v in (headers or {}).items() if k.lower() == "x-amzn-errortype"), None)
    if obj is None and ((status is not None and status >= 400) or amzn or provider in BARE):
        obj = bare_message(value)
    if obj is None:
        return ErrorVerdict(by_status(status), False, "json", status, None, None, None)
    shape, etype, code, message, status_text = fields(obj, headers or {}, provider)
    klass = classify_fields(status, etype, code, message, status_text)
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

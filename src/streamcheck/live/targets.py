"""Where a live call goes and what it sends: provider, model, base URL, key, request body.

URL and header conventions per provider (PROVIDERS.md sections 2.1, 2.3, 2.4): OpenAI and
compatible servers take `Authorization: Bearer` at `{base}/chat/completions` where the base URL
includes `/v1`; Azure takes `api-key` at
`{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=...`; Anthropic takes
`x-api-key` and `anthropic-version` at `{base}/v1/messages`. The cheapest streaming bodies are
PROVIDERS.md section 3.2.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from streamcheck import redact
from streamcheck.exceptions import ConfigError, LiveCallError

PROVIDERS = ("openai", "azure", "anthropic", "openai-compatible")
DEFAULT_BASE = {"openai": "https://api.openai.com/v1", "anthropic": "https://api.anthropic.com"}
DEFAULT_KEY_ENV = {
    "openai": "OPENAI_API_KEY",
    "azure": "AZURE_OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
}
AZURE_API_VERSION = "2024-10-21"  # the latest GA version with a published spec
ANTHROPIC_VERSION = "2023-06-01"
# What the checker calls each provider (protocol provider names).
CHECK_PROVIDER = {
    "openai": "openai",
    "azure": "openai",
    "openai-compatible": "openai",
    "anthropic": "anthropic",
}


@dataclass(frozen=True, slots=True)
class Target:
    """One provider endpoint + model + key, as given by flags or a config table."""

    provider: str
    model: str | None = None
    base_url: str | None = None
    key_env: str | None = None
    deployment: str | None = None  # Azure; defaults to the model name
    api_version: str | None = None  # Azure api-version / anthropic-version
    name: str | None = None  # label for the verdict line
    headers: tuple[tuple[str, str], ...] = ()  # extra request headers (gateways, serve faults)
    # Names of extra headers that carry a credential although their name does not say so
    # (--secret-header): masked like the key, in the tape and everywhere else.
    secret_headers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise ConfigError(
                f"unknown provider {self.provider!r} (expected one of: {', '.join(PROVIDERS)})"
            )
        if self.provider in ("azure", "openai-compatible") and not self.base_url:
            raise ConfigError(f"provider {self.provider} needs a base URL (--base-url)")
        if self.provider == "azure" and not (self.deployment or self.model):
            raise ConfigError("provider azure needs a deployment (--deployment) or --model")
        if self.base_url:
            parts = urlsplit(self.base_url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ConfigError(f"base URL {redact.url(self.base_url)!r} is not an http(s) URL")

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        what = self.deployment if self.provider == "azure" and self.deployment else self.model
        return f"{self.provider}:{what or '?'}"

    @property
    def key_variable(self) -> str | None:
        return self.key_env or DEFAULT_KEY_ENV.get(self.provider)

    def read_key(self) -> str | None:
        """The key from the environment, registered as a secret before anything is printed.

        A server on this machine (`serve`, a local vLLM) is called without a key when the
        provider's default variable is not set: a rehearsal needs no real key, and none is
        sent. A variable named with --key-env must be set, and a remote server always needs
        its key."""
        variable = self.key_variable
        if variable is None:
            return None  # an OpenAI-compatible server without auth (local vLLM, Ollama)
        key = os.environ.get(variable, "").strip()
        if key:
            redact.register_secret(key)
            return key
        if self.key_env is None and is_loopback(endpoint(self)):
            return None
        raise LiveCallError(f"environment variable {variable} is not set (the API key)")


@dataclass(frozen=True, slots=True)
class Prepared:
    """A request ready to send: redact `headers` before showing them."""

    url: str
    headers: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)
    secret_headers: tuple[str, ...] = ()  # marked by the user: see Target

    def secrets(self) -> frozenset[str]:
        """Every credential value this request carries (key, custom token headers, `key=`
        query, body members named like keys), registered so nothing the process prints or
        writes shows them."""
        found = redact.collect(self.url, self.headers, self.body, self.secret_headers)
        for value in found:
            redact.register_secret(value)
        return found


def is_loopback(url: str) -> bool:
    """Whether a URL's host is this machine (localhost, 127.0.0.0/8, ::1): calls to it cost
    nothing and reach no provider."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint(target: Target) -> str:
    base = (target.base_url or DEFAULT_BASE.get(target.provider, "")).rstrip("/")
    if target.provider == "anthropic":
        return base + ("/messages" if base.endswith("/v1") else "/v1/messages")
    if target.provider == "azure":
        deployment = target.deployment or target.model
        query = urlencode({"api-version": target.api_version or AZURE_API_VERSION})
        return f"{base}/openai/deployments/{deployment}/chat/completions?{query}"
    if not urlsplit(base).path:
        base += "/v1"  # a bare host: the OpenAI convention is /v1 under it
    return base + "/chat/completions"


def cheapest_body(target: Target) -> dict[str, Any]:
    """The cheapest request that proves the key can stream from the model (PROVIDERS.md 3.2)."""
    messages = [{"role": "user", "content": "ping"}]
    if target.provider == "anthropic":
        return {"model": target.model, "max_tokens": 1, "stream": True, "messages": messages}
    body: dict[str, Any] = {"messages": messages, "stream": True}
    if target.model:
        body["model"] = target.model
    if target.provider == "openai":
        body["max_completion_tokens"] = 1
    else:
        body["max_tokens"] = 1  # older Azure versions and many compatible servers know only this
    if target.provider in ("openai", "azure"):
        body["stream_options"] = {"include_usage": True}
    return body


def prepare(target: Target, key: str | None, body: dict[str, Any] | None = None) -> Prepared:
    body = dict(body) if body is not None else cheapest_body(target)
    body.setdefault("stream", True)
    if target.model and target.provider != "azure":
        body.setdefault("model", target.model)
    headers = {"content-type": "application/json", "accept": "text/event-stream"}
    headers["accept-encoding"] = "identity"  # record the bytes as sent, not re-compressed
    if target.provider == "anthropic":
        headers["anthropic-version"] = target.api_version or ANTHROPIC_VERSION
        if key:
            headers["x-api-key"] = key
    elif target.provider == "azure":
        if key:
            headers["api-key"] = key
    elif key:
        headers["authorization"] = f"Bearer {key}"
    headers.update(target.headers)
    return Prepared(endpoint(target), headers, body, target.secret_headers)

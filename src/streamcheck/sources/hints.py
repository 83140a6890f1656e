"""Provider, API and API version hints from a recorded request's URL and headers.

Container formats (cassettes, HAR) keep the request, and the request usually names the provider
outright: `api.anthropic.com`, an Azure `?api-version=`, Gemini's `/v1beta/models/...`. These
are hints only: the checker still lets a protocol's own `match_request` and the frames decide,
and a hint that names no registered protocol is ignored. Names follow PROVIDERS.md section 5
(`schemas/<provider>/<api>/<version>/`). Only obvious cases are hinted; guessing is worse than
saying nothing, because a wrong hint would put the wrong grammar on a stream.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True, slots=True)
class Hint:
    provider: str | None = None
    api: str | None = None
    api_version: str | None = None


NONE = Hint()

# Hosts that speak only the OpenAI dialect, by provider name (PROVIDERS.md section 2.7).
_COMPATIBLE_HOSTS = {
    "api.groq.com": "groq",
    "openrouter.ai": "openrouter",
    "api.deepseek.com": "deepseek",
    "api.mistral.ai": "mistral",
    "api.together.xyz": "together",
    "api.fireworks.ai": "fireworks",
    "api.x.ai": "xai",
    "api.perplexity.ai": "perplexity",
    "api.inference.crusoecloud.com": "crusoe",
    "router.huggingface.co": "huggingface-router",
    "api.z.ai": "zai",
}
# The last path segments that name an OpenAI-dialect API.
_OPENAI_APIS = (
    ("/chat/completions", "chat-completions"),
    ("/responses", "responses"),
    ("/completions", "completions"),
    ("/embeddings", "embeddings"),
    ("/images/generations", "images"),
)
_RESOURCE = re.compile(r"/v1/([a-z_]+)")
_GEMINI_PATH = re.compile(r"^/(?:upload/)?(v\d+(?:alpha|beta)?\d*)/.*:(\w+)$")
_VERTEX_PATH = re.compile(
    r"^/(v\d+(?:beta)?\d*)/projects/.*/publishers/google/models/[^/:]+:(\w+)$"
)
_BEDROCK_PATH = re.compile(r"^/model/[^/]+/([a-z-]+)$")
_GEMINI_APIS = {"streamGenerateContent": "stream-generate-content"}
_BEDROCK_APIS = {
    "converse-stream": "converse-stream",
    "invoke-with-response-stream": "invoke-with-response-stream",
    "converse": "converse",
    "invoke": "invoke",
}


def from_request(url: str | None, headers: Mapping[str, str]) -> Hint:
    """The hint for one request; `NONE` when nothing is obvious."""
    if not url:
        return NONE
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return NONE
    path = parts.path.rstrip("/")
    query = dict(parse_qsl(parts.query))
    lower = {k.lower(): v for k, v in headers.items()}
    if host == "api.openai.com":
        return Hint("openai", _openai_api(path))
    if host.endswith((".openai.azure.com", ".cognitiveservices.azure.com")) or (
        host.endswith(".services.ai.azure.com") and "/openai/" in path
    ):
        return Hint("azure-openai", _openai_api(path), query.get("api-version"))
    if host == "api.anthropic.com":
        # Any other endpoint is named for its last segment (`complete` for the legacy Text
        # Completions, `batches`, `count_tokens`), so it never gets the Messages grammar.
        api = "messages" if path == "/v1/messages" else _last_segment(path)
        return Hint("anthropic", api, lower.get("anthropic-version"))
    if host == "generativelanguage.googleapis.com":
        match = _GEMINI_PATH.match(path)
        if match is None:  # the Interactions API (/v1beta/interactions), files, models
            return Hint("gemini", _last_segment(path))
        return Hint("gemini", _GEMINI_APIS.get(match.group(2), match.group(2)), match.group(1))
    if host.endswith("aiplatform.googleapis.com"):
        if "/publishers/anthropic/" in path:  # Claude on Vertex speaks Anthropic Messages
            return Hint("anthropic", "messages", lower.get("anthropic-version"))
        match = _VERTEX_PATH.match(path)
        if match is None:
            return NONE  # other publishers (Llama, Mistral) have their own dialects
        return Hint("vertex-ai", _GEMINI_APIS.get(match.group(2), match.group(2)), match.group(1))
    if host.startswith("bedrock-agent-runtime.") and host.endswith(".amazonaws.com"):
        # Agents (InvokeAgent, /agents/{id}/agentAliases/{alias}/sessions/{s}/text), flows,
        # knowledge bases: not the model runtime's Converse or InvokeModel streams.
        return Hint("aws-bedrock-agent", _last_segment(path))
    if host.startswith("bedrock-runtime.") and host.endswith(".amazonaws.com"):
        match = _BEDROCK_PATH.match(path)
        return Hint("aws-bedrock", _BEDROCK_APIS.get(match.group(1)) if match else None)
    if host in _COMPATIBLE_HOSTS:
        return Hint(_COMPATIBLE_HOSTS[host], _openai_api(path))
    if host == "api.cohere.com" or host == "api.cohere.ai":
        if path.endswith("/chat/completions"):  # the OpenAI-compatible /compatibility/v1/...
            return Hint("cohere", "chat-completions")
        version = path.split("/")[1] if path.count("/") >= 2 else None
        # Named for its endpoint (chat, embed, rerank, ...): only chat streams, and a hint
        # naming another endpoint must not put the chat grammar on it.
        return Hint("cohere", path.rsplit("/", 1)[-1] or None, version)
    if path in ("/api/chat", "/api/generate"):  # Ollama's native API, whatever the host
        return Hint("ollama", path.rsplit("/", 1)[1])
    # The streaming methods' own paths, whatever the host (a gateway, a private endpoint, a
    # mock): no other API names them, and an error answer to such a call (JSON, not a stream)
    # has nothing else that says it was one.
    if path.endswith(":streamGenerateContent"):
        if match := _VERTEX_PATH.match(path):
            return Hint("vertex-ai", "stream-generate-content", match.group(1))
        if match := _GEMINI_PATH.match(path):
            return Hint("gemini", "stream-generate-content", match.group(1))
    match = _BEDROCK_PATH.match(path)
    if match and match.group(1) in ("converse-stream", "invoke-with-response-stream"):
        return Hint("aws-bedrock", match.group(1))
    return NONE


def _last_segment(path: str) -> str | None:
    """The last path segment without a `:method` suffix, as an API name; None for `/`."""
    last = path.rstrip("/").rsplit("/", 1)[-1].split(":", 1)[0]
    return last.replace("_", "-") or None


def _openai_api(path: str) -> str | None:
    for suffix, api in _OPENAI_APIS:
        if path.endswith(suffix):
            return api
    # Any other endpoint (threads, files, a response fetched by id) is named for its resource,
    # so the hint can never send it to the chat grammar just because the host is OpenAI's.
    match = _RESOURCE.search(path)
    return match.group(1).replace("_", "-") if match else None

"""The requests of the native (not OpenAI-shaped) APIs conform covers: Gemini's
streamGenerateContent and Ollama's /api/chat and /api/generate (PROVIDERS.md 2.5, 2.6).

`--provider gemini --api sse|json` picks Gemini's framing (`?alt=sse`, or the streamed JSON
array without it); `--provider ollama --api chat|generate` the Ollama endpoint. A case's
`max_tokens` becomes `generationConfig.maxOutputTokens` / `options.num_predict`; the model
goes in Gemini's URL and in Ollama's body. Gemini's key travels as `x-goog-api-key`, never in
the URL (a key in a query string ends up in logs); Ollama takes none.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from streamcheck.exceptions import ConfigError
from streamcheck.live.conform.cases import Case
from streamcheck.live.targets import Prepared

DEFAULT_BASE = {
    "gemini": "https://generativelanguage.googleapis.com/v1beta",
    "ollama": "http://127.0.0.1:11434",
}
KEY_ENV = {"gemini": "GEMINI_API_KEY"}
# (provider, --api) -> the case table's API name; Gemini's --api names the framing.
DIALECTS = {
    ("gemini", "sse"): "gemini",
    ("gemini", "json"): "gemini",
    ("ollama", "chat"): "ollama-chat",
    ("ollama", "generate"): "ollama-generate",
}
APIS = {"gemini": ("sse", "json"), "ollama": ("chat", "generate")}


def dialect(provider: str, api: str) -> str:
    if api == "chat" and provider == "gemini":
        api = "sse"  # --api's default names OpenAI's chat; Gemini's default framing is SSE
    found = DIALECTS.get((provider, api))
    if found is None:
        raise ConfigError(
            f"--api {api!r}: --provider {provider} takes {' or '.join(APIS[provider])}"
        )
    return found


def request(
    provider: str,
    api: str,
    base_url: str,
    model: str,
    case: Case,
    key: str | None,
    headers: tuple[tuple[str, str], ...],
) -> Prepared:
    body: dict[str, Any] = dict(case.body)
    cap = body.pop("max_tokens", None)
    sent = {"content-type": "application/json", "accept-encoding": "identity"}
    base = base_url.rstrip("/")
    if provider == "gemini":
        if cap is not None:
            body["generationConfig"] = {**body.get("generationConfig", {}), "maxOutputTokens": cap}
        if not urlsplit(base).path:
            base += "/v1beta"
        url = f"{base}/models/{quote(model, safe='')}:streamGenerateContent"
        if api != "json":
            url += "?alt=sse"
            sent["accept"] = "text/event-stream"
        if key:
            sent["x-goog-api-key"] = key
    else:
        if cap is not None:
            body["options"] = {**body.get("options", {}), "num_predict": cap}
        body["model"] = model
        body["stream"] = True
        path = urlsplit(base).path
        url = (
            base
            + ("" if path.endswith("/api") else "/api")
            + ("/chat" if api == "ollama-chat" else "/generate")
        )
        if key:
            sent["authorization"] = f"Bearer {key}"
    sent.update(headers)
    return Prepared(url, sent, body)

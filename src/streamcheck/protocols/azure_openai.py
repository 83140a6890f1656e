"""Azure OpenAI chat completions streaming
(`POST {endpoint}/openai/deployments/{deployment}/chat/completions?api-version=...`).

Spec: Azure/azure-rest-api-specs `specification/cognitiveservices/data-plane/AzureOpenAI/
inference/{stable,preview}/<api-version>/inference.json` (content-filter result schemas, error
schema) and PROVIDERS.md section 2.3. The official stream-chunk schema rejects real Azure streams
(it has no filter members and pins `object`), so ours is "OpenAI chunk + Azure filter chunks",
hand-written per api-version under schemas/azure-openai/chat-completions/.
Wire: the OpenAI chat SSE format (2.1), with Azure additions: a first chunk with `choices: []`,
empty `id`/`model`/`object`, `created: 0` and `prompt_filter_results` (`prompt_annotations` in
2023-06-01-preview and 2023-07-01-preview); `content_filter_results` on choices; in asynchronous
filter mode, chunks whose choice has no `delta` but `content_filter_offsets`.
Grammar: the OpenAI chat grammar (openai_chat.ChatStream); filter chunks never count as identity
changes; a choice without `delta` is expected only with filter members (SC334 otherwise); the
prompt-filter key is checked against the api-version (SC203 when it is the other era's name).
Detection: a `*.openai.azure.com` (or `*.cognitiveservices.azure.com`) host, an `api-version`
query, or a first chunk carrying `prompt_filter_results` / `prompt_annotations`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from streamcheck.model import Exchange, Frame
from streamcheck.protocols.base import Context, Protocol, StreamState, register, url_parts
from streamcheck.protocols.openai_chat import ChatStream

PROMPT_KEYS = ("prompt_filter_results", "prompt_annotations")
ANNOTATION_VERSIONS = frozenset({"2023-06-01-preview", "2023-07-01-preview"})
FILTER_MEMBERS = ("content_filter_results", "content_filter_offsets")
AZURE_HOSTS = (".openai.azure.com", ".cognitiveservices.azure.com")


class AzureChatStream(ChatStream):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.key_reported = False
        self.no_delta_reported = False

    def frame(self, frame: Frame, value: Any, kind: str | None) -> None:
        if type(value) is dict:
            if not self.key_reported:
                self._prompt_key(value)
            choices = value.get("choices")
            if type(choices) is list and not self.no_delta_reported:
                self._deltas(choices)
        super().frame(frame, value, kind)

    def _prompt_key(self, value: dict[str, Any]) -> None:
        key = next((k for k in PROMPT_KEYS if k in value), None)
        version = self.ctx.api_version
        if key is None or not version:
            return
        expected = "prompt_annotations" if version in ANNOTATION_VERSIONS else PROMPT_KEYS[0]
        if key != expected:
            self.key_reported = True
            self.ctx.report(
                "SC203",
                f"the prompt-filter chunk names its results {key!r}; api-version {version} "
                f"names them {expected!r}",
                path=f"/{key}",
                hint="The recording's api-version and the server disagree: check which "
                "api-version the client really sends (prompt_annotations is the 2023-06/07 "
                "preview name).",
            )

    def _deltas(self, choices: list[Any]) -> None:
        for position, choice in enumerate(choices):
            if type(choice) is not dict or "delta" in choice:
                continue
            if any(member in choice for member in FILTER_MEMBERS):
                continue  # the asynchronous filter's own chunk: legitimate on Azure
            self.no_delta_reported = True
            self.ctx.report(
                "SC334",
                f"choice {choice.get('index', position)} has no delta and no content-filter "
                "members",
                path=f"/choices/{position}",
            )


@register
class AzureOpenAIChat(Protocol):
    name = "azure-openai-chat"
    provider = "azure-openai"
    api = "chat-completions"
    framing = "sse"
    # `data: [DONE]` ends Azure streams too, but it is OpenAI's sentinel: declared as tolerated
    # so that a stream made of `[DONE]` alone is still attributed to openai-chat.
    tolerated = frozenset({b"[DONE]"})
    # ...and its grammar (ChatStream) reports a missing `[DONE]` (SC301): named, so that a
    # payloads-only recording, which cannot hold it, is not SC301 (the stripped-framing rule).
    terminator = b"[DONE]"
    aliases = ("azure",)
    error_shapes = ("azure", "azure-gateway")

    @classmethod
    def match_request(cls, exchange: Exchange) -> int:
        parts = url_parts(exchange.request.url)
        if not parts.path.rstrip("/").endswith("/chat/completions"):
            return 0
        host = (parts.hostname or "").lower()
        if host.endswith(AZURE_HOSTS) or "api-version" in parse_qs(parts.query):
            return 90
        return 0

    @classmethod
    def match_frame(cls, value: Any, event: str | None) -> bool:
        return isinstance(value, dict) and any(key in value for key in PROMPT_KEYS)

    @classmethod
    def version(cls, exchange: Exchange) -> str | None:
        values = parse_qs(url_parts(exchange.request.url).query).get("api-version")
        return values[0] if values else None

    @classmethod
    def kind(cls, value: Any, event: str | None) -> str | None:
        if isinstance(value, dict) and "error" in value and "choices" not in value:
            return "error"
        return "chunk"

    @classmethod
    def stream(cls, ctx: Context) -> StreamState:
        return AzureChatStream(ctx)

"""How much a schema difference in an OpenAI-compatible server's chunks matters, judged by what
openai-python does with it (the severity policy in README, "Severity").

OpenAI's own hosts (api.openai.com, Azure OpenAI) are held to the documented schema. Any other
server that streams chat chunks (a dialect with an overlay, a gateway, a self-hosted server, a
raw body that names no host) differs in documented ways, and openai-python never validates a
chunk (`construct`, no pydantic validation), so its plain iterator (`create(stream=True)`)
delivers whatever arrives. So for those servers:
- a member openai-python types as optional with a default (`system_fingerprint`, `logprobs`,
  `created`: documented omissions of several servers) is no finding when absent;
- a tool call without `index` (Mistral sends each call whole in one chunk) breaks the
  accumulator of `client.chat.completions.stream()` (openai/lib/streaming/_deltas.py raises
  RuntimeError "Expected list delta entry to have an `index` key", and
  ChatCompletionStreamState reads `tool_call_chunk.index`): a warning naming that client;
- `delta.content` that is not a string (Mistral's thinking parts) breaks the same accumulator
  (it merges lists by `index`): a warning naming it;
- any other schema difference is undocumented but harmless to the official client: a warning;
- once the stream has shown it is a dialect (a chunk not in OpenAI's shape, or a server that is
  not OpenAI's), a finish_reason repeated or content after it (SC304, SC305) is absorbed by
  openai-python's accumulation (the last finish wins, every delta is appended): a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache

from streamcheck.model import Finding, Severity
from streamcheck.protocols.base import Context, url_parts

OPENAI_HOSTS = ("api.openai.com",)
AZURE_SUFFIXES = (".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com")
ACCUMULATOR = "openai-python's client.chat.completions.stream() (ChatCompletionStreamState)"
# Compiled by re on first use (re.match(PATTERN, ...)): only a failing frame asks them.
_HARMLESS_ABSENT = (
    r"^chunk frame: '(?:system_fingerprint|logprobs|created)' is a required property at /"
    r"(?:choices/\d+)? \["
)
_NO_INDEX = r"'index' is a required property at /choices/\d+/delta/tool_calls/\d+"
_CONTENT_NOT_TEXT = r"is not of type 'string', 'null' at /choices/\d+/delta/content "


# Grammar findings openai-python absorbs: it keeps the last finish_reason and appends every
# delta, so the whole answer is delivered (servers that repeat the finish on each tool-call chunk,
# or send a last delta after it).
_ACCUMULATED = {
    "SC304": "openai-python keeps the last finish_reason it sees, so the repeat changes nothing "
    "for it; code that stops at the first finish_reason is unaffected too.",
    "SC305": "openai-python appends every delta, finish or not, so it delivers this content; "
    "code that stops reading at the first finish_reason loses it.",
}


# Asked once per exchange, of the same few URLs (none at all for a raw body): kept by URL.
@lru_cache(maxsize=256)
def local(url: str) -> bool:
    """A loopback server: a replay or a proxy, of whichever provider."""
    host = (url_parts(url).hostname or "").lower()
    return host in ("localhost", "127.0.0.1", "::1")


@lru_cache(maxsize=256)
def held_to_openai_schema(url: str | None) -> bool:
    """Whether the server is OpenAI's own (documented schema, strict)."""
    host = (url_parts(url).hostname or "").lower()
    return host in OPENAI_HOSTS or host.endswith(AZURE_SUFFIXES)


def judged_by_client_impact(ctx: Context) -> Callable[[Finding], None]:
    """`ctx.emit` with SC201 findings weighed by what openai-python does with them; a chunk
    that is not in OpenAI's shape marks the stream as a dialect's (`ctx.dialect`)."""
    emit = ctx.emit

    def weighed(finding: Finding) -> None:
        if finding.code in _ACCUMULATED and finding.severity > Severity.WARNING and ctx.dialect:
            emit(replace(finding, severity=Severity.WARNING, hint=_ACCUMULATED[finding.code]))
            return
        if finding.code != "SC201" or finding.severity <= Severity.WARNING:
            emit(finding)
            return
        message = finding.message
        ctx.dialect = True  # OpenAI's own chunks have this shape: the server is another
        if re.match(_HARMLESS_ABSENT, message):
            return  # openai-python defaults it to None; nothing breaks
        if re.search(_NO_INDEX, message):
            hint = (
                f"The server sends each tool call whole without `index` (Mistral's dialect). "
                f"{ACCUMULATOR} raises on it; iterating create(stream=True) is unaffected. "
                "Merge tool calls by position yourself, or use the plain iterator."
            )
        elif re.search(_CONTENT_NOT_TEXT, message):
            hint = (
                f"delta.content is a list of parts (a reasoning dialect). {ACCUMULATOR} raises "
                "on it, and code that concatenates content strings gets a TypeError."
            )
        else:
            hint = (
                "Not OpenAI's documented shape, but openai-python does not validate chunks: "
                "its iterator delivers this as is. Code that reads the member raw may trip."
            )
        emit(replace(finding, severity=Severity.WARNING, hint=hint))

    return weighed

"""One module per provider API, imported when first needed.

A stream's first frame is offered to the protocols in detection order (`MODULES`, and within a
module the order it registers its protocols), and each module is imported only when detection
reaches it: checking an OpenAI stream loads no Bedrock, Cohere or Gemini code, so start-up does
not grow with the number of providers (issue 6). Whatever needs every protocol (scoring a
recorded request, `--provider`, listing them) asks for `every()`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import chain

from streamcheck.protocols import base
from streamcheck.protocols.base import SENTINEL, Context, Protocol, StreamState, register

# Detection order. Changing it changes which protocol claims a frame two of them accept.
MODULES = (
    "anthropic",
    "openai_chat",
    "azure_openai",
    "bedrock",
    "bedrock_invoke",
    "cohere",
    "compat",
    "gemini",
    "ollama",
    "openai_responses",
    "open_responses",  # never claims a frame: judges only when named (--api open-responses)
    "vercel_ui",
    "vercel_data",
    "openai_realtime",  # WebSocket-framed: offered first for WebSocket exchanges (check.websocket)
    "openai_responses_ws",  # WebSocket-framed too: Responses over wss://.../v1/responses
    "gemini_live",
)


# Response headers that name a protocol whatever the request URL suggests: a Next.js route at
# `/api/chat` that answers with the AI SDK's header is no Ollama server. Known here, without
# importing the modules, so only exchanges that carry one pay for finding the protocol.
NAMED_BY_RESPONSE_HEADER = {
    "x-vercel-ai-ui-message-stream": "vercel-ui-message-stream",
    "x-vercel-ai-data-stream": "vercel-data-stream",
}


def named_by_headers(headers: Mapping[str, str]) -> str | None:
    """The protocol a response header names (`NAMED_BY_RESPONSE_HEADER`), or None."""
    for key in headers:
        named = NAMED_BY_RESPONSE_HEADER.get(key.lower())
        if named is not None:
            return named
    return None


# The modules' full names, made once: detection walks them for every exchange.
_NAMES = tuple(f"{__name__}.{module}" for module in MODULES)


# Each module's protocols in the order it registered them, read from the registry when it
# last changed (`_read_at`: its length and base.registered): detection walks them for every
# exchange, and reading them walked the whole registry once per module.
_of_module: dict[str, tuple[type[Protocol], ...]] = {}
_read_at = (0, -1)


def in_order() -> Iterator[type[Protocol]]:
    """Every protocol in detection order, importing each module when the iteration reaches it."""
    global _read_at
    for name in _NAMES:
        __import__(name)  # not importlib.import_module: -X importtime sees only __import__
        now = (len(base.REGISTRY), base.registered)
        if now != _read_at:
            _of_module.clear()
            _read_at = now
        found = _of_module.get(name)
        if found is None:
            found = _of_module[name] = tuple(
                p for p in base.REGISTRY.values() if p.__module__ == name
            )
        yield from found


# every()'s answer and the registry it was built from: each exchange with a provider hint asks
# for it several times (choose.by_request), and building it walks every module's protocols.
_every: tuple[list[type[Protocol]], dict[str, type[Protocol]]] | None = None


def every() -> dict[str, type[Protocol]]:
    """Every protocol by name, in detection order (imports every module). The same dict while
    the registry is unchanged: read it, do not change it."""
    global _every
    if _every is None or _every[0] != list(base.REGISTRY.values()):
        known = {p.name: p for p in in_order()}
        # Building imports modules, which register: the key is the registry after that.
        _every = (list(base.REGISTRY.values()), known)
    return _every[1]


class Every:
    """Every protocol, as a sequence that imports modules only as far as it is iterated;
    `first` (user-defined protocols, then those the config's defaults name) come before the
    others, each protocol once."""

    def __init__(self, first: list[type[Protocol]] | None = None) -> None:
        self.first = first or []

    def __iter__(self) -> Iterator[type[Protocol]]:
        if not self.first:
            # Nothing to put first or to skip (no protocol file, no config defaults: most
            # runs): detection order itself, without a generator around it per exchange.
            return in_order()
        return chain(self.first, (p for p in in_order() if p not in self.first))

    def __len__(self) -> int:
        return len(self.first) + len([p for p in every().values() if p not in self.first])

    def __contains__(self, protocol: object) -> bool:
        return protocol in self.first or protocol in every().values()


def find(name: str) -> list[type[Protocol]]:
    """Protocols named `name`, or whose provider or an alias is `name`."""
    key = name.strip().lower()
    known = every()
    if key in known:
        return [known[key]]
    return [p for p in known.values() if key == p.provider or key in p.aliases]


__all__ = [
    "MODULES",
    "SENTINEL",
    "Context",
    "Every",
    "Protocol",
    "StreamState",
    "every",
    "find",
    "in_order",
    "named_by_headers",
    "register",
]

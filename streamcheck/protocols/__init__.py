"""One module per provider API; importing this package registers them all."""

from streamcheck.protocols import (
    anthropic,
    azure_openai,
    bedrock,
    bedrock_invoke,
    cohere,
    compat,
    gemini,
    ollama,
    openai_chat,
    openai_responses,
)
from streamcheck.protocols.base import (
    REGISTRY,
    SENTINEL,
    Context,
    Protocol,
    StreamState,
    find,
    register,
)

__all__ = [
    "REGISTRY",
    "SENTINEL",
    "Context",
    "Protocol",
    "StreamState",
    "anthropic",
    "azure_openai",
    "bedrock",
    "bedrock_invoke",
    "cohere",
    "compat",
    "find",
    "gemini",
    "ollama",
    "openai_chat",
    "openai_responses",
    "register",
]

"""The one place that knows what a secret looks like.

Everything that leaves the process (terminal, reports, tapes, logs, exceptions) passes through
here first. Patterns cover provider key formats and the places keys travel: auth headers, query
parameters and JSON members named like keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "[REDACTED]"

SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "x-goog-api-key",
        "cookie",
        "set-cookie",
        "openai-organization",
        "x-amz-security-token",
        "ocp-apim-subscription-key",
    }
)
SECRET_PARAMS = frozenset({"key", "api_key", "api-key", "apikey", "access_token", "token", "sig"})

_KEY_PATTERNS = re.compile(
    r"""
    sk-ant-[A-Za-z0-9_\-]{8,}          # Anthropic
    | sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{16,}   # OpenAI and compatibles
    | AIza[0-9A-Za-z_\-]{30,}          # Google API keys
    | gsk_[A-Za-z0-9]{20,}             # Groq
    | xai-[A-Za-z0-9]{20,}             # xAI
    | hf_[A-Za-z0-9]{20,}              # Hugging Face
    | r8_[A-Za-z0-9]{20,}              # Replicate
    | AKIA[0-9A-Z]{16}                 # AWS access key id
    | (?<=[Bb]earer\ )[A-Za-z0-9._~+/\-]{8,}=*   # any bearer token
    """,
    re.VERBOSE,
)
_JSON_SECRET = re.compile(
    r'("(?:api[_-]?key|x-api-key|authorization|access_token|secret|password)"\s*:\s*")([^"]*)(")',
    re.IGNORECASE,
)

_extra: set[str] = set()


def register_secret(value: str | None) -> None:
    """Mask this exact value everywhere from now on (keys read from the environment)."""
    if value and len(value) >= 4:
        _extra.add(value)


def text(value: str) -> str:
    """Mask anything in free text that looks like a key."""
    for secret in _extra:
        if secret in value:
            value = value.replace(secret, MASK)
    value = _KEY_PATTERNS.sub(MASK, value)
    return _JSON_SECRET.sub(lambda m: m.group(1) + MASK + m.group(3), value)


def headers(values: Mapping[str, str]) -> dict[str, str]:
    return {
        name: MASK if name.lower() in SECRET_HEADERS else text(str(value))
        for name, value in values.items()
    }


def url(value: str) -> str:
    try:
        parts = urlsplit(value)
    except ValueError:
        return text(value)
    if parts.query:
        pairs = [
            (k, MASK if k.lower() in SECRET_PARAMS else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ]
        query = urlencode(pairs, safe="[]")
        parts = parts._replace(query=query)
    if parts.password or parts.username:
        host = parts.hostname or ""
        try:
            port = parts.port
        except ValueError:  # a port that is not a number: keep none rather than crash
            port = None
        parts = parts._replace(netloc=f"{MASK}@{host}" + (f":{port}" if port else ""))
    return text(urlunsplit(parts))


def excerpt(data: bytes | str, limit: int = 200) -> str:
    """A short, printable, redacted view of what arrived, for a finding's evidence."""
    if isinstance(data, bytes):
        if len(data) > 8 * limit:  # decode only the ends: bodies can be megabytes (images)
            ends = data[: 4 * limit], data[-4 * limit :]
            raw = "".join(part.decode("utf-8", "backslashreplace") for part in ends)
        else:
            raw = data.decode("utf-8", "backslashreplace")
    else:
        raw = data
    if len(raw) > limit:
        raw = raw[: limit - 40] + " ... " + raw[-35:]
    return text(raw).encode("unicode_escape").decode("ascii") if _unprintable(raw) else text(raw)


def _unprintable(value: str) -> bool:
    return any((c < " " and c not in "\t") or c == "\x7f" for c in value)


def brief(value: object, limit: int = 80) -> str:
    """A short, redacted repr of a value a recording gave, for a message. Never raises: a
    value nested deeper than Python's recursion limit has no repr (RecursionError), and a
    megabyte string must not end up in a one-line error."""
    try:
        shown = repr(value)
    except RecursionError:
        shown = f"<a {type(value).__name__} nested too deep to show>"
    except ValueError:  # an int past Python's 4,300-digit str() limit
        shown = f"<an integer of {value.bit_length()} bits>" if isinstance(value, int) else "<?>"
    if len(shown) > limit:
        shown = shown[: limit - 4] + " ..."
    return text(shown)

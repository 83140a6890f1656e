"""The one place that knows what a secret looks like.

Everything that leaves the process (terminal, reports, tapes, logs, exceptions) passes through
here first. Two nets, used together:

- **Values that travelled as credentials.** `collect()` takes the credential values of one
  exchange from its request (every header, query parameter or JSON member whose name says
  key/token/secret/auth, the token inside `Bearer`/`Basic`/AWS SigV4 `Authorization`, cookies,
  URL passwords) before anything is redacted. Those exact values are masked wherever they appear
  again, whatever their shape: a 401 body that echoes an Azure key (32 hex characters, no
  prefix) is masked because the same value was sent as `api-key`. `scope()` makes an exchange's
  values active while it is checked; `register_secret()` makes a value active for the whole
  process (the keys `record` and `smoke` read from the environment).
- **Shapes.** Provider key formats (OpenAI `sk-`, Anthropic `sk-ant-`, Google `AIza`, JWTs, AWS
  access key ids and SigV4 signatures, ...) and JSON members named like credentials are masked
  in any text, even when no request told us the value.

A value cut in two (a chunk boundary, an excerpt's end) is masked too: an edge of a text that
is at least `MIN_SECRET` characters of a known value is a leak of that value.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

MASK = "[REDACTED]"
# Collected values shorter than this are not masked elsewhere: real credentials are far longer
# (OpenAI keys 51+, Azure 32, SigV4 signatures 64), and masking every "test" or "1234" in a
# stream's evidence would hide more than it protects. The header itself is masked at any length.
MIN_SECRET = 8

# Names that carry a credential whatever their words say.
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
        "openai-project",
        "x-amz-security-token",
        "ocp-apim-subscription-key",
    }
)
# Query parameters: the name words below, and these (Azure SAS `sig`, Azure Functions `code`).
SECRET_PARAMS = frozenset({"key", "api_key", "api-key", "apikey", "access_token", "token", "sig"})
_QUERY_ONLY = frozenset({"code", "sig", "signature"})
# Words of a name (split at -, _, . and camelCase) that say it carries a credential.
_SECRET_WORDS = frozenset(
    {
        "key",
        "token",
        "secret",
        "password",
        "passwd",
        "pwd",
        "auth",
        "authorization",
        "authentication",
        "credential",
        "credentials",
        "signature",
        "cookie",
        "session",
        "bearer",
        "jwt",
    }
)
# Identifiers a client picks that are named like keys but protect nothing.
_NOT_SECRET = frozenset({"idempotency-key", "idempotency_key", "prompt_cache_key", "cache_key"})
# Masked where they travel, but not searched for elsewhere: account names, not credentials
# (an organization called "traceloop" must not vanish from every message).
_NOT_COLLECTED = frozenset({"openai-organization", "openai-project"})
# Several Set-Cookie headers joined by ", " (an Expires date holds ", " too).
_COOKIES = r",\s*(?=[^;,=\s]+=)"
# Patterns only collecting needs are compiled on first use (`_rx`): checking a raw body pays
# for none of them at start-up.
_CAMEL = r"(?<=[a-z0-9])(?=[A-Z])"
_SPLIT = r"[^a-z0-9]+"

# Credentials by their shape, and JSON members named like credentials: compiled on first use
# too (`_rx`), as a check with no finding masks nothing (start-up, issue 22).
_KEY_PATTERNS = r"""(?x)
    sk-ant-[A-Za-z0-9_\-]{8,}          # Anthropic
    | sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{16,}   # OpenAI and compatibles
    | AIza[0-9A-Za-z_\-]{30,}          # Google API keys
    | gsk_[A-Za-z0-9]{20,}             # Groq
    | xai-[A-Za-z0-9]{20,}             # xAI
    | hf_[A-Za-z0-9]{20,}              # Hugging Face
    | r8_[A-Za-z0-9]{20,}              # Replicate
    | (?:AKIA|ASIA)[0-9A-Z]{16}        # AWS access key id (long-term, temporary)
    | eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*   # a JWT
    | (?<=Signature=)[0-9a-fA-F]{32,}  # AWS SigV4 signature (header or presigned URL)
    | (?<=[Bb]earer\ )[A-Za-z0-9._~+/\-]{8,}=*   # any bearer token
    | (?<=Basic\ )[A-Za-z0-9+/]{8,}=*  # HTTP basic credentials
    """
# JSON members named like credentials, in free text (tape chunks, evidence). Compound names
# only: a bare "token" or "key" member is content in streams (OpenAI logprobs carry "token").
_JSON_SECRET = (
    r'(?i)("[\w.\-]*?(?:api[_-]?key|x-api-key|authorization|access[_-]?token|refresh[_-]?token'
    r"|id[_-]?token|auth[_-]?token|session[_-]?token|security[_-]?token|bearer[_-]?token"
    r'|client[_-]?secret|secret|password|passwd|subscription[_-]?key)[\w.\-]*"\s*:\s*")'
    r'((?:[^"\\]|\\.)*)(")'
)
_SIGV4 = r"Credential=([^,\s/]+)(?:/[^,\s]*)?|Signature=([0-9a-fA-F]+)"
_SCHEME = r"^\s*([A-Za-z][A-Za-z0-9_\-]*)\s+(\S.*)$"

_extra: set[str] = set()
_scoped: ContextVar[frozenset[str]] = ContextVar("streamcheck_secrets", default=frozenset())


@functools.cache
def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def register_secret(value: str | None) -> None:
    """Mask this exact value everywhere from now on (keys read from the environment)."""
    if value and len(value) >= 4:
        _extra.add(value)
        _extra.update(_variants(value))


@contextmanager
def scope(secrets: Iterable[str]) -> Iterator[None]:
    """Mask these values too while the block runs (one exchange's credentials, while it is
    checked: evidence, messages and tape chunks made meanwhile never show them)."""
    values = frozenset(secrets)
    if not values:
        yield
        return
    token = _scoped.set(_scoped.get() | values)
    try:
        yield
    finally:
        _scoped.reset(token)


def enter(secrets: frozenset[str]) -> Token[frozenset[str]] | None:
    """`scope` without the context manager, for a hot path (the push checker enters it once
    per chunk): mask `secrets` too until `leave(token)`. None when there is nothing to add."""
    return _scoped.set(_scoped.get() | secrets) if secrets else None


def leave(token: Token[frozenset[str]] | None) -> None:
    if token is not None:
        _scoped.reset(token)


def secret_name(name: str) -> bool:
    """Whether a header, query parameter or JSON member called `name` carries a credential."""
    lower = name.strip().lower()
    if lower in SECRET_HEADERS:
        return True
    if lower in _NOT_SECRET:
        return False
    for word in _rx(_SPLIT).split(_rx(_CAMEL).sub("-", name.strip()).lower()):
        if word in _SECRET_WORDS or word.endswith(("key", "token", "secret", "password")):
            return True
        if word.startswith("auth") and word not in ("author", "authors", "authority"):
            return True
    return False


def _secret_param(name: str) -> bool:
    lower = name.lower()
    return lower in SECRET_PARAMS or lower in _QUERY_ONLY or secret_name(name)


# -- collecting one exchange's credentials -------------------------------------------------------


def collect(
    url: str | None = None,
    headers: Mapping[str, str] | None = None,
    body: Any = None,
    secret_headers: Iterable[str] = (),
) -> frozenset[str]:
    """The credential values a request carried (before it is redacted): header values whose
    name says so or that the user marked (`secret_headers`), the token inside an auth scheme,
    query parameters, URL passwords and JSON body members named like credentials."""
    found: set[str] = set()
    marked = {n.strip().lower() for n in secret_headers}
    for name, value in (headers or {}).items():
        lower = str(name).lower()
        if lower in _NOT_COLLECTED or not isinstance(value, str):
            continue
        if secret_name(lower) or lower in marked or lower == "sec-websocket-protocol":
            _header_values(lower, value, found)
    if url:
        _url_values(url, found)
    if body is not None:
        _body_values(body, found)
    out: set[str] = set()
    for value in found:
        value = value.strip()
        if len(value) >= MIN_SECRET and value != MASK:
            out.add(value)
            out.update(_variants(value))
    return frozenset(out)


def _header_values(name: str, value: str, found: set[str]) -> None:
    if name == "cookie":  # name=value; name=value
        found.update(pair.partition("=")[2] for pair in value.split(";"))
        return
    if name == "sec-websocket-protocol":  # browsers' only way: "openai-insecure-api-key.KEY"
        for offered in value.split(","):
            found.add(offered.strip().partition("api-key.")[2])
        return
    if name == "set-cookie":  # the cookie's value; not its Path, Domain or Expires
        found.update(c.split(";", 1)[0].partition("=")[2] for c in _rx(_COOKIES).split(value))
        return
    found.add(value)
    match = _rx(_SCHEME).match(value)
    if match is None:
        return
    scheme, rest = match.group(1).lower(), match.group(2)
    found.add(rest)
    if scheme == "basic":
        import base64  # lazy: rare, and `check` start-up pays for every import
        import binascii

        try:
            decoded = base64.b64decode(rest, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return
        found.add(decoded)
        found.add(decoded.partition(":")[2])
    elif scheme.startswith("aws4-"):
        for credential, signature in _rx(_SIGV4).findall(rest):
            found.add(credential or signature)


def _url_values(url: str, found: set[str]) -> None:
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return
    if password:
        found.add(password)
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if _secret_param(name):
            found.add(value)


def _body_values(body: Any, found: set[str], budget: int = 20_000) -> None:
    """String members named like credentials, walked without recursion and with a bound on
    the members visited (a request body is small; a hostile one must not cost more)."""
    stack: list[tuple[Any, int]] = [(body, 0)]
    while stack and budget > 0:
        value, depth = stack.pop()
        budget -= 1
        if depth > 64:
            continue
        if isinstance(value, dict):
            for name, member in value.items():
                if isinstance(member, str):
                    if secret_name(str(name)):
                        found.add(member)
                elif isinstance(member, dict | list):
                    stack.append((member, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value if isinstance(item, dict | list))


def _variants(value: str) -> set[str]:
    """How the same value reads once re-encoded: percent-encoded in a URL, JSON with `\\/`."""
    return {v for v in (quote(value, safe=""), value.replace("/", "\\/")) if v != value}


# -- masking --------------------------------------------------------------------------------------


def active() -> frozenset[str] | set[str]:
    """The exact values masked right now (process-wide and the current exchange's)."""
    scoped = _scoped.get()
    return (_extra | scoped) if scoped and _extra else (scoped or _extra)


def text(value: str) -> str:
    """Mask anything in free text that is a known credential or looks like a key."""
    return _mask(value, _whole)


def data(value: bytes) -> bytes:
    """Mask credentials in bytes that are not text on their own: a chunk cut inside a
    character (an `é` or an emoji split at a TCP boundary), a binary WebSocket message.

    Bytes that are not UTF-8 are kept exactly (a character cut at a chunk's edge joins its
    other half in the next chunk), and each masked run keeps its length (`[REDACTED***]`, or
    `*`s when shorter than the mask), so offsets and length prefixes in a binary framing
    stay where they were. A key cut at the chunk's edge is masked like one in text."""
    decoded = value.decode("utf-8", "surrogateescape")
    masked = _mask(decoded, _same_length)
    return value if masked == decoded else masked.encode("utf-8", "surrogateescape")


def _whole(piece: str) -> str:
    return MASK


def _same_length(piece: str) -> str:
    """A mask as long in UTF-8 as the piece it hides."""
    size = len(piece.encode("utf-8", "surrogateescape"))
    if size < len(MASK):
        return "*" * size
    return MASK[:-1] + "*" * (size - len(MASK)) + MASK[-1]


# Text that holds none of these holds no match of _KEY_PATTERNS (each of its branches starts
# with one, or looks behind for one), and ASCII text that holds none of _NAMED_WORDS, lowered,
# holds no member _JSON_SECRET names (each of its names holds one). The two searches cost
# about 60 us on a 300-character frame (every finding's evidence, its message): a text with
# no such word, nearly every one, is told by substring tests.
_KEY_LITERALS = (
    "sk-",
    "AIza",
    "gsk_",
    "xai-",
    "hf_",
    "r8_",
    "AKIA",
    "ASIA",
    "eyJ",
    "Signature=",
    "earer ",
    "Basic ",
)
_NAMED_WORDS = ("key", "authorization", "token", "secret", "passw")


def _mask(value: str, mask: Callable[[str], str]) -> str:
    secrets = active()
    if secrets:
        value = _mask_values(value, secrets, mask)
    if any(literal in value for literal in _KEY_LITERALS):
        value = _rx(_KEY_PATTERNS).sub(MASK if mask is _whole else lambda m: mask(m.group()), value)
    if '"' not in value:
        return value
    if value.isascii():  # no other letters that (?i) takes for these words' (the Kelvin sign)
        lowered = value.lower()
        if not any(word in lowered for word in _NAMED_WORDS):
            return value
    return _rx(_JSON_SECRET).sub(lambda m: m.group(1) + mask(m.group(2)) + m.group(3), value)


def _mask_values(value: str, secrets: Iterable[str], mask: Callable[[str], str] = _whole) -> str:
    for secret in sorted(secrets, key=len, reverse=True):  # longest first: variants overlap
        if secret in value:
            value = value.replace(secret, mask(secret))
        if len(secret) > MIN_SECRET and len(value) >= MIN_SECRET:
            value = _mask_edges(value, secret, mask)
    return value


def _mask_edges(value: str, secret: str, mask: Callable[[str], str] = _whole) -> str:
    """Mask a piece of `secret` cut off at either end of `value` (or all of `value`)."""
    if len(value) < len(secret) and value in secret:
        return mask(value)
    # The end of `value` is the start of the secret.
    head = secret[:MIN_SECRET]
    i = value.find(head, max(0, len(value) - len(secret) + 1))
    while i != -1:
        if secret.startswith(value[i:]):
            value = value[:i] + mask(value[i:])
            break
        i = value.find(head, i + 1)
    # The start of `value` is the end of the secret.
    tail = secret[-MIN_SECRET:]
    j = value.rfind(tail, 0, len(secret) - 1)
    while j != -1:
        k = j + MIN_SECRET
        if secret.endswith(value[:k]):
            return mask(value[:k]) + value[k:]
        j = value.rfind(tail, 0, j + MIN_SECRET - 1)
    return value


def headers(values: Mapping[str, str], secret_headers: Iterable[str] = ()) -> dict[str, str]:
    """Header values with every credential masked (by name, by value, by shape)."""
    marked = {n.strip().lower() for n in secret_headers}
    return {
        name: MASK if secret_name(name) or name.lower() in marked else text(str(value))
        for name, value in values.items()
    }


def url(value: str) -> str:
    try:
        parts = urlsplit(value)
        credentials = parts.password or parts.username
        port = parts.port
    except ValueError:
        return text(value)
    if parts.query:
        pairs = [
            (k, MASK if _secret_param(k) else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ]
        query = urlencode(pairs, safe="[]")
        parts = parts._replace(query=query)
    if credentials:
        host = parts.hostname or ""
        try:
            port = parts.port
        except ValueError:  # a port that is not a number: keep none rather than crash
            port = None
        parts = parts._replace(netloc=f"{MASK}@{host}" + (f":{port}" if port else ""))
    # The host is left alone: a known value that happens to equal it must not break the URL.
    return urlunsplit(
        parts._replace(
            path=text(parts.path), query=text(parts.query), fragment=text(parts.fragment)
        )
    )


def excerpt(data: bytes | str, limit: int = 200) -> str:
    """A short, printable, redacted view of what arrived, for a finding's evidence.

    Masked before it is shortened, so a key is never cut into a piece the masks miss."""
    if isinstance(data, bytes):
        if len(data) > 8 * limit:  # decode only the ends: bodies can be megabytes (images)
            ends = data[: 4 * limit], data[-4 * limit :]
            raw = "".join(text(part.decode("utf-8", "backslashreplace")) for part in ends)
        else:
            raw = text(data.decode("utf-8", "backslashreplace"))
    else:
        raw = text(data)
    if len(raw) > limit:
        raw = raw[: limit - 40] + " ... " + raw[-35:]
    return raw.encode("unicode_escape").decode("ascii") if _unprintable(raw) else raw


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

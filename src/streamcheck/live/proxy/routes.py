"""Where each request goes: upstreams by path prefix.

`--upstream URL` sends every path to one upstream; `--upstream PREFIX=URL` (repeatable) or a
routes file sends each path to the upstream of its longest matching prefix, with the prefix
taken off (an app whose base URL is `http://127.0.0.1:8080/anthropic` reaches
`https://api.anthropic.com/v1/messages` for `/anthropic/v1/messages`). The routes file is TOML:

    [routes]
    "/openai" = "https://api.openai.com"
    "/anthropic" = "https://api.anthropic.com"
    "/azure" = "https://my-resource.openai.azure.com"
    "/gemini" = "https://generativelanguage.googleapis.com"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from streamcheck.exceptions import ConfigError


@dataclass(frozen=True, slots=True)
class Route:
    prefix: str  # "/" or "/name" (no trailing slash)
    upstream: str  # scheme://host[:port][/base path], no trailing slash

    def target(self, path: str, query: bytes) -> str:
        """The upstream URL for a request path (and raw query string) under this prefix."""
        rest = path if self.prefix == "/" else path[len(self.prefix) :]
        if rest and not rest.startswith("/"):
            rest = "/" + rest
        url = self.upstream + rest
        return f"{url}?{query.decode('latin-1')}" if query else url

    def ws_target(self, path: str, query: bytes) -> str:
        """The same for a WebSocket upgrade: http -> ws, https -> wss."""
        url = self.target(path, query)
        return "ws" + url[4:] if url.startswith("http") else url


def route(value: str) -> Route:
    """`URL` (every path) or `PREFIX=URL`."""
    prefix, sep, url = value.partition("=")
    if not sep:
        prefix, url = "/", value
    return _checked(prefix.strip() or "/", url.strip(), f"--upstream {value}")


def _checked(prefix: str, url: str, where: str) -> Route:
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: expected an http:// or https:// URL")
    if parts.query or parts.fragment:
        raise ConfigError(f"{where}: the upstream URL takes no query or fragment")
    if not prefix.startswith("/"):
        raise ConfigError(f"{where}: a path prefix starts with /")
    return Route(prefix.rstrip("/") or "/", url.rstrip("/"))


def load(path: Path) -> list[Route]:
    """The [routes] table of a TOML file."""
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    routes = table.get("routes")
    if not isinstance(routes, dict) or not routes:
        raise ConfigError(f'{path}: expected a [routes] table of "/prefix" = "URL" entries')
    found = []
    for prefix, url in routes.items():
        if not isinstance(url, str):
            raise ConfigError(f"{path}: routes.{prefix}: expected a URL string")
        found.append(_checked(prefix, url, f"{path}: routes.{prefix}"))
    return found


class Router:
    """The longest matching prefix wins; a path no prefix matches gets no upstream."""

    def __init__(self, routes: list[Route]) -> None:
        if not routes:
            raise ConfigError("no upstream: give --upstream URL (or PREFIX=URL, or --routes)")
        prefixes = [r.prefix for r in routes]
        twice = sorted({p for p in prefixes if prefixes.count(p) > 1})
        if twice:
            raise ConfigError(f"the path prefix {twice[0]} has two upstreams")
        self.routes = sorted(routes, key=lambda r: len(r.prefix), reverse=True)

    def find(self, path: str) -> Route | None:
        for candidate in self.routes:
            prefix = candidate.prefix
            if prefix == "/" or path == prefix or path.startswith(prefix + "/"):
                return candidate
        return None

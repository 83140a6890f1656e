"""What a check is asked to do: the flags and config settings that reach one exchange."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from streamcheck.exceptions import ConfigError
from streamcheck.model import Severity
from streamcheck.protocols import Every, Protocol, every, find
from streamcheck.wire import DEFAULT_MAX_LINE

# Every protocol with none first: an Every holds nothing an exchange changes, so one serves all.
_EVERY = Every()


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """What a check is asked to do: which protocols may judge, which codes count, the limits.

    Every field has a default: `CheckOptions()` is a check with no flag and no config file."""

    provider: str | None = None
    api: str | None = None
    api_version: str | None = None
    framing: str | None = None  # force sse / ndjson / ... for raw bodies
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: Severity = Severity.ERROR
    max_line: int = DEFAULT_MAX_LINE
    max_gap: float = 30.0
    max_first_token: float = 20.0
    schema_dirs: tuple[Path, ...] = ()
    max_per_code: int = 50  # findings of one code per exchange before they are summarised
    # User-defined protocols (protocol files). Offered before the built-in ones; with
    # `force_protocols` (`check --protocol FILE`) they are the only ones.
    protocol_files: tuple[Path, ...] = ()
    force_protocols: bool = False
    # The config file's provider, api and api-version: defaults for recordings that do not say
    # which API they are. `provider`/`api`/`api_version` (flags) force; these only put their
    # protocols first in detection, judge a stream no protocol claims, and give the version a
    # recording does not name. A clean Ollama recording stays Ollama under `provider = "openai"`.
    default_provider: str | None = None
    default_api: str | None = None
    default_api_version: str | None = None

    def protocols(self) -> Collection[type[Protocol]]:
        """The protocols the flags allow, in detection order; when no flag narrows them, every
        protocol, imported only as far as detection iterates (`Every`)."""
        declared: list[type[Protocol]] = []
        if self.protocol_files:
            from streamcheck.protocols.declared_file import load_all

            declared = list(load_all(self.protocol_files))
            if self.force_protocols:
                return declared
        if not self.provider and not self.api:
            preferred = self.preferred()
            if not declared and not preferred:
                return _EVERY  # asked once per exchange; most runs name nothing first
            return Every(declared + [p for p in preferred if p not in declared])
        return _narrowed(self.provider, self.api)

    def preferred(self) -> list[type[Protocol]]:
        """The protocols the config's defaults name, offered first (none without defaults)."""
        if self.provider or self.api or not (self.default_provider or self.default_api):
            return []
        return _narrowed(self.default_provider, self.default_api)


def _narrowed(provider: str | None, api: str | None) -> list[type[Protocol]]:
    """The protocols of `provider` and `api` (either may be None); a name no protocol has is a
    configuration error."""
    candidates = list(every().values())
    if provider:
        candidates = find(provider)
        if not candidates:
            known = ", ".join(sorted({p.provider for p in every().values()}))
            raise ConfigError(f"unknown provider {provider!r} (known: {known})")
    if api:
        narrowed = [p for p in candidates if api in (p.api, p.name)]
        if not narrowed:
            known = ", ".join(sorted({p.api for p in candidates}))
            raise ConfigError(f"unknown api {api!r} (known here: {known})")
        candidates = narrowed
    return candidates

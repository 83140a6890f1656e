"""What a check is asked to do: the flags and config settings that reach one exchange."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from streamcheck.exceptions import ConfigError
from streamcheck.model import Severity
from streamcheck.protocols import Every, Protocol, every, find
from streamcheck.wire import DEFAULT_MAX_LINE


@dataclass(frozen=True, slots=True)
class CheckOptions:
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
            return Every(declared) if declared else Every()
        candidates = list(every().values())
        if self.provider:
            candidates = find(self.provider)
            if not candidates:
                known = ", ".join(sorted({p.provider for p in every().values()}))
                raise ConfigError(f"unknown provider {self.provider!r} (known: {known})")
        if self.api:
            narrowed = [p for p in candidates if self.api in (p.api, p.name)]
            if not narrowed:
                known = ", ".join(sorted({p.api for p in candidates}))
                raise ConfigError(f"unknown api {self.api!r} (known here: {known})")
            candidates = narrowed
        return candidates

"""What identifies a finding across edits: the key of a baseline entry.

A key is (file, exchange, code, frame kind, fingerprint). None of its parts is a line number or
a byte offset, so adding lines above a finding, re-recording another exchange or re-indenting a
cassette does not make an old finding new:

- file: the recording's path relative to the baseline file's folder, in posix form;
- exchange: the request's URL path and its ordinal among the file's exchanges to that path
  (`/v1/chat/completions#0`), or `#N` when the recording holds no URL (raw bodies), so an
  exchange inserted for another endpoint shifts nothing;
- frame kind: the schema kind of the frame the finding points at (`chunk`), or "";
- fingerprint: a hash of the finding's JSON path and its evidence (or, without evidence, its
  message with every number masked: messages name positions). The text is redacted and its
  white space collapsed first; only the hash is stored, never the text, so no key can reach it.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from streamcheck import redact
from streamcheck.model import ExchangeResult, Finding

_NUMBER = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


class Key(NamedTuple):
    file: str
    exchange: str
    code: str
    kind: str
    fingerprint: str


def relative_file(source: str, root: Path) -> str:
    """A source as the baseline names it: relative to `root`, posix; `<stdin>` as is."""
    if source.startswith("<") and source.endswith(">"):
        return source
    return Path(os.path.relpath(os.path.abspath(source), root)).as_posix()


def exchange_ids(results: list[ExchangeResult]) -> list[str]:
    """Each result's exchange identity, in order (ordinals count per file and URL path)."""
    seen: dict[tuple[str, str], int] = {}
    out = []
    for result in results:
        try:
            path = urlsplit(result.url).path if result.url else ""
        except ValueError:  # a recorded URL that does not split ("Invalid IPv6 URL")
            path = ""
        if not path:
            out.append(f"#{result.index}")
            continue
        path = redact.text(path)
        ordinal = seen.get((result.source, path), 0)
        seen[(result.source, path)] = ordinal + 1
        out.append(f"{path}#{ordinal}")
    return out


def fingerprint(finding: Finding) -> str:
    text = finding.evidence or _NUMBER.sub("#", finding.message)
    material = "\0".join(
        (finding.code, finding.location.path or "", _SPACE.sub(" ", redact.text(text)).strip())
    )
    return hashlib.sha256(material.encode("utf-8", "replace")).hexdigest()[:16]


def keys(results: list[ExchangeResult], root: Path) -> list[list[Key]]:
    """The key of every finding of every result, in the same order."""
    out = []
    for result, exchange in zip(results, exchange_ids(results), strict=True):
        file = relative_file(result.source, root)
        out.append(
            [
                Key(file, exchange, f.code, f.frame_kind or "", fingerprint(f))
                for f in result.findings
            ]
        )
    return out

"""The baseline file: JSON with one entry per line, sorted, so that its diffs read well.

    {
      "streamcheck-baseline": 1,
      "entries": [
        {"file": "a.sse", "exchange": "#0", "code": "SC301", "kind": "", "fingerprint": …,
         "count": 1},     (one line in the file)
        …
      ]
    }

`count` is how many identical findings the entry stands for (two identical findings need two).
A file that does not parse, lacks the version member, or has a version this streamcheck does
not read is an InputError (one line, exit 2); `--write-baseline` never overwrites a file that
is not a baseline.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from pathlib import Path

from streamcheck.baseline.keys import Key
from streamcheck.exceptions import InputError

VERSION = 1
MARK = "streamcheck-baseline"
_FIELDS = ("file", "exchange", "code", "kind", "fingerprint")


def read(path: Path) -> Counter[Key]:
    """The entries of a baseline file, each key with its count."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: baseline not found (write one with --write-baseline)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the baseline ({exc.strerror})") from None
    return parse(path, raw)


def parse(path: Path, raw: bytes) -> Counter[Key]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: not a streamcheck baseline (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or MARK not in data:
        raise InputError(f"{path}: not a streamcheck baseline (no {MARK!r} member)")
    version = data[MARK]
    if version != VERSION or isinstance(version, bool):
        raise InputError(
            f"{path}: baseline format version {version!r} is not one this streamcheck reads "
            f"({VERSION}); rewrite it with --write-baseline"
        )
    entries = data.get("entries")
    if not isinstance(entries, list):
        raise InputError(f"{path}: corrupt baseline: 'entries' must be a list")
    found: Counter[Key] = Counter()
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or set(entry) != {*_FIELDS, "count"}:
            raise InputError(
                f"{path}: corrupt baseline: entry {number} must have exactly "
                f"{', '.join((*_FIELDS, 'count'))}"
            )
        values = [entry[name] for name in _FIELDS]
        count = entry["count"]
        if not all(isinstance(v, str) for v in values) or not (
            isinstance(count, int) and not isinstance(count, bool) and count > 0
        ):
            raise InputError(
                f"{path}: corrupt baseline: entry {number} needs string fields and a "
                "positive whole count"
            )
        found[Key(*values)] += count
    return found


def is_baseline(path: Path) -> bool:
    """Whether `path` holds a baseline `--write-baseline` may overwrite (one it can read)."""
    try:
        parse(path, path.read_bytes())
    except (InputError, OSError):
        return False
    return True


def render(entries: Counter[Key]) -> str:
    lines = []
    for key in sorted(entries):
        fields = {name: getattr(key, name) for name in _FIELDS}
        fields["count"] = entries[key]
        lines.append("    " + json.dumps(fields, ensure_ascii=False))
    body = ",\n".join(lines)
    return f'{{\n  "{MARK}": {VERSION},\n  "entries": [\n{body}{chr(10) if body else ""}  ]\n}}\n'


def write(path: Path, entries: Counter[Key]) -> None:
    """Write the baseline atomically (a temporary file beside it, then a rename), refusing to
    overwrite a file that is not a baseline: nothing the user gave is lost."""
    if path.exists() and not is_baseline(path):
        raise InputError(
            f"{path}: exists and is not a streamcheck baseline this version reads; "
            "not overwritten (name another file)"
        )
    text = render(entries)
    temporary = None
    try:
        # mkstemp makes the file 0600: give it the mode a plain write would have given.
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as exc:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write the baseline ({exc.strerror})") from None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current

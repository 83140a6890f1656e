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
import stat
import tempfile
from collections import Counter
from pathlib import Path

import orjson

from streamcheck.baseline.keys import Key
from streamcheck.exceptions import InputError

VERSION = 1
MARK = "streamcheck-baseline"
_FIELDS = ("file", "exchange", "code", "kind", "fingerprint")
# Far above any real baseline (an entry is about 200 bytes: over 300,000 entries).
MAX_BYTES = 64 * 1024 * 1024


def read(path: Path) -> Counter[Key]:
    """The entries of a baseline file, each key with its count."""
    try:
        raw = _contents(path)
    except FileNotFoundError:
        raise InputError(f"{path}: baseline not found (write one with --write-baseline)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the baseline ({exc.strerror})") from None
    except ValueError:  # a NUL byte in the name a config file gave: no file has it
        raise InputError(f"{path}: baseline not found (a NUL byte in its name)") from None
    return parse(path, raw)


def _contents(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_BYTES. A baseline may come with the checked
    tree: a FIFO would block the read and /dev/zero never end, so neither is opened."""
    if not stat.S_ISREG(path.stat().st_mode):
        raise InputError(f"{path}: not a streamcheck baseline (not a regular file)")
    with path.open("rb") as handle:
        raw = handle.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise InputError(f"{path}: not a streamcheck baseline (over {MAX_BYTES >> 20} MiB)")
    return raw


def parse(path: Path, raw: bytes) -> Counter[Key]:
    try:  # orjson: a document nested past 1,024 levels is an error, not a RecursionError
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{path}: not a streamcheck baseline (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or MARK not in data:
        raise InputError(f"{path}: not a streamcheck baseline (no {MARK!r} member)")
    version = data[MARK]
    if version != VERSION or isinstance(version, bool):
        # Quoted only when short and plain: repr() of a list nested 1,000 deep recurses.
        plain = isinstance(version, int | float | str) and len(str(version)) <= 40
        shown = repr(version) if plain else f"(a JSON {type(version).__name__})"
        raise InputError(
            f"{path}: baseline format version {shown} is not one this streamcheck reads "
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
        parse(path, _contents(path))
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


def refuse_dangling(path: Path) -> None:
    """A symbolic link to nothing is not followed to create a file wherever it points (a
    checked tree may hold such a link)."""
    if path.is_symlink() and not path.exists():
        raise InputError(
            f"{path}: a symbolic link to {os.readlink(path)}, which does not exist; "
            "not written (create the target or name another file)"
        )


def write(path: Path, entries: Counter[Key]) -> None:
    """Write the baseline atomically (a temporary file beside it, then a rename), refusing to
    overwrite a file that is not a baseline: nothing the user gave is lost.

    A symbolic link is written through: the temporary file goes beside the link's target and
    replaces the target, so the link (and whatever else shares the target) sees the new file.
    Two runs writing at once each rename a whole file of their own: the last rename wins, and
    no reader ever sees a file torn between the two."""
    refuse_dangling(path)
    target = Path(os.path.realpath(path))
    if target.exists() and not is_baseline(target):
        raise InputError(
            f"{path}: exists and is not a streamcheck baseline this version reads; "
            "not overwritten (name another file)"
        )
    text = render(entries)
    temporary = None
    try:
        # mkstemp makes the file 0600: give it the mode a plain write would have given.
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except OSError as exc:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write the baseline ({exc.strerror})") from None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current

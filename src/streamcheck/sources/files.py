"""Walk the paths the user gave, sniff each file's format, and hand it to its reader.

Folders are walked recursively (hidden entries skipped); globs are expanded. Every reader yields
`Exchange`s; nothing downstream knows which format the bytes came from.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, BinaryIO

from streamcheck.exceptions import InputError
from streamcheck.model import Exchange
from streamcheck.sources import formats, raw

HEAD = 4096
# Files a folder walk picks up. Explicit file arguments are read whatever their name.
RECORDING_SUFFIXES = frozenset(
    {
        ".sse",
        ".ndjson",
        ".jsonl",
        ".json",
        ".txt",
        ".http",
        ".curl",
        ".tape",
        ".yaml",
        ".yml",
        ".har",
        ".body",
        ".stream",
        ".bin",
        ".eventstream",
    }
)
FORMATS = ("auto", "sse", "ndjson", "json", "curl", "tape", "cassette", "har")

Reader = Callable[[str, BinaryIO, bytes], Iterator[Exchange]]


def _raw(source: str, stream: BinaryIO, head: bytes) -> Iterator[Exchange]:
    yield raw.from_stream(source, stream, head)


def _tape(source: str, stream: BinaryIO, head: bytes) -> Iterator[Exchange]:
    from streamcheck.sources import tape

    yield from tape.read(source, io.BufferedReader(_Prefixed(head, stream)))


def _loaded_on_use(module: str) -> Reader:
    """The `read` of `streamcheck.sources.<module>`, imported with the first file of its kind."""

    def read(source: str, stream: BinaryIO, head: bytes) -> Iterator[Exchange]:
        reader: Reader = __import__(f"{__package__}.{module}", fromlist=["read"]).read
        yield from reader(source, stream, head)

    return read


class _Prefixed(io.RawIOBase):
    """A stream that first returns bytes already read for sniffing, then the rest."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self.head = head
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.head:
            size = min(len(buffer), len(self.head))
            buffer[:size] = self.head[:size]
            self.head = self.head[size:]
            return size
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# A container's reader module loads only when a file of its kind turns up: checking a raw SSE
# body imports no YAML-cassette, HAR or tape code (start-up, issue 6).
def _protocol_file(source: str, stream: BinaryIO, head: bytes) -> Iterator[Exchange]:
    """A protocol file named as a recording: say what it is (folder walks pass over them)."""
    raise InputError(f"{source}: a protocol file, not a recording (give it with --protocol)")


READERS: dict[str, Reader] = {
    "raw": _raw,
    "protocol": _protocol_file,
    "tape": _tape,
    "cassette": _loaded_on_use("cassette"),
    "har": _loaded_on_use("har"),
}
SNIFFERS: tuple[tuple[str, Callable[[str, bytes], bool]], ...] = (
    ("protocol", formats.is_protocol_file),
    ("tape", formats.is_tape),
    ("cassette", formats.is_cassette),
    ("har", formats.is_har),
)


def expand(paths: list[str]) -> list[str]:
    """Files to read, in a stable order; '-' is standard input."""
    found: list[str] = []
    for given in paths:
        if given == "-":
            found.append("-")
            continue
        # A file that exists is taken as named, even with glob characters: pytest cassettes are
        # named like `test_x[param].yaml`.
        literal = not _GLOB_MAGIC.search(given) or Path(given).exists()
        matches = [given] if literal else _glob(given)
        if not matches:
            raise InputError(f"{given}: no file matches")
        before = len(found)
        for match in matches:
            path = Path(match)
            if path.is_dir():
                found.extend(_walk(path))
            elif path.exists():
                found.append(match)
            else:
                raise InputError(f"{match}: no such file or folder")
        if len(found) == before:  # a folder (or glob of folders) holding no recording at all
            suffixes = ", ".join(sorted(RECORDING_SUFFIXES))
            raise InputError(f"{given}: no recordings in it (looked for {suffixes})")
    return found


_GLOB_MAGIC = re.compile(r"[*?[]")  # what glob.has_magic looks for, without importing glob


def _glob(pattern: str) -> list[str]:
    import glob

    return sorted(glob.glob(pattern, recursive=True))


def _walk(folder: Path) -> list[str]:
    out: list[str] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            # os.path, not pathlib: a CI folder holds thousands of recordings.
            suffix = os.path.splitext(name)[1].lower()
            if not name.startswith(".") and suffix in RECORDING_SUFFIXES:
                path = os.path.join(root, name)
                if suffix in _MAYBE_PROTOCOL and _is_protocol_file(path):
                    continue  # a user-defined protocol's file kept beside its recordings
                out.append(path)
    return out


_MAYBE_PROTOCOL = frozenset({".yaml", ".yml", ".json"})


def _is_protocol_file(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return formats.is_protocol_file(path, handle.read(512))
    except OSError:
        return False  # reading it later says what is wrong


def read_path(path: str, input_format: str = "auto") -> Iterator[Exchange]:
    """Exchanges of one file (or '-'). The file stays open while they are consumed."""
    with ExitStack() as stack:
        if path == "-":
            stream: BinaryIO = sys.stdin.buffer
            source = "<stdin>"
        else:
            source = path
            try:
                stream = stack.enter_context(open(path, "rb"))
            except IsADirectoryError:
                raise InputError(f"{path}: is a folder") from None
            except OSError as exc:
                raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
        try:
            head = stream.read(HEAD)
        except OSError as exc:
            raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None
        name = _format(source, head, input_format)
        yield from READERS[name](source, stream, head)


def _format(source: str, head: bytes, input_format: str) -> str:
    if input_format in ("sse", "ndjson", "json", "curl"):
        return "raw"
    if input_format != "auto":
        if input_format not in READERS:
            raise InputError(f"{source}: input format {input_format!r} is not available")
        return input_format
    for name, test in SNIFFERS:
        if test(source, head):
            return name
    if _binary_junk(head) and not raw.looks_like_curl(head):
        raise InputError(
            f"{source}: not a recording (binary data that is no SSE, NDJSON, JSON, tape, "
            "cassette, HAR or AWS event stream)"
        )
    return "raw"


def _binary_junk(head: bytes) -> bool:
    from streamcheck.wire.sniff import sniff

    if not head or sniff(head) != "text":
        return False
    sample = head[:1024]
    if b"\x00" in sample:
        return True
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < len(sample) - 4  # a cut multi-byte char at the end is fine
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls > len(sample) // 20

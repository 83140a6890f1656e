"""Walk the paths the user gave, sniff each file's format, and hand it to its reader.

Folders are walked recursively (hidden entries skipped); globs are expanded. Every reader yields
`Exchange`s; nothing downstream knows which format the bytes came from.
"""

from __future__ import annotations

import errno
import io
import os
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from streamcheck.exceptions import InputError
from streamcheck.model import Exchange
from streamcheck.sources import calls, formats, raw
from streamcheck.wire.sniff import STREAM_FRAMINGS, sniff

HEAD = 4096
GZIP_MAGIC = b"\x1f\x8b"
# A gzip-compressed recording (langchain_tests writes `.yaml.gz` cassettes) is read inflated,
# up to this many bytes: past it the file is refused (a gzip bomb holds nothing to check).
MAX_INFLATED = 512 << 20
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
        ".httprr",
        ".json5",  # talkback's tapes
    }
)
# What `--input-format` may force: a raw body in any framing a byte decoder reads (a WebSocket's
# frames are its messages, never bytes), a whole JSON body, a curl -i dump, or a container.
BODY_FRAMINGS = tuple(f for f in STREAM_FRAMINGS if f != "websocket")
FORMATS = (
    "auto",
    *BODY_FRAMINGS,
    *("json", "curl", "tape", "cassette", "har", "httprr", "shaped"),
)

Reader = Callable[[str, BinaryIO, bytes], Iterator[Exchange]]


def _raw(source: str, stream: BinaryIO, head: bytes) -> Iterator[Exchange]:
    exchange = raw.from_stream(source, stream, head)
    if exchange.status is None and calls.might_hold_calls(head[:HEAD]):
        yield from calls.split(exchange)  # payloads of several Responses calls in a row
    else:
        yield exchange


def _tape(source: str, stream: BinaryIO, head: bytes) -> Iterator[Exchange]:
    from streamcheck.sources import tape

    # A tape is read a line at a time: 64 KiB per _Prefixed.readinto call (a Python call)
    # rather than the default 8 KiB (45 ns a line of a recorded WebSocket session, a fifth
    # of its readline; issue 22).
    yield from tape.read(source, io.BufferedReader(_Prefixed(head, stream), 1 << 16))


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
        # Straight into the reader's buffer: no bytes object made and copied for each read.
        return self.rest.readinto(buffer)  # type: ignore[attr-defined, no-any-return]


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
    "httprr": _loaded_on_use("httprr"),
    # Tried after every specific reader: a document of exchanges read by its structure.
    "shaped": _loaded_on_use("shaped"),
}
# How an SSE body's first line starts (the fields that carry events), as nearly every recording
# of a folder does.
_SSE_FIELDS = (b"data:", b"event:")
SNIFFERS: tuple[tuple[str, Callable[[str, bytes], bool]], ...] = (
    ("protocol", formats.is_protocol_file),
    ("tape", formats.is_tape),
    ("cassette", formats.is_cassette),
    ("har", formats.is_har),
    ("httprr", formats.is_httprr),
)


def expand(paths: list[str], notes: list[str] | None = None) -> list[str]:
    """Files to read, in a stable order; '-' is standard input.

    A folder walk skips what is not a recording: entries that are no regular file (a FIFO
    would block the run forever; sockets, devices, broken links), files of other suffixes
    (README.md, .py) and `.txt`/`.yaml` files whose first bytes are no recording (a note, a CI
    config). Each kind is said once in `notes`. A file named directly is always read.
    """
    found: list[str] = []
    skipped = _Skipped()
    for given in paths:
        if given == "-":
            found.append("-")
            continue
        # A file that exists is taken as named, even with glob characters: pytest cassettes are
        # named like `test_x[param].yaml`.
        literal = not _GLOB_MAGIC.search(given) or os.path.lexists(given)
        matches = [given] if literal else _glob(given)
        if not matches:
            raise InputError(f"{given}: no file matches")
        before = len(found)
        # A glob ranges over the tree like a walk: what it matches through a link stays under
        # the folder the pattern names, and only regular files are opened.
        base = None if literal else os.path.realpath(_glob_base(given))
        for match in matches:
            if base is not None and not _inside(os.path.realpath(match), base):
                skipped.outside.append(match)
            elif os.path.isdir(match):
                found.extend(_walk(match, skipped))
            elif base is not None and not os.path.isfile(match):
                skipped.special.append(match)
            elif os.path.exists(match):
                found.append(match)
            else:
                raise InputError(_missing(match))
        if len(found) == before:  # a folder (or glob of folders) holding no recording at all
            suffixes = ", ".join(sorted(RECORDING_SUFFIXES))
            raise InputError(f"{given}: no recordings in it (looked for {suffixes})")
    if notes is not None:
        notes.extend(skipped.notes())
    return found


def _missing(path: str) -> str:
    """Why a named path cannot be read: no such file, or a symbolic link that leads nowhere."""
    if os.path.islink(path):
        try:
            os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return f"{path}: symbolic link loop (too many levels of symbolic links)"
        return f"{path}: broken symbolic link (to {os.readlink(path)})"
    return f"{path}: no such file or folder"


_GLOB_MAGIC = re.compile(r"[*?[]")  # what glob.has_magic looks for, without importing glob
# Suffixes that notes and configs share with recordings: their first bytes decide (a
# `renovate.json5` beside talkback's `.json5` tapes is a config).
_SNIFFED = frozenset({".txt", ".yaml", ".yml", ".json5"})


def _glob(pattern: str) -> list[str]:
    import glob

    return sorted(glob.glob(pattern, recursive=True))


def _glob_base(pattern: str) -> str:
    """The folder a glob names before its first wildcard (`fixtures/**/*.sse`: `fixtures`)."""
    parts = pattern.split(os.sep)
    fixed = []
    for part in parts:
        if _GLOB_MAGIC.search(part):
            break
        fixed.append(part)
    return os.sep.join(fixed) or (os.sep if pattern.startswith(os.sep) else ".")


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


class _Skipped:
    """What a folder walk left out, to be said once per kind."""

    def __init__(self) -> None:
        self.special: list[str] = []  # no regular file: never opened
        self.other: list[str] = []  # not a recording by suffix or first bytes
        # A link that leads out of the folder named (to ~/.ssh, /proc/self/environ): a checked
        # tree must not make streamcheck read, and quote as evidence, what lies outside it.
        self.outside: list[str] = []

    def notes(self) -> list[str]:
        out = []
        if self.outside:
            out.append(
                f"skipped {_count(self.outside, 'link', 'links')} in folders that "
                f"{'leads' if len(self.outside) == 1 else 'lead'} outside the folder named "
                f"(never opened): {_some(self.outside)}"
            )
        if self.special:
            out.append(
                f"skipped {_count(self.special, 'entry', 'entries')} in folders that "
                f"{'is' if len(self.special) == 1 else 'are'} not a regular file (a FIFO, "
                f"socket, device or broken link; never opened): {_some(self.special)}"
            )
        if self.other:
            out.append(
                f"skipped {_count(self.other, 'file', 'files')} in folders that "
                f"{'is' if len(self.other) == 1 else 'are'} not a recording: {_some(self.other)}"
            )
        return out


def _count(items: list[str], one: str, many: str) -> str:
    return f"{len(items):,} {one if len(items) == 1 else many}"


def _some(items: list[str], shown: int = 3) -> str:
    more = f" (+{len(items) - shown:,} more)" if len(items) > shown else ""
    return ", ".join(shown_name(p) for p in items[:shown]) + more


def _walk(folder: str, skipped: _Skipped) -> list[str]:
    """Recursive, sorted, hidden entries skipped; files before sub-folders (os.walk's order).
    os.scandir, not pathlib, and no stat for most entries: a CI folder holds thousands."""
    out: list[str] = []
    root = os.path.realpath(folder)
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            # As an unreadable file is: skipping it in silence would turn a CI job green.
            raise InputError(
                f"{shown_name(current)}: cannot read folder ({exc.strerror or exc})"
            ) from None
        folders = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                    continue
                if entry.is_symlink() and entry.is_dir():
                    continue  # a linked folder is not followed (a loop would never end)
                if entry.is_symlink() and not _inside(os.path.realpath(entry.path), root):
                    skipped.outside.append(entry.path)
                    continue
                regular = entry.is_file()
            except OSError:
                regular = False
            if not regular:
                skipped.special.append(entry.path)
                continue
            # os.path.splitext's suffix of a name that has no separator and does not start
            # with a dot (those were skipped), without its two Python calls per entry.
            dot = name.rfind(".")
            suffix = name[dot:].lower() if dot > 0 else ""
            if suffix == ".gz" and _gzip_suffix(name):
                out.append(entry.path)  # a compressed recording: read inflated, not sniffed
                continue
            if suffix in _MAYBE_PROTOCOL and _is_protocol_file(entry.path):
                continue  # a user-defined protocol's file kept beside its recordings
            if suffix not in RECORDING_SUFFIXES or (
                suffix in _SNIFFED and not _looks_recorded(entry.path, suffix)
            ):
                skipped.other.append(entry.path)
                continue
            out.append(entry.path)
        stack.extend(reversed(folders))
    return out


_MAYBE_PROTOCOL = frozenset({".yaml", ".yml", ".json", ".toml"})


def _is_protocol_file(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return formats.is_protocol_file(path, handle.read(512))
    except OSError:
        return False  # reading it later says what is wrong


def _looks_recorded(path: str, suffix: str) -> bool:
    """Whether a `.txt`, `.yaml` or `.json5` file's first bytes are a recording (an unreadable
    one is kept: reading it says why)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD)
    except OSError:
        return True
    if suffix != ".txt":
        return formats.is_cassette(path, head) or formats.holds_exchanges(path, head)
    if any(test(path, head) for _, test in SNIFFERS) or raw.looks_like_curl(head):
        return True
    return sniff(head) not in ("text", "html", "empty")


class _Inflating(io.RawIOBase):
    """A gzip file's bytes, inflated as they are read: a broken file or one inflating past
    MAX_INFLATED is one clear InputError, never a traceback from the middle of a reader."""

    def __init__(self, source: str, compressed: io.RawIOBase) -> None:
        import gzip

        self.source = source
        self.inflated = gzip.GzipFile(fileobj=compressed, mode="rb")
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        import zlib

        try:
            data = self.inflated.read(len(buffer))
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{self.source}: a broken gzip file ({exc})") from None
        self.size += len(data)
        if self.size > MAX_INFLATED:
            raise InputError(
                f"{self.source}: inflates past {MAX_INFLATED >> 20} MiB; not read further"
            )
        buffer[: len(data)] = data
        return len(data)


def _gzip_suffix(name: str) -> str | None:
    """The suffix under `.gz` (`.yaml` of `x.yaml.gz`) when it names a recording."""
    stem, suffix = os.path.splitext(name)
    if suffix.lower() != ".gz":
        return None
    inner = os.path.splitext(stem)[1].lower()
    return inner if inner in RECORDING_SUFFIXES else None


def shown_name(path: str) -> str:
    """A path as reports show it: a name that is not valid UTF-8 (os.fsdecode keeps its bytes
    as lone surrogates, which no UTF-8 output can hold) gets backslash escapes instead."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def read_path(path: str, input_format: str = "auto") -> Iterator[Exchange]:
    """Exchanges of one file (or '-'). The file stays open while they are consumed."""
    if path == "-":
        if sys.stdin is None:  # started with standard input closed (`<&-`)
            raise InputError("<stdin>: standard input is closed")
        yield from _read_stream("<stdin>", sys.stdin.buffer, input_format)
        return
    source = shown_name(path)
    try:
        # Unbuffered: a raw body is read in 64 KiB pieces anyway, and a BufferedReader costs
        # an isatty and an lseek per file besides its own copy (a folder holds thousands).
        stream = open(path, "rb", buffering=0)  # noqa: SIM115 (closed below, once read)
    except IsADirectoryError:
        raise InputError(f"{source}: is a folder") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None
    # A plain `with`, not an ExitStack: this runs once per file of a folder.
    with stream:
        try:
            # A small recording is read whole by this one read (its reader gets it as the
            # bytes already read); only its first HEAD bytes are sniffed.
            first = stream.read(raw.READ_SIZE)
            # A pipe named as a file (`<(curl ...)`) gives what it holds so far: the head is
            # read to HEAD bytes or the end, as a buffered read gives it.
            while len(first) < HEAD and (more := stream.read(HEAD - len(first))):
                first += more
        except OSError as exc:
            raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None
        yield from _read_first(source, stream, first, input_format)


def _read_stream(source: str, stream: BinaryIO, input_format: str) -> Iterator[Exchange]:
    try:
        head = stream.read(HEAD)
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None
    yield from _read_first(source, stream, head, input_format)


def _read_first(
    source: str, stream: BinaryIO, first: bytes, input_format: str
) -> Iterator[Exchange]:
    """The exchanges of a stream whose `first` bytes were read: the head sniffed is their
    first HEAD bytes; the reader gets all of them."""
    head = first[:HEAD]
    gzipped = input_format == "auto" and head.startswith(GZIP_MAGIC)
    name = "gzip" if gzipped else _format(source, head, input_format)
    if name == "raw":
        yield from _raw(source, stream, first)
    elif isinstance(stream, io.FileIO):
        # Containers are read as a buffered file is: whole, by line, or to a size (a raw
        # FileIO's read may give less than asked from a pipe). Closing it closes the file.
        with io.BufferedReader(stream) as buffered:
            yield from _container(source, name, buffered, first)
    else:
        yield from _container(source, name, stream, first)


def _container(source: str, name: str, stream: BinaryIO, first: bytes) -> Iterator[Exchange]:
    if name == "gzip":
        yield from _read_gzip(source, stream, first)
    else:
        yield from READERS[name](source, stream, first)


def _read_gzip(source: str, stream: BinaryIO, head: bytes) -> Iterator[Exchange]:
    """A gzip-compressed recording, read as the file it inflates to (one SC902 note says so)."""
    inflated = io.BufferedReader(_Inflating(source, _Prefixed(head, stream)))
    inner = inflated.read(HEAD)
    if inner.startswith(GZIP_MAGIC):
        raise InputError(f"{source}: gzip inside gzip; not read")
    name = _format(source, inner, "auto")
    for index, exchange in enumerate(READERS[name](source, inflated, inner)):
        if index == 0:
            exchange.notes.append("the file is gzip-compressed; it was read inflated")
        yield exchange


def _format(source: str, head: bytes, input_format: str) -> str:
    if input_format in (*BODY_FRAMINGS, "json", "curl"):
        return "raw"
    if input_format != "auto":
        if input_format not in READERS:
            raise InputError(f"{source}: input format {input_format!r} is not available")
        return input_format
    if head.startswith(_SSE_FIELDS):
        # An SSE body's first line: no container starts so (a cassette's keys, a HAR's or
        # tape's opening, a protocol file's key), so no sniffer is asked, each a scan of the
        # head (a cassette's YAML keys are searched at any line's start).
        return "raw"
    for name, test in SNIFFERS:
        if test(source, head):
            return name
    if formats.might_be_shaped(source, head) and _one_document(head):
        return "shaped"
    if _binary_junk(head) and not raw.looks_like_curl(head):
        raise InputError(
            f"{source}: not a recording (binary data that is no SSE, NDJSON, JSON, tape, "
            "cassette, HAR or AWS event stream)"
        )
    return "raw"


def _one_document(head: bytes) -> bool:
    """A JSON or YAML document, not a stream body (SSE, NDJSON, event stream) or curl dump."""
    return sniff(head) in ("json", "jsonarray", "text") and not raw.looks_like_curl(head)


def _binary_junk(head: bytes) -> bool:
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

"""Read and validate a protocol file (YAML, TOML or JSON) into a `declared.Spec`.

The format is our own, not AsyncAPI (README, "User-defined protocols", says why). Every problem
is a `ConfigError` naming the file, the line and the key (`relay.yaml:12: kinds.end.schema: ...`),
so the CLI exits 2 with one line; reading the text and the line of each key is
`declared_text.py`'s job.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson

from streamcheck import bounded_file, safe_yaml, schema_refs
from streamcheck.exceptions import ConfigError
from streamcheck.protocols.declared import (
    MISSING,
    DeclaredProtocol,
    Kind,
    Spec,
    parse_pointer,
    protocol_for,
    resolve,
)
from streamcheck.protocols.declared_text import MAX_KINDS, Key, ProtocolText, dotted
from streamcheck.protocols.declared_when import WhenIndex
from streamcheck.schema_engine import jsonschema_rs
from streamcheck.schema_refs import Confined, RefRefused

FORMAT_VERSION = 1
FRAMINGS = ("sse", "ndjson", "websocket")
TOP_KEYS = frozenset(
    {
        "streamcheck-protocol",
        "name",
        "version",
        "description",
        "framing",
        "match",
        "kind",
        "kinds",
        "start",
        "end",
        "errors",
        "after-end",
        "required-by-end",
    }
)
KIND_KEYS = frozenset({"schema", "when", "description"})
MATCH_KEYS = frozenset({"path", "header", "first-frame"})
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_BAD_ESCAPE = re.compile(r"~(?![01])")  # RFC 6901: `~` only as ~0 or ~1
_CACHE: dict[tuple[str, int, int], type[DeclaredProtocol]] = {}


def load(path: Path) -> type[DeclaredProtocol]:
    """The protocol of one file, read once per run (and again only if the file changed)."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise ConfigError(f"{path}: protocol file not found ({exc.strerror})") from None
    except ValueError:  # a NUL byte: no file has that name
        raise ConfigError(f"{path}: protocol file not found (a NUL byte in its name)") from None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE[key] = protocol_for(Reader(path).spec())
    return found


def load_all(paths: tuple[Path, ...]) -> list[type[DeclaredProtocol]]:
    protocols = [load(p) for p in paths]
    names: dict[str, Path] = {}
    for path, protocol in zip(paths, protocols, strict=True):
        other = names.setdefault(protocol.spec.name, path)
        if other != path:
            raise ConfigError(f"{path}: protocol name {protocol.spec.name!r} is also {other}'s")
    return protocols


class Reader(ProtocolText):
    """One file: its values, where each key sits, and the checks that build a Spec."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.confined = Confined(path, path.absolute().parent)

    # -- errors --------------------------------------------------------------------------------

    def fail(self, key: Key, problem: str) -> ConfigError:
        line = None
        for end in range(len(key), 0, -1):  # the key, else its nearest parent that has a line
            line = self.line_of(key[:end])
            if line is not None:
                break
        where = f":{line}" if line is not None else ""
        label = f" {dotted(key)}:" if key else ""
        return ConfigError(f"{self.path}{where}:{label} {problem}")

    # -- the spec ------------------------------------------------------------------------------

    def spec(self) -> Spec:
        data = self.data
        for name in data:
            if name not in TOP_KEYS:
                raise self.fail((name,), f"unknown key (known: {', '.join(sorted(TOP_KEYS))})")
        if data.get("streamcheck-protocol") != FORMAT_VERSION:
            raise self.fail(
                ("streamcheck-protocol",),
                f"must be {FORMAT_VERSION} (the format version; say `streamcheck-protocol: 1`)",
            )
        name = self.string(("name",), required=True)
        assert name is not None
        if NAME.fullmatch(name) is None:
            raise self.fail(("name",), "letters, digits, '.', '_' and '-' only")
        version = data.get("version", "1")
        if not isinstance(version, str | int) or isinstance(version, bool):
            raise self.fail(("version",), "must be a string")
        framings = self.strings(("framing",))
        if not framings:
            raise self.fail(("framing",), f"is required (one or more of {', '.join(FRAMINGS)})")
        for index, framing in enumerate(framings):
            if framing not in FRAMINGS:
                expected = ", ".join(FRAMINGS)
                raise self.fail(("framing", index), f"{framing!r}: expected one of {expected}")
        pointer_text = self.string(("kind",))
        pointer = None if pointer_text is None else self.pointer(("kind",), pointer_text)
        kinds = self.kinds(pointer is not None)
        start = self.names(("start",), kinds)
        end = self.names(("end",), kinds)
        error_kinds = self.names(("errors",), kinds)
        required = tuple(
            (text, self.pointer(("required-by-end", i), text))
            for i, text in enumerate(self.strings(("required-by-end",)))
        )
        if not end and not required:
            raise self.fail(
                (),
                "declare `end` (the kinds that end a stream) or `required-by-end`: "
                "without either a cut stream cannot be told from a whole one",
            )
        after = frozenset(s.encode("utf-8") for s in self.strings(("after-end",)))
        path, headers, first = self.match()
        return Spec(
            file=self.path,
            name=name,
            version=str(version),
            framings=tuple(framings),
            kinds=kinds,
            kind_pointer=pointer,
            kind_text=pointer_text or "",
            start=start,
            end=end,
            errors=error_kinds,
            after_end=after,
            required=required,
            path=path,
            headers=headers,
            first_frame=first,
            when_index=WhenIndex(self.whens) if self.whens else None,
        )

    def kinds(self, by_pointer: bool) -> dict[str, Kind]:
        table = self.data.get("kinds")
        if not isinstance(table, dict) or not table:
            raise self.fail(("kinds",), "a mapping of kind name -> {schema: ...} is required")
        if len(table) > MAX_KINDS:
            raise ConfigError(self._too_many(self.line_of(("kinds",)), len(table)))
        kinds: dict[str, Kind] = {}
        unconditional = []
        self.whens: list[tuple[str, Any, Any]] = []  # (kind, `when`, validator) in file order
        for name, entry in table.items():
            key: Key = ("kinds", name)
            if not isinstance(entry, dict):
                raise self.fail(key, "must be a mapping with a `schema`")
            for member in entry:
                if member not in KIND_KEYS:
                    raise self.fail((*key, member), "unknown key (known: schema, when)")
            if "schema" not in entry:
                raise self.fail(key, "needs a `schema` (inline, or a file path)")
            schema = self.schema((*key, "schema"), entry["schema"])
            when = None
            if "when" in entry:
                if by_pointer:
                    raise self.fail(
                        (*key, "when"), "`when` picks kinds when the file has no `kind` pointer"
                    )
                when_schema = self.schema((*key, "when"), entry["when"])
                when = self.compile((*key, "when"), when_schema)
                self.whens.append((str(name), when_schema, when))
            elif not by_pointer:
                unconditional.append(name)
            kinds[str(name)] = Kind(str(name), schema, when)
        if len(unconditional) > 1:
            raise self.fail(
                ("kinds", unconditional[1]),
                "without a `kind` pointer each kind needs a `when` schema "
                f"(only one may be the fallback; {unconditional[0]!r} already is)",
            )
        return kinds

    def schema(self, key: Key, value: Any) -> dict[str, Any]:
        """An inline schema, or one read from `file[#/pointer]` beside the protocol file."""
        if isinstance(value, str):
            value = self._schema_file(key, value)
        if not isinstance(value, dict):
            raise self.fail(key, "a JSON Schema (a mapping) or a file path is expected")
        self.compile(key, value)
        return value

    def _schema_file(self, key: Key, reference: str) -> Any:
        """A file under the protocol file's folder (never above it, never an absolute path
        elsewhere: a checked tree's protocol file reads only what it holds)."""
        name, _, fragment = reference.partition("#")
        folder = self.path.absolute().parent
        file = folder / name
        if "\0" in name:
            raise self.fail(key, f"{reference!r}: no file has a NUL byte in its name")
        if not file.resolve().is_relative_to(folder.resolve()):
            raise self.fail(
                key,
                f"{reference!r} is outside {folder}: a schema file is one under the protocol "
                "file's folder",
            )
        try:
            raw = bounded_file.read(file, "schema file")
        except ConfigError as exc:
            raise self.fail(key, str(exc)) from None
        try:
            document = _parse_schema_file(file, raw)
        except ValueError as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise self.fail(key, f"{file}: not JSON or YAML ({first})") from None
        if fragment:
            found = resolve(document, self.pointer(key, fragment))
            if found is MISSING:
                raise self.fail(key, f"{file}: nothing at #{fragment}")
            document = found
        # Its references are the file's: `#/components/...` in an AsyncAPI payload means the
        # document, not the part taken out of it, and `other.yaml` is beside the file.
        return schema_refs.anchored(document, file.absolute().as_uri())

    def compile(self, key: Key, schema: dict[str, Any]) -> Any:
        """A jsonschema-rs validator whose $refs stay in the file and under its folder."""
        try:
            return self.confined.validator(schema)
        except RefRefused as exc:
            raise self.fail(key, str(exc)) from None
        except (ValueError, jsonschema_rs.ReferencingError) as exc:
            text = str(exc).strip()
            first = text.splitlines()[0] if text else type(exc).__name__
            raise self.fail(key, f"not a valid JSON Schema ({first})") from None

    def match(self) -> tuple[str | None, dict[str, str], Any]:
        table = self.data.get("match", {})
        if not isinstance(table, dict):
            raise self.fail(("match",), "must be a mapping (path, header, first-frame)")
        for member in table:
            if member not in MATCH_KEYS:
                raise self.fail(("match", member), "unknown key (known: path, header, first-frame)")
        path = self.string(("match", "path"))
        headers = table.get("header", {})
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise self.fail(("match", "header"), "a mapping of header name -> value")
        first = None
        if "first-frame" in table:
            key: Key = ("match", "first-frame")
            first = self.compile(key, self.schema(key, table["first-frame"]))
        return path, {str(k): v for k, v in headers.items()}, first

    # -- values --------------------------------------------------------------------------------

    def value(self, key: Key) -> Any:
        current: Any = self.data
        for step in key:
            if not isinstance(current, dict) or step not in current:
                return None
            current = current[step]
        return current

    def string(self, key: Key, *, required: bool = False) -> str | None:
        value = self.value(key)
        if value is None:
            if required:
                raise self.fail(key, "is required")
            return None
        if not isinstance(value, str):
            raise self.fail(key, "must be a string")
        return value

    def strings(self, key: Key) -> list[str]:
        value = self.value(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "must be a list of strings")
        return value

    def names(self, key: Key, kinds: dict[str, Kind]) -> frozenset[str]:
        names = self.strings(key)
        for index, name in enumerate(names):
            if name not in kinds:
                raise self.fail(
                    (*key, index), f"{name!r} names no kind (kinds: {', '.join(kinds)})"
                )
        return frozenset(names)

    def pointer(self, key: Key, text: str) -> tuple[str, ...]:
        if text and not text.startswith("/"):
            raise self.fail(key, f"{text!r} is not a JSON pointer (they start with '/')")
        if _BAD_ESCAPE.search(text) is not None:
            raise self.fail(key, f"{text!r} is not a JSON pointer ('~' is written ~0, '/' ~1)")
        return parse_pointer(text)


def _parse_schema_file(file: Path, raw: bytes) -> Any:
    """A schema file's document: YAML for .yaml/.yml (the one safe loader, aliases measured),
    else JSON; ValueError when it is not."""
    if file.suffix.lower() in (".yaml", ".yml"):
        return safe_yaml.load(raw)  # YAMLRefused is a ValueError
    return orjson.loads(raw)  # orjson.JSONDecodeError is a ValueError

"""Read and validate a protocol file (YAML, TOML or JSON) into a `declared.Spec`.

The format is our own, not AsyncAPI (README, "User-defined protocols", says why). Every problem
is a `ConfigError` naming the file, the line and the key (`relay.yaml:12: kinds.end.schema: ...`),
so the CLI exits 2 with one line. YAML and JSON lines come from the YAML loader's marks; TOML's
parser gives no positions, so a key's line is found in the text (its `key =` line, or its table
header), which is right for the usual layouts and omitted when the key cannot be found.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson

from streamcheck import bounded_file, safe_yaml
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
from streamcheck.protocols.declared_when import WhenIndex
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
Key = tuple[str | int, ...]
_BAD_ESCAPE = re.compile(r"~(?![01])")  # RFC 6901: `~` only as ~0 or ~1
MAX_KINDS = 1_000  # kinds of one protocol file (loading and matching grow with them)
MAX_KEYS = 200_000  # keys and list items of one protocol file; a real one has a few hundred
# JSON's tokens, for the lines of keys: a string, a structural character, a scalar, blanks.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+|\s+')
_CACHE: dict[tuple[str, int, int], type[DeclaredProtocol]] = {}


def load(path: Path) -> type[DeclaredProtocol]:
    """The protocol of one file, read once per run (and again only if the file changed)."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise ConfigError(f"{path}: protocol file not found ({exc.strerror})") from None
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


class Reader:
    """One file: its values, where each key sits, and the checks that build a Spec."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.confined = Confined(path, path.absolute().parent)
        suffix = path.suffix.lower()
        if suffix not in (".yaml", ".yml", ".toml", ".json"):
            raise ConfigError(f"{path}: a protocol file is .yaml, .yml, .toml or .json")
        raw = bounded_file.read(path, "protocol file")
        try:
            self.text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not UTF-8 ({exc.reason})") from None
        self.lines: dict[Key, int] = {}
        self.line_of: Callable[[Key], int | None] = self.lines.get
        if suffix == ".toml":
            self.data = self._toml()
            self.line_of = self._toml_line
        elif suffix == ".json":
            self.data = self._json()
        else:
            self.data = self._yaml()
        if not isinstance(self.data, dict):
            raise ConfigError(f"{path}: a protocol file is a mapping of keys (see README)")

    # -- reading ------------------------------------------------------------------------------

    def _yaml(self) -> Any:
        """Parsed once (the C loader when built), measured for aliases (safe_yaml), and the
        line of every key taken from the same nodes the values are built from."""
        try:
            node, loader = safe_yaml.compose(self.text)
            if node is not None:
                self._count_kinds(node)  # before anything is built from the nodes
                self._marks(node)
            return safe_yaml.construct(loader, node)
        except safe_yaml.YAMLRefused as exc:
            where = f":{exc.line}" if exc.line is not None else ""
            raise ConfigError(f"{self.path}{where}: invalid YAML ({exc.problem})") from None

    def _count_kinds(self, root: Any) -> None:
        import yaml

        if not isinstance(root, yaml.MappingNode):
            return
        for name, value in root.value:
            kinds = value.value if isinstance(value, yaml.MappingNode) else ()
            if name.value == "kinds" and len(kinds) > MAX_KINDS:
                raise ConfigError(self._too_many(name.start_mark.line + 1, len(kinds)))

    def _too_many(self, line: int | None, count: int) -> str:
        where = f":{line}" if line is not None else ""
        return (
            f"{self.path}{where}: kinds: {count:,} kinds, over the {MAX_KINDS:,} a protocol "
            "file may declare (each frame is matched against them; a stream has a few dozen)"
        )

    def _marks(self, root: Any) -> None:
        """Record the line of every key (and list item); duplicates are errors. Iterative: a
        file nested a thousand deep is no RecursionError."""
        import yaml

        stack: list[tuple[Any, Key]] = [(root, ())]
        while stack:
            node, key = stack.pop()
            if len(self.lines) > MAX_KEYS:
                raise ConfigError(f"{self.path}: over {MAX_KEYS:,} keys, not a protocol file")
            if isinstance(node, yaml.MappingNode):
                seen: set[str] = set()
                for name_node, value in node.value:
                    name = str(name_node.value)
                    here = (*key, name)
                    line = name_node.start_mark.line + 1
                    if name in seen:
                        raise ConfigError(f"{self.path}:{line}: {dotted(here)}: duplicate key")
                    seen.add(name)
                    self.lines[here] = line
                    stack.append((value, here))
            elif isinstance(node, yaml.SequenceNode):
                for index, item in enumerate(node.value):
                    self.lines[(*key, index)] = item.start_mark.line + 1
                    stack.append((item, (*key, index)))

    def _json(self) -> Any:
        """JSON as JSON (orjson: tabs and surrogate-pair escapes are JSON; aliases are not),
        with the line of every key from a scan of the text."""
        try:
            data = orjson.loads(self.text)
        except orjson.JSONDecodeError as exc:
            raise ConfigError(f"{self.path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
        self._json_marks()
        return data

    def _json_marks(self) -> None:
        """The line of every key and list item of valid JSON text; duplicate keys are errors
        (orjson keeps the last one silently)."""
        line = 1
        # One entry per open container: [path, keys seen (None for a list), key or index].
        stack: list[list[Any]] = []
        expecting_key = False
        for token in _JSON_TOKEN.finditer(self.text):
            text = token.group()
            first = text[0]
            if first in " \t\r\n":
                line += text.count("\n")
                continue
            if first in ":":
                continue
            if first == ",":
                top = stack[-1]
                if top[1] is None:
                    top[2] += 1
                else:
                    expecting_key = True
                continue
            if first in "}]":
                stack.pop()
                continue
            parent = stack[-1] if stack else None
            if expecting_key and parent is not None:
                top = parent
                name = orjson.loads(text)
                here = (*top[0], name)
                if name in top[1]:
                    raise ConfigError(f"{self.path}:{line}: {dotted(here)}: duplicate key")
                top[1].add(name)
                top[2] = name
                self.lines[here] = line
                expecting_key = False
                continue
            path: Key = () if parent is None else (*parent[0], parent[2])
            if parent is not None and parent[1] is None:
                self.lines[path] = line
            if first == "{":
                stack.append([path, set(), None])
                expecting_key = True
            elif first == "[":
                stack.append([path, None, 0])
            if len(self.lines) > MAX_KEYS:
                raise ConfigError(f"{self.path}: over {MAX_KEYS:,} keys, not a protocol file")

    def _toml(self) -> Any:
        import tomllib

        try:
            return tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{self.path}: invalid TOML ({exc})") from None
        except RecursionError:  # tomllib recurses per nesting level
            raise ConfigError(f"{self.path}: invalid TOML (nested too deep)") from None
        except ValueError:  # an integer past Python's 4,300-digit conversion limit
            raise ConfigError(
                f"{self.path}: invalid TOML (a number of more than 4,300 digits)"
            ) from None

    def _toml_line(self, key: Key) -> int | None:
        """The line of a key in TOML text: its `[table]` header, or its `name =` line after
        its parent's header (tomllib keeps no positions)."""
        names = [str(k) for k in key if isinstance(k, str)]
        if not names:
            return None
        lines = self.text.splitlines()
        header = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(map(_toml_name, names)) + r"\s*\]")
        for number, line in enumerate(lines, 1):
            if header.match(line):
                return number
        start = 0
        if len(names) > 1:
            parent = re.compile(
                r"^\s*\[\s*" + r"\s*\.\s*".join(map(_toml_name, names[:-1])) + r"\s*\]"
            )
            start = next((n for n, line in enumerate(lines) if parent.match(line)), -1) + 1
            if start == 0:
                dotted_key = re.compile(
                    r"^\s*" + r"\s*\.\s*".join(map(_toml_name, names)) + r"\s*="
                )
                found = (n for n, line in enumerate(lines, 1) if dotted_key.match(line))
                return next(found, None)
        assignment = re.compile(r"^\s*" + _toml_name(names[-1]) + r"\s*=")
        for number in range(start, len(lines)):
            if number > start and lines[number].lstrip().startswith("[") and len(names) > 1:
                break
            if assignment.match(lines[number]):
                return number + 1
        return None

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
        return document

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


def dotted(key: Key) -> str:
    return ".".join(str(k) if isinstance(k, str) else f"[{k}]" for k in key).replace(".[", "[")


def _toml_name(name: str) -> str:
    """A TOML key as a regex: bare, or in single or double quotes."""
    escaped = re.escape(name)
    return rf"(?:{escaped}|\"{escaped}\"|'{escaped}')"

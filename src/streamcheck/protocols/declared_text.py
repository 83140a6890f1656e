"""A protocol file's text: read (a regular file, capped), parsed, and the line of every key.

YAML is composed once through the one safe loader (aliases measured, safe_yaml.py) and its lines
come from the nodes' marks; JSON is parsed by orjson (tabs and surrogate-pair escapes are JSON,
aliases are not) and its lines come from a scan of the text; TOML's parser gives no positions,
so a key's line is found in the text (its `key =` line, or its table header), which is right
for the usual layouts and omitted when the key cannot be found. Duplicate keys are errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from streamcheck import bounded_file, safe_yaml
from streamcheck.exceptions import ConfigError

Key = tuple[str | int, ...]
MAX_KINDS = 1_000  # kinds of one protocol file (loading and matching grow with them)
MAX_KEYS = 200_000  # keys and list items of one protocol file; a real one has a few hundred
# JSON's tokens, for the lines of keys: a string, a structural character, a scalar, blanks.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+|\s+')


class ProtocolText:
    """A protocol file's values and the line of each key (`line_of`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
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
                expecting_key = False  # `{}`: the `{` asked for a key that never came
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


def dotted(key: Key) -> str:
    return ".".join(str(k) if isinstance(k, str) else f"[{k}]" for k in key).replace(".[", "[")


def _toml_name(name: str) -> str:
    """A TOML key as a regex: bare, or in single or double quotes."""
    escaped = re.escape(name)
    return rf"(?:{escaped}|\"{escaped}\"|'{escaped}')"

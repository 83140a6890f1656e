"""Structure-aware mutations, per surface: parse the seed (JSON, JSON lines, YAML or TOML),
change its tree the way a hostile or broken file would, and write it back in the same syntax.

What they make (issue 18): a wrong type for any field, keys removed and unknown keys added,
nesting thousands deep, numbers past every limit, huge strings (within the fuzzer's input cap),
`$ref`s to http (127.0.0.1 only: the fuzzer never aims traffic elsewhere), `file:` and paths
outside the folder, regex `pattern`s that backtrack or do not compile, YAML anchors, aliases
(recursive ones and "billion laughs"), merge keys and tags, TOML dates and inf/nan, text that is
not UTF-8, and paths (in configs) that are devices, folders, globs or hold a NUL.

Deep values and numbers that no serialiser writes are put in as placeholders and substituted in
the text afterwards.
"""

from __future__ import annotations

import json
import random
from typing import Any

from seeds import toml, yaml_text

ODD: tuple[Any, ...] = (
    None,
    0,
    -1,
    1.5,
    True,
    False,
    "",
    "x",
    "\u2028",
    "\x1b[31m",
    [],
    {},
    [1, "a"],
    {"a": {"b": None}},
    [[[]]],
    2**63,
    -(2**63) - 1,
    "%s%n",
    "../../../../etc/passwd",
)
REFS = (
    "http://127.0.0.1:9/schema.json",
    "https://127.0.0.1:9/schema.json#/definitions/x",
    "file:///etc/passwd",
    "file:///dev/zero",
    "file:schema.json",
    "/etc/passwd",
    "/dev/zero",
    "../../../../../etc/passwd",
    "end.json",
    "end.yaml#/components",
    "protocol.yaml#/kinds/end/schema",
    "#",
    "#/",
    "#/definitions/missing",
    "#/properties/%ZZ",
    "#/$defs/a~2b",
    "urn:uuid:0",
    "//127.0.0.1:9/x",
    "",
    "\x00",
)
PATTERNS = (
    "^(a+)+$",
    "^(a|aa)+$",
    "(a*)*b",
    "^(\\w+\\s?)*$",
    "(",
    "[",
    "\\",
    "(?<=a)b",
    "\\p{L}+",
    "\\p{Nope}",
    "(?P<n>a)(?P=n)",
    "a{1,99999999}",
    "(?i)ok",
    "\\1",
    "\\d{1000000}",
    "\ud800",
)
PATHS = (
    "/dev/zero",
    "/etc/passwd",
    "/",
    ".",
    "..",
    "",
    "relay.yaml/..",
    "**",
    "**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/*.sse",
    "[",
    "[!]",
    "[z-a]",
    "a\x00b",
    "~",
    "C:\\\\x",
    "\udcff",
    "x" * 300,
)
NUMBERS = (
    "1e400",
    "-1e400",
    "9" * 5000,
    "18446744073709551616",
    "-0",
    "1e-400",
    "0x7fffffff",
    "1_000",
    "NaN",
    "Infinity",
)
DEEP = "\x00DEEP\x00"
MAX_TEXT = 256 * 1024  # what a mutant may grow to (mutate.MAX_INPUT): the mutator's memory too
BIG = "\x00BIG\x00"

# The formats of the surfaces (recording: byte-level mutations only).
FORMATS = {
    "tape-http": "jsonl",
    "tape-ws": "jsonl",
    "har-websocket": "json",
    "har-eventsource": "json",
    "httprr": "httprr",
    "protocol-yaml": "yaml",
    "protocol-toml": "toml",
    "protocol-json": "json",
    "schema-file-json": "json",
    "schema-file-yaml": "yaml",
    "schemas-folder": "json",
    "config-streamcheck-toml": "toml",
    "config-pyproject": "pyproject",
    "baseline": "json",
    "node-output": "json",
}
SCHEMA_SURFACES = {
    "protocol-yaml",
    "protocol-toml",
    "protocol-json",
    "schema-file-json",
    "schema-file-yaml",
    "schemas-folder",
}


def mutate(rng: random.Random, surface: str, data: bytes) -> bytes:
    """One structure-aware mutation of a seed of `surface` (the data back when it does not
    parse, or is too deep to walk: byte-level mutations take over)."""
    try:
        return _mutate(rng, surface, data)
    except (RecursionError, ValueError, TypeError, UnicodeError):
        return data


def _mutate(rng: random.Random, surface: str, data: bytes) -> bytes:
    kind = FORMATS.get(surface)
    if kind == "httprr":
        return _httprr(rng, data)
    if kind == "yaml" and rng.random() < 0.35:
        return _yaml_text(rng, data)
    if kind == "jsonl":
        return _json_lines(rng, surface, data)
    value = _parse(kind, data)
    if value is _FAILED:
        return data
    if kind == "pyproject":
        table = value.get("tool", {}).get("streamcheck") if isinstance(value, dict) else None
        if not isinstance(table, dict):
            return data
        value = table
    places: list[Any] = []
    for _ in range(rng.choice((1, 1, 2, 3, 6))):
        value = _change(rng, surface, value, places)
    return _write(rng, kind, value, places)


_FAILED = object()


def _parse(kind: str | None, data: bytes) -> Any:
    try:
        if kind in ("toml", "pyproject"):
            import tomllib

            return tomllib.loads(data.decode("utf-8"))
        if kind == "yaml":
            import yaml

            if b"&" in data and b"*" in data:
                return _FAILED  # aliases: its tree may be a bomb once written out
            return yaml.load(data, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        return json.loads(data)
    except Exception:
        return _FAILED


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = [prefix]
    if len(prefix) > 40:
        return out
    if isinstance(value, dict):
        for key, item in list(value.items())[:40]:
            out.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value[:6]):
            out.extend(_paths(item, (*prefix, index)))
    return out


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _set(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    _get(value, path[:-1])[path[-1]] = new
    return value


def _odd(rng: random.Random, surface: str, places: list[Any]) -> Any:
    roll = rng.random()
    if roll < 0.45:
        return json.loads(json.dumps(rng.choice(ODD)))
    if roll < 0.55:
        places.append((DEEP, rng.choice((300, 990, 1100, 5000, 100_000)), rng.choice("[{")))
        return DEEP
    if roll < 0.65:
        places.append((BIG, rng.choice(NUMBERS)))
        return BIG
    if roll < 0.72:
        return rng.choice("aaa\U0001f600\x00é") * rng.choice((1000, 1000, 30_000, 60_000))
    if roll < 0.8 and surface in SCHEMA_SURFACES:
        return {"$ref": rng.choice(REFS)}
    if roll < 0.88 and surface in SCHEMA_SURFACES:
        return {"type": "string", "pattern": rng.choice(PATTERNS)}
    if roll < 0.94 and surface.startswith("config"):
        return rng.choice(PATHS) if rng.random() < 0.6 else [rng.choice(PATHS)]
    return rng.choice(("\ud800", "\x00", "\r\n", "{{", "$ref", "#/", "1e400"))


def _change(rng: random.Random, surface: str, value: Any, places: list[Any]) -> Any:
    where = _paths(value)
    path = rng.choice(where[1:] if len(where) > 1 and rng.random() < 0.9 else where)
    target = _get(value, path)
    roll = rng.random()
    if roll < 0.45:  # a wrong type, or an odd value, for this field
        return _set(value, path, _odd(rng, surface, places))
    if roll < 0.55 and isinstance(target, dict) and target:  # drop a key
        del target[rng.choice(list(target))]
        return value
    if roll < 0.65 and isinstance(target, dict):  # an unknown key, or a schema keyword
        key = rng.choice(
            (
                "x",
                "$ref",
                "pattern",
                "patternProperties",
                "$id",
                "$schema",
                "$defs",
                "format",
                "when",
                "schema",
                "kinds",
                "<<",
                "",
            )
        )
        if key == "$ref":
            target[key] = rng.choice(REFS)
        elif key == "pattern":
            target[key] = rng.choice(PATTERNS)
        elif key == "patternProperties":
            target[key] = {rng.choice(PATTERNS): {"type": "string"}}
        elif key in ("$id", "$schema"):
            target[key] = rng.choice(
                ("http://127.0.0.1:9/s", "file:///etc/passwd", "urn:x", "nope")
            )
        else:
            target[key] = _odd(rng, surface, places)
        return value
    if roll < 0.75 and isinstance(target, list) and target:  # many copies of an item
        size = len(json.dumps(target[0], default=str)) + 2
        copies = min(rng.choice((2, 50, 2000)), MAX_TEXT // size)
        # Copies, not the same object again: a later change to one must not grow them all.
        target.extend(json.loads(json.dumps(target[0], default=str)) for _ in range(copies))
        return value
    if roll < 0.85 and surface in SCHEMA_SURFACES:  # a schema node made hostile
        return _set(
            value,
            path,
            rng.choice(
                (
                    {"$ref": rng.choice(REFS)},
                    {"pattern": rng.choice(PATTERNS)},
                    {"anyOf": [{"pattern": rng.choice(PATTERNS)}, {"$ref": rng.choice(REFS)}]},
                    {"allOf": [{"$ref": "#"}]},
                    {"items": {"$ref": "#"}, "minItems": 10**9},
                )
            ),
        )
    return _set(value, path, _odd(rng, surface, places))


def _write(rng: random.Random, kind: str | None, value: Any, places: list[Any]) -> bytes:
    if kind == "toml":
        text = toml(value)
    elif kind == "pyproject":
        text = b'[project]\nname = "app"\n\n[tool.streamcheck]\n' + toml(value)
    elif kind == "yaml" and rng.random() < 0.5:
        try:
            text = yaml_text(value)
        except Exception:
            text = json.dumps(value).encode("utf-8", "surrogatepass")
    else:
        text = json.dumps(value, indent=rng.choice((None, 1))).encode("utf-8", "surrogatepass")
    for place in places:
        marker = json.dumps(place[0]).encode()  # how both JSON and TOML write the placeholder
        if place[0] == DEEP:
            _, depth, opener = place
            inner = (
                ("[" * depth + "1" + "]" * depth)
                if opener == "["
                else ('{"a":' * depth + "1" + "}" * depth)
            )
            if kind in ("toml", "pyproject") and opener == "{":
                inner = "{a = " * depth + "1" + "}" * depth
            replacement = inner.encode()
        else:
            replacement = place[1].encode()
        text = text.replace(marker, replacement, 1)
        if kind == "yaml":
            text = text.replace(place[0].encode(), replacement, 1)
    return text


# -- JSON lines (tapes): one line's tree changed, the header most often ------------------------


def _json_lines(rng: random.Random, surface: str, data: bytes) -> bytes:
    lines = data.split(b"\n")
    index = 0 if rng.random() < 0.5 else rng.randrange(len(lines))
    try:
        value = json.loads(lines[index])
    except ValueError:
        return data
    places: list[Any] = []
    for _ in range(rng.choice((1, 1, 2, 4))):
        value = _change(rng, surface, value, places)
    lines[index] = _write(rng, "json", value, places).replace(b"\n", b"")
    if rng.random() < 0.1:  # a second header, or an end line before the messages
        lines.insert(rng.randrange(len(lines)), rng.choice(lines))
    return b"\n".join(lines)


# -- YAML text: anchors, aliases, merge keys and tags -------------------------------------------


def _yaml_text(rng: random.Random, data: bytes) -> bytes:
    lines = data.split(b"\n")
    at = rng.randrange(len(lines) + 1)
    roll = rng.random()
    if roll < 0.3:  # a billion laughs, then a value that names its top
        levels = rng.randint(3, 10)
        bomb = [b'x0: &x0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
        for i in range(1, levels):
            bomb.append(b"x%d: &x%d [" % (i, i) + b", ".join([b"*x%d" % (i - 1)] * 9) + b"]")
        top = b"*x%d" % (levels - 1)
        tail = [
            line.replace(b"{type: string}", top, 1) if b"{type: string}" in line else line
            for line in lines
        ]
        if tail == lines:
            tail.append(b"description: " + top)
        return b"\n".join(bomb + tail)
    if roll < 0.5:  # an anchor on a mapping, and an alias of it inside itself
        return b"\n".join(
            [*lines[:at], b"r: &r {a: [*r], b: {c: *r}}", b"description: *r", *lines[at:]]
        )
    if roll < 0.65:  # merge keys
        return b"\n".join(
            [
                *lines[:at],
                b"m: &m {type: object, required: [x]}",
                b"n: {<<: [*m, *m], x: 1}",
                *lines[at:],
            ]
        )
    tags = (
        b"!!binary aGVsbG8=",
        b"!!timestamp 2001-12-14t21:59:43.10-05:00",
        b"!!set {a, b}",
        b"!!python/object:os.system x",
        b"!!float .nan",
        b"!!int 0x_ff",
        b"!!omap [a: 1]",
        b"!custom x",
        b"&a",
        b"*nope",
        b"? [a, b]\n: c",
    )
    tag = rng.choice(tags)
    for number in rng.sample(range(len(lines)), min(len(lines), rng.randint(1, 3))):
        line = lines[number]
        if b": " in line:
            key, _, _ = line.partition(b": ")
            lines[number] = key + b": " + tag
    return b"\n".join(lines)


# -- httprr: size lines and chunk framing ---------------------------------------------------------


def _httprr(rng: random.Random, data: bytes) -> bytes:
    """A record's sizes, chunk framing or headers changed; the other records' sizes kept
    right, so the reader gets past them."""
    import re

    records, pos = [], len(b"httprr trace v1\n")
    while pos < len(data):
        sizes = re.compile(rb"(\d{1,18}) (\d{1,18})\n").match(data, pos)
        if sizes is None:
            return data
        start = sizes.end()
        request, response = int(sizes.group(1)), int(sizes.group(2))
        records.append(
            [data[start : start + request], data[start + request : start + request + response]]
        )
        pos = start + request + response
    if not records:
        return data
    record = rng.choice(records)
    roll = rng.random()
    size_line = None
    if roll < 0.25:
        size_line = rng.choice(
            (
                b"0 0",
                b"-1 5",
                b"99999999999999999999 1",
                b"1 " + b"9" * 5000,
                b"%d %d" % (rng.randrange(400), rng.randrange(4000)),
                b"a b",
                b"1  2",
            )
        )
    elif roll < 0.55:
        chunks = list(re.finditer(rb"\r\n([0-9a-f]+)\r\n", record[1]))
        if chunks:
            found = rng.choice(chunks)
            new = rng.choice(
                (
                    b"ffffffffffffffffffff",
                    b"-1",
                    b"0",
                    b"zz",
                    b"1;ext=" + b"x" * 200,
                    b"7fffffff",
                    b"",
                )
            )
            record[1] = record[1][: found.start(1)] + new + record[1][found.end(1) :]
    elif roll < 0.8:
        headers = (
            b"Content-Encoding: gzip",
            b"Transfer-Encoding: chunked, gzip",
            b"Transfer-Encoding: chunked",
            b"Content-Length: -1",
            b"Content-Length: 99999999999999999999",
            b"Content-Type: text/event-stream; charset=utf-16",
            b"X: \xff\x00",
        )
        part = rng.randrange(2)
        cut = record[part].find(b"\r\n")
        if cut >= 0:
            record[part] = record[part][:cut] + b"\r\n" + rng.choice(headers) + record[part][cut:]
    else:
        lines = (
            b"GET http://[::1/x HTTP/1.1",
            b"POST " + b"/" * 5000 + b" HTTP/1.1",
            b"HTTP/1.1 999 X",
            b"HTTP/9 200",
            b"",
            b"HTTP/1.1 200",
        )
        part = rng.randrange(2)
        cut = record[part].find(b"\r\n")
        record[part] = rng.choice(lines) + record[part][max(cut, 0) :]
    out = [b"httprr trace v1\n"]
    for request, response in records:
        line = (
            size_line
            if record[0] is request and size_line is not None
            else b"%d %d" % (len(request), len(response))
        )
        out.append(line + b"\n" + request + response)
    return b"".join(out)

"""The fuzzers' seeds, one list per surface: every kind of file a checked repository can hold
that `streamcheck check` reads (issue 18), each tagged with its surface.

Seeds come from fixtures/ and fuzz/regressions/ (told apart by their content, as streamcheck
tells them), plus small generated ones where the fixtures hold none or few: HAR files with
`_webSocketMessages` / `_eventSourceMessages` rebuilt from fixture tapes and bodies, Go httprr
traces, protocol files in JSON and TOML rebuilt from the YAML ones, config files, schema files
beside a protocol file, and what `--client vercel-ai-ui` reads back from node.

A seed is the file that gets mutated (`data`, written as `name`) and what the harness needs to
run it: the recording checked with it and files written beside it, unmutated.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
REGRESSIONS = ROOT / "fuzz" / "regressions"
MAX_SEED = 1024 * 1024

# Every surface, in the order the runner reports them. The recording surfaces run through the
# readers in memory; the others are files written into a folder and a whole `check` run.
RECORDING_SURFACES = (
    "recording",
    "tape-http",
    "tape-ws",
    "har-websocket",
    "har-eventsource",
    "httprr",
)
SURFACES = (
    *RECORDING_SURFACES,
    "protocol-yaml",
    "protocol-toml",
    "protocol-json",
    "schema-file-json",
    "schema-file-yaml",
    "schemas-folder",
    "config-streamcheck-toml",
    "config-pyproject",
    "baseline",
    "node-output",
)


class Seed(NamedTuple):
    surface: str
    name: str  # the file name (a path relative to the input's folder) the mutant is written as
    data: bytes
    recording: str = ""  # a fixture checked with it (relative to ROOT), or "" for none
    beside: tuple[tuple[str, bytes], ...] = ()  # files written next to it, unmutated


def corpus() -> dict[str, list[Seed]]:
    """Seeds per surface, in a fixed order (input n of seed s is always the same bytes)."""
    found: dict[str, list[Seed]] = {surface: [] for surface in SURFACES}
    for folder in (FIXTURES, REGRESSIONS):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix != ".md" and path.stat().st_size <= MAX_SEED:
                for seed in _classify(path):
                    found[seed.surface].append(seed)
    for seed in _generated(found):
        found[seed.surface].append(seed)
    empty = [surface for surface, seeds in found.items() if not seeds]
    if empty:
        raise SystemExit(f"no seeds for {', '.join(empty)}")
    return found


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _classify(path: Path) -> list[Seed]:
    data = path.read_bytes()
    name = _relative(path)
    head = data[:4096]
    if b"streamcheck-protocol" in head and path.suffix in (".yaml", ".yml", ".toml", ".json"):
        return _protocol_seeds(path, data)
    if b'"streamcheck-baseline"' in head:
        return [_baseline_seed(path, data)]
    if path.parent.name == "schemas" and path.suffix == ".json":
        return []  # a protocol's schema file: seeded by _protocol_seeds
    if head.lstrip().startswith(b'{"streamcheck_tape"'):
        first = data.split(b"\n", 1)[0]
        websocket = b'"websocket"' in first
        return [Seed("tape-ws" if websocket else "tape-http", name, data)]
    if path.suffix == ".har":
        seeds = []
        if b"_webSocketMessages" in data:
            seeds.append(Seed("har-websocket", name, data))
        if b"_eventSourceMessages" in data:
            seeds.append(Seed("har-eventsource", name, data))
        return seeds or [Seed("recording", name, data)]
    if data.startswith(b"httprr trace v1\n"):
        return [Seed("httprr", name, data)]
    return [Seed("recording", name, data)]


def _recordings_beside(path: Path) -> list[str]:
    return [
        _relative(p)
        for p in sorted(path.parent.iterdir())
        if p.suffix in (".ndjson", ".sse", ".tape", ".http") and p.is_file()
    ]


def _beside_files(path: Path) -> tuple[tuple[str, bytes], ...]:
    """A protocol file's schema files (those under a `schemas/` folder next to it)."""
    folder = path.parent / "schemas"
    if not folder.is_dir():
        return ()
    return tuple(
        (str(p.relative_to(path.parent)), p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    )


def _protocol_seeds(path: Path, data: bytes) -> list[Seed]:
    """The file as it is, and the same protocol in the two other syntaxes."""
    recordings = _recordings_beside(path) or ["fixtures/declared/verba-whole.ndjson"]
    beside = _beside_files(path)
    seeds = []
    value = _load(path.suffix, data)
    for number, recording in enumerate(recordings):
        if number > 1:
            break
        seeds.append(
            Seed(_protocol_surface(path.suffix), "protocol" + path.suffix, data, recording, beside)
        )
        if value is None:
            continue
        if path.suffix != ".json":
            text = json.dumps(value, indent=rng_indent(number)).encode()
            seeds.append(Seed("protocol-json", "protocol.json", text, recording, beside))
        if path.suffix != ".toml":
            seeds.append(Seed("protocol-toml", "protocol.toml", toml(value), recording, beside))
        if path.suffix == ".toml":
            seeds.append(
                Seed("protocol-yaml", "protocol.yaml", yaml_text(value), recording, beside)
            )
    return seeds


def rng_indent(number: int) -> int | None:
    return 2 if number % 2 == 0 else None


def _protocol_surface(suffix: str) -> str:
    return {".toml": "protocol-toml", ".json": "protocol-json"}.get(suffix, "protocol-yaml")


def _load(suffix: str, data: bytes) -> Any:
    try:
        if suffix == ".toml":
            import tomllib

            return tomllib.loads(data.decode())
        import yaml

        return yaml.safe_load(data)
    except Exception:
        return None


def _baseline_seed(path: Path, data: bytes) -> Seed:
    beside = tuple(
        (p.name, p.read_bytes())
        for p in sorted(path.parent.iterdir())
        if p.is_file() and p != path and p.suffix in (".sse", ".ndjson", ".tape", ".http")
    )
    recording = beside[0][0] if beside else ""
    return Seed("baseline", path.name, data, recording, beside)


# -- serialising trees (also used by the structure-aware mutations) --------------------------


def toml(value: Any) -> bytes:
    """A mapping as TOML: every key at the top level, inline values below (enough for any tree
    tomllib can give back, and for the deep and odd trees the mutations make)."""
    if not isinstance(value, dict):
        value = {"value": value}
    return "".join(f"{_toml_key(k)} = {_toml_value(v)}\n" for k, v in value.items()).encode(
        "utf-8", "surrogatepass"
    )


_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _toml_key(key: Any) -> str:
    text = str(key)
    return text if _BARE.fullmatch(text) else json.dumps(text)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        text = repr(value)
        return {"inf": "inf", "-inf": "-inf", "nan": "nan"}.get(text, text)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value))


def yaml_text(value: Any) -> bytes:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump(value, Dumper=dumper, sort_keys=False, allow_unicode=True)
    return text.encode("utf-8", "surrogatepass")


# -- generated seeds ----------------------------------------------------------------------------


def _generated(found: dict[str, list[Seed]]) -> list[Seed]:
    out: list[Seed] = []
    out.extend(_har_websocket(found["tape-ws"]))
    out.extend(_har_eventsource())
    out.extend(_httprr())
    out.extend(_schema_files())
    out.extend(_schemas_folder())
    out.extend(_configs())
    out.extend(_baselines())
    out.extend(_node_outputs())
    return out


def _har(entries: list[dict[str, Any]]) -> bytes:
    document = {
        "log": {"version": "1.2", "creator": {"name": "fuzz", "version": "1"}, "entries": entries}
    }
    return json.dumps(document, indent=1).encode()


def _entry(url: str, status: int, kind: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "_resourceType": kind,
        "startedDateTime": "2025-12-03T00:00:00.000Z",
        "time": 10.0,
        "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1", "headers": []},
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "headers": [],
            "content": {"size": 0, "mimeType": "x-unknown"},
        },
        **extra,
    }


def _har_websocket(tapes: list[Seed]) -> list[Seed]:
    """Each WebSocket fixture tape as devtools would have exported it."""
    seeds = []
    for tape in tapes[:12]:
        lines = [json.loads(line) for line in tape.data.splitlines() if line.strip()]
        header, messages = lines[0], []
        for line in lines[1:]:
            if "dir" not in line:
                continue
            item = {
                "type": "send" if line["dir"] == "sent" else "receive",
                "time": 1764720000.0 + float(line.get("t") or 0),
                "opcode": 2 if "b64" in line else 1,
                "data": line.get("text", line.get("b64", "")),
            }
            messages.append(item)
        url = str((header.get("request") or {}).get("url") or "ws://127.0.0.1:8000/ws")
        entry = _entry(url, 101, "websocket", {"_webSocketMessages": messages})
        seeds.append(Seed("har-websocket", Path(tape.name).stem + ".har", _har([entry])))
    return seeds


def _har_eventsource() -> list[Seed]:
    """SSE fixtures as the events an EventSource dispatched."""
    seeds = []
    for path in sorted(FIXTURES.rglob("*.sse"))[:24:2]:
        events = []
        for number, block in enumerate(re.split(rb"\r?\n\r?\n", path.read_bytes())):
            name, data = "message", []
            for line in block.decode("utf-8", "replace").splitlines():
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "event":
                    name = value
                elif field == "data":
                    data.append(value)
            if data:
                events.append(
                    {
                        "time": 1764720000.0 + number / 10,
                        "eventName": name,
                        "eventId": "",
                        "data": "\n".join(data),
                    }
                )
        entry = _entry(
            "http://127.0.0.1:8000/v1/chat/completions",
            200,
            "eventsource",
            {"_eventSourceMessages": events},
        )
        seeds.append(Seed("har-eventsource", path.stem + ".har", _har([entry])))
    return seeds


def _httprr() -> list[Seed]:
    """Fixture bodies as Go's httprr records them (some with their chunked framing)."""
    seeds = []
    sources = sorted(FIXTURES.rglob("*.sse"))[1:40:4] + sorted(FIXTURES.rglob("*.ndjson"))[:3]
    for number, path in enumerate(sources):
        body = path.read_bytes()
        request = (
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
            b"Content-Type: application/json\r\n\r\n"
            b'{"model":"gpt-4o-mini","stream":true,"messages":[]}'
        )
        if number % 2:
            pieces = [body[i : i + 97] for i in range(0, len(body), 97)]
            framed = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
            headers = b"Transfer-Encoding: chunked\r\n"
        else:
            framed, headers = body, b"Content-Length: %d\r\n" % len(body)
        kind = b"application/x-ndjson" if path.suffix == ".ndjson" else b"text/event-stream"
        response = (
            b"HTTP/1.1 200 OK\r\nContent-Type: " + kind + b"\r\n" + headers + b"\r\n" + framed
        )
        record = b"%d %d\n" % (len(request), len(response)) + request + response
        seeds.append(
            Seed("httprr", path.stem + ".httprr", b"httprr trace v1\n" + record * (1 + number % 2))
        )
    return seeds


_VERBA = FIXTURES / "declared" / "verba-relay.yaml"
_ASYNCAPI_END = {
    "asyncapi": "3.0.0",
    "components": {
        "messages": {
            "End": {
                "payload": {
                    "type": "object",
                    "required": ["message", "finish_reason"],
                    "properties": {
                        "message": {"type": "string"},
                        "finish_reason": {"type": "string", "pattern": "^[a-z_]+$"},
                    },
                }
            }
        }
    },
}


def _schema_files() -> list[Seed]:
    """A protocol file naming a schema file beside it: the schema file is what mutates."""
    verba = _VERBA.read_text()
    end = (FIXTURES / "declared" / "schemas" / "end.json").read_bytes()
    end_value = json.loads(end)
    seeds = []
    for suffix, surface in ((".json", "schema-file-json"), (".yaml", "schema-file-yaml")):
        plain = end if suffix == ".json" else yaml_text(end_value)
        wrapped = (
            json.dumps(_ASYNCAPI_END, indent=2).encode()
            if suffix == ".json"
            else yaml_text(_ASYNCAPI_END)
        )
        for schema, reference in (
            (plain, f"end{suffix}"),
            (wrapped, f"end{suffix}#/components/messages/End/payload"),
        ):
            protocol = verba.replace("schemas/end.json", reference).encode()
            for recording in ("verba-whole.ndjson", "verba-cut.ndjson"):
                seeds.append(
                    Seed(
                        surface,
                        f"end{suffix}",
                        schema,
                        f"fixtures/declared/{recording}",
                        (("protocol.yaml", protocol),),
                    )
                )
    return seeds


_SCHEMAS = ROOT / "schemas"
_SCHEMA_CASES = (
    ("openai/chat-completions", "fixtures/openai/tool-calls-fragmented.sse"),
    ("openai/chat-completions", "fixtures/openai/usage-chunk.sse"),
    ("anthropic/messages", ""),
)


def _schemas_folder() -> list[Seed]:
    """Shipped schema files as a `--schemas` folder's: one mutates, checked with a recording of
    that API (a user folder's file replaces the shipped kind of the same version)."""
    seeds = []
    for api, recording in _SCHEMA_CASES:
        folder = _SCHEMAS / api
        if not recording:
            found = sorted((FIXTURES / api.split("/")[0]).glob("*.sse"))
            recording = _relative(found[0]) if found else "fixtures/openai/text-answer.sse"
        for path in sorted(folder.rglob("*.json")):
            if path.stat().st_size > 64 * 1024:
                continue
            seeds.append(
                Seed(
                    "schemas-folder",
                    "schemas/" + str(path.relative_to(_SCHEMAS)),
                    path.read_bytes(),
                    recording,
                )
            )
    return seeds


_CONFIG = {
    "paths": ["fixtures"],
    "select": ["SC1", "SC2", "SC3"],
    "ignore": ["SC306"],
    "fail-on": "error",
    "provider": "openai",
    "api": "chat-completions",
    "api-version": "2.3.0",
    "schemas": ["gateway"],
    "protocols": ["relay.yaml"],
    "max-gap": 30.0,
    "max-line": 16777216,
    "baseline": "streamcheck.baseline",
    "overrides": [
        {"paths": ["fixtures/legacy", "*.ndjson"], "ignore": ["SC5"], "fail-on": "warning"},
        {"paths": ["**/*.sse"], "provider": "anthropic", "api": "messages", "max-gap": 1.5},
    ],
}


def _configs() -> list[Seed]:
    """streamcheck.toml and pyproject.toml, each key of README's example, with what they name
    beside them; the recording is copied under fixtures/ so the overrides' globs reach it."""
    relay = (FIXTURES / "rules" / "SC380" / "protocol.yaml").read_bytes()
    baseline = (FIXTURES / "rules" / "SC920" / "streamcheck.baseline").read_bytes()
    gateway = ("gateway/openai/chat-completions/2.3.0/chunk.json", b'{"type": "object"}')
    beside = (("relay.yaml", relay), ("streamcheck.baseline", baseline), gateway)
    seeds = []
    variants: list[dict[str, Any]] = [
        _CONFIG,
        {
            k: v
            for k, v in _CONFIG.items()
            if k not in ("provider", "api", "api-version", "baseline")
        },
        {"fail-on": "warning", "overrides": _CONFIG["overrides"]},
        {"protocols": "relay.yaml", "select": "SC3"},
    ]
    recordings = (
        "fixtures/openai/tool-calls-fragmented.sse",
        "fixtures/rules/SC380/bad.ndjson",
        "fixtures/rules/SC920/bad.sse",
    )
    for number, table in enumerate(variants):
        recording = recordings[number % len(recordings)]
        seeds.append(
            Seed("config-streamcheck-toml", "streamcheck.toml", toml(table), recording, beside)
        )
        pyproject = b'[project]\nname = "app"\n\n' + _tool_tables(table)
        seeds.append(Seed("config-pyproject", "pyproject.toml", pyproject, recording, beside))
    return seeds


def _tool_tables(table: dict[str, Any]) -> bytes:
    """[tool.streamcheck] with [[tool.streamcheck.overrides]] as a person writes them."""
    plain = {k: v for k, v in table.items() if k != "overrides"}
    text = b"[tool.streamcheck]\n" + toml(plain)
    for override in table.get("overrides", []):
        text += b"\n[[tool.streamcheck.overrides]]\n" + toml(override)
    return text


def _baselines() -> list[Seed]:
    """Baselines of recordings beside them, with several entries and counts."""
    bad = (FIXTURES / "rules" / "SC920" / "bad.sse").read_bytes()
    cut = (FIXTURES / "declared" / "verba-cut.ndjson").read_bytes()
    entries = [
        {
            "file": "bad.sse",
            "exchange": "#0",
            "code": "SC301",
            "kind": "",
            "fingerprint": "0d2b48bd3b866756",
            "count": 1,
        },
        {
            "file": "cut.ndjson",
            "exchange": "#0",
            "code": "SC301",
            "kind": "",
            "fingerprint": "0d2b48bd3b866756",
            "count": 2,
        },
        {
            "file": "gone.sse",
            "exchange": "/v1/chat/completions#0",
            "code": "SC201",
            "kind": "chunk",
            "fingerprint": "ffffffffffffffff",
            "count": 3,
        },
    ]
    text = (
        '{\n  "streamcheck-baseline": 1,\n  "entries": [\n'
        + ",\n".join("    " + json.dumps(e) for e in entries)
        + "\n  ]\n}\n"
    )
    beside = (("bad.sse", bad), ("cut.ndjson", cut))
    return [
        Seed("baseline", "streamcheck.baseline", text.encode(), "bad.sse", beside),
        Seed("baseline", "streamcheck.baseline", text.encode(), "cut.ndjson", beside),
    ]


def _node_outputs() -> list[Seed]:
    """What vercel_ai_ui.mjs prints (one JSON line), what a failing node prints on stderr, and
    the `ai` package's package.json (its version is shown)."""
    base = {
        "version": "5.0.0",
        "status": "ready",
        "error": None,
        "finished": {
            "isAbort": False,
            "isDisconnect": False,
            "isError": False,
            "finishReason": "stop",
        },
        "finishChunk": True,
        "chunks": 7,
        "text": "Hello, world",
        "calls": [],
    }
    tools = dict(
        base,
        text="",
        calls=[
            {
                "id": "call_1",
                "name": "delete_file",
                "arguments": '{"path":"/tmp/x"}',
                "state": "input-available",
            }
        ],
    )
    failed = dict(
        base,
        status="error",
        error={"name": "TypeError", "message": "terminated"},
        finished=None,
        finishChunk=False,
    )
    sdk_error = dict(
        base,
        status="error",
        error={"name": "AI_TypeValidationError", "message": "Type validation failed"},
    )
    silent = dict(
        base,
        finished={"isAbort": False, "isDisconnect": True, "isError": False, "finishReason": None},
        finishChunk=False,
    )
    recording = "fixtures/vercel-ai/ui-v5-text.sse"
    seeds = [
        Seed("node-output", "stdout.json", json.dumps(value).encode() + b"\n", recording)
        for value in (base, tools, failed, sdk_error, silent)
    ]
    seeds.append(
        Seed(
            "node-output",
            "stderr.txt",
            b"file:///x/vercel_ai_ui.mjs:3\nSyntaxError: Unexpected token\n",
            recording,
        )
    )
    package = {
        "name": "ai",
        "version": "5.0.0",
        "type": "module",
        "exports": {".": "./dist/index.mjs"},
    }
    seeds.append(
        Seed("node-output", "package.json", json.dumps(package, indent=2).encode(), recording)
    )
    return seeds

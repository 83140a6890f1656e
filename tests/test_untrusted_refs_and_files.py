"""Issue 18: what a checked tree's protocol files, schema folders and config hold cannot stop
the tool, reach the network or read files outside it. Every test runs the CLI in a subprocess
with an address-space cap and a timeout: a bomb, a hang or an unbounded read fails the test
(with the cap, a MemoryError is an internal error, not the one line asked for)."""

from __future__ import annotations

import http.server
import json
import os
import resource
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.conftest import ROOT

MEMORY_CAP = 3 << 30  # bytes of address space for the child


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m streamcheck args` from `cwd`, memory capped; TimeoutExpired fails the test."""
    return subprocess.run(
        [sys.executable, "-m", "streamcheck", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"},
        timeout=timeout,
        preexec_fn=_capped,
        stdin=subprocess.DEVNULL,
    )


def one_line(done: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("streamcheck: error: ") and "internal error" not in line, line
    for text in expected:
        assert text in line, line
    return line


RECORDING = '{"t": "x"}\n'
HEAD = "streamcheck-protocol: 1\nname: r\nframing: ndjson\nkind: /t\nend: [x]\n"


def billion_laughs(levels: int = 8, indent: str = "") -> str:
    """YAML anchors, each nine aliases of the one before: 9**levels nodes from a few lines."""
    lines = [f"{indent}a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels + 1):
        lines.append(f"{indent}a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "s.ndjson").write_text(RECORDING)
    return tmp_path


# -- item 3: one safe YAML loader, aliases measured; JSON read as JSON -------------------------


def test_a_yaml_alias_bomb_in_a_protocol_file_is_one_line(project: Path) -> None:
    (project / "p.yaml").write_text(
        HEAD + "kinds:\n  x:\n    schema:\n      $defs:\n" + billion_laughs(indent="        ")
    )
    one_line(run("check", "s.ndjson", "--protocol", "p.yaml", cwd=project), "alias bomb")


def test_a_yaml_alias_bomb_in_a_schema_file_is_one_line(project: Path) -> None:
    (project / "bomb.yaml").write_text(billion_laughs() + "type: object\n")
    (project / "p.yaml").write_text(HEAD + "kinds:\n  x: {schema: bomb.yaml}\n")
    one_line(run("check", "s.ndjson", "--protocol", "p.yaml", cwd=project), "alias bomb")


def test_a_yaml_alias_bomb_through_the_config_is_one_line(project: Path) -> None:
    """The repository's own config names the protocol file: `check` with no flag meets it."""
    (project / "p.yaml").write_text(
        HEAD + "kinds:\n  x:\n    schema:\n      $defs:\n" + billion_laughs(indent="        ")
    )
    (project / "streamcheck.toml").write_text('protocols = ["p.yaml"]\npaths = ["s.ndjson"]\n')
    one_line(run("check", cwd=project), "p.yaml", "alias bomb")


def test_a_json_protocol_file_is_read_as_json(project: Path) -> None:
    """Tab indentation and a surrogate-pair escape are JSON (PyYAML refused both)."""
    (project / "p.json").write_text(
        '{\n\t"streamcheck-protocol": 1,\n\t"name": "r",\n\t"framing": "ndjson",\n'
        '\t"description": "a relay \\ud83d\\ude00",\n\t"kind": "/t",\n'
        '\t"kinds": {"x": {"schema": {"type": "object"}}},\n\t"end": ["x"]\n}\n'
    )
    done = run("check", "s.ndjson", "--protocol", "p.json", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A YAML alias is no JSON.
        ('{"streamcheck-protocol": 1, "name": &n "r"}', "p.json:1: invalid JSON"),
        # JSON's duplicate keys are kept silently by parsers; here they are an error, with a line.
        (
            '{"streamcheck-protocol": 1,\n "name": "r",\n "name": "s"}',
            "p.json:3: name: duplicate key",
        ),
        # A JSON pointer's `~` is ~0 or ~1 (RFC 6901).
        (
            '{"streamcheck-protocol": 1, "name": "r", "framing": "ndjson",\n "kind": "/t~2",'
            ' "kinds": {"x": {"schema": {}}}, "end": ["x"]}',
            "p.json:2: kind: '/t~2' is not a JSON pointer",
        ),
    ],
)
def test_a_bad_json_protocol_file_is_one_line_with_its_line(
    project: Path, text: str, expected: str
) -> None:
    (project / "p.json").write_text(text)
    one_line(run("check", "s.ndjson", "--protocol", "p.json", cwd=project), expected)


def test_an_invalid_kind_pointer_in_yaml_is_one_line(project: Path) -> None:
    (project / "p.yaml").write_text(
        HEAD.replace("kind: /t", "kind: /t~") + "kinds:\n  x: {schema: {}}\n"
    )
    one_line(run("check", "s.ndjson", "--protocol", "p.yaml", cwd=project), "p.yaml:4: kind:")


# -- item 5: protocol, schema and config files: regular files only, and capped ----------------


def test_a_protocol_file_that_is_a_fifo_is_one_line_not_a_hang(project: Path) -> None:
    os.mkfifo(project / "p.yaml")
    one_line(run("check", "s.ndjson", "--protocol", "p.yaml", cwd=project), "not a regular file")


def test_a_protocol_file_that_is_dev_zero_is_one_line(project: Path) -> None:
    (project / "p.yaml").symlink_to("/dev/zero")
    one_line(run("check", "s.ndjson", "--protocol", "p.yaml", cwd=project), "not a regular file")
    one_line(run("check", "s.ndjson", "--protocol", "/dev/zero", cwd=project), "/dev/zero")


def test_a_protocol_file_past_the_size_cap_is_one_line(project: Path) -> None:
    with (project / "p.yaml").open("w") as handle:
        handle.write(HEAD + "kinds:\n  x: {schema: {}}\n")
        handle.truncate(17 << 20)  # a sparse 17 MiB tail of zero bytes
    one_line(run("check", "s.ndjson", "--protocol", "p.yaml", cwd=project), "over 16 MiB")


def test_a_schema_file_that_is_a_fifo_is_one_line(project: Path) -> None:
    os.mkfifo(project / "kind.json")
    (project / "p.yaml").write_text(HEAD + "kinds:\n  x: {schema: kind.json}\n")
    one_line(run("check", "s.ndjson", "--protocol", "p.yaml", cwd=project), "not a regular file")


def test_a_schema_folder_file_that_is_a_fifo_is_one_line(project: Path) -> None:
    folder = project / "schemas" / "openai" / "chat-completions" / "9.9.9"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "chunk.json")
    recording = str(ROOT / "fixtures" / "openai" / "text-answer.sse")
    done = run("check", recording, "--schemas", "schemas", "--api-version", "9.9.9", cwd=project)
    one_line(done, "chunk.json", "not a regular file")


def test_a_schema_file_outside_the_protocol_files_folder_is_not_read(project: Path) -> None:
    (project / "sub").mkdir()
    (project / "outside.json").write_text('{"type": "object"}')
    for reference in ("../outside.json", "/etc/passwd", str(project / "outside.json")):
        (project / "sub" / "p.yaml").write_text(HEAD + f"kinds:\n  x: {{schema: '{reference}'}}\n")
        done = run("check", "s.ndjson", "--protocol", "sub/p.yaml", cwd=project)
        one_line(done, "sub/p.yaml:7: kinds.x.schema:", "outside", "protocol file's folder")


# -- item 2: $refs stay in the document and under its folder, for both validators -------------


class _Hits(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = b'{"type": "string"}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A schema server on 127.0.0.1 that records every request it gets."""
    handler = type("Hits", (_Hits,), {"hits": []})
    httpd = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", handler.hits
    finally:
        httpd.shutdown()
        httpd.server_close()


def outside_fifo(project: Path) -> Path:
    """A FIFO outside the protocol file's folder: opening it to read would block for ever, so
    a run that returns has not tried to read it."""
    (project / "outside").mkdir()
    fifo = project / "outside" / "schema.json"
    os.mkfifo(fifo)
    return fifo


def refs(base: str, fifo: Path, up: str = "../") -> list[str]:
    """References that leave the folder; `up` climbs from the schema's file to the folder's
    parent."""
    return [
        f"{base}/chunk.json",
        f"{base.replace('http:', 'https:')}/chunk.json",
        "file:///etc/passwd",
        "/etc/passwd",
        fifo.as_uri(),
        f"{up}outside/schema.json",
        f"sub/../{up}outside/schema.json",
    ]


def test_a_protocol_files_ref_makes_no_request_and_reads_nothing_outside(
    project: Path, server: tuple[str, list[str]]
) -> None:
    base, hits = server
    (project / "relay").mkdir()
    (project / "relay" / "sub").mkdir()
    for ref in refs(base, outside_fifo(project)):
        for where in ("schema: {$ref: REF}", "schema: {}, when: {$ref: REF}"):
            kind = "{" + where.replace("REF", f"'{ref}'") + "}"
            (project / "relay" / "p.yaml").write_text(
                HEAD.replace("kind: /t\n", "") + f"kinds:\n  x: {kind}\n"
            )
            done = run("check", "s.ndjson", "--protocol", "relay/p.yaml", cwd=project)
            # The reference as the validator resolved it against the file: its name is there.
            line = one_line(done, "relay/p.yaml:6: kinds.x.", "leads outside", ref.split("/")[-1])
            assert "root:" not in line
    assert hits == []


def test_a_schema_folders_ref_makes_no_request_and_reads_nothing_outside(
    project: Path, server: tuple[str, list[str]]
) -> None:
    base, hits = server
    folder = project / "schemas" / "openai" / "chat-completions" / "9.9.9"
    folder.mkdir(parents=True)
    recording = str(ROOT / "fixtures" / "openai" / "text-answer.sse")
    for ref in refs(base, outside_fifo(project), up="../../../../"):
        (folder / "chunk.json").write_text(json.dumps({"$ref": ref}))
        done = run(
            "check", recording, "--schemas", "schemas", "--api-version", "9.9.9", cwd=project
        )
        one_line(done, "9.9.9/chunk.json: $ref '", "leads outside", ref.split("/")[-1])
    assert hits == []


def test_refs_to_files_under_the_folder_are_followed_by_both_validators(project: Path) -> None:
    """A kind's schema may $ref a file beside the protocol file (JSON or YAML, fragments too):
    the fast validator fails the frame by it, and the explanation (python-jsonschema) reads the
    same file, through the same confinement."""
    (project / "defs").mkdir()
    (project / "defs" / "text.yaml").write_text("$defs:\n  text: {type: string, maxLength: 3}\n")
    (project / "p.yaml").write_text(
        HEAD + "kinds:\n  x:\n    schema:\n      type: object\n      properties:\n"
        "        s: {$ref: 'defs/text.yaml#/$defs/text'}\n"
        "        n: {anyOf: [{$ref: 'defs/text.yaml#/$defs/text'}, {type: integer}]}\n"
    )
    (project / "s.ndjson").write_text('{"t": "x", "s": "abcd", "n": "wxyz"}\n')
    done = run("check", "s.ndjson", "--protocol", "p.yaml", "--format", "json", cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    findings = json.loads(done.stdout)["results"][0]["findings"]
    messages = " ".join(f["message"] for f in findings if f["code"] == "SC201")
    assert "'abcd' is too long" in messages or "'wxyz'" in messages, messages


# -- item 4: a failing frame's explanation costs what the fast verdict costs -----------------

EVIL = "^(a+)+$"  # catastrophic backtracking in Python's re: 2**n steps for n a's and a '!'


@pytest.mark.parametrize(
    ("schema", "frame", "expected"),
    [
        # pattern on a value
        (
            {"type": "object", "properties": {"s": {"type": "string", "pattern": EVIL}}},
            {"t": "x", "s": "a" * 40 + "!"},
            f"does not match '{EVIL}'",
        ),
        # two faults: the whole frame is walked by python-jsonschema
        (
            {
                "type": "object",
                "required": ["u"],
                "properties": {"s": {"type": "string", "pattern": EVIL}},
            },
            {"t": "x", "s": "a" * 40 + "!"},
            "'u' is a required property at / (+1 more)",
        ),
        # patternProperties and additionalProperties match property names
        (
            {"type": "object", "patternProperties": {EVIL: {}}, "additionalProperties": False},
            {"t": "x", "a" * 40 + "!": 1},
            "do not match any of the regexes",
        ),
        (
            {"type": "object", "propertyNames": {"pattern": EVIL}},
            {"a" * 40 + "!": 1, "t": "x"},
            f"does not match '{EVIL}'",
        ),
        # unevaluatedProperties beside patternProperties: jsonschema-rs's own message
        (
            {"type": "object", "patternProperties": {EVIL: {}}, "unevaluatedProperties": False},
            {"t": "x", "a" * 40 + "!": 1},
            "SC201",
        ),
    ],
)
def test_a_catastrophic_pattern_does_not_hang_the_explanation(
    project: Path, schema: dict[str, Any], frame: dict[str, Any], expected: str
) -> None:
    """A frame that fails a pattern Python's re would take hours on (2**40 steps) is explained
    at once: the run returns within the subprocess timeout, with the finding."""
    (project / "p.json").write_text(
        json.dumps(
            {
                "streamcheck-protocol": 1,
                "name": "r",
                "framing": "ndjson",
                "kind": "/t",
                "kinds": {"x": {"schema": schema}},
                "end": ["x"],
            }
        )
    )
    (project / "s.ndjson").write_text(json.dumps(frame) + "\n")
    done = run("check", "s.ndjson", "--protocol", "p.json", "--format", "json", cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    [finding] = json.loads(done.stdout)["results"][0]["findings"]
    assert finding["code"] == "SC201"
    assert expected in finding["message"] or expected == "SC201", finding["message"]


# -- item 5: a protocol file's size in kinds is capped, and kinds are indexed ----------------


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_a_protocol_file_with_too_many_kinds_is_one_line(project: Path, suffix: str) -> None:
    """20,001 kinds took 34 s to load and every frame was tried against every `when`: past
    1,000 kinds the file is refused, before its values are built."""
    kinds = {f"k{i}": {"when": {"required": [f"f{i}"]}, "schema": {}} for i in range(20_000)}
    kinds["rest"] = {"schema": {}}
    document = {
        "streamcheck-protocol": 1,
        "name": "many",
        "framing": "ndjson",
        "kinds": kinds,
        "end": ["k0"],
    }
    # JSON is YAML too: the same document in both readers.
    (project / f"p.{suffix}").write_text(json.dumps(document, indent=1))
    done = run("check", "s.ndjson", "--protocol", f"p.{suffix}", cwd=project)
    one_line(done, f"p.{suffix}:", "20,001 kinds, over the 1,000")


def test_kinds_chosen_by_when_keep_the_files_order(project: Path) -> None:
    """The `when` index narrows which kinds are tried, never which one is chosen: the first in
    the file whose `when` accepts the frame, else the fallback. Every kind's schema fails here,
    so each frame's SC201 names the kind it was given."""
    never = {"not": {}}
    typed = {"required": ["type"], "properties": {"type": {"const": "x"}}}
    kinds = {
        "both": {"when": {**typed, "required": ["type", "n"]}, "schema": never},
        "has_n": {"when": {"required": ["n"]}, "schema": never},
        "typed": {"when": typed, "schema": never},
        "one": {"when": {"required": ["v"], "properties": {"v": {"const": 1}}}, "schema": never},
        "rest": {"schema": never},
    }
    (project / "p.json").write_text(
        json.dumps(
            {
                "streamcheck-protocol": 1,
                "name": "w",
                "framing": "ndjson",
                "kinds": kinds,
                "end": ["rest"],
            }
        )
    )
    frames = [
        ({"type": "x", "n": 1}, "both"),
        ({"type": "x"}, "typed"),
        ({"type": "y", "n": 1}, "has_n"),
        ({"v": 1.0}, "one"),  # 1.0 is the number 1
        ({"v": True}, "rest"),  # true is not 1
        ({"type": "y"}, "rest"),
        ("x", "both"),  # `required` and `properties` hold for a string: the first `when` takes it
    ]
    (project / "s.ndjson").write_text("".join(json.dumps(f) + "\n" for f, _ in frames))
    done = run("check", "s.ndjson", "--protocol", "p.json", "--format", "json", cwd=project)
    findings = json.loads(done.stdout)["results"][0]["findings"]
    named = [f["message"].split(" frame")[0] for f in findings if f["code"] == "SC201"]
    assert named == [kind for _, kind in frames], findings


# -- found on the way: the config's override globs match in linear time ------------------------


def test_a_configs_override_glob_does_not_hang_check(project: Path) -> None:
    """An override glob became a backtracking regex: `*a*a...*b` (13 stars) against a file name
    of 100 `a`s did not finish. The glob is matched by an NFA walk now; the run returns, with
    the override applied where it matches."""
    name = "a" * 100 + ".sse"
    (project / name).write_bytes((ROOT / "fixtures" / "openai" / "text-answer.sse").read_bytes())
    (project / "streamcheck.toml").write_text(
        '[[overrides]]\npaths = ["' + "*a" * 12 + '*b"]\nignore = ["SC1"]\n'
        '[[overrides]]\npaths = ["**/' + "a*" * 12 + '.sse"]\nfail-on = "info"\n'
    )
    done = run("check", name, "--format", "json", cwd=project)
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["results"][0]["fail_on"] == "info"


def test_a_schema_taken_from_an_asyncapi_document_keeps_its_references(project: Path) -> None:
    """`schema: asyncapi.yaml#/components/messages/Chunk/payload` (README): the payload's
    `$ref: '#/components/schemas/...'` means the document it came from, read (confined) from
    the file, by both validators."""
    (project / "asyncapi.yaml").write_text(
        "asyncapi: 3.0.0\ncomponents:\n  schemas:\n"
        "    Text: {type: string, maxLength: 3}\n"
        "  messages:\n    Chunk:\n      payload:\n        type: object\n        required: [s]\n"
        "        properties:\n          s: {$ref: '#/components/schemas/Text'}\n"
        "          n: {anyOf: [{$ref: '#/components/schemas/Text'}, {type: integer}]}\n"
    )
    (project / "p.yaml").write_text(
        HEAD + "kinds:\n  x: {schema: 'asyncapi.yaml#/components/messages/Chunk/payload'}\n"
    )
    (project / "s.ndjson").write_text('{"t": "x", "s": "abc", "n": 1}\n')
    done = run("check", "s.ndjson", "--protocol", "p.yaml", "--format", "json", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    (project / "s.ndjson").write_text('{"t": "x", "s": "abcd", "n": "wxyz"}\n')
    done = run("check", "s.ndjson", "--protocol", "p.yaml", "--format", "json", cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    [finding] = json.loads(done.stdout)["results"][0]["findings"]
    assert finding["code"] == "SC201" and "too long" in finding["message"], finding

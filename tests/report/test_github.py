"""`--format github`: workflow commands, one per finding, escaped as GitHub's toolkit does."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamcheck import Finding, Location, Report, Severity, check_paths
from streamcheck.model import EndReason, ExchangeResult
from streamcheck.report import github
from tests.conftest import run_streamcheck
from tests.streams import CLEAN, CURL_BAD_JSON, CUT, NO_ROLE, write


def result_with(findings: list[Finding], source: str = "fx/a.sse") -> ExchangeResult:
    return ExchangeResult(
        source,
        0,
        "openai",
        "chat-completions",
        "2.3.0",
        200,
        "sse",
        3,
        100,
        EndReason.EOF,
        findings,
        body_offset=0,
        body_line=1,
    )


def test_one_annotation_per_finding_line_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path,
        {
            "fx/cut.sse": CUT,
            "fx/dump.http": CURL_BAD_JSON,
            "fx/ok.sse": CLEAN,
            "fx/role.sse": NO_ROLE,
        },
    )
    monkeypatch.chdir(tmp_path)
    lines = github.render(check_paths(["fx"])).splitlines()
    assert lines[0] == (
        "::error file=fx/cut.sse,title=SC301 missing-terminator::"
        "the stream ended without data: [DONE] (exchange 0)"
    )
    assert lines[1].startswith("::error file=fx/dump.http,line=10,title=SC103 data-not-json::")
    # The evidence goes on a second line of the same annotation: LF is escaped as %0A.
    assert lines[1].endswith("(exchange 0, frame 3, line 10, byte 495)%0Agot: {bad json")
    assert lines[2].startswith("::error file=fx/dump.http,title=SC301 missing-terminator::")
    assert lines[3].startswith("::warning file=fx/role.sse,line=1,title=SC306 missing-role::")
    assert lines[4] == "FAIL: 4 files, 4 exchanges: 3 errors, 1 warning, 0 info (failing at error)"
    assert len(lines) == 5
    # The file line really is the bad frame.
    assert (tmp_path / "fx/dump.http").read_text().splitlines()[9] == "data: {bad json"


def test_escaping_follows_the_toolkit_rules() -> None:
    finding = Finding(
        "SC301",
        "missing-terminator",
        Severity.INFO,
        "100% cut\r\nhere: a, b",
        Location("fx/a,b:c.sse", 0, line=2),
        evidence="x::error::y",
        hint="retry",
    )
    [line, _] = github.render(Report([result_with([finding], "fx/a,b:c%.sse")])).splitlines()
    assert line == (
        "::notice file=fx/a%2Cb%3Ac%25.sse,line=2,title=SC301 missing-terminator::"
        "100%25 cut%0D%0Ahere: a, b (exchange 0, line 2)%0Agot: x::error::y%0Afix: retry"
    )


def test_stdin_has_no_file_property() -> None:
    finding = Finding("SC301", "missing-terminator", Severity.ERROR, "cut", Location("<stdin>", 0))
    [line, _] = github.render(Report([result_with([finding], "<stdin>")])).splitlines()
    assert line == "::error title=SC301 missing-terminator::cut (<stdin>, exchange 0)"


def test_cli_github_format_exit_code(tmp_path: Path) -> None:
    write(tmp_path, {"cut.sse": CUT, "ok.sse": CLEAN})
    done = run_streamcheck("check", str(tmp_path), "--format", "github")
    assert done.returncode == 1
    assert done.stdout.startswith(f"::error file={tmp_path}/cut.sse,title=SC301")
    clean = run_streamcheck("check", str(tmp_path / "ok.sse"), "--format", "github")
    assert (clean.returncode, clean.stdout.count("::")) == (0, 0)


def test_severity_maps_to_command() -> None:
    findings = [
        Finding("SC306", "missing-role", severity, "m", Location("a.sse", 0))
        for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)
    ]
    lines = github.render(Report([result_with(findings)])).splitlines()
    assert [line.split(" ", 1)[0] for line in lines[:3]] == ["::error", "::warning", "::notice"]


def test_past_githubs_limit_findings_go_to_the_log() -> None:
    errors = [
        Finding("SC103", "data-not-json", Severity.ERROR, f"bad {i}\nline", Location("a.sse", 0))
        for i in range(12)
    ]
    notices = [
        Finding("SC306", "missing-role", Severity.INFO, f"n {i}", Location("a.sse", 0))
        for i in range(11)
    ]
    warning = Finding("SC306", "missing-role", Severity.WARNING, "w", Location("a.sse", 0))
    lines = github.render(Report([result_with([*errors, warning, *notices])])).splitlines()
    commands = [line.split(" ", 1)[0] for line in lines if line.startswith("::")]
    assert commands.count("::error") == 10
    assert commands.count("::warning") == 1
    assert commands.count("::notice") == 9 + 1  # one slot kept for the overflow notice
    plain = [line for line in lines if line.startswith("streamcheck: ")]
    assert plain == [
        "streamcheck: fx/a.sse: error SC103 data-not-json (exchange 0): bad 10 line",
        "streamcheck: fx/a.sse: error SC103 data-not-json (exchange 0): bad 11 line",
        "streamcheck: fx/a.sse: info SC306 missing-role (exchange 0): n 9",
        "streamcheck: fx/a.sse: info SC306 missing-role (exchange 0): n 10",
    ]
    assert lines[-2] == (
        "::notice title=streamcheck::4 more findings are in the log above, not annotated: "
        "GitHub shows 10 annotations of each kind per step"
    )


def test_step_summary_when_running_in_github_actions(tmp_path: Path) -> None:
    write(tmp_path, {"fx/cut.sse": CUT, "fx/a|b.sse": NO_ROLE, "fx/ok.sse": CLEAN})
    page = tmp_path / "summary.md"
    page.write_text("earlier step\n")
    env = {"GITHUB_STEP_SUMMARY": str(page)}
    done = run_streamcheck("check", "fx", "--format", "github", cwd=tmp_path, env=env)
    assert done.returncode == 1
    lines = page.read_text().splitlines()
    assert lines[:4] == [
        "earlier step",  # appended, never overwritten
        "### streamcheck: FAIL",
        "",
        "FAIL: 3 files, 3 exchanges: 1 error, 1 warning, 0 info (failing at error)",
    ]
    assert lines[5:7] == ["| severity | file | rule | where | message |", "| --- " * 5 + "|"]
    assert lines[7].startswith("| warning | `fx/a\\|b.sse` | SC306 missing-role | exchange 0,")
    assert lines[8] == (
        "| error | `fx/cut.sse` | SC301 missing-terminator | exchange 0 "
        "| the stream ended without data: [DONE] |"
    )
    # Outside GitHub Actions, or with another format, nothing is written.
    page.write_text("")
    run_streamcheck("check", "fx", "--format", "json", cwd=tmp_path, env=env)
    assert page.read_text() == ""


def test_step_summary_cells_are_inert() -> None:
    finding = Finding(
        "SC402",
        "non-standard-error-body",
        Severity.ERROR,
        "<script>x</script> | a\nb",
        Location("a.sse", 0),
        hint="see `docs`",
    )
    text = github.step_summary(Report([result_with([finding], "we`ird.sse")]))
    row = text.splitlines()[-1]
    assert row == (
        "| error | `we'ird.sse` | SC402 non-standard-error-body | exchange 0 "
        "| &lt;script&gt;x&lt;/script&gt; \\| a b (fix: see `docs`) |"
    )

"""`streamcheck.assert_valid`: the public helper for a project's own tests."""

from __future__ import annotations

from pathlib import Path

import pytest

import streamcheck
from streamcheck import Severity, StreamcheckAssertionError, assert_valid
from tests.conftest import ROOT
from tests.streams import CLEAN, CURL_BAD_JSON, CUT, NO_ROLE, write


def test_clean_recording_returns_the_report(tmp_path: Path) -> None:
    write(tmp_path, {"ok.sse": CLEAN})
    report = assert_valid(tmp_path / "ok.sse")  # a Path works as well as a str
    assert [r.provider for r in report.results] == ["openai"]
    assert assert_valid(CLEAN.encode()).results[0].frames == 4


def test_failure_lists_places_evidence_and_fixes(tmp_path: Path) -> None:
    write(tmp_path, {"fx/dump.http": CURL_BAD_JSON, "fx/ok.sse": CLEAN})
    with pytest.raises(StreamcheckAssertionError) as caught:
        assert_valid(str(tmp_path / "fx"))
    text = str(caught.value)
    assert text.splitlines()[0] == "2 finding(s) at or above error:"
    assert f"{tmp_path}/fx/dump.http, exchange 0:" in text
    assert "error SC103 data-not-json (exchange 0, frame 3, line 10, byte 495)" in text
    assert "    got: {bad json" in text
    assert "ok.sse" not in text
    assert isinstance(caught.value, AssertionError)
    assert len(caught.value.report.results) == 2


def test_threshold_select_and_ignore() -> None:
    body = NO_ROLE.encode()
    assert_valid(body)  # a warning does not fail at the default threshold
    with pytest.raises(StreamcheckAssertionError, match="SC306 missing-role"):
        assert_valid(body, fail_on="warning")
    with pytest.raises(StreamcheckAssertionError):
        assert_valid(body, fail_on=Severity.INFO)
    assert_valid(body, fail_on="warning", ignore="sc306")  # one code as a string, any case
    assert_valid(CUT.encode(), select=["SC1", "SC2"])
    with pytest.raises(StreamcheckAssertionError, match="SC301"):
        assert_valid(CUT.encode(), ignore="SC1,SC2")


def test_options_pass_through_and_unknown_ones_are_refused() -> None:
    with pytest.raises(StreamcheckAssertionError, match="SC301"):
        assert_valid(CUT.encode(), provider="openai", api_version="2.3.0")
    with pytest.raises(TypeError, match="unknown option"):
        assert_valid(CLEAN.encode(), provder="openai")
    with pytest.raises(ValueError, match="unknown severity"):
        assert_valid(CLEAN.encode(), fail_on="fatal")


def test_public_names_resolve_lazily() -> None:
    for name in streamcheck.__all__:
        assert getattr(streamcheck, name) is not None
    assert "assert_valid" in dir(streamcheck)
    with pytest.raises(AttributeError):
        streamcheck.nope  # noqa: B018


def test_a_failing_assert_valid_shows_the_test_line_and_the_findings_not_our_source(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pytest hides assert_valid's frame (`__tracebackhide__`): the report is the test's line
    and the findings, without streamcheck's source before them."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    (pytester.path / "cut.sse").write_text(CUT)
    pytester.makepyfile(
        test_cut="""
        import streamcheck

        def test_cut():
            streamcheck.assert_valid("cut.sse")
        """
    )
    done = pytester.runpytest_subprocess("-p", "no:streamcheck", "-p", "no:cacheprovider")
    done.assert_outcomes(failed=1)
    out = done.stdout.str()
    assert 'streamcheck.assert_valid("cut.sse")' in out
    assert "SC301 missing-terminator" in out and "fix: " in out
    assert "assertions.py" not in out and "def assert_valid" not in out
    assert "raise StreamcheckAssertionError" not in out

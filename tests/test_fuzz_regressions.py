"""Every input the fuzzers found crashing (issue 12) stays in fuzz/regressions/ and is checked
here through the CLI in every report format: an exit code of 0, 1 or 2, no `internal error`,
no traceback, and the verdict each was fixed to give.

Before the fixes each of these was `streamcheck: internal error: ...` (exit 2, the report
lost): jsonschema-rs's and orjson's "Recursion limit reached", RecursionError from repr() of a
value nested ~1,000 deep, Python's 4,300-digit int limit in the YAML loader, orjson's 64-bit
int limit in the reporters, and urlsplit's "Invalid IPv6 URL" / "Port out of range".
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.conftest import ROOT, run_streamcheck

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
}
FILES = sorted(p.name for p in REGRESSIONS.iterdir() if p.suffix != ".md")


def test_every_regression_input_has_an_expected_verdict() -> None:
    assert sorted(EXPECTED) == FILES


@pytest.mark.parametrize("name", FILES)
def test_regression_input_gives_its_verdict_in_every_format(name: str, tmp_path: Path) -> None:
    code, expected = EXPECTED[name]
    reports = {fmt: tmp_path / f"report.{fmt}" for fmt in ("text", "sarif", "junit", "github")}
    extra = [arg for fmt, path in reports.items() for arg in ("--report", f"{fmt}:{path}")]
    done = run_streamcheck("check", str(REGRESSIONS / name), "--format", "json", *extra)
    assert done.returncode == code, done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    if code == 2:
        assert done.stderr.startswith(expected) and done.stderr.count("\n") == 1, done.stderr
        return
    report = orjson.loads(done.stdout)
    codes = {f["code"] for r in report["results"] for f in r["findings"]}
    assert expected in codes, sorted(codes)
    for path in reports.values():
        assert path.read_text(encoding="utf-8").strip()

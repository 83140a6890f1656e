"""Text output fits the terminal (issue 19): at COLUMNS=80 and 120 every line fits, no word is
split across lines, continuation lines keep their hanging indent, long evidence is elided in the
middle, and `streamcheck rules` fits too. Through the CLI, in a subprocess, as a user runs it."""

from __future__ import annotations

import re

import pytest

from streamcheck.report import wrap
from tests.conftest import FIXTURES, run_streamcheck

# Recordings whose findings have long messages, long evidence, fixes and client lines.
RECORDINGS = (
    "rules/SC101/bad.sse",
    "rules/SC103/bad.sse",
    "rules/SC201/bad.sse",
    "rules/SC308/bad.sse",
    "rules/SC401/bad.http",
    "rules/SC603/bad.tape",
)
WIDTHS = (80, 120)
HEADLINE = re.compile(r"^    (error|warning|info) +SC\d{3} ")


def _check(width: int, *extra: str) -> str:
    done = run_streamcheck("check", *RECORDINGS, *extra, env={"COLUMNS": str(width)}, cwd=FIXTURES)
    assert done.returncode == 1, done.stderr
    return done.stdout


def _words(text: str) -> list[str]:
    """The words of the output outside evidence lines (which are elided, not wrapped)."""
    kept = [line for line in text.splitlines() if not line.lstrip().startswith("got: ")]
    return " ".join(kept).split()


def test_recordings_are_there() -> None:
    for name in RECORDINGS:
        assert (FIXTURES / name).is_file(), name


@pytest.mark.parametrize("width", WIDTHS)
def test_every_line_fits_the_width(width: int) -> None:
    out = _check(width, "--verbose")
    lines = out.splitlines()
    assert len(lines) > 20
    too_long = [line for line in lines if len(line) > width]
    assert not too_long, too_long


@pytest.mark.parametrize("width", WIDTHS)
def test_no_word_is_split_across_lines(width: int) -> None:
    """The same words, in the same order, as the output at a width where nothing wraps."""
    narrow = _check(width, "--verbose")
    wide = _check(10_000, "--verbose")
    assert narrow != wide  # something did wrap
    assert _words(narrow) == _words(wide)


@pytest.mark.parametrize("width", WIDTHS)
def test_continuation_lines_keep_the_hanging_indent(width: int) -> None:
    out = _check(width, "--verbose")
    finding = fix = False
    continued = 0
    for line in out.splitlines():
        if HEADLINE.match(line):
            finding, fix = True, False
        elif finding and line.startswith(" " * 12 + "fix: "):
            fix = True
        elif finding and line.startswith(" " * 12 + "got: "):
            fix = False
        elif finding and line.startswith(" " * 12) and not line.startswith(" " * 13):
            continued += 1  # a headline's continuation, under the code
        elif fix and line.startswith(" " * 17) and not line.startswith(" " * 18):
            continued += 1  # a fix's continuation, under its text
        else:
            finding = fix = False
    assert continued > 5, out


def test_long_evidence_is_elided_in_the_middle_and_keeps_both_ends() -> None:
    wide = _check(10_000)
    narrow = _check(80)
    full = [line.split("got: ", 1)[1] for line in wide.splitlines() if "got: " in line]
    short = [line.split("got: ", 1)[1] for line in narrow.splitlines() if "got: " in line]
    assert len(full) == len(short)
    elided = [(f, s) for f, s in zip(full, short, strict=True) if f != s]
    assert elided, "no evidence long enough to elide at 80 columns"
    for whole, cut in elided:
        head, tail = cut.split(wrap.ELLIPSIS)
        assert whole.startswith(head) and whole.endswith(tail) and head and tail


@pytest.mark.parametrize("width", WIDTHS)
def test_rules_fits(width: int) -> None:
    done = run_streamcheck("rules", env={"COLUMNS": str(width)})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert sum(1 for line in lines if re.match(r"^SC\d{3} ", line)) > 80
    assert all(len(line) <= width for line in lines), [x for x in lines if len(x) > width]
    assert _words(done.stdout) == _words(run_streamcheck("rules", env={"COLUMNS": "10000"}).stdout)


def test_fill_never_splits_a_word_and_elides_one_too_wide() -> None:
    lines = wrap.fill([("  ", None)], [("a " * 10 + "x" * 50, None)], 20, 4)
    text = wrap.plain(lines).splitlines()
    assert all(len(line) <= 20 for line in text)
    assert text[0].startswith("  a a")
    assert text[-1] == "    " + wrap.elide("x" * 50, 16)
    assert wrap.elide("abcdefghij", 5) == "ab…ij"


@pytest.mark.parametrize("code", ["SC301", "SC601", "SC360"])
def test_explain_fits(code: str) -> None:
    done = run_streamcheck("explain", code, env={"COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), [x for x in lines if len(x) > 80]
    assert "## References" in lines
    assert _words(done.stdout) == _words(run_streamcheck("explain", code).stdout)

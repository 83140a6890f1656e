"""What a new user hit on first use (issue 19), each through the CLI in a subprocess: bare
`streamcheck`, --version in --help, help texts that reflow, no `<list[str]>`, `[clients]` kept,
a repeated --client, plurals, and positions inside a tape's bodies."""

from __future__ import annotations

import itertools
import re

import orjson
import pytest

from tests.conftest import FIXTURES, run_streamcheck

COMMANDS = ("check", "rules", "explain", "schemas", "serve", "record", "smoke", "conform")


def test_bare_streamcheck_prints_the_usage_and_exits_2_without_an_empty_error() -> None:
    done = run_streamcheck()
    assert done.returncode == 2
    assert done.stdout.startswith("Usage: streamcheck [OPTIONS] COMMAND [ARGS]...")
    assert "Commands:" in done.stdout and "check" in done.stdout
    assert done.stderr == ""  # no "streamcheck: error:  (see ...)"


def test_help_lists_version_and_version_works() -> None:
    done = run_streamcheck("--help")
    assert done.returncode == 0
    assert re.search(r"^\s+-V, --version\s+Print the version and exit\.$", done.stdout, re.M)
    for flag in ("--version", "-V"):
        version = run_streamcheck(flag)
        assert version.returncode == 0 and re.fullmatch(r"streamcheck \S+\n", version.stdout)


def _description(help_text: str) -> list[list[str]]:
    """The paragraphs of a command's description: between the usage line and the first
    section (Arguments:, Options:), split at blank lines."""
    lines = help_text.splitlines()[1:]
    end = next(i for i, line in enumerate(lines) if re.match(r"^[A-Z][a-z]+:$", line))
    paragraphs: list[list[str]] = [[]]
    for line in lines[:end]:
        if line.strip():
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [p for p in paragraphs if p]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_texts_reflow_to_the_terminal(command: str) -> None:
    """A docstring's line ends are not the help's: no line of a paragraph stops short of the
    width except its last (tables, whose first line ends with a colon, are laid out as they
    are)."""
    done = run_streamcheck(command, "--help", env={"COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    for paragraph in _description(done.stdout):
        if paragraph[0].rstrip().endswith(":"):
            continue
        for line, following in itertools.pairwise(paragraph):
            next_word = following.split()[0]
            # click lays help out in the width less 2 columns
            assert len(line) + 1 + len(next_word) > 78, f"hard-wrapped: {line!r}"


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_no_python_type_names(command: str) -> None:
    done = run_streamcheck(command, "--help")
    assert "list[" not in done.stdout and "<list" not in done.stdout


def test_check_help_keeps_the_extra_in_brackets() -> None:
    words = " ".join(run_streamcheck("check", "--help", env={"COLUMNS": "200"}).stdout.split())
    assert "(the [clients] extra)" in words


def test_a_repeated_client_runs_each_in_turn() -> None:
    path = str(FIXTURES / "rules" / "SC301" / "bad.sse")
    args = ("check", path, "--client", "openai-python", "--client", "anthropic-python")
    done = run_streamcheck(*args, "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    [result] = orjson.loads(done.stdout)["results"]
    assert [c["client"] for c in result["clients"]] == ["openai-python", "anthropic-python"]
    assert result["client"]["client"] == "openai-python"
    text = run_streamcheck(*args).stdout
    assert re.search(r"^    client openai-python \S+: ", text, re.M), text
    assert re.search(r"^    client anthropic-python \S+: ", text, re.M), text


def test_counts_are_singular_for_one() -> None:
    done = run_streamcheck("check", str(FIXTURES / "rules" / "SC301" / "bad.sse"))
    assert "1 error," in done.stdout and "1 errors" not in done.stdout
    one_frame = run_streamcheck("check", str(FIXTURES / "rules" / "SC336" / "bad.tape"), "-v")
    assert "1 frames" not in one_frame.stdout


def test_a_position_inside_a_tape_says_body_line() -> None:
    """The tape has 5 lines; the finding is on line 3 of the body it holds, not of the file."""
    tape = FIXTURES / "rules" / "SC317" / "bad.tape"
    done = run_streamcheck("check", str(tape))
    assert "SC317" in done.stdout
    positions = re.findall(r"\b(body )?line (\d+)", done.stdout)
    assert positions and all(body for body, _ in positions), done.stdout

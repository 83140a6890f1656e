"""Nothing a recording holds reaches the terminal as something it obeys (issue 18): escape
sequences in an SDK's exception message, a file name, a tape header's fields and an error line
are printed as their escapes, in text (plain and rich), GitHub output and one-line errors."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest
from rich.console import Console

from streamcheck import check_paths
from streamcheck.report import text
from streamcheck.report.terminal import printable
from tests.conftest import run_streamcheck

# Clear the screen, retitle the window, recolour, a C1 CSI, a carriage return that rewrites
# the line, a bidi override: each obeyed by some terminal.
HOSTILE = "\x1b]0;owned\x07\x1b[2J\x1b[31mRED\x9b31m\rOK\u202eevil"


def obeyed(output: str) -> list[str]:
    """The characters of `output` a terminal acts on, other than its own line breaks."""
    return [c for c in output.replace("\n", "") if printable(c) != c]


def _chunk(delta: dict[str, object]) -> dict[str, object]:
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
    }


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    """An OpenAI stream whose in-band error message is made of escape sequences, in a file
    whose name holds one too."""
    frames = [
        _chunk({"role": "assistant", "content": "hi"}),
        {"error": {"message": HOSTILE, "type": "server_error"}},
    ]
    path = tmp_path / "a\x1b[2Jb.sse"
    path.write_bytes(b"".join(b"data: " + orjson.dumps(f) + b"\n\n" for f in frames))
    return path


def test_the_client_raises_line_shows_escapes(recording: Path) -> None:
    done = run_streamcheck(
        "check", str(recording), "--client", "openai-python", env={"COLUMNS": "400"}
    )
    assert done.returncode == 1, done.stderr
    raises = [line for line in done.stdout.splitlines() if "client openai-python" in line]
    assert raises and "\\x1b]0;owned\\x07\\x1b[2J" in raises[0] and "\\u202eevil" in raises[0]
    assert obeyed(done.stdout) == [] and obeyed(done.stderr) == []
    assert "a\\x1b[2Jb.sse" in done.stdout  # the file name too


def test_rich_output_shows_escapes_too(recording: Path) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system=None, soft_wrap=True)
    text.render(check_paths([str(recording)]), console, verbose=True)
    assert "\\x1b]0;owned" in buffer.getvalue()
    assert obeyed(buffer.getvalue().replace("\x1b[1m", "").replace("\x1b[0m", "")) == []


@pytest.mark.parametrize("format", ["text", "github"])
def test_a_tape_header_and_its_messages(tmp_path: Path, format: str) -> None:
    header = {
        "streamcheck_tape": 1,
        "provider": HOSTILE,
        "api": "x\x1b[1A",
        "request": {"method": "POST", "url": "http://127.0.0.1/v1/chat/completions"},
        "response": {"status": 200, "headers": {"content-type": "text/event-stream"}},
    }
    tape = tmp_path / "t.tape"
    lines = [header, {"t": 0.1, "text": f"data: {HOSTILE}\n\n"}, {"end": "eof", "t": 0.2}]
    tape.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    done = run_streamcheck("check", str(tape), "--format", format, "--verbose")
    assert done.returncode in (0, 1), done.stderr
    assert "\\x1b" in done.stdout
    assert obeyed(done.stdout) == [] and obeyed(done.stderr) == []


def test_an_error_line_naming_a_file_shows_escapes(tmp_path: Path) -> None:
    tape = tmp_path / "x\x1b]0;owned\x07.tape"
    tape.write_bytes(b'{"streamcheck_tape": 1}\n{"t": "\x1b[2J", "text": ""}\n')
    done = run_streamcheck("check", str(tape))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "x\\x1b]0;owned\\x07.tape" in done.stderr
    assert obeyed(done.stderr) == []


def test_the_schemas_listing_shows_a_folder_names_escapes(tmp_path: Path) -> None:
    """A user's schema folder (from a checked tree's config) named with an escape sequence."""
    folder = tmp_path / "schemas" / "evil\x1b[2J" / "api" / "v1"
    folder.mkdir(parents=True)
    (folder / "chunk.json").write_text('{"type": "object"}')
    done = run_streamcheck("schemas", "--schemas", str(tmp_path / "schemas"))
    assert done.returncode == 0, done.stderr
    assert "evil\\x1b[2J/api/v1" in done.stdout
    assert obeyed(done.stdout) == []

"""Walking folders, globs, standard input and `--input-format` overrides."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from streamcheck import InputError, check_bytes, check_paths
from streamcheck.model import EndReason, ExchangeResult
from streamcheck.sources import expand, read_path
from streamcheck.sources.tape import dumps
from tests.conftest import FIXTURES, run_in_process, run_streamcheck
from tests.streams import CLEAN

SSE = CLEAN.encode()
CASSETTE = FIXTURES / "cassettes" / "openai_chat_stream_and_error.yaml"
HAR = FIXTURES / "har" / "chat_page.har"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "b" / "deep").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "a.sse").write_bytes(SSE)
    (tmp_path / "b" / "deep" / "c.tape").write_bytes(dumps([({}, [(SSE, 0.1)], EndReason.EOF)]))
    shutil.copy(CASSETTE, tmp_path / "b" / "cassette.yaml")
    shutil.copy(HAR, tmp_path / "b" / "page.har")
    (tmp_path / ".hidden" / "skip.sse").write_bytes(b"not read")
    (tmp_path / ".dot.sse").write_bytes(b"not read")
    (tmp_path / "notes.md").write_text("not a recording suffix")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n")
    return tmp_path


def test_folder_walk_is_recursive_sorted_and_skips_hidden_and_other_files(tree: Path) -> None:
    found = [Path(p).relative_to(tree).as_posix() for p in expand([str(tree)])]
    assert found == ["a.sse", "b/cassette.yaml", "b/page.har", "b/deep/c.tape"]


def test_folder_of_mixed_formats_checks_every_exchange(tree: Path) -> None:
    results = check_paths([str(tree)]).results
    by_file = {}
    for result in results:
        by_file.setdefault(Path(result.source).name, []).append(result.index)
    assert by_file == {
        "a.sse": [0],
        "cassette.yaml": [0, 1],
        "page.har": [1, 2, 3],
        "c.tape": [0],
    }


def test_globs_expand_recursively_and_explicit_files_are_read_whatever_their_name(
    tree: Path,
) -> None:
    found = expand([str(tree / "**" / "*.yaml"), str(tree / "*.sse")])
    assert [Path(p).name for p in found] == ["cassette.yaml", "a.sse"]
    # Explicit file arguments are read even with a suffix a folder walk skips.
    assert len(check_paths([str(tree / "notes.md")]).results) == 1


def test_missing_paths_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no file matches"):
        expand([str(tmp_path / "*.nothing")])
    with pytest.raises(InputError, match="no such file or folder"):
        expand([str(tmp_path / "absent.sse")])
    done = run_in_process("check", str(tmp_path / "absent.sse"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("fixture", "exchanges"),
    [(CASSETTE, 2), (HAR, 3), (None, 1)],
    ids=["cassette", "har", "tape"],
)
def test_stdin_is_sniffed_like_a_file(fixture: Path | None, exchanges: int) -> None:
    data = fixture.read_bytes() if fixture else dumps([({}, [(SSE, 0.1)], EndReason.EOF)])
    done = run_streamcheck("check", "--format", "json", "-", input=data)
    report = json.loads(done.stdout)
    assert report["summary"]["exchanges"] == exchanges
    assert {r["source"] for r in report["results"]} == {"<stdin>"}


def test_stdin_and_files_together(tree: Path) -> None:
    done = run_streamcheck("check", "--format", "json", str(tree / "a.sse"), "-", input=SSE)
    assert [r["source"] for r in json.loads(done.stdout)["results"]] == [
        str(tree / "a.sse"),
        "<stdin>",
    ]


def test_input_format_overrides_sniffing(tmp_path: Path) -> None:
    # A cassette forced to raw SSE is one body with no status: the flag beats the sniffer.
    path = tmp_path / "recording.yaml"
    shutil.copy(CASSETTE, path)
    auto = check_paths([str(path)]).results
    forced = check_paths([str(path)], input_format="sse").results
    assert len(auto) == 2 and len(forced) == 1
    assert forced[0].status is None
    # And the other way: a cassette whose key is beyond the sniffed head, forced.
    hidden = tmp_path / "late.txt"
    hidden.write_bytes(b"# comment\n" * 600 + CASSETTE.read_bytes())
    assert len(check_paths([str(hidden)]).results) == 1
    assert len(check_paths([str(hidden)], input_format="cassette").results) == 2
    har = tmp_path / "har.txt"
    har.write_bytes(b" " * 5000 + HAR.read_bytes())
    assert len(check_paths([str(har)], input_format="har").results) == 3


def test_input_format_on_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "body.txt"
    path.write_bytes(SSE)
    done = run_in_process("check", "--format", "json", "--input-format", "sse", str(path))
    assert json.loads(done.stdout)["results"][0]["framing"] == "sse"
    done = run_in_process("check", "--input-format", "tape", str(path))
    assert done.returncode == 2 and "not JSON" in done.stderr
    done = run_in_process("check", "--input-format", "har", str(path))
    assert done.returncode == 2 and "not a valid HAR" in done.stderr
    done = run_in_process("check", "--input-format", "cassette", str(path))
    assert done.returncode == 2 and "cassette" in done.stderr
    done = run_in_process("check", "--input-format", "xml", str(path))
    assert done.returncode == 2 and done.stderr.count("\n") == 1


def test_binary_junk_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.bin"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InputError, match="not a recording"):
        check_paths([str(path)])


def test_folder_argument_to_read_path_is_walked_not_opened(tree: Path) -> None:
    done = run_in_process("check", "--format", "json", str(tree / "b"))
    assert json.loads(done.stdout)["summary"]["files"] == 3


@pytest.mark.parametrize(
    ("framing", "fixture"),
    [
        ("sse", "openai/text-answer.sse"),
        ("ndjson", "ollama/chat-clean.ndjson"),
        ("jsonarray", "gemini/clean-json-array.json"),
        ("eventstream", "bedrock/converse-stream.eventstream"),
        ("tagged", "vercel-ai/data-stream.stream"),
    ],
)
def test_input_format_takes_every_framing_a_decoder_reads(framing: str, fixture: str) -> None:
    """`--input-format` and the config's `input-format` accept every byte framing the wire
    decoders support; from standard input (no name to go by) the body is decoded that way."""
    from streamcheck.wire import DECODERS

    assert {f for f in DECODERS if f != "websocket"} <= set(
        __import__("streamcheck.sources", fromlist=["FORMATS"]).FORMATS
    )
    body = (FIXTURES / fixture).read_bytes()
    done = run_streamcheck("check", "-", "--input-format", framing, "--format", "json", input=body)
    assert done.returncode == 0, done.stdout + done.stderr
    [result] = json.loads(done.stdout)["results"]
    assert result["framing"] == framing
    help_text = run_streamcheck("check", "--help", env={"COLUMNS": "200"}).stdout
    assert framing in help_text.split("--input-format", 1)[1].split("--", 1)[0]


def test_a_forced_framing_is_used_not_sniffed(tmp_path: Path) -> None:
    """An SSE body forced to the tagged framing is judged as tagged lines, and the config
    file's `input-format = "eventstream"` is accepted like the flag."""
    body = (FIXTURES / "openai" / "text-answer.sse").read_bytes()
    done = run_streamcheck("check", "-", "--input-format", "tagged", "--format", "json", input=body)
    [result] = json.loads(done.stdout)["results"]
    assert result["framing"] == "tagged" and done.returncode == 1
    (tmp_path / "streamcheck.toml").write_text('input-format = "eventstream"\n')
    shutil.copy(FIXTURES / "bedrock" / "converse-stream.eventstream", tmp_path / "c.bin")
    done = run_in_process("check", "c.bin", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["results"][0]["framing"] == "eventstream"


@pytest.mark.parametrize("given", ["rec", "rec/*.sse", "rec/**/*.sse"])
def test_a_walk_or_glob_does_not_follow_a_link_out_of_the_folder_named(
    tmp_path: Path, given: str
) -> None:
    """A checked tree's link to a file outside it (a CI runner's credentials, another
    project's data) was read and quoted as evidence; now it is skipped, said once, never
    opened. A link inside the folder is followed; a file named directly is always read."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x.sse").write_text('data: {"OUTSIDE_MARKER": 1}\n\n')
    rec = tmp_path / "rec"
    rec.mkdir()
    (rec / "ok.sse").write_text(CLEAN)
    (rec / "same.sse").symlink_to("ok.sse")
    (rec / "leak.sse").symlink_to("../outside/x.sse")
    (rec / "proc.sse").symlink_to("/proc/self/environ")
    done = run_in_process("check", given, "--verbose", "--format", "json", cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr
    sources = [result["source"] for result in json.loads(done.stdout)["results"]]
    assert sorted(Path(source).name for source in sources) == ["ok.sse", "same.sse"]
    assert "OUTSIDE_MARKER" not in done.stdout
    assert "skipped 2 links in folders that lead outside the folder named" in done.stderr
    named = run_in_process("check", "rec/leak.sse", "--verbose", cwd=tmp_path)
    assert "OUTSIDE_MARKER" in named.stdout  # named directly: read, as the user asked


@pytest.mark.parametrize(
    "opening",
    [
        b"streamcheck-protocol: 1\n",
        b"  # a comment first\n\n# another\r\nstreamcheck-protocol: 1\n",
        b'{"streamcheck-protocol": 1}\n',
        b"{\n\t'streamcheck-protocol': 1}\n",
        b'\x0c\x0b \n"streamcheck-protocol" = 1\n',
    ],
)
def test_a_protocol_file_is_told_by_its_opening_whatever_comes_before_the_key(
    tmp_path: Path, opening: bytes
) -> None:
    # formats.is_protocol_file looks at the first byte after white space before it scans the
    # head for the key: every opening the key may have after comments, a brace or a quote.
    path = tmp_path / "p.yaml"
    path.write_bytes(opening)
    with pytest.raises(InputError, match="a protocol file, not a recording"):
        check_paths([str(path)])
    body = tmp_path / "b.sse"
    body.write_bytes(b": streamcheck-protocol: 1\n\n" + CLEAN.encode())  # a comment naming it
    assert [r.framing for r in check_paths([str(body)]).results] == ["sse"]


# -- a file is read with one 64 KiB read: its head is still read whole from a pipe ------------


@contextmanager
def _fed_in_pieces(fifo: Path, data: bytes, piece: int) -> Iterator[None]:
    """`fifo` gets `data` a piece at a time, a pause after each: a read of it returns one piece
    (what `<(curl ...)` gives a reader)."""
    os.mkfifo(fifo)

    def feed() -> None:
        with fifo.open("wb", buffering=0) as handle:
            for start in range(0, len(data), piece):
                handle.write(data[start : start + piece])
                time.sleep(0.005)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        yield
    finally:
        writer.join()


def test_a_pipe_named_as_a_file_is_sniffed_on_its_whole_head(tmp_path: Path) -> None:
    # One read of a pipe gives the first 100 bytes: a cassette is told by more than that.
    fifo = tmp_path / "cassette.yaml"
    with _fed_in_pieces(fifo, CASSETTE.read_bytes(), 100):
        results = check_paths([str(fifo)]).results
    assert [r.status for r in results] == [200, 401]


def test_a_container_from_a_pipe_is_read_whole_past_its_head(tmp_path: Path) -> None:
    # A document read by its structure (nock's recorder), longer than the head and fed 512
    # bytes at a time: its reader asks for the rest in one read, which must not stop at the
    # first piece.
    request = {"model": "gpt-4o", "messages": [{"role": "user", "content": "x" * 9000}]}
    doc = [
        {
            "scope": "https://api.openai.com:443",
            "method": "POST",
            "path": "/v1/chat/completions",
            "body": request,
            "status": 200,
            "response": CLEAN,
            "rawHeaders": ["Content-Type", "text/event-stream"],
        }
    ]
    data = json.dumps(doc).encode()
    fifo = tmp_path / "nock.json"
    with _fed_in_pieces(fifo, data, 512):
        piped = check_paths([str(fifo)]).results
    (tmp_path / "file.json").write_bytes(data)
    read = check_paths([str(tmp_path / "file.json")]).results
    # SC902: the note that the file was read by its structure
    assert [(r.status, [f.code for f in r.findings]) for r in read] == [(200, ["SC902"])]
    assert [(r.status, _where([r])) for r in piped] == [(r.status, _where([r])) for r in read]


def _where(results: list[ExchangeResult]) -> list[tuple[str, int | None, int | None]]:
    return [(f.code, f.location.offset, f.location.line) for r in results for f in r.findings]


def test_a_body_read_in_one_piece_is_checked_as_one_read_in_many(tmp_path: Path) -> None:
    # A 5 KiB file is one read, a 70 KiB one two; each cut inside a frame, so the cut is found.
    # Read whole, from a pipe a piece at a time or from memory: the same findings in the same
    # places (a byte lost or read twice past the head moves or adds one).
    body = CLEAN.encode() * (70_000 // len(CLEAN) + 1)
    for size in (4096 - 30, 5000, 65536 - 30, 70_000):
        path = tmp_path / f"{size}.sse"
        path.write_bytes(body[:size])
        expected = _where(check_bytes(body[:size]).results)
        assert any(code == "SC101" for code, _, _ in expected)
        assert _where(check_paths([str(path)]).results) == expected
        fifo = tmp_path / f"{size}-fifo.sse"
        with _fed_in_pieces(fifo, body[:size], 1000):
            assert _where(check_paths([str(fifo)]).results) == expected


def test_a_body_read_in_one_read_is_given_as_known_whole(tmp_path: Path) -> None:
    # The read after the first finds the end: the body is one chunk, known to be the last
    # (check.exchange tells the checker). A longer body is read as it is consumed; an empty
    # one has no chunk. The bytes are the file's either way.
    body = CLEAN.encode() * (70_000 // len(CLEAN) + 1)
    for size, chunks in ((0, 0), (5000, 1), (65536 - 1, 1), (70_000, None)):
        path = tmp_path / f"{size}.sse"
        path.write_bytes(body[:size])
        for exchange in read_path(str(path)):  # consumed while the file is open
            given = exchange.chunks
            assert (len(given) if type(given) is tuple else None) == chunks, size
            assert b"".join(data for data, _ in given) == body[:size]


def test_a_body_that_opens_with_an_sse_field_is_a_body_whatever_its_later_lines(
    tmp_path: Path,
) -> None:
    # No container starts with an SSE field: a later line that reads as a cassette's key is
    # one more line of the stream (a field SSE ignores), not the start of a cassette.
    for first in (b"data: ", b"event: message\ndata: "):
        body = CLEAN.encode().replace(b"data: ", first, 1)
        path = tmp_path / "keys.yaml"
        path.write_bytes(body + b"interactions:\n\nrequest:\nresponse:\n\n")
        (result,) = check_paths([str(path)]).results
        assert (result.framing, result.provider, result.frames) == ("sse", "openai", 4)


def test_a_walk_tells_recordings_by_their_last_suffix_in_any_case(tmp_path: Path) -> None:
    # The walk reads a name's suffix as os.path.splitext does (the last dot on): upper case,
    # several dots, a dot at the end, no dot, a gzip-compressed recording and other archives.
    for name in ("upper.SSE", "two.dots.sse", "double..sse", "trailing.", "noext", "x.tar.gz"):
        (tmp_path / name).write_bytes(SSE)
    (tmp_path / "r.sse.gz").write_bytes(gzip.compress(SSE))
    notes: list[str] = []
    found = sorted(Path(p).name for p in expand([str(tmp_path)], notes))
    assert found == ["double..sse", "r.sse.gz", "two.dots.sse", "upper.SSE"]
    assert notes == [
        "skipped 3 files in folders that are not a recording: "
        + ", ".join(str(tmp_path / n) for n in ("noext", "trailing.", "x.tar.gz"))
    ]

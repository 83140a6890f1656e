"""README's "Bad input" table, row by row, through the CLI (issue 12).

The table is read from README.md: every row must have a case here that builds its input and
runs `streamcheck check` on it, and every case a row. A row's exit code must be the process's,
and its message (the text in backticks) must appear in what the tool printed; no run may print
a traceback or `internal error`. Big inputs are generated in tmp_path and streamed; the
bombs' and the long line's peak memory is measured (psutil), never their time.
"""

from __future__ import annotations

import base64
import gzip
import os
import re
import subprocess
import sys
import threading
import zlib
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from tests.conftest import FIXTURES, ROOT

README = ROOT / "README.md"
CLEAN = (FIXTURES / "openai" / "text-answer.sse").read_bytes()
CHUNK = (
    b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}\n\n'
)
MIB = 1024 * 1024


def table() -> dict[str, tuple[int, str]]:
    """input -> (exit code, message) from README's "Bad input" table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Bad input", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"^\| (.+?) \| (\d+) \| `(.*)` \|$", line)
        if match:
            rows[match.group(1)] = (int(match.group(2)), match.group(3).replace("\\\\", "\\"))
    return rows


class Run:
    """A finished CLI run: exit code, output and the process tree's peak RSS."""

    def __init__(self, code: int, out: str, err: str, peak: int) -> None:
        self.code, self.out, self.err, self.peak = code, out, err, peak


def cli(
    *args: str,
    stdin: int | None = subprocess.DEVNULL,
    stdout: int | None = subprocess.PIPE,
    drop_read_rights: bool = False,
    cwd: Path = ROOT,
) -> Run:
    """`python -m streamcheck check ARGS`, sampling its RSS while it runs."""
    command = [sys.executable, "-m", "streamcheck", "check", *args]
    if drop_read_rights and os.geteuid() == 0:
        # root reads any mode bits: run without the capabilities that let it.
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    process = subprocess.Popen(
        command, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, cwd=cwd, env=env
    )
    peak = [0]

    def sample() -> None:
        watched = psutil.Process(process.pid)
        while process.poll() is None:
            try:
                peak[0] = max(peak[0], watched.memory_info().rss)
            except psutil.Error:
                return
            threading.Event().wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate(timeout=600)
    sampler.join()
    return Run(
        process.returncode,
        (out or b"").decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        peak[0],
    )


def _cassette(path: Path, body: bytes, coding: str) -> Path:
    path.write_text(
        "interactions:\n- request: {method: POST, uri: 'https://api.openai.com/v1/chat/completions'}\n"
        "  response:\n    status: {code: 200}\n"
        f"    headers: {{content-type: [text/event-stream], content-encoding: [{coding}]}}\n"
        f'    body: {{string: !!binary "{base64.b64encode(body).decode()}"}}\nversion: 1\n'
    )
    return path


def _bomb(wbits: int) -> bytes:
    """About 3 MB that inflate to 3 GB of zeros, compressed piece by piece."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(MIB)
    return b"".join([packer.compress(block) for _ in range(3000)] + [packer.flush()])


def missing(tmp: Path) -> Run:
    return cli(str(tmp / "absent.sse"))


def no_recordings(tmp: Path) -> Run:
    (tmp / "empty").mkdir()
    return cli(str(tmp / "empty"))


def unreadable_file(tmp: Path) -> Run:
    (tmp / "locked.sse").write_bytes(CLEAN)
    (tmp / "locked.sse").chmod(0)
    return cli(str(tmp / "locked.sse"), drop_read_rights=True)


def unreadable_folder(tmp: Path) -> Run:
    (tmp / "rec" / "locked").mkdir(parents=True)
    (tmp / "rec" / "a.sse").write_bytes(CLEAN)
    (tmp / "rec" / "locked" / "b.sse").write_bytes(CLEAN)
    (tmp / "rec" / "locked").chmod(0)
    try:
        return cli(str(tmp / "rec"), drop_read_rights=True)
    finally:
        (tmp / "rec" / "locked").chmod(0o755)


def binary_junk(tmp: Path) -> Run:
    (tmp / "junk.bin").write_bytes(bytes(range(256)) * 16)
    return cli(str(tmp / "junk.bin"))


def invalid_utf8(tmp: Path) -> Run:
    (tmp / "bad.sse").write_bytes(CHUNK.replace(b'"hi"', b'"h\xff\xfei"') + CLEAN)
    return cli(str(tmp / "bad.sse"))


def empty(tmp: Path) -> Run:
    (tmp / "empty.sse").write_bytes(b"")
    return cli(str(tmp / "empty.sse"))


def long_line(tmp: Path) -> Run:
    with open(tmp / "long.sse", "wb") as handle:
        handle.write(b'data: "')
        for _ in range(100):
            handle.write(b"a" * MIB)
        handle.write(b'"\n\n')
    run = cli(str(tmp / "long.sse"))
    assert run.peak < 200 * MIB, run.peak  # the line is skipped, never held
    return run


def many_files(tmp: Path) -> Run:
    folder = tmp / "many"
    folder.mkdir()
    for i in range(100_000):  # hard links: 100,000 files to walk and read, few inodes to write
        source = tmp / f"source-{i // 50_000}.sse"  # (ext4 allows 65,000 links to one inode)
        if i % 50_000 == 0:
            source.write_bytes(CLEAN)
        os.link(source, folder / f"{i:06}.sse")
    run = cli(str(folder), "--quiet")
    assert run.peak < 600 * MIB, run.peak
    return run


def deep_nesting(tmp: Path) -> Run:
    frame = b"data: " + b"[" * 100_000 + b"]" * 100_000 + b"\n\n"
    (tmp / "deep.sse").write_bytes(CHUNK + frame + CLEAN)
    return cli(str(tmp / "deep.sse"))


def huge_numbers(tmp: Path) -> Run:
    first = b"data: 1e400\n\n"
    digits = CHUNK.replace(b'"created":1', b'"created":' + b"9" * 5000)
    (tmp / "numbers.sse").write_bytes(first + digits + CLEAN)
    return cli(str(tmp / "numbers.sse"))


def malformed_yaml(tmp: Path) -> Run:
    (tmp / "bad.yaml").write_text("interactions:\n- request: [\n")
    return cli(str(tmp / "bad.yaml"))


def alias_bomb(tmp: Path) -> Run:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    (tmp / "bomb.yaml").write_text(
        "\n".join(lines) + "\ninteractions:\n- request: {method: POST, uri: "
        "'https://api.openai.com/v1/chat/completions'}\n  response:\n    status: {code: 200}\n"
        "    headers: {x-bomb: *a9}\n    body: {string: *a9}\n"
    )
    assert (tmp / "bomb.yaml").stat().st_size < 1000
    run = cli(str(tmp / "bomb.yaml"))
    assert run.peak < 200 * MIB, run.peak
    return run


def _har(tmp: Path, entry: str) -> Path:
    path = tmp / "page.har"
    path.write_text('{"log": {"version": "1.2", "creator": {}, "entries": [' + entry + "]}}")
    return path


def har_missing(tmp: Path) -> Run:
    return cli(str(_har(tmp, '{"request": {"url": "https://api.openai.com/v1/chat/completions"}}')))


def har_wrong_types(tmp: Path) -> Run:
    entry = (
        '{"request": {"url": "https://api.openai.com/v1/chat/completions", "headers": "x", '
        '"postData": 5}, "response": {"status": "200", "headers": 7, "content": '
        '{"mimeType": ["text/event-stream"], "text": [1], "encoding": {}}}, "timings": []}'
    )
    return cli(str(_har(tmp, entry)))


def gzip_bomb(tmp: Path) -> Run:
    run = cli(str(_cassette(tmp / "gzip.yaml", _bomb(31), "gzip")))
    assert run.peak < 250 * MIB, run.peak  # inflated piece by piece: 1.09 GB before
    return run


def deflate_bomb(tmp: Path) -> Run:
    run = cli(str(_cassette(tmp / "deflate.yaml", _bomb(15), "deflate")))
    assert run.peak < 250 * MIB, run.peak
    return run


def brotli_body(tmp: Path) -> Run:
    try:
        import brotli  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.fail("brotli is installed here: the row must then say what it inflates to")
    return cli(str(_cassette(tmp / "br.yaml", b"\x8b\x03\x80" + CLEAN + b"\x03", "br")))


def gzip_curl_dump(tmp: Path) -> Run:
    head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-encoding: gzip\r\n\r\n"
    (tmp / "dump.http").write_bytes(head + gzip.compress(CLEAN))
    return cli(str(tmp / "dump.http"))


def symlink_loop(tmp: Path) -> Run:
    (tmp / "a.sse").symlink_to(tmp / "b.sse")
    (tmp / "b.sse").symlink_to(tmp / "a.sse")
    return cli(str(tmp / "a.sse"))


def fifo_in_folder(tmp: Path) -> Run:
    (tmp / "rec").mkdir()
    (tmp / "rec" / "clean.sse").write_bytes(CLEAN)
    os.mkfifo(tmp / "rec" / "pipe.sse")  # opened for reading, it would block forever
    return cli(str(tmp / "rec"))


def notes_in_folder(tmp: Path) -> Run:
    (tmp / "rec").mkdir()
    (tmp / "rec" / "clean.sse").write_bytes(CLEAN)
    (tmp / "rec" / "notes.txt").write_text("recorded on Tuesday against the staging key\n")
    (tmp / "rec" / "README.md").write_text("# recordings\n")
    (tmp / "rec" / "make.py").write_text("print('hi')\n")
    (tmp / "rec" / "ci.yaml").write_text("on: push\n")
    run = cli(str(tmp / "rec"))
    assert run.err.count("streamcheck: note:") == 1, run.err  # said once
    return run


def note_named(tmp: Path) -> Run:
    (tmp / "notes.txt").write_text("recorded on Tuesday against the staging key\n")
    return cli(str(tmp / "notes.txt"))


def piped_into_head(tmp: Path) -> Run:
    """The reader closes the pipe before streamcheck writes: every write fails with EPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        run = cli(str(FIXTURES / "openai"), str(FIXTURES / "anthropic"), stdout=write_end)
    finally:
        os.close(write_end)
    assert "Traceback" not in run.err and "Exception ignored" not in run.err, run.err
    assert run.err == "", run.err  # quiet
    return run


def stdout_closed(tmp: Path) -> Run:
    command = f"exec {sys.executable} -m streamcheck check {FIXTURES / 'openai'} >&-"
    done = subprocess.run(["sh", "-c", command], capture_output=True, cwd=ROOT, timeout=120)
    return Run(done.returncode, "", done.stderr.decode(), 0)


def stdin_closed(tmp: Path) -> Run:
    command = f"exec {sys.executable} -m streamcheck check - <&-"
    done = subprocess.run(["sh", "-c", command], capture_output=True, cwd=ROOT, timeout=120)
    return Run(done.returncode, "", done.stderr.decode(), 0)


def full_disk(tmp: Path) -> Run:
    if not os.path.exists("/dev/full"):
        pytest.fail("/dev/full is missing: this row needs a Linux machine")
    with open("/dev/full", "wb") as full:
        return cli(str(FIXTURES / "openai"), "--format", "json", stdout=full.fileno())


def non_utf8_name(tmp: Path) -> Run:
    folder = os.path.join(os.fsencode(tmp), b"rec")
    os.mkdir(folder)
    with open(os.path.join(folder, b"bad\xff\xfe.sse"), "wb") as handle:
        handle.write((FIXTURES / "rules" / "SC103" / "bad.sse").read_bytes())
    for fmt in ("json", "sarif", "junit", "github"):
        run = cli(os.fsdecode(folder), "--format", fmt)
        assert run.code == 1 and "internal error" not in run.err, (fmt, run.err)
        assert ("%5Cxff" if fmt == "sarif" else "\\xff") in run.out, fmt  # SARIF: a URI
    return cli(os.fsdecode(folder))


CASES: dict[str, Callable[[Path], Run]] = {
    "a path that does not exist": missing,
    "a folder with no recordings": no_recordings,
    "an unreadable file": unreadable_file,
    "an unreadable sub-folder": unreadable_folder,
    "binary junk": binary_junk,
    "invalid UTF-8 in a frame": invalid_utf8,
    "an empty file": empty,
    "a 100 MB single line": long_line,
    "100,000 small files in a folder": many_files,
    "a frame nested 100,000 deep": deep_nesting,
    "numbers past every limit (`1e400`, 5,000 digits)": huge_numbers,
    "a malformed YAML cassette": malformed_yaml,
    'a YAML alias bomb ("billion laughs")': alias_bomb,
    "a HAR entry with no response": har_missing,
    "a HAR entry whose fields have the wrong types": har_wrong_types,
    "a gzip bomb (3 MB inflating to 3 GB)": gzip_bomb,
    "a deflate bomb": deflate_bomb,
    "a brotli body (no brotli module installed)": brotli_body,
    "a gzip-encoded `curl -i` dump": gzip_curl_dump,
    "a symlink loop named directly": symlink_loop,
    "a FIFO inside a folder": fifo_in_folder,
    "notes, READMEs and scripts inside a folder": notes_in_folder,
    "a note named directly (always checked)": note_named,
    "output piped into `head`": piped_into_head,
    "standard output closed": stdout_closed,
    "standard input closed": stdin_closed,
    "a full disk (`> /dev/full`)": full_disk,
    "a file name that is not UTF-8": non_utf8_name,
}
ROWS = table()


def test_every_row_has_a_case_and_every_case_a_row() -> None:
    assert sorted(ROWS) == sorted(CASES)


@pytest.mark.parametrize("row", sorted(ROWS))
def test_row(row: str, tmp_path: Path) -> None:
    code, message = ROWS[row]
    run = CASES[row](tmp_path)
    said = run.out + run.err
    assert run.code == code, said[-2000:]
    assert message in said, said[-2000:]
    assert "Traceback" not in said and "internal error" not in said, said[-2000:]
    if code == 2:  # a tool error is one line
        assert run.err.count("\n") == 1 and run.err.startswith("streamcheck: error: "), run.err

"""README "Checking untrusted input", as one run watched from inside: `check` of a tree that
holds recordings, a config file naming a protocol file (with its schema beside it) and a
baseline, with reports written, opens no socket, starts no program, writes nothing but the
reports and the baseline it was told to write, and reads nothing but what it was named (the
recordings folder, the config and what the config names) besides its own package and Python's.

The run is watched with an audit hook (PEP 578: every `open`, socket and process event of
the interpreter, whoever makes it), installed before streamcheck is imported.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import streamcheck
from streamcheck.schemas import shipped_root
from tests.conftest import FIXTURES, ROOT

WATCH = r"""
import os, sys
WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
ACTS = ("socket.", "subprocess.", "os.exec", "os.spawn", "os.posix_spawn", "os.system",
        "os.fork", "os.remove", "os.unlink", "os.rename", "os.replace", "os.rmdir", "os.mkdir",
        "os.symlink", "os.link", "os.truncate", "shutil.")
seen = []
def hook(event, args):
    if event == "open":
        path, mode, flags = args
        if isinstance(path, int):
            return
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & WRITE)
        seen.append(["write" if writing else "read", os.path.abspath(os.fsdecode(path))])
    elif event.startswith(ACTS):
        seen.append([event, repr(args)[:300]])
sys.addaudithook(hook)
import atexit, json
atexit.register(lambda: os.write(int(os.environ["AUDIT_FD"]), json.dumps(seen).encode()))
sys.argv = ["streamcheck", *sys.argv[1:]]
from streamcheck.cli import program
program()
"""


def _tree(root: Path) -> None:
    """A checked repository: recordings, a config naming a protocol file and a baseline, and
    files nobody named (a recording outside the named folder, a node_modules package)."""
    recordings = root / "recordings"
    recordings.mkdir()
    for name in (
        "faults/openai/truncate-after-2.tape",
        "har/chrome_websocket_eventsource.har",
        "cassettes/openai_chat_stream_and_error.yaml",
        "declared/verba-whole.ndjson",
        "openai/gpt4-no-model-access.http",
    ):
        shutil.copy(FIXTURES / name, recordings / Path(name).name)
    shutil.copytree(FIXTURES / "declared" / "schemas", root / "protocol" / "schemas")
    shutil.copy(FIXTURES / "declared" / "verba-relay.yaml", root / "protocol" / "verba.yaml")
    (root / "streamcheck.toml").write_text(
        'protocols = ["protocol/verba.yaml"]\nbaseline = "base.json"\n', encoding="utf-8"
    )
    (root / "elsewhere").mkdir()
    shutil.copy(FIXTURES / "openai" / "gpt4-no-model-access.http", root / "elsewhere" / "x.http")
    (recordings / "link.http").symlink_to("../elsewhere/x.http")  # a link out of the folder
    package = root / "node_modules" / "ai"
    package.mkdir(parents=True)
    (package / "package.json").write_text('{"name": "ai", "version": "6.0.0"}')


def test_check_reads_only_what_it_was_named_and_writes_only_its_reports(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    _tree(root)
    script = tmp_path / "watch.py"
    script.write_text(WATCH, encoding="utf-8")
    read_end, write_end = os.pipe()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "AUDIT_FD": str(write_end)}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # Python's own cache is not streamcheck writing
    done = subprocess.run(
        [
            *(sys.executable, str(script), "check", "recordings"),
            *("--write-baseline", "base.json", "-o", "out.txt"),
            *("--report", "json:report.json", "--report", "sarif:report.sarif"),
        ],
        cwd=root,
        env=env,
        capture_output=True,
        pass_fds=(write_end,),
        timeout=120,
    )
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        seen = json.loads(pipe.read())
    assert done.returncode in (0, 1), done.stderr
    assert json.loads((root / "report.json").read_bytes())["results"]  # it did check

    acts = [(event, what) for event, what in seen if event not in ("read", "write")]
    assert not [a for a in acts if a[0].startswith(("socket.", "subprocess.", "os.exec"))]
    assert not [a for a in acts if a[0].startswith(("os.spawn", "os.posix_spawn", "os.fork"))]
    assert not [a for a in acts if a[0] == "os.system"]
    # Written: the reports named, and the baseline (a temporary file beside it, renamed).
    written = {Path(path) for event, path in seen if event == "write"}
    named = {root / "report.json", root / "report.sarif", root / "out.txt"}
    assert named <= written
    for path in written - named:
        assert path.parent == root and path.name.startswith(".base.json."), path
    renames = [what for event, what in acts if event in ("os.rename", "os.replace")]
    assert len(renames) == 1 and f"'{root / 'base.json'}'" in renames[0]
    assert not [a for a in acts if a[0] in ("os.remove", "os.unlink", "os.rmdir", "os.mkdir")]
    # Read: the named folder, the config and what it names; else streamcheck's own files and
    # Python's. Never the recording outside the folder, never node_modules.
    allowed = [
        root / "recordings",
        root / "protocol",
        root / "streamcheck.toml",
        root / "base.json",
        Path(streamcheck.__file__).resolve().parent,
        shipped_root().resolve(),
        Path(sys.prefix),
        Path(sys.base_prefix),
        Path("/dev/null"),
    ]
    read = {Path(path).resolve() for event, path in seen if event == "read"}
    stray = [
        path
        for path in read
        if not any(path == place or place in path.parents for place in allowed)
    ]
    assert stray == [], stray
    # The watch saw what it should: the recordings, the protocol file and its schema.
    assert {root / "recordings" / "truncate-after-2.tape", root / "protocol" / "verba.yaml"} <= read
    assert root / "protocol" / "schemas" / "end.json" in read
    assert root / "elsewhere" / "x.http" not in read
    assert not any("node_modules" in path.parts for path in read)


def test_a_config_above_the_project_or_in_a_shared_folder_is_not_taken(tmp_path: Path) -> None:
    """A streamcheck.toml planted above the project (past its .git) or in a folder every user
    may write to (/tmp) would silence the checks (`ignore = ["SC"]`): the walk stops there."""
    import shutil
    import stat

    from tests.conftest import FIXTURES, run_streamcheck

    planted = 'ignore = ["SC1", "SC2", "SC3", "SC4", "SC5"]\n'
    cut = (FIXTURES / "rules" / "SC301" / "bad.sse").read_bytes()
    (tmp_path / "streamcheck.toml").write_text(planted)
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "fixtures").mkdir()
    (project / "fixtures" / "cut.sse").write_bytes(cut)
    done = run_streamcheck("check", "cut.sse", cwd=project / "fixtures")
    assert done.returncode == 1 and "SC301" in done.stdout  # the planted config was not read
    shutil.rmtree(project / ".git")  # no project root: the walk goes on, up to tmp_path
    assert run_streamcheck("check", "cut.sse", cwd=project / "fixtures").returncode == 0
    tmp_path.chmod(tmp_path.stat().st_mode | stat.S_IWOTH | stat.S_ISVTX)  # now like /tmp
    try:
        done = run_streamcheck("check", "cut.sse", cwd=project / "fixtures")
    finally:
        tmp_path.chmod(0o700)
    assert done.returncode == 1 and "SC301" in done.stdout

"""The command line in CI: output formats and files, usage errors, terminal-only progress."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

from tests.conftest import ROOT, run_streamcheck
from tests.streams import CLEAN, CUT, NO_ROLE, write


def on_terminal(*args: str, cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """Run the CLI with stdout and stderr on a pseudo-terminal each; returns what each showed."""
    outputs: list[bytes] = []
    ends = [pty.openpty(), pty.openpty()]
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamcheck", *args],
        stdin=subprocess.DEVNULL,
        stdout=ends[0][1],
        stderr=ends[1][1],
        cwd=cwd,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "TERM": "xterm", **env},
    )
    for _, follower in ends:
        os.close(follower)

    def drain(leader: int, into: list[bytes]) -> None:
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the child closed its end
                return
            if not data:
                return
            into.append(data)

    collected: list[list[bytes]] = [[], []]
    threads = [
        threading.Thread(target=drain, args=(leader, collected[i]))
        for i, (leader, _) in enumerate(ends)
    ]
    for thread in threads:
        thread.start()
    code = proc.wait(timeout=60)
    for thread in threads:
        thread.join(timeout=10)
    for leader, _ in ends:
        os.close(leader)
    outputs = [b"".join(c) for c in collected]
    return code, outputs[0].decode("utf-8", "replace"), outputs[1].decode("utf-8", "replace")


def test_progress_on_a_terminal_only(tmp_path: Path) -> None:
    write(tmp_path, {f"fx/{i:02}.sse": CLEAN for i in range(12)})
    code, out, err = on_terminal("check", "fx", cwd=tmp_path, env={})
    assert code == 0
    assert "checking" in err and "/12" in err  # the bar with its count, on stderr
    assert "OK: 12 files" in out and "checking" not in out
    # Piped (as in CI logs): nothing but the report.
    piped = run_streamcheck("check", "fx", cwd=tmp_path)
    assert (piped.returncode, piped.stderr) == (0, "")
    # --quiet: the summary line, no progress.
    code, out, err = on_terminal("check", "fx", "--quiet", cwd=tmp_path, env={})
    assert "checking" not in err and out.strip().startswith("OK: 12 files")


def test_color_only_when_allowed(tmp_path: Path) -> None:
    write(tmp_path, {"cut.sse": CUT})
    code, out, _ = on_terminal("check", "cut.sse", cwd=tmp_path, env={})
    assert code == 1 and "\x1b[" in out
    for env, flags in (({"NO_COLOR": "1"}, ()), ({}, ("--no-color",))):
        code, out, _ = on_terminal("check", "cut.sse", *flags, cwd=tmp_path, env=env)
        assert code == 1 and "SC301" in out and "\x1b[" not in out


def test_output_file_and_formats(tmp_path: Path) -> None:
    write(tmp_path, {"role.sse": NO_ROLE})
    target = tmp_path / "report.sarif"
    done = run_streamcheck("check", "role.sse", "-f", "sarif", "-o", str(target), cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, "")
    assert '"ruleId": "SC306"' in target.read_text()
    text = tmp_path / "report.txt"
    done = run_streamcheck("check", "role.sse", "--output", str(text), cwd=tmp_path)
    assert done.stdout == "" and "SC306 missing-role" in text.read_text()
    assert "\x1b[" not in text.read_text()
    both = run_streamcheck(
        "check", "role.sse", "--report", f"github:{tmp_path}/a.txt", "--report",
        f"json:{tmp_path}/b.json", "--fail-on", "warning", cwd=tmp_path,
    )  # fmt: skip
    assert both.returncode == 1 and "SC306" in both.stdout
    assert (tmp_path / "a.txt").read_text().startswith("::warning file=role.sse,line=1,")
    assert '"code": "SC306"' in (tmp_path / "b.json").read_text()


def test_usage_errors_are_one_line_exit_2(tmp_path: Path) -> None:
    write(tmp_path, {"ok.sse": CLEAN})
    cases = {
        ("--format", "xml"): "--format 'xml': expected text, json, junit, sarif, github, html",
        ("--report", "junit"): "--report 'junit': expected FORMAT:PATH",
        ("--report", "pdf:x.pdf"): "--report 'pdf:x.pdf': expected FORMAT:PATH",
        ("--select", "SC7"): "--select: 'SC7' matches no rule",
        ("--ignore", "SC3,XX"): "--ignore: 'XX' matches no rule",
        ("--report", "sarif:/nonexistent/dir/x.sarif"): "/nonexistent/dir/x.sarif: cannot write",
    }
    for flags, message in cases.items():
        done = run_streamcheck("check", "ok.sse", *flags, cwd=tmp_path)
        assert done.returncode == 2, flags
        assert done.stderr.startswith("streamcheck: error: ") and message in done.stderr, flags
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr

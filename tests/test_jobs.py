"""`--jobs N`: files checked in N processes give the same report, in the same order, as one."""

from __future__ import annotations

import shutil
from pathlib import Path

from streamcheck import check_paths
from tests.conftest import FIXTURES, run_streamcheck


def test_cli_output_is_identical_with_jobs() -> None:
    one = run_streamcheck("check", "fixtures", "--format", "json", "--quiet")
    two = run_streamcheck("check", "fixtures", "--format", "json", "--quiet", "--jobs", "2")
    assert one.returncode == two.returncode == 1  # the fixtures include bad recordings
    assert one.stdout == two.stdout
    assert two.stdout.count('"source"') > 50


def test_library_report_is_identical_with_jobs() -> None:
    paths = [str(FIXTURES / "openai"), str(FIXTURES / "anthropic"), str(FIXTURES / "rules")]
    one = check_paths(paths)
    three = check_paths(paths, jobs=3)
    assert [r.to_dict() for r in three.results] == [r.to_dict() for r in one.results]
    assert three.failed == one.failed


def test_unreadable_file_is_one_line_and_exit_2_with_jobs(tmp_path: Path) -> None:
    for fixture in sorted((FIXTURES / "openai").glob("*.sse"))[:3]:
        shutil.copy(fixture, tmp_path / fixture.name)
    (tmp_path / "zz-junk.bin").write_bytes(b"\x00\x01\x02binary\xff\xfe junk")
    one = run_streamcheck("check", str(tmp_path), "--quiet")
    two = run_streamcheck("check", str(tmp_path), "--quiet", "--jobs", "2")
    assert one.returncode == two.returncode == 2
    assert two.stderr == one.stderr
    assert two.stderr.count("\n") == 1 and "zz-junk.bin: not a recording" in two.stderr
    assert "Traceback" not in two.stderr


def test_negative_jobs_is_a_usage_error() -> None:
    done = run_streamcheck("check", "fixtures/openai", "--jobs", "-1")
    assert done.returncode == 2
    assert "--jobs -1" in done.stderr

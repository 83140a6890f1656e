"""Path arguments: existing files are read as named, globs expand, no match is an error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from streamcheck import InputError, check_paths
from tests.conftest import FIXTURES


def test_existing_file_with_glob_characters_is_read_as_named(tmp_path: Path) -> None:
    # pytest-recording names cassettes after parametrised tests: test_x[openai_chat].yaml
    named = tmp_path / "test_stream[openai_chat].sse"
    shutil.copy(FIXTURES / "openai" / "text-answer.sse", named)
    report = check_paths([str(named)])
    assert [r.source for r in report.results] == [str(named)]
    assert list(report.findings()) == []


def test_glob_still_expands(tmp_path: Path) -> None:
    for name in ("a.sse", "b.sse"):
        shutil.copy(FIXTURES / "openai" / "text-answer.sse", tmp_path / name)
    report = check_paths([str(tmp_path / "*.sse")])
    assert [Path(r.source).name for r in report.results] == ["a.sse", "b.sse"]


def test_glob_matching_nothing_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no file matches"):
        check_paths([str(tmp_path / "missing[1].sse")])

"""Reporters format; they compute nothing. They import only the model, the rule registry and
each other, never a source, decoder, protocol or the checker (which could hand them raw bytes)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import streamcheck

REPORT = Path(streamcheck.__file__).resolve().parent / "report"  # the installed package
ALLOWED = ("streamcheck.model", "streamcheck.rules", "streamcheck.report")


@pytest.mark.parametrize("path", sorted(REPORT.glob("*.py")), ids=lambda p: p.name)
def test_reporter_imports(path: Path) -> None:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = (
                [node.module]
                if node.module != "streamcheck"
                else [f"streamcheck.{a.name}" for a in node.names]
            )
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            if name.startswith("streamcheck"):
                assert name.startswith(ALLOWED), f"{path}: imports {name}"


def test_json_marks_each_exchange() -> None:
    import json

    from streamcheck import CheckOptions, Severity, check_bytes
    from streamcheck.report import render
    from tests.streams import NO_ROLE

    report = check_bytes(NO_ROLE.encode(), CheckOptions(fail_on=Severity.WARNING))
    [result] = json.loads(render(report, "json"))["results"]
    assert (result["failed"], result["fail_on"]) == (True, "warning")
    assert list(result)[-1] == "findings"

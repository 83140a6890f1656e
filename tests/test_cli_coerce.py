"""Option values read without pydantic (streamcheck/cli/coerce.py) read as typer's own
pydantic coercion reads them: the same value, or the same usage error, for every parameter of
every command and a spread of spellings, including those the plain path hands back to typer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer._click import Context
from typer._coercion import build_runtime_param

from streamcheck.cli import COMMANDS, _command, main
from streamcheck.cli.coerce import PlainRuntimeParam
from tests.conftest import FIXTURES

SPELLINGS = [
    "",
    "0",
    "-0",
    "7",
    "-12",
    "007",
    " 7",
    "7 ",
    "+5",
    "1_000",
    "1.5",
    "-2.25",
    "1.0",
    "1e3",
    ".5",
    "5.",
    "inf",
    "nan",
    "abc",
    "true",
    "-",
    "a/b.sse",
    "a\x00b",
    "99999999999999999999999",
]


def _outcome(runtime: Any, value: Any, param: Any, ctx: Any) -> tuple[str, Any]:
    try:
        got = runtime.coerce(value, param=param, ctx=ctx)
    except Exception as exc:  # the usage error typer would print
        return "error", (type(exc).__name__, str(exc))
    return "value", (type(got), repr(got))  # repr: nan is nan


def _plain_params() -> list[tuple[str, Any, Any]]:
    found = []
    for name in COMMANDS:
        group = _command([name])
        command = group.commands[name]
        ctx = Context(command)
        for param in [*command.params, command.get_help_option(ctx)]:
            if isinstance(getattr(param, "_runtime_param", None), PlainRuntimeParam):
                found.append((f"{name} {param.name}", param, ctx))
    return found


PARAMS = _plain_params()


def test_the_plain_path_covers_the_options_of_check() -> None:
    names = {label for label, _, _ in PARAMS}
    # str, int, float, Path, lists of str and of Path, and the --help flag.
    for option in ("format", "max_line", "max_gap", "output", "paths", "schemas", "help"):
        assert f"check {option}" in names


@pytest.mark.parametrize(("label", "param", "ctx"), PARAMS, ids=[p[0] for p in PARAMS])
def test_plain_reads_every_value_as_typer_does(label: str, param: Any, ctx: Any) -> None:
    plain = param._runtime_param
    own = build_runtime_param(param.type_descriptor)
    many = param.multiple or param.nargs == -1
    values: list[Any] = [None, param.default, True, False, 3, 2.5, Path("x.sse")]
    values += [(s,) for s in SPELLINGS] + [tuple(SPELLINGS[:4])] if many else SPELLINGS
    for value in values:
        assert _outcome(plain, value, param, ctx) == _outcome(own, value, param, ctx), (
            label,
            value,
        )


def test_a_spelling_the_plain_path_defers_reads_as_before(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 1_000 is typer's (pydantic's) to read: accepted as 1000, as before.
    with pytest.raises(SystemExit) as done:
        main(["check", "--max-line", "1_000", str(FIXTURES / "openai" / "text-answer.sse")])
    assert done.value.code == 0
    with pytest.raises(SystemExit) as done:
        main(["check", "--max-line", "lots", str(FIXTURES / "openai" / "text-answer.sse")])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "Invalid value for '--max-line'" in err and "valid integer" in err


def test_the_whole_app_still_builds() -> None:
    assert set(typer.main.get_group(__import__("streamcheck.cli").cli.app).commands) == set(
        COMMANDS
    )

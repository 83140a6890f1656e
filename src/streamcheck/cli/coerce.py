"""Option values of the plain kinds (str, int, float, Path, lists of them) turned into Python
values without pydantic.

typer >= 0.22 coerces every parameter through a pydantic TypeAdapter, built on the first value:
importing pydantic and pydantic-core costs `check` about 60 ms of a start-up near 100 ms
(issue 22), for `"text"` -> `"text"` and `"3"` -> `3`. `plain(command)` gives each typer
parameter of a plain kind a coercion of its own: it answers the values whose result is beyond
doubt (a str, a decimal number, a path), and hands anything else (a sign, spaces, `1_000`, an
empty path, bytes) to typer's own pydantic coercion, so what typer accepts, rejects and says
is unchanged; tests/cli/test_coerce.py compares the two on a spread of values.

It reaches into typer's private coercion layer (`typer._coercion.RuntimeParam`, a parameter's
`_runtime_param`): with a typer that has no such layer, `plain` does nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    from typer._coercion import RuntimeParam, build_runtime_param
    from typer.core import _TyperParameter
except ImportError:  # another typer release: its own coercion stays in place
    RuntimeParam = None  # type: ignore[assignment,misc]

# Only the spellings whose value no validator could read otherwise: no sign, spaces, leading
# zeros, underscores or exponents (pydantic reads those too, but let it say so).
_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})(?:\.[0-9]{1,17})?")


class _Defer(Exception):
    """The value is not one this module answers: typer's own coercion does."""


def _leaf(kind: type, value: Any) -> Any:
    if type(value) is kind or (kind is Path and isinstance(value, Path)):  # a default
        return value
    if not isinstance(value, str):
        raise _Defer
    if kind is str:
        return value
    if kind is int and _INT.fullmatch(value):
        return int(value)
    if kind is float and _FLOAT.fullmatch(value):
        return float(value)
    if kind is Path and value and "\x00" not in value:
        return Path(value)
    raise _Defer


if RuntimeParam is not None:

    @dataclass(frozen=True)
    class PlainRuntimeParam(RuntimeParam):
        """A plain kind (`kind`), one value or a list (`many`)."""

        kind: type
        many: bool

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                if self.many:
                    if not isinstance(value, (list, tuple)):
                        raise _Defer
                    result: Any = [_leaf(self.kind, item) for item in value]
                else:
                    result = _leaf(self.kind, value)
            except _Defer:
                return build_runtime_param(param.type_descriptor)._coerce_value(
                    value, param=param, ctx=ctx
                )
            if self.kind is Path:
                # The existence and access checks the option asked for (typer's own code).
                from typer._param_types import coerce_cli_path

                info = self.parameter_info
                if self.many:
                    return [
                        coerce_cli_path(p, info, path_type=Path, param=param, ctx=ctx)
                        for p in result
                    ]
                return coerce_cli_path(result, info, path_type=Path, param=param, ctx=ctx)
            return result


def _kind(annotation: Any) -> tuple[type, bool] | None:
    many = getattr(annotation, "__origin__", None) is list
    if many:
        args: tuple[Any, ...] = getattr(annotation, "__args__", ())
        if len(args) != 1:
            return None
        annotation = args[0]
    if annotation in (str, int, float, bool, Path):
        return annotation, many
    return None


def plain(command: Any) -> None:
    """Give the parameters of `command` (a click command or group, and its commands) that take
    a plain kind the coercion above, in place of typer's pydantic one."""
    if RuntimeParam is None:
        return
    from typer._click import Context

    for sub in [command, *getattr(command, "commands", {}).values()]:
        # --help is made on first use, a bool flag like any other: made here, in a context
        # with the command's own settings (its cache keeps it for the run).
        helper = sub.get_help_option(Context(sub, **(sub.context_settings or {})))
        for param in [*sub.params, *([helper] if helper is not None else [])]:
            if not isinstance(param, _TyperParameter) or param._runtime_param is not None:
                continue
            descriptor = param.type_descriptor
            info = descriptor.parameter_info
            found = _kind(descriptor.annotation)
            if (
                found is None
                or descriptor.file_annotation is not None
                or info.parser is not None
                or info.min is not None
                or info.max is not None
                or info.path_type is not None  # str or bytes: typer's own reading
            ):
                continue
            param._runtime_param = PlainRuntimeParam(
                parameter_info=info, annotation=descriptor.annotation, kind=found[0], many=found[1]
            )

"""pytest plugin: `pytest --streamcheck` checks recorded streams as test items.

Registered through the `pytest11` entry point, so it is loaded by every pytest run in an
environment where streamcheck is installed. Without `--streamcheck` it only adds its options:
no collection hook is registered and no streamcheck module is imported.

With `--streamcheck`, the recordings under `--streamcheck-path` (repeatable), or else under the
`paths` of `[tool.streamcheck]` / `streamcheck.toml`, become test items, one per exchange
(`fixtures/cut.sse::exchange[0]`). When pytest is given explicit arguments and no
`--streamcheck-path`, only the configured recordings among those arguments are collected.
An item fails when its exchange has findings at or above the configured `fail-on`, with the list
of its findings as the failure text. Config overrides apply per file, as for `streamcheck check`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from streamcheck.config import Resolved
    from streamcheck.model import ExchangeResult, Report
    from streamcheck.schemas import Catalog


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("streamcheck", "streamcheck: validate recorded LLM streams")
    group.addoption(
        "--streamcheck",
        action="store_true",
        default=False,
        help="Check recorded streams as test items, one per exchange.",
    )
    group.addoption(
        "--streamcheck-path",
        action="append",
        default=[],
        metavar="PATH",
        help="Recording, folder or glob to check (repeatable). Default: `paths` from the "
        "streamcheck config.",
    )
    group.addoption(
        "--streamcheck-config",
        default=None,
        metavar="FILE",
        help="streamcheck config file (default: streamcheck.toml or pyproject.toml upwards).",
    )


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("streamcheck"):
        return
    config.pluginmanager.register(_Collection(config), "streamcheck-collection")


class _Collection:
    """Registered only under --streamcheck: finds the recordings and collects them."""

    def __init__(self, config: pytest.Config) -> None:
        from streamcheck import config as configuration
        from streamcheck.exceptions import StreamcheckError
        from streamcheck.schemas import Catalog
        from streamcheck.sources import expand

        start = config.invocation_params.dir
        given = config.getoption("streamcheck_config")
        try:
            loaded = configuration.load(Path(start, given) if given else None, start=start)
            self.resolved: Resolved = loaded.resolve()
            self.require_judged = loaded.require_judged
            self.unjudged: list[str] = []  # `file exchange[i]` no protocol could judge (SC901)
            # As given, relative to the working folder: error messages name what the user typed.
            paths = list(config.getoption("streamcheck_path")) or loaded.default_paths()
            if not paths:
                raise StreamcheckError(
                    "no recordings to check: give --streamcheck-path or set `paths` in "
                    "[tool.streamcheck]"
                )
            files = expand(paths)
            self.catalog = Catalog(self.resolved.schema_dirs)  # compiled once per session
        except StreamcheckError as exc:
            raise pytest.UsageError(f"streamcheck: {exc}") from None
        self.files = {Path(start, f).absolute() for f in files}
        # pytest collects what is in its arguments: add the recordings to them, unless the
        # user named what to run (`pytest --streamcheck fixtures/a.sse` runs that file only).
        explicit = config.args_source == pytest.Config.ArgsSource.ARGS
        if config.getoption("streamcheck_path") or not explicit:
            known = {Path(start, arg.split("::")[0]).absolute() for arg in config.args}
            config.args.extend(str(f) for f in sorted(self.files) if f not in known)

    def pytest_collect_file(
        self, file_path: Path, parent: pytest.Collector
    ) -> pytest.Collector | None:
        if file_path.absolute() in self.files:
            file: RecordingFile = RecordingFile.from_parent(parent, path=file_path)
            file.resolved, file.catalog = self.resolved, self.catalog
            file.collection = self
            return file
        return None

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """What no protocol could judge is never passed silently: said at the end of the run."""
        if self.unjudged:
            shown = ", ".join(self.unjudged[:5]) + (" ..." if len(self.unjudged) > 5 else "")
            failing = " (failing: require-judged = true)" if self.require_judged else ""
            terminalreporter.write_line(
                f"streamcheck: {len(self.unjudged)} exchanges not judged (SC901: no protocol "
                f"knows their API){failing}: {shown}"
            )


class StreamcheckFailure(Exception):
    """Raised by a failing item; its text is the readable list of findings."""


class RecordingFile(pytest.File):
    """One recording; reading and checking it yields one item per exchange."""

    resolved: Resolved
    catalog: Catalog
    collection: _Collection

    def collect(self) -> Iterator[pytest.Item]:
        from streamcheck.exceptions import StreamcheckError
        from streamcheck.model import Report
        from streamcheck.run import iter_files

        start = self.config.invocation_params.dir
        path = str(self.path.relative_to(start) if self.path.is_relative_to(start) else self.path)
        options = self.resolved.options_for(path)
        try:
            results = list(iter_files([path], options, self.resolved.input_format, self.catalog))
        except StreamcheckError as exc:
            yield UnreadableItem.from_parent(self, name="read", message=str(exc))
            return
        report = Report(
            results, fail_on=options.fail_on, require_judged=self.collection.require_judged
        )
        self.collection.unjudged += [f"{path} exchange[{r.index}]" for r in report.unjudged()]
        for result in results:
            item = ExchangeItem.from_parent(self, name=f"exchange[{result.index}]")
            item.result, item.report = result, report
            yield item


class ExchangeItem(pytest.Item):
    """One exchange: fails when it has findings at or above the failing threshold."""

    result: ExchangeResult
    report: Report

    def runtest(self) -> None:
        from streamcheck.report.places import findings_text

        failing = self.report.failing(self.result)
        if failing:
            threshold = self.report.threshold(self.result).label
            if any(f.severity < self.report.threshold(self.result) for f in failing):
                threshold += " or not judged (require-judged)"
            raise StreamcheckFailure(
                f"{len(failing)} finding(s) at or above {threshold} in {self.result.source}, "
                f"exchange {self.result.index}:\n"
                + findings_text(self.result, self.result.findings)
            )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, StreamcheckFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"streamcheck {self.nodeid}"


class UnreadableItem(pytest.Item):
    """A recording streamcheck could not read: one failing item saying why."""

    def __init__(self, *, message: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message = message

    def runtest(self) -> None:
        raise StreamcheckFailure(f"cannot check: {self.message}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, StreamcheckFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, "streamcheck: unreadable recording"

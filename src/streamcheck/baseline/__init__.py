"""Baselines: adopt streamcheck on old recordings without fixing them all first.

A stage between `check` and `report` (DESIGN.md): it marks each finding of a Report `new` or
`unchanged` against a baseline file and adds one SC920 finding per entry no longer found; the
Report then fails only on new findings. Reporters render those marks; they compute nothing.

Scope: an entry is judged only when the run checked its file (or the file is gone) and its code
was selected, so checking one folder against a baseline of the whole repository neither reports
the other folders' entries as gone nor drops them when `--write-baseline` rewrites the file.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from streamcheck import rules
from streamcheck.baseline import store
from streamcheck.baseline.keys import Key, keys, relative_file
from streamcheck.model import NEW, UNCHANGED, BaselineSummary, Finding, Location, Report

__all__ = ["Key", "Scope", "apply", "read", "write_and_apply"]

read = store.read


class Scope:
    """Which entries this run can judge: files it checked (or that are gone), codes it selected."""

    def __init__(
        self,
        root: Path,
        checked: Iterable[str],
        selected: Callable[[str, str], bool],
        codes: tuple[tuple[str, ...], tuple[str, ...]] = ((), ()),
    ) -> None:
        self.root = root
        self.checked = {relative_file(path, root): path for path in checked if path != "-"}
        self.selected = selected  # (path as given, code) -> whether the run reports that code
        self.codes = codes  # the run's --select and --ignore (for SC920 itself)

    def judges(self, key: Key) -> bool:
        given = self.checked.get(key.file)
        if given is not None:
            return self.selected(given, key.code)
        if key.file.startswith("<"):
            return False
        # os.path.exists, not Path.exists: a name no file can have (too long, a NUL byte) is
        # a file that is gone, not an OSError.
        return not os.path.exists(self.root / key.file)

    def shown(self, file: str) -> str:
        """An entry's file as the user would name it from the working folder."""
        given = self.checked.get(file)
        if given is not None:
            return given
        if file.startswith("<"):
            return file
        return Path(os.path.relpath(self.root / file)).as_posix()


def apply(report: Report, entries: Counter[Key], scope: Scope, label: str) -> None:
    """Mark the report's findings against `entries` and list the entries no longer found."""
    remaining = Counter({key: n for key, n in entries.items() if scope.judges(key)})
    summary = BaselineSummary(file=label, entries=sum(entries.values()))
    for result, result_keys in zip(report.results, keys(report.results, scope.root), strict=True):
        marked = []
        for finding, key in zip(result.findings, result_keys, strict=True):
            if remaining[key] > 0:
                remaining[key] -= 1
                summary.unchanged += 1
                marked.append(replace(finding, baseline=UNCHANGED))
            else:
                summary.new += 1
                marked.append(replace(finding, baseline=NEW))
        result.findings = marked
    if rules.selected("SC920", *scope.codes):
        summary.absent = [
            _gone(key, left, entries[key], scope)
            for key, left in sorted(remaining.items())
            if left > 0
        ]
    report.baseline = summary


def write_and_apply(
    report: Report, path: Path, scope: Scope, label: str, old: Counter[Key] | None
) -> None:
    """`--write-baseline`: the run's findings, plus the old entries the run could not judge,
    become the file; the report is then compared with what was written (nothing is new)."""
    old = old or Counter()
    entries: Counter[Key] = Counter({k: n for k, n in old.items() if not scope.judges(k)})
    for result_keys in keys(report.results, scope.root):
        entries.update(result_keys)
    store.write(path, entries)
    apply(report, entries, scope, label)
    assert report.baseline is not None
    report.baseline.written = True
    # What the old file held for judged files that the new one no longer does.
    report.baseline.removed = sum(
        max(0, n - entries.get(key, 0)) for key, n in old.items() if scope.judges(key)
    )


def _gone(key: Key, left: int, count: int, scope: Scope) -> Finding:
    how_many = f" ({left} of {count})" if count > 1 else ""
    kind = f", {key.kind} frame" if key.kind else ""
    return rules.finding(
        "SC920",
        f"baseline entry {key.code} (exchange {key.exchange}{kind}) is no longer "
        f"found{how_many}: rewrite the baseline with --write-baseline",
        Location(source=scope.shown(key.file)),
        hint="the finding was fixed or its recording changed; `streamcheck check "
        "--write-baseline FILE` with the same paths rewrites the baseline without it",
    )

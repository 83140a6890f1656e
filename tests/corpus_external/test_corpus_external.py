"""The external corpus: real recordings committed by public projects this project never wrote
(issue 11), pinned by verdict. MANIFEST.tsv lists each file (repository, path, commit, verdict);
the files themselves are never copied here. They live in a cache folder laid out as
`<owner>__<repo>/<path>`: `STREAMCHECK_CORPUS` (several folders joined by `os.pathsep`, looked
up in order: a new row's file fetched into a folder of its own beside the shared cache), else
`../shared/corpus_external` beside the checkout, else `/work/corpus_external` (where the corpus
was first gathered). Without a cache the test is skipped; a row whose file is in none is skipped.

Every clean file must pass (exit 0: no finding at error) and every defective file must fail
(exit 1); nothing may be unreadable (exit 2). A row's `codes` (space-separated) are codes its
file must get at error: what a defective file must be caught for. A row's `shape` names the
recorder's layout streamcheck must find (issue 21): one SC902 note of the file holds that text,
so each recorder format read by structure is pinned to a real public file of it. A recorder
with no public LLM stream recording found gets a `shape-only` row: a real file of that recorder
for an LLM provider's non-streamed call, or else for any HTTP API (provider and api `none`),
which must be read and pass (exit 0: no stream to judge, nothing flagged) with its shape named
when a structural reader reads it; it is counted apart, never as a clean LLM file.
Per-provider numbers:

    python -m tests.corpus_external.test_corpus_external
"""

from __future__ import annotations

import csv
import os
import sys
from collections import Counter
from pathlib import Path

import pytest

from streamcheck import StreamcheckError, check_paths

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
MANIFEST = HERE / "MANIFEST.tsv"


def caches() -> list[Path]:
    """The cache folders, in the order a row's file is looked up."""
    named = os.environ.get("STREAMCHECK_CORPUS")
    if named:
        return [Path(p) for p in named.split(os.pathsep) if p and Path(p).is_dir()]
    for place in (ROOT.parent / "shared" / "corpus_external", Path("/work/corpus_external")):
        if place.is_dir():
            return [place]
    return []


def rows() -> list[dict[str, str]]:
    with MANIFEST.open(newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def file_of(row: dict[str, str]) -> str:
    return f"{row['repo'].replace('/', '__')}/{row['path']}"


def located(row: dict[str, str]) -> Path | None:
    """The row's file in the first cache folder holding it."""
    for place in CACHES:
        if (place / file_of(row)).is_file():
            return place / file_of(row)
    return None


def outcome(path: Path) -> tuple[int, list[str], list[str]]:
    """(exit code streamcheck check gives the file, the codes at error, its SC902 notes)."""
    try:
        report = check_paths([str(path)])
    except StreamcheckError as exc:
        return 2, [str(exc)], []
    findings = list(report.findings())
    errors = sorted({f.code for f in findings if f.severity.label == "error"})
    notes = [f.message for f in findings if f.code == "SC902"]
    return (1 if report.failed else 0), errors, notes


SHAPE_ONLY = "shape-only"
CACHES = caches()
ROWS = rows()


def test_manifest_names_each_file_once_with_a_verdict() -> None:
    names = [file_of(r) for r in ROWS]
    assert len(names) == len(set(names))
    assert {r["verdict"] for r in ROWS} <= {"clean", "defective", SHAPE_ONLY}
    assert all(len(r["commit"]) == 40 for r in ROWS)
    assert all(r["shape"] is not None and r["codes"] is not None for r in ROWS), "short row"
    assert all(not r["codes"] or r["verdict"] == "defective" for r in ROWS)


@pytest.mark.skipif(not CACHES, reason="the external corpus cache is not here")
@pytest.mark.parametrize("row", ROWS, ids=file_of)
def test_external_verdict(row: dict[str, str]) -> None:
    path = located(row)
    if path is None:
        pytest.skip(f"{file_of(row)} is not in the cache")
    code, errors, notes = outcome(path)
    if row["verdict"] == SHAPE_ONLY:  # not an LLM call: read, nothing flagged, its layout named
        assert code == 0, f"shape-only file gave exit {code}: {errors} ({row['notes']})"
        if row["shape"]:
            assert any(row["shape"] in note for note in notes), f"shape not read: {notes}"
        return
    expected = 0 if row["verdict"] == "clean" else 1
    assert code == expected, f"{row['verdict']} file gave exit {code}: {errors} ({row['notes']})"
    assert set(row["codes"].split()) <= set(errors), f"expected {row['codes']}, got {errors}"
    if row["shape"]:
        assert any(row["shape"] in note for note in notes), (
            f"shape not read as {row['shape']!r}: {notes}"
        )


def main() -> int:
    """Per-provider counts: clean files, false alarms, defective files, misses."""
    if not CACHES:
        print("no external corpus cache (set STREAMCHECK_CORPUS)")
        return 2
    table: dict[str, Counter[str]] = {}
    wrong: list[str] = []
    shapes = 0
    for row in ROWS:
        path = located(row)
        if path is None:
            continue
        code, errors, notes = outcome(path)
        if not set(row["codes"].split()) <= set(errors):
            wrong.append(f"expected {row['codes']}, got {errors}: {file_of(row)}")
        if row["shape"] and not any(row["shape"] in note for note in notes):
            wrong.append(f"shape not read as {row['shape']!r}: {file_of(row)}")
        if row["verdict"] == SHAPE_ONLY:
            shapes += 1
            if code != 0:
                wrong.append(f"shape-only file gave exit {code} {file_of(row)}: {errors}")
            continue
        counts = table.setdefault(row["provider"], Counter())
        counts[row["verdict"]] += 1
        if row["verdict"] == "clean" and code != 0:
            counts["false alarm"] += 1
            wrong.append(f"false alarm (exit {code}) {file_of(row)}: {errors}")
        elif row["verdict"] == "defective" and code != 1:
            counts["miss"] += 1
            wrong.append(f"miss (exit {code}) {file_of(row)}")
    total: Counter[str] = Counter()
    print("| provider | clean | false alarms | defective | misses |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for provider in sorted(table, key=lambda p: (-sum(table[p].values()), p)):
        c = table[provider]
        total.update(c)
        print(
            f"| {provider} | {c['clean']} | {c['false alarm']} | {c['defective']} | {c['miss']} |"
        )
    print(
        f"| all | {total['clean']} | {total['false alarm']} | {total['defective']} "
        f"| {total['miss']} |"
    )
    print(f"shape-only rows (a recorder's layout, not an LLM call): {shapes}")
    for line in wrong:
        print(line)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())

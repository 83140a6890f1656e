"""The external corpus: real recordings committed by public projects this project never wrote
(issue 11), pinned by verdict. MANIFEST.tsv lists each file (repository, path, commit, verdict);
the files themselves are never copied here. They live in a cache folder laid out as
`<owner>__<repo>/<path>`: `STREAMCHECK_CORPUS`, else `../shared/corpus_external` beside the
checkout, else `/work/corpus_external` (where the corpus was first gathered). Without the cache
the test is skipped.

Every clean file must pass (exit 0: no finding at error) and every defective file must fail
(exit 1); nothing may be unreadable (exit 2). Per-provider numbers:

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


def cache() -> Path | None:
    for place in (
        os.environ.get("STREAMCHECK_CORPUS"),
        ROOT.parent / "shared" / "corpus_external",
        "/work/corpus_external",
    ):
        if place and Path(place).is_dir():
            return Path(place)
    return None


def rows() -> list[dict[str, str]]:
    with MANIFEST.open(newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def file_of(row: dict[str, str]) -> str:
    return f"{row['repo'].replace('/', '__')}/{row['path']}"


def outcome(path: Path) -> tuple[int, list[str]]:
    """(exit code streamcheck check gives the file, the codes at error)."""
    try:
        report = check_paths([str(path)])
    except StreamcheckError as exc:
        return 2, [str(exc)]
    errors = sorted({f.code for f in report.findings() if f.severity.label == "error"})
    return (1 if report.failed else 0), errors


CACHE = cache()
ROWS = rows()


def test_manifest_names_each_file_once_with_a_verdict() -> None:
    names = [file_of(r) for r in ROWS]
    assert len(names) == len(set(names))
    assert {r["verdict"] for r in ROWS} <= {"clean", "defective"}
    assert all(len(r["commit"]) == 40 for r in ROWS)


@pytest.mark.skipif(CACHE is None, reason="the external corpus cache is not here")
@pytest.mark.parametrize("row", ROWS, ids=file_of)
def test_external_verdict(row: dict[str, str]) -> None:
    assert CACHE is not None
    path = CACHE / file_of(row)
    if not path.is_file():
        pytest.skip(f"{file_of(row)} is not in the cache")
    code, errors = outcome(path)
    expected = 0 if row["verdict"] == "clean" else 1
    assert code == expected, f"{row['verdict']} file gave exit {code}: {errors} ({row['notes']})"


def main() -> int:
    """Per-provider counts: clean files, false alarms, defective files, misses."""
    if CACHE is None:
        print("no external corpus cache (set STREAMCHECK_CORPUS)")
        return 2
    table: dict[str, Counter[str]] = {}
    wrong: list[str] = []
    for row in ROWS:
        path = CACHE / file_of(row)
        if not path.is_file():
            continue
        code, errors = outcome(path)
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
    for line in wrong:
        print(line)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())

"""Check a built wheel holds the whole package and nothing else (.ci/run runs it).

Every module of src/streamcheck and every schema file of schemas/ must be inside (a package
left out of a hand-kept list once broke every install); nothing from tests/ or fixtures/ may
be. Prints the wheel's file count.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def expected() -> set[str]:
    package = ROOT / "src"
    files = {
        p.relative_to(package).as_posix()
        for p in (package / "streamcheck").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    schemas = ROOT / "schemas"
    files |= {
        "streamcheck/_schemas/" + p.relative_to(schemas).as_posix() for p in schemas.rglob("*.json")
    }
    return files


def problems(wheel: Path) -> tuple[list[str], int]:
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
    inside = set(names)
    found = [f"missing from the wheel: {name}" for name in sorted(expected() - inside)]
    for name in names:
        top = name.split("/")[0]
        if top in {"tests", "fixtures", "bench", "tools"} or "/tests/" in name:
            found.append(f"does not belong in the wheel: {name}")
        elif top != "streamcheck" and not top.endswith(".dist-info"):
            found.append(f"unexpected in the wheel: {name}")
    return found, len(names)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python tools/check_wheel.py dist/streamcheck-*.whl\n")
        return 2
    wheel = Path(argv[0])
    found, count = problems(wheel)
    for line in found:
        print(line)
    print(f"{wheel.name}: {count} files, {'OK' if not found else f'{len(found)} problems'}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

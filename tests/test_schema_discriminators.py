"""Schemas are picked by a discriminator (`object`, `type`, the SSE event name), never by trying
the variants of a `oneOf`/`anyOf`: that costs a validation per variant and its errors point at
the wrong variant. So no shipped kind is a union at its top level."""

from __future__ import annotations

import json

from tests.conftest import ROOT

SCHEMAS = ROOT / "schemas"


def kind_files() -> list[str]:
    return sorted(
        str(p.relative_to(SCHEMAS)) for p in SCHEMAS.rglob("*.json") if p.name != "versions.json"
    )


def test_no_kind_is_a_union_at_its_top_level() -> None:
    files = kind_files()
    assert len(files) > 20
    unions = []
    for name in files:
        schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
        top = schema
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):  # a kind that is only a reference
            for part in ref[2:].split("/"):
                top = top[part]
        if {"oneOf", "anyOf"} & set(top):
            unions.append(name)
    assert unions == []

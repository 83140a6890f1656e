"""A failing frame's code (SC205 when every keyword jsonschema-rs blames is `enum`, else SC201)
comes from one is_valid of the schema's enum-blind twin (schema_enums.py) instead of
jsonschema-rs's keywords. The twin is held to the keywords: per applicator, with faults of
enums only, of other keywords only and of both; where a reference is shared between a place
that reports its enum and one that does not; and through the pipeline, past the per-code cap,
where only the code is counted."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from streamcheck import check_bytes, schema_enums
from streamcheck.check import CheckOptions
from streamcheck.protocols.shortcuts import reference_only
from streamcheck.schemas import Catalog, SchemaSet

DRAFT = "https://json-schema.org/draft/2020-12/schema"
ENUM = {"enum": ["a", "b"]}

# (name, schema, values): each value fails the schema; the twin must say what the keywords say.
PROVED: list[tuple[str, dict[str, Any], list[Any]]] = [
    ("enum at the root", {"type": "string", **ENUM}, ["c", 1, None]),
    ("enum beside type", {"type": "integer", **ENUM}, ["c", 1.5]),
    (
        "properties",
        {"properties": {"x": ENUM, "n": {"type": "integer"}}},
        [{"x": "c"}, {"n": "1"}, {"x": "c", "n": "1"}],
    ),
    (
        "required beside",
        {"required": ["y"], "properties": {"x": ENUM}},
        [{"x": "c"}, {"x": "c", "y": 1}, {"y": 1, "x": 2}],
    ),
    ("items", {"items": ENUM}, [["c"], ["a", "c", 3]]),
    ("prefixItems", {"prefixItems": [ENUM, {"type": "string"}]}, [["c"], ["a", 1], ["c", 1]]),
    ("allOf", {"allOf": [ENUM, {"minLength": 2}]}, ["c", "a", "cc"]),
    ("anyOf (blamed on anyOf)", {"anyOf": [ENUM, {"type": "integer"}]}, ["c", 1.5]),
    ("oneOf (blamed on oneOf)", {"oneOf": [ENUM, {"type": "integer"}]}, ["c"]),
    ("not (blamed on not)", {"not": {"not": ENUM}}, ["c"]),
    ("contains (blamed on contains)", {"contains": ENUM}, [["c"], []]),
    (
        "if/then",
        {"if": {"properties": {"k": {"const": 1}}}, "then": {"properties": {"x": ENUM}}},
        [{"k": 1, "x": "c"}],
    ),
    (
        "if/else",
        {
            "if": {"properties": {"k": ENUM}},
            "else": {"properties": {"x": ENUM}},
            "properties": {"n": {"type": "integer"}},
        },
        [{"k": "c", "x": "c"}, {"k": "c", "x": "c", "n": "1"}, {"k": "a", "n": "1"}],
    ),
    ("additionalProperties", {"additionalProperties": ENUM}, [{"x": "c"}, {"x": 1}]),
    (
        "additionalProperties false",
        {"properties": {"x": ENUM}, "additionalProperties": False},
        [{"x": "c"}, {"x": "c", "y": 1}],
    ),
    ("patternProperties", {"patternProperties": {"^x": ENUM}}, [{"xa": "c"}]),
    ("propertyNames", {"propertyNames": ENUM}, [{"c": 1}]),
    (
        "dependentSchemas",
        {"dependentSchemas": {"k": {"properties": {"x": ENUM}}}},
        [{"k": 1, "x": "c"}],
    ),
    (
        "$ref",
        {"$defs": {"e": ENUM}, "properties": {"x": {"$ref": "#/$defs/e"}}},
        [{"x": "c"}, {"x": 1}],
    ),
    (
        "recursive $ref to the root",
        {"properties": {"kind": ENUM, "next": {"$ref": "#"}}},
        [{"next": {"next": {"kind": "c"}}}, {"next": {"kind": 3}}],
    ),
    # The same definition reached where its enum is blamed (x) and where anyOf is blamed (y):
    # the twin must keep the original for y and strip the one for x.
    (
        "a $ref shared by both kinds of place",
        {
            "$defs": {"e": ENUM},
            "properties": {
                "x": {"$ref": "#/$defs/e"},
                "y": {"anyOf": [{"$ref": "#/$defs/e"}, {"type": "integer"}]},
            },
        },
        [{"x": "c"}, {"y": "c"}, {"x": "c", "y": "c"}, {"x": "c", "y": 1}],
    ),
    ("a false schema", {"properties": {"x": False, "k": ENUM}}, [{"x": 1}, {"k": "c"}]),
    (
        "const beside enum",
        {"properties": {"x": ENUM, "t": {"const": "t"}}},
        [{"x": "c", "t": "u"}, {"t": "u"}],
    ),
]
# Schemas the twin is not proved right for: no twin, the keywords decide.
REFUSED: list[tuple[str, dict[str, Any], list[Any]]] = [
    (
        "a property named enum",
        {"properties": {"enum": False, "x": ENUM}},
        [{"enum": 1}, {"x": "c"}],
    ),
    (
        "unevaluatedProperties",
        {"allOf": [{"properties": {"x": ENUM}}], "unevaluatedProperties": False},
        [{"x": "c"}],
    ),
    (
        "an anchor",
        {"$defs": {"e": {"$anchor": "e", **ENUM}}, "properties": {"x": {"$ref": "#e"}}},
        [{"x": "c"}],
    ),
    ("a nested $id", {"properties": {"x": {"$id": "inner", **ENUM}}}, [{"x": "c"}]),
    ("an unknown keyword", {"discriminator": {"propertyName": "k"}, **ENUM}, ["c"]),
    ("another draft", {"$schema": "http://json-schema.org/draft-07/schema#", **ENUM}, ["c"]),
]


def _set(tmp_path: Path, schema: dict[str, Any]) -> SchemaSet:
    schemas = SchemaSet("test", "enums", "1")
    schemas.add("frame", {"$schema": DRAFT, **schema}, tmp_path / "frame.json")
    return schemas


def _both(schemas: SchemaSet, value: Any) -> tuple[bool | None, bool | None]:
    fast = schemas.only_enums("frame", value)
    with reference_only():
        reference = schemas.only_enums("frame", value)
    return fast, reference


@pytest.mark.parametrize(("name", "schema", "values"), PROVED, ids=[c[0] for c in PROVED])
def test_the_twin_tells_enum_faults_as_the_keywords_do(
    tmp_path: Path, name: str, schema: dict[str, Any], values: list[Any]
) -> None:
    schemas = _set(tmp_path, schema)
    assert schema_enums.blind(schemas.schema("frame")) is not None, name
    for value in values:
        assert not schemas.is_valid("frame", value), value
        fast, reference = _both(schemas, value)
        assert reference is not None, value
        assert fast == reference, (name, value)


def test_the_table_holds_both_answers() -> None:
    # Each answer is reached somewhere, or the table could pass with a twin that always says one.
    answers = set()
    for _, schema, values in PROVED:
        schemas = SchemaSet("test", "enums", "1")
        schemas.add("frame", {"$schema": DRAFT, **schema}, Path("frame.json"))
        answers |= {schemas.only_enums("frame", v) for v in values}
    assert answers == {True, False}


@pytest.mark.parametrize(("name", "schema", "values"), REFUSED, ids=[c[0] for c in REFUSED])
def test_no_twin_where_it_is_not_proved_and_the_keywords_decide(
    tmp_path: Path, name: str, schema: dict[str, Any], values: list[Any]
) -> None:
    schemas = SchemaSet("test", "enums", "1")
    document = schema if "$schema" in schema else {"$schema": DRAFT, **schema}
    schemas.add("frame", document, tmp_path / "frame.json")
    assert schema_enums.blind(document) is None, name
    for value in values:
        assert not schemas.is_valid("frame", value), value
        fast, reference = _both(schemas, value)
        assert fast == reference, (name, value)


def test_every_shipped_schema_has_a_twin() -> None:
    # The speed is for the shipped APIs: a schema edit that loses its twin should be noticed.
    catalog = Catalog()
    missing = [
        f"{key}/{kind}"
        for key, schemas in catalog.sets.items()
        for kind in schemas.kinds()
        if schema_enums.blind(schemas.schema(kind)) is None
    ]
    assert missing == []


def _chunk(delta: str) -> bytes:
    return (
        b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",'
        b'"choices":[{"index":0,"delta":' + delta.encode() + b',"finish_reason":null}]}\n\n'
    )


def _stream(deltas: list[str]) -> bytes:
    return b"".join(_chunk(d) for d in deltas) + b"data: [DONE]\n\n"


def _findings(data: bytes, options: CheckOptions) -> list[tuple[str, str]]:
    report = check_bytes(data, options)
    return [(f.code, f.message) for r in report.results for f in r.findings]


@pytest.mark.parametrize("cap", [0, 1, 50])
def test_a_stream_of_failing_frames_counts_the_same_codes_past_the_cap(cap: int) -> None:
    # Enum faults (a role the schema does not list), type faults and both, interleaved, well
    # past the cap: the summary counts say which code each frame got.
    deltas = ['{"role":"assistant","content":""}']
    for n in range(120):
        deltas.append(
            [
                f'{{"role":"bot{n}","content":"x"}}',
                '{"content":42}',
                f'{{"role":"bot{n}","content":42}}',
                '{"content":"fine"}',
            ][n % 4]
        )
    data = _stream(deltas)
    options = replace(CheckOptions(), max_per_code=cap)
    fast = _findings(data, options)
    with reference_only():
        reference = _findings(data, options)
    assert fast == reference
    codes = {code for code, _ in fast}
    assert {"SC201", "SC205"} <= codes, fast


def test_frames_of_one_shape_report_their_own_enum_value() -> None:
    # Under the cap each failing frame is explained on its own: a message that names the value
    # names this frame's, not the last one of the same shape.
    data = _stream(
        [
            '{"role":"assistant","content":""}',
            '{"role":"bot","content":"x"}',
            '{"role":"robot","content":"x"}',
        ]
    )
    messages = [m for code, m in _findings(data, CheckOptions()) if code in ("SC201", "SC205")]
    assert len(messages) == 2, messages
    assert "'bot'" in messages[0] and "'robot'" not in messages[0], messages
    assert "'robot'" in messages[1], messages

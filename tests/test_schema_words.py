"""schema_words.py words a plain fault (required, type, enum, const) as python-jsonschema does,
so a failing frame costs no import of it: every answer it gives must be python-jsonschema's own
message, under every dialect it accepts; the pipeline's findings must not change."""

from __future__ import annotations

from itertools import product
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamcheck import schema_words
from streamcheck.run import check_paths
from tests.conftest import FIXTURES

DIALECTS = {
    None: jsonschema.Draft202012Validator,
    "https://json-schema.org/draft/2020-12/schema": jsonschema.Draft202012Validator,
    "https://json-schema.org/draft/2019-09/schema": jsonschema.Draft201909Validator,
    "http://json-schema.org/draft-07/schema#": jsonschema.Draft7Validator,
    "http://json-schema.org/draft-06/schema#": jsonschema.Draft6Validator,
    "http://json-schema.org/draft-04/schema#": jsonschema.Draft4Validator,
}

KEYWORD_VALUES: list[tuple[str, Any]] = [
    ("required", ["index"]),
    ("required", ["a", "b"]),
    ("required", ["a", "a"]),
    ("required", []),
    ("required", [1]),
    ("required", "a"),
    ("type", "string"),
    ("type", "integer"),
    ("type", "number"),
    ("type", "object"),
    ("type", "array"),
    ("type", "boolean"),
    ("type", "null"),
    ("type", ["string", "null"]),
    ("type", ["integer", "boolean"]),
    ("type", []),
    ("type", "any"),
    ("type", [{"type": "string"}]),
    ("enum", ["user", "assistant"]),
    ("enum", ["1", 1, True, None, [1], {"a": 1}]),
    ("enum", []),
    ("enum", "abc"),
    ("const", "assistant"),
    ("const", 1),
    ("const", ["a"]),
    ("const", None),
]

INSTANCES: list[Any] = [
    {},
    {"index": 0},
    {"a": 1},
    {"a": 1, "b": 2},
    [],
    [1, "x"],
    "",
    "bot",
    "assistant",
    "user",
    "abc",
    "1",
    "caf\u00e9 \u2713 'quote' \"dq\"",
    True,
    False,
    None,
    0,
    1,
    1.0,
    2.5,
    10**30,
]


def _python(dialect: str | None, keyword: str, value: Any, instance: Any) -> list[str]:
    cls = DIALECTS[dialect]
    try:
        return [e.message for e in cls({keyword: value}).iter_errors(instance)]
    except Exception:  # python-jsonschema refuses the keyword value itself
        return ["<refused>"]


def _agrees(dialect: str | None, keyword: str, value: Any, instance: Any) -> bool:
    """schema_words answered (True) with python-jsonschema's one message, or left it (False)."""
    root = {} if dialect is None else {"$schema": dialect}
    accepted = schema_words.dialect(root)
    assert accepted is not None
    mine = schema_words.fault(keyword, value, instance, const=accepted)
    if mine is None:
        return False
    assert _python(dialect, keyword, value, instance) == [mine], (dialect, keyword, value)
    return True


def test_every_answer_is_python_jsonschemas_message() -> None:
    answered = set()
    for dialect, (keyword, value), instance in product(DIALECTS, KEYWORD_VALUES, INSTANCES):
        if _agrees(dialect, keyword, value, instance):
            answered.add(keyword)
    # The common defects are answered here (else the import is back for every failing frame).
    assert answered == {"required", "type", "enum", "const"}


def test_the_defects_users_see_are_answered_without_python_jsonschema() -> None:
    assert schema_words.fault("required", ["index", "type"], {"type": "x"}) == (
        "'index' is a required property"
    )
    assert schema_words.fault("type", ["string", "null"], {"a": 1}) == (
        "{'a': 1} is not of type 'string', 'null'"
    )
    assert schema_words.fault("enum", ["user", "assistant"], "bot") == (
        "'bot' is not one of ['user', 'assistant']"
    )
    # A number where text belongs (the SC201 of a `"text": 42` delta): no draft takes a number
    # for a string. Whether 1.0 is an integer depends on the draft: python-jsonschema says.
    assert schema_words.fault("type", "string", 42) == "42 is not of type 'string'"
    assert schema_words.fault("type", ["string", "null"], 2.5) == (
        "2.5 is not of type 'string', 'null'"
    )
    assert schema_words.fault("type", "integer", 1.0) is None
    assert schema_words.fault("type", ["string", "number"], 1) is None
    assert schema_words.fault("const", "a", "b", const=False) is None  # draft 4 has no const


@pytest.mark.parametrize(
    ("schema", "accepted"),
    [
        ({}, True),
        ({"$schema": "https://json-schema.org/draft/2020-12/schema"}, True),
        ({"$schema": "http://json-schema.org/draft-04/schema#"}, False),
        ({"$schema": "http://json-schema.org/draft-03/schema#"}, None),  # required is a bool
        ({"$schema": "https://example.com/my-dialect"}, None),
        ({"$schema": 7}, None),
        (True, None),
    ],
)
def test_only_dialects_read_the_same_way_are_worded_here(schema: Any, accepted: Any) -> None:
    assert schema_words.dialect(schema) == accepted


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(
    dialect=st.sampled_from(list(DIALECTS)),
    keyword=st.sampled_from(["required", "type", "enum", "const"]),
    value=json_values
    | st.lists(st.sampled_from(["object", "array", "string", "boolean", "null", "integer"])),
    instance=json_values,
)
def test_any_value_and_instance_agree(
    dialect: str | None, keyword: str, value: Any, instance: Any
) -> None:
    _agrees(dialect, keyword, value, instance)


def test_the_findings_of_every_fixture_are_the_ones_python_jsonschema_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every recording under fixtures/ (clean, defective, unknown APIs, containers), checked
    # with schema_words and with every plain fault handed to python-jsonschema as before.
    paths = sorted(
        str(p)
        for p in FIXTURES.rglob("*")
        if p.is_file() and p.suffix in {".sse", ".ndjson", ".json", ".yaml", ".har", ".tape"}
    )
    assert len(paths) > 100

    def verdicts() -> list[Any]:
        out = []
        for path in paths:
            try:
                report = check_paths([path])
            except Exception as exc:  # a fixture of bad input: the same both ways
                out.append((path, type(exc).__name__, str(exc)))
                continue
            out.append([(r.source, r.frames, r.findings) for r in report.results])
        return out

    fast = verdicts()
    worded = [0]
    original = schema_words.fault

    def counted(*args: Any, **kwargs: Any) -> str | None:
        answer = original(*args, **kwargs)
        worded[0] += answer is not None
        return answer

    monkeypatch.setattr(schema_words, "fault", counted)
    assert verdicts() == fast
    assert worded[0] > 0  # the fixtures exercise the short cut
    monkeypatch.setattr(schema_words, "fault", lambda *args, **kwargs: None)
    assert verdicts() == fast

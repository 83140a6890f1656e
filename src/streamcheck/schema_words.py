"""A plain schema fault worded as python-jsonschema words it, without importing it.

A frame that fails one `required`, `type`, `enum` or `const` keyword (the common defects: a
member missing, a number where text belongs, a value the enum does not list) is explained by
python-jsonschema judging that one keyword on that part of the frame (schemas._explain_one).
Importing python-jsonschema and building its validator costs about 40 ms, more than checking a
small recording: a folder with one such defect paid it, and so did a pre-commit hook on every
defective file. Here the four keywords are judged and worded as python-jsonschema 4.x does
(jsonschema/_keywords.py) where the answer cannot differ from its own: a dialect it reads the
same way, keyword values of the plain shape, an instance whose type every draft agrees on (a
number where no numeric type is allowed included).
Anything else returns None and python-jsonschema is asked, as before.
tests/test_schema_words.py holds every answer to python-jsonschema's, message for message.
"""

from __future__ import annotations

from typing import Any

# `$schema` values python-jsonschema maps to a draft whose `required`, `type` and `enum` are
# the keywords below (draft 3 reads `required` and `type` otherwise); none named: its latest.
_DIALECTS = {
    "https://json-schema.org/draft/2020-12/schema": True,
    "https://json-schema.org/draft/2019-09/schema": True,
    "http://json-schema.org/draft-07/schema#": True,
    "http://json-schema.org/draft-06/schema#": True,
    "http://json-schema.org/draft-04/schema#": False,  # no `const` in draft 4
}
# JSON types by Python type, for instances every draft types alike: numbers are left out
# (whether 1.0 is an integer depends on the draft).
_TYPES: dict[type, frozenset[str]] = {
    dict: frozenset({"object"}),
    list: frozenset({"array"}),
    str: frozenset({"string"}),
    bool: frozenset({"boolean"}),
    type(None): frozenset({"null"}),
}
_NAMES = frozenset({"object", "array", "string", "boolean", "null", "number", "integer"})


def dialect(schema: Any) -> bool | None:
    """For a root schema: None when its dialect is not one read here, else whether it has
    `const` (draft 6 and later)."""
    if type(schema) is not dict:
        return None
    if "$schema" not in schema:
        return True
    return _DIALECTS.get(schema["$schema"]) if type(schema["$schema"]) is str else None


def fault(keyword: str, value: Any, instance: Any, *, const: bool = True) -> str | None:
    """python-jsonschema's message when its `{keyword: value}` schema gives `instance` exactly
    one error; None when it would give none or several, or when this cannot be sure."""
    if keyword == "required":
        if type(value) is not list or type(instance) is not dict:
            return None
        if not all(type(name) is str for name in value):
            return None
        missing = [name for name in value if name not in instance]
        return f"{missing[0]!r} is a required property" if len(missing) == 1 else None
    if keyword == "type":
        names = [value] if type(value) is str else value
        if type(names) is not list or not all(type(n) is str and n in _NAMES for n in names):
            return None
        kinds = _TYPES.get(type(instance))
        if kinds is None:
            # A number: whether 1.0 is an integer depends on the draft, but no draft takes
            # a number for a string, an object, an array, a boolean or null.
            if type(instance) not in (int, float) or "number" in names or "integer" in names:
                return None
        elif any(n in kinds for n in names):
            return None
        return f"{instance!r} is not of type {', '.join(repr(n) for n in names)}"
    # enum and const: python-jsonschema's equality is plain `==` when one side is a string.
    if type(instance) is not str:
        return None
    if keyword == "enum":
        if type(value) is not list or instance in [v for v in value if type(v) is str]:
            return None
        return f"{instance!r} is not one of {value!r}"
    if keyword == "const" and const:
        return None if value == instance else f"{value!r} was expected"
    return None

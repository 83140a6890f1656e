"""The explanation of a failing frame, with the fast validator's regular expressions.

python-jsonschema writes the messages, but matches `pattern` and `patternProperties` with
Python's `re`, a backtracking engine: a user's schema with `^(a+)+$` and a frame of 40 `a`s and
a `!` take hours there, while jsonschema-rs (the regex crate, linear; fancy-regex's
backtracking only for look-around and back-references, under a backtrack limit) answers in
microseconds. So the explaining validator is python-jsonschema's own class with its three
regex keywords (`pattern`, `patternProperties`, `additionalProperties`) matched by
jsonschema-rs: the same messages, the same semantics as the verdict they explain, and a
bounded cost. One more place in python-jsonschema matches patterns, the evaluated keys of
`unevaluatedProperties` beside `patternProperties`; a schema that has both is explained by
jsonschema-rs's own messages instead (`regex_elsewhere`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from streamcheck.schema_engine import jsonschema_rs

_MATCHERS: dict[str, Any] = {}  # pattern -> a jsonschema-rs validator of {"pattern": it}
_MATCHERS_KEPT = 4096
_EXPLAINERS: dict[type, type] = {}


def search(pattern: str, text: str) -> bool:
    """Whether `pattern` (ECMA 262, as JSON Schema means it) matches somewhere in `text`."""
    matcher = _MATCHERS.get(pattern)
    if matcher is None:
        if len(_MATCHERS) >= _MATCHERS_KEPT:
            _MATCHERS.clear()
        try:
            matcher = jsonschema_rs.validator_for({"pattern": pattern})
        except ValueError:  # not a pattern jsonschema-rs compiles: the schema failed before
            return False
        _MATCHERS[pattern] = matcher
    return bool(matcher.is_valid(text))


def explainer(base: type) -> type:
    """`base` (a python-jsonschema validator class) with linear-time regex keywords."""
    found = _EXPLAINERS.get(base)
    if found is None:
        from jsonschema import validators

        found = _EXPLAINERS[base] = validators.extend(
            base,
            {
                "pattern": _pattern,
                "patternProperties": _pattern_properties,
                "additionalProperties": _additional_properties,
            },
        )
    return found


def regex_elsewhere(schema: Any) -> bool:
    """Whether the schema has `unevaluatedProperties` and `patternProperties`, the one pair
    whose regexes python-jsonschema matches outside the keywords `explainer` replaces."""
    seen: set[str] = set()
    stack = [schema]
    while stack and len(seen) < 2:
        node = stack.pop()
        if isinstance(node, dict):
            seen.update(k for k in ("unevaluatedProperties", "patternProperties") if k in node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return len(seen) == 2


# The keywords, worded as python-jsonschema words them (jsonschema/_keywords.py).


def _pattern(validator: Any, pattern: Any, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(
    validator: Any, allowed: Any, instance: Any, schema: Any
) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = {
        key
        for key in instance
        if key not in properties and not any(search(p, key) for p in patterns)
    }
    if validator.is_type(allowed, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], allowed, path=extra)
    elif not allowed and extras:
        if "patternProperties" in schema:
            verb = "does" if len(extras) == 1 else "do"
            joined = ", ".join(repr(each) for each in sorted(extras))
            listed = ", ".join(repr(each) for each in sorted(schema["patternProperties"]))
            yield ValidationError(f"{joined} {verb} not match any of the regexes: {listed}")
        else:
            names = sorted(extras, key=str)
            listed = ", ".join(repr(extra) for extra in names)
            verb = "was" if len(names) == 1 else "were"
            yield ValidationError(
                f"Additional properties are not allowed ({listed} {verb} unexpected)"
            )

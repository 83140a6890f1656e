"""A protocol file's kinds chosen by their `when` schemas, without trying every `when` on every
frame.

A frame is the first kind (in the file's order) whose `when` accepts it, else the fallback kind.
Trying them all costs kinds x frames validations: 20,000 kinds made a 200-frame check take
seconds. Most `when`s say "member M is the constant C" (`required: [M]` and `properties: {M:
{const: C}}`): such a kind can accept only an object frame whose M equals C, so it is indexed by
(M, C) and tried only for frames holding that value. The index only narrows which `when`s are
tried, in the same order; each is still validated, so the chosen kind is the one the plain loop
would choose.
"""

from __future__ import annotations

from heapq import merge
from typing import Any

Key = tuple[str, Any]  # a JSON scalar as an index key: numbers by value, true is not 1


def scalar_key(value: Any) -> Key | None:
    """The index key of a JSON scalar (1 and 1.0 are the same number, true is not 1)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        try:
            return ("number", float(value))
        except OverflowError:  # an integer past a double's range: only itself equals it
            return ("number", value)
    if isinstance(value, str):
        return ("string", value)
    if value is None:
        return ("null", None)
    return None


def constant_member(when: Any) -> tuple[str, Key] | None:
    """(member, key) when a `when` schema requires a member to be one constant, else None.
    A `$ref` or `$schema` beside it may change how the siblings read (drafts before 2019-09
    ignore them next to `$ref`): such a `when` is not indexed."""
    if not isinstance(when, dict) or "$ref" in when or "$schema" in when:
        return None
    required, properties = when.get("required"), when.get("properties")
    if not isinstance(required, list) or not isinstance(properties, dict):
        return None
    for member in required:
        if not isinstance(member, str):
            continue
        sub = properties.get(member)
        if isinstance(sub, dict) and "const" in sub:
            key = scalar_key(sub["const"])
            if key is not None:
                return member, key
    return None


class WhenIndex:
    """The kinds with a `when`, by position in the file, indexed where their `when` allows."""

    __slots__ = ("_always", "_by_member", "_names", "_validators")

    def __init__(self, kinds: list[tuple[str, Any, Any]]) -> None:
        """`kinds`: (name, `when` schema, its compiled validator), in the file's order."""
        self._names: list[str] = [name for name, _, _ in kinds]
        self._validators = [validator for _, _, validator in kinds]
        self._always: list[int] = []  # tried on every frame
        self._by_member: dict[str, dict[Key, list[int]]] = {}
        for position, (_, when, _) in enumerate(kinds):
            found = constant_member(when)
            if found is None:
                self._always.append(position)
            else:
                member, key = found
                self._by_member.setdefault(member, {}).setdefault(key, []).append(position)

    def first(self, value: Any) -> str | None:
        """The name of the first kind whose `when` accepts `value`, or None."""
        if isinstance(value, dict):
            lists = [self._always]
            for member, table in self._by_member.items():
                key = scalar_key(value.get(member, _ABSENT))
                if key is not None and key in table:
                    lists.append(table[key])
            positions: Any = merge(*lists) if len(lists) > 1 else lists[0]
        else:  # `required` and `properties` hold for any non-object: every `when` may
            positions = range(len(self._names))
        position: int
        for position in positions:
            if self._validators[position].is_valid(value):
                return self._names[position]
        return None


_ABSENT = object()

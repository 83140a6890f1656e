"""The config's path globs (gitignore-like), matched in time linear in the path.

`**/` is any number of whole folders, `**` anything, `*` and `?` stay within one name, `[...]`
is a character class (`[!...]` negated). A glob used to become a regular expression run by
Python's backtracking `re`: `*a*a*a*a*a*a*a*a*b` (a config's override, from the checked tree)
against a long file name of `a`s took longer than any CI job. Here the glob is a short list of
steps and a path is matched by following every step it can be at, character by character (an
NFA walk: time paths x steps, no backtracking).
"""

from __future__ import annotations

import functools
import re
import warnings
from typing import NamedTuple

# Step kinds.
_CHAR, _ONE, _CLASS, _NAME, _ANY, _FOLDERS = range(6)


class _Step(NamedTuple):
    kind: int
    char: str = ""  # _CHAR: the character
    chars: re.Pattern[str] | None = None  # _CLASS: the class, as a one-character regex


class Glob:
    """One compiled glob; `fullmatch(path)` says whether the whole path matches it."""

    __slots__ = ("_steps",)

    def __init__(self, pattern: str) -> None:
        steps: list[_Step] = []
        i = 0
        while i < len(pattern):
            char = pattern[i]
            if pattern.startswith("**/", i):
                steps.append(_Step(_FOLDERS))
                i += 3
                continue
            if pattern.startswith("**", i):
                steps.append(_Step(_ANY))
                i += 2
                continue
            if char == "*":
                steps.append(_Step(_NAME))
            elif char == "?":
                steps.append(_Step(_ONE))
            elif char == "[" and (close := pattern.find("]", i + 1)) > i + 1:
                body = pattern[i + 1 : close]
                negated = "^" + body[1:] if body.startswith("!") else body
                try:
                    steps.append(_Step(_CLASS, chars=_class("[" + negated + "]")))
                except re.error:  # not a class after all: the characters as written
                    steps.extend(_Step(_CHAR, c) for c in pattern[i : close + 1])
                i = close + 1
                continue
            else:
                steps.append(_Step(_CHAR, char))
            i += 1
        self._steps = tuple(steps)

    def fullmatch(self, path: str) -> bool:
        steps = self._steps
        # A state is (step index, inside a folder name of `**/`).
        states = self._closure({(0, False)})
        for char in path:
            following: set[tuple[int, bool]] = set()
            for index, inside in states:
                if index == len(steps):
                    continue
                step = steps[index]
                kind = step.kind
                if kind == _FOLDERS:
                    if char != "/":
                        following.add((index, True))
                    elif inside:
                        following.add((index, False))
                elif kind == _NAME:
                    if char != "/":
                        following.add((index, False))
                elif kind == _ANY:
                    following.add((index, False))
                elif (
                    (kind == _CHAR and char == step.char)
                    or (kind == _ONE and char != "/")
                    or (kind == _CLASS and step.chars is not None and step.chars.fullmatch(char))
                ):
                    following.add((index + 1, False))
            if not following:
                return False
            states = self._closure(following)
        return (len(steps), False) in states

    def _closure(self, states: set[tuple[int, bool]]) -> set[tuple[int, bool]]:
        """The states plus those reached without a character: past `*`, `**`, `**/` (zero
        times), never from inside a folder name."""
        out = set(states)
        stack = list(states)
        while stack:
            index, inside = stack.pop()
            if inside or index == len(self._steps):
                continue
            if self._steps[index].kind in (_NAME, _ANY, _FOLDERS) and (index + 1, False) not in out:
                out.add((index + 1, False))
                stack.append((index + 1, False))
        return out


@functools.lru_cache(maxsize=256)
def _class(text: str) -> re.Pattern[str]:
    """A glob's `[...]` as a regex class. `[[:alpha:]]` or `[a&&b]` from a checked tree's
    config would make Python print a FutureWarning about set syntax on stderr, under the
    tool's own lines: compiled with that warning silenced (its meaning today is kept)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return re.compile(text)


def compile_glob(pattern: str) -> Glob:
    return Glob(pattern)

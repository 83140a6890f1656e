"""A schema's enum-blind twin: the same schema with every `enum` removed whose failure
jsonschema-rs would report as `enum`, so one `is_valid` tells SC205 from SC201.

A frame that fails its schema is SC205 when every keyword jsonschema-rs blames is `enum` (a
value the schema does not list) and SC201 otherwise. Asking jsonschema-rs for the keywords
(`iter_errors`) builds a Python error with formatted messages per fault, about ten `is_valid`s;
past the per-exchange cap the messages are thrown away. The twin answers the same question with
one `is_valid`: a frame that fails the schema passes the twin exactly when its only faults are
those enums.

Why that holds (and when it does not, `blind` gives None and the caller asks `iter_errors`):
- where an error is reported as the keyword that failed (`properties`, `items`,
  `additionalProperties`, `allOf`, `$ref`, `then`/`else`, ...: jsonschema-rs passes the
  subschema's errors up as they are), an `enum` is removed and every other keyword kept, so the
  twin fails there exactly when a keyword other than `enum` fails;
- where a failure is reported as the applicator itself (`anyOf`, `oneOf`, `not`, `contains`: a
  blamed keyword that is not `enum`), and in `if` (which reports nothing but chooses the branch),
  the subschema is kept whole, references included, so it decides as it did;
- a local `$ref` leads to the twin of its target from a place of the first kind and to the
  original from one of the second: the twin document holds the original schema (its references
  re-pointed into it) and a twin of each target it needs;
- anything not known to behave so (another draft, `unevaluated*`, anchors, dynamic or remote
  references, a nested `$id`, a keyword not listed here) gives no twin, and so does a subschema
  named `enum` (a `false` schema there is blamed as keyword `enum`).
"""

from __future__ import annotations

from typing import Any

DRAFT = "https://json-schema.org/draft/2020-12/schema"

# Keywords whose value is one subschema / a list of them / a map of names to them.
_ONE = frozenset(
    {"additionalProperties", "items", "not", "if", "then", "else", "contains", "propertyNames"}
)
_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_MAP = frozenset({"properties", "patternProperties", "dependentSchemas", "$defs", "definitions"})
# Applicators whose failure is blamed on themselves (or that blame nothing): kept whole.
_WHOLE = frozenset({"anyOf", "oneOf", "not", "contains", "if"})
# Keywords that hold no subschema: assertions on the value and annotations.
_DATA = frozenset(
    {
        "type",
        "enum",
        "const",
        "required",
        "dependentRequired",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
        "minContains",
        "maxContains",
        "title",
        "description",
        "$comment",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "contentEncoding",
        "contentMediaType",
        "nullable",
        "$schema",
        "$id",
        "$ref",
    }
)
_MAX_NODES = 20_000  # a schema bigger than this (after sharing) gets no twin: time is bounded


class _Refused(Exception):
    """The schema holds something the twin cannot be proved right for."""


def blind(schema: Any) -> dict[str, Any] | None:
    """The enum-blind twin of a whole schema document, or None when it cannot be proved to
    give the same SC201/SC205 choice as jsonschema-rs's keywords."""
    if type(schema) is not dict or schema.get("$schema", DRAFT) != DRAFT:
        return None
    try:
        return _Twin(schema).document()
    except (_Refused, RecursionError):
        return None


class _Twin:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.names: dict[str, str] = {}  # a target's pointer -> its twin's name in $defs
        self.todo: list[str] = []
        self.nodes = 0

    def document(self) -> dict[str, Any]:
        whole = self.kept(self.root, top=True)
        first = self.name("")
        defs: dict[str, Any] = {"whole": whole}
        while self.todo:
            pointer = self.todo.pop()
            defs[self.names[pointer]] = self.stripped(self.target(pointer), top=not pointer)
        return {"$schema": DRAFT, "$defs": defs, "$ref": f"#/$defs/{first}"}

    def name(self, pointer: str) -> str:
        known = self.names.get(pointer)
        if known is None:
            known = self.names[pointer] = f"blind{len(self.names)}"
            self.todo.append(pointer)
        return known

    def count(self) -> None:
        self.nodes += 1
        if self.nodes > _MAX_NODES:
            raise _Refused

    def target(self, pointer: str) -> Any:
        node: Any = self.root
        for part in pointer.split("/")[1:] if pointer else []:
            part = part.replace("~1", "/").replace("~0", "~")
            if type(node) is dict and part in node:
                node = node[part]
            elif type(node) is list and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise _Refused
        return node

    def local(self, ref: Any) -> str:
        """The JSON pointer of a local reference (`#` or `#/...`); refused otherwise."""
        if type(ref) is not str or not ref.startswith("#") or "%" in ref:
            raise _Refused
        pointer = ref[1:]
        if pointer and not pointer.startswith("/"):
            raise _Refused  # an anchor
        return pointer

    def keys(self, node: dict[str, Any], top: bool) -> None:
        for keyword in node:
            if keyword in ("$id", "$schema") and not top:
                raise _Refused  # a nested resource: its references resolve elsewhere
            if not (
                keyword in _DATA
                or keyword in _ONE
                or keyword in _LIST
                or keyword in _MAP
                or keyword.startswith("x-")
            ):
                raise _Refused

    def kept(self, node: Any, top: bool = False) -> Any:
        """The original subschema, its references pointed into the twin's copy of it."""
        self.count()
        if type(node) is bool:
            return node
        if type(node) is not dict:
            raise _Refused
        self.keys(node, top)
        out: dict[str, Any] = {}
        for keyword, sub in node.items():
            if keyword in ("$id", "$schema"):
                continue
            if keyword == "$ref":
                out[keyword] = "#/$defs/whole" + self.local(sub)
            else:
                out[keyword] = self.sub(keyword, sub, self.kept)
        return out

    def stripped(self, node: Any, top: bool = False) -> Any:
        """The subschema with its reported-as-enum failures removed."""
        self.count()
        if type(node) is bool:
            return node
        if type(node) is not dict:
            raise _Refused
        self.keys(node, top)
        out: dict[str, Any] = {}
        for keyword, sub in node.items():
            if keyword in ("$id", "$schema", "enum", "$defs", "definitions"):
                continue  # definitions apply only through a $ref, which is re-pointed
            if keyword == "$ref":
                out[keyword] = f"#/$defs/{self.name(self.local(sub))}"
            elif keyword in _WHOLE:
                out[keyword] = self.sub(keyword, sub, self.kept)
            else:
                out[keyword] = self.sub(keyword, sub, self.stripped)
        return out

    def sub(self, keyword: str, value: Any, each: Any) -> Any:
        if keyword in _ONE:
            return each(value)
        if keyword in _LIST:
            if type(value) is not list:
                raise _Refused
            return [each(item) for item in value]
        if keyword in _MAP:
            if type(value) is not dict or "enum" in value:
                raise _Refused  # a subschema named "enum" is blamed as keyword enum
            return {name: each(item) for name, item in value.items()}
        return value  # data: enum lists, constants, required names, annotations

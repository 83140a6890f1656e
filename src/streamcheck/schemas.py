"""Load the JSON Schemas under schemas/<provider>/<api>/<version>/<kind>.json, compile once,
validate fast, and explain failures.

Each API folder has a `versions.json` naming its default (current) version and describing each
version. A user folder given with `--schemas` has the same layout; its files add versions or
replace shipped kinds of the same provider/api/version.

Speed: `is_valid` uses jsonschema-rs (about 0.2x the cost of json.loads per frame). The
python-jsonschema validator is imported and built only for a frame that failed, to produce a
message with `best_match` (its error choice is the most useful one for a human).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import orjson

from streamcheck import bounded_file, schema_enums, schema_regex, schema_words
from streamcheck.exceptions import ConfigError
from streamcheck.schema_engine import jsonschema_rs
from streamcheck.schema_refs import Confined, RefRefused


def shipped_root() -> Path:
    """The schemas shipped in the wheel (streamcheck/_schemas), else schemas/ of a checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "_schemas"
    if installed.is_dir():
        return installed
    return here.parent.parent / "schemas"  # src/streamcheck -> the repository root


class SchemaError(NamedTuple):
    """Why a frame failed its schema. (A named tuple: a dataclass costs start-up time.)"""

    message: str
    path: str  # JSON pointer into the frame
    keyword: str  # the failing JSON Schema keyword: required, type, enum, const, ...


class SchemaSet:
    """The frame schemas of one provider/api/version, compiled on first use."""

    __slots__ = (
        "_blind",
        "_fast",
        "_leaf",
        "_members",
        "_raw",
        "_slow",
        "api",
        "bound",
        "files",
        "origin",
        "provider",
        "roots",
        "version",
    )

    def __init__(self, provider: str, api: str, version: str, origin: str = "shipped") -> None:
        self.provider = provider
        self.api = api
        self.version = version
        self.origin = origin
        self.files: dict[str, Path] = {}  # kind -> file
        self.roots: dict[str, Path] = {}  # kind -> the folder its $refs stay under
        self._raw: dict[str, Any] = {}
        self._fast: dict[str, Any] = {}
        # kind -> is_valid of its enum-blind twin (schema_enums.py), or None when it has none
        self._blind: dict[str, Any] = {}
        self._slow: dict[str, Any] = {}
        # kind -> its compiled validator's is_valid, shared by every exchange these schemas
        # judge (check/frames.py binds one the first time a kind is met, once per run).
        self.bound: dict[str, Callable[[Any], bool]] = {}
        self._leaf: dict[tuple[str, tuple[Any, ...]], Any] = {}  # (kind, keyword location)
        self._members: dict[str, frozenset[str]] = {}

    def __repr__(self) -> str:
        return f"SchemaSet({self.provider}/{self.api}/{self.version}, {self.origin})"

    def kinds(self) -> list[str]:
        return sorted(self.files)

    def add(self, kind: str, schema: dict[str, Any], file: Path) -> None:
        """A kind whose schema is already in memory (a user-defined protocol's), declared in
        `file` (named when the schema turns out to be invalid)."""
        self.files[kind] = file
        self.roots[kind] = file.absolute().parent
        self._raw[kind] = schema

    def members(self, kind: str) -> frozenset[str] | None:
        """The top-level member names a kind's schema describes (for schema drift, SC203);
        None when the schema lists none, so drift cannot be told."""
        known = self._members.get(kind)
        if known is None:
            props = self.schema(kind).get("properties")
            known = frozenset(props) if isinstance(props, dict) and props else frozenset()
            self._members[kind] = known
        return known or None

    def schema(self, kind: str) -> dict[str, Any]:
        if kind not in self._raw:
            path = self.files[kind]
            raw = bounded_file.read(path, "JSON Schema")  # a regular file, capped
            try:
                self._raw[kind] = orjson.loads(raw)
            except ValueError as exc:
                raise ConfigError(f"{path}: not a readable JSON Schema ({exc})") from None
        schema: dict[str, Any] = self._raw[kind]
        return schema

    def validator(self, kind: str) -> Any:
        fast = self._fast.get(kind)
        if fast is None:
            try:
                fast = self.confined(kind).validator(self.schema(kind))
            except RefRefused as exc:
                raise ConfigError(f"{self.files[kind]}: {exc}") from None
            except (ValueError, jsonschema_rs.ReferencingError) as exc:
                # jsonschema-rs explains over several lines; the first names the fault.
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise ConfigError(f"{self.files[kind]}: invalid JSON Schema ({first})") from None
            self._fast[kind] = fast
        return fast

    def confined(self, kind: str) -> Confined:
        """Where the kind's $refs may lead: its file, and files under its schema folder."""
        file = self.files[kind]
        return Confined(file, self.roots.get(kind, file.absolute().parent))

    def is_valid(self, kind: str, value: Any) -> bool:
        return bool(self.validator(kind).is_valid(value))

    def keywords(self, kind: str, value: Any) -> list[str]:
        """The failing keywords (required, type, enum, ...) by the fast validator; no messages."""
        try:
            return [
                str(e.schema_path[-1]) if e.schema_path else ""
                for e in self.validator(kind).iter_errors(value)
            ]
        except ValueError:  # jsonschema-rs's recursion limit: a failure without keywords
            return ["depth"]

    def only_enums(self, kind: str, value: Any) -> bool | None:
        """For a value is_valid refused: whether every keyword jsonschema-rs blames is `enum`
        (None when it blames none). One is_valid of the kind's enum-blind twin when it has one
        (schema_enums.py), else the keywords."""
        twin = self._blind.get(kind, _UNMADE) if SchemaSet.enum_twins else None
        if twin is _UNMADE:
            twin = self._blind[kind] = self._twin(kind)
        if twin is not None:
            try:
                return bool(twin(value))
            except ValueError:  # jsonschema-rs's recursion limit: the keywords say "depth"
                pass
        keywords = self.keywords(kind, value)
        if not keywords:
            return None
        return all(k == "enum" for k in keywords)

    # Off in tests/protocols/test_fast_paths.py (protocols/shortcuts.reference_only): every
    # failing frame's code then comes from the keywords, the reference the twin is held to.
    enum_twins: ClassVar[bool] = True

    def _twin(self, kind: str) -> Any:
        twin = schema_enums.blind(self.schema(kind))
        if twin is None:
            return None
        try:
            return self.confined(kind).validator(twin).is_valid
        except (ValueError, RefRefused, jsonschema_rs.ReferencingError):
            return None

    def explain(self, kind: str, value: Any) -> list[SchemaError]:
        """Why a frame failed: the best error first. Only called for failing frames.

        python-jsonschema writes the messages (its `best_match` picks the error worth showing),
        but walking a whole frame with it costs ~0.1 ms. When the fast validator finds a single
        plain fault (required, type, enum, const) outside any anyOf/oneOf/not, python-jsonschema
        judges only that keyword on that part of the frame: the same error, message and path
        as the whole walk (tests/test_schema_agreement.py holds the two to that), ~7x sooner.
        """
        try:
            found = list(self.validator(kind).iter_errors(value))
        except ValueError:  # jsonschema-rs's recursion limit
            found = []
        if len(found) == 1:
            one = self._explain_one(kind, value, found[0])
            if one is not None:
                return [one]
        return self.explain_fully(kind, value)

    def explain_fully(self, kind: str, value: Any) -> list[SchemaError]:
        """The whole frame through python-jsonschema, every error, the best first."""
        from jsonschema.exceptions import best_match
        from referencing.exceptions import Unresolvable

        if schema_regex.regex_elsewhere(self.schema(kind)):  # Python's re would match there
            return self.fast_messages(kind, value)
        try:
            errors = list(self._python(kind).iter_errors(value))
        except RecursionError:  # a frame nested near Python's recursion limit
            return [SchemaError("the frame is nested too deep to explain", "/", "depth")]
        except Unresolvable:  # a $ref it cannot follow where the fast validator could
            return self.fast_messages(kind, value)
        if not errors:
            return []
        best = best_match(errors)
        ordered = [best] + [e for e in errors if e is not best]
        return [
            SchemaError(
                message=_short(e.message),
                path=_pointer(e.absolute_path),
                keyword=str(e.validator),
            )
            for e in ordered
        ]

    def fast_messages(self, kind: str, value: Any) -> list[SchemaError]:
        """jsonschema-rs's own errors, in its order: the explanation when python-jsonschema
        cannot give one."""
        try:
            found = list(self.validator(kind).iter_errors(value))
        except ValueError:  # jsonschema-rs's recursion limit
            return [SchemaError("the frame is nested too deep to explain", "/", "depth")]
        return [
            SchemaError(
                message=_short(e.message),
                path=_pointer(e.instance_path),
                keyword=str(e.schema_path[-1]) if e.schema_path else "",
            )
            for e in found
        ]

    def _python(self, kind: str) -> Any:
        slow = self._slow.get(kind)
        if slow is None:
            import jsonschema

            schema = self.schema(kind)
            registry = self.confined(kind).registry()  # its $refs stay where the fast one's do
            # Its regex keywords match with jsonschema-rs's engine: a bounded cost whatever the
            # pattern (schema_regex.py).
            explaining = schema_regex.explainer(jsonschema.validators.validator_for(schema))
            slow = explaining(schema, registry=registry)
            self._slow[kind] = slow
        return slow

    def _explain_one(self, kind: str, value: Any, fault: Any) -> SchemaError | None:
        """python-jsonschema's verdict on the one keyword the fast validator blamed, or None
        when the fault is not a plain one (the caller then walks the whole frame)."""
        where = tuple(fault.schema_path)  # absolute keyword location, references resolved
        if not where or where[-1] not in _PLAIN:
            return None
        if len(where) > 1 and where[-2] in _NAMED_SCHEMAS:
            return None  # a property named "type" (say) whose schema is `false`: no keyword
        node = _walk(self.schema(kind), where[:-1], schema=True)
        if not isinstance(node, dict) or where[-1] not in node:
            return None
        part = _walk(value, tuple(fault.instance_path), schema=False)
        if part is _MISSING:
            return None
        # Worded here when python-jsonschema's answer cannot differ (schema_words.py): a
        # failing frame then costs no import of python-jsonschema.
        dialect = schema_words.dialect(self.schema(kind))
        if dialect is not None:
            message = schema_words.fault(where[-1], node[where[-1]], part, const=dialect)
            if message is not None:
                return SchemaError(
                    message=_short(message), path=_pointer(fault.instance_path), keyword=where[-1]
                )
        key = (kind, where)
        leaf = self._leaf.get(key)
        if leaf is None:
            leaf = self._leaf[key] = type(self._python(kind))({where[-1]: node[where[-1]]})
        try:
            errors = list(leaf.iter_errors(part))
        except (TypeError, ValueError):  # a keyword value python-jsonschema cannot use
            return None
        if len(errors) != 1:
            return None
        return SchemaError(
            message=_short(errors[0].message),
            path=_pointer(fault.instance_path),
            keyword=where[-1],
        )


_PLAIN = frozenset({"required", "type", "enum", "const"})
# Keywords whose members are named subschemas: a schema path step after them is a name.
_NAMED_SCHEMAS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)
# Keywords whose failures python-jsonschema reports as one error holding the branches' errors,
# for best_match to choose from: a fault under them takes the whole walk. (allOf, then, else and
# dependentSchemas report their branches' errors as they are.)
_BRANCHING = frozenset({"anyOf", "oneOf", "not"})
_MISSING = object()
_UNMADE = object()  # a kind whose enum-blind twin was not asked for yet


def _walk(document: Any, path: tuple[Any, ...], *, schema: bool) -> Any:
    """The part of a frame (or schema) at a path of keys and indexes; _MISSING if absent. In a
    schema, a path through a branching keyword counts as absent."""
    current = document
    for step in path:
        if schema and step in _BRANCHING:
            return _MISSING
        in_dict = isinstance(current, dict) and step in current
        in_list = isinstance(current, list) and isinstance(step, int) and 0 <= step < len(current)
        if not (in_dict or in_list):
            return _MISSING
        current = current[step]
    return current


def _pointer(path: Any) -> str:
    """A JSON pointer from the keys and indexes of an error's instance path."""
    return "/" + "/".join(str(p) for p in path)


def _short(message: str, limit: int = 240) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."


class Catalog:
    """Every schema set found in the shipped folder and the user's folders.

    An API's folders are read the first time that API is asked for: a check of one OpenAI
    recording reads no Anthropic or Responses folder, which keeps start-up short.
    """

    def __init__(self, extra: tuple[Path, ...] = ()) -> None:
        self._sets: dict[tuple[str, str, str], SchemaSet] = {}
        self._defaults: dict[tuple[str, str], str] = {}
        self._notes: dict[tuple[str, str, str], str] = {}
        self._loaded: set[tuple[str, str]] = set()
        # (provider, api, number of sets then) -> its versions, sorted (`versions`)
        self._versions: dict[tuple[str, str, int], list[str]] = {}
        for folder in extra:
            if not os.path.isdir(folder):  # False, not OSError, for a name too long or a NUL
                raise ConfigError(f"--schemas {folder}: not a folder")
        self._roots = [(shipped_root(), "shipped"), *((folder, str(folder)) for folder in extra)]

    @property
    def sets(self) -> dict[tuple[str, str, str], SchemaSet]:
        """Every schema set of every API (reads all folders)."""
        for root, _ in self._roots:
            for provider_dir in (p for p in root.iterdir() if p.is_dir()):
                for api_dir in (p for p in provider_dir.iterdir() if p.is_dir()):
                    self._load(provider_dir.name, api_dir.name)
        return dict(sorted(self._sets.items()))

    @property
    def notes(self) -> dict[tuple[str, str, str], str]:
        """What versions.json says of each version, for the APIs read so far."""
        return self._notes

    def _load(self, provider: str, api: str) -> None:
        key = (provider, api)
        if key in self._loaded:
            return
        self._loaded.add(key)
        for root, origin in self._roots:
            api_dir = root / provider / api
            if not api_dir.is_dir():
                continue
            self._read_versions(api_dir / "versions.json", key)
            for version_dir in sorted(p for p in api_dir.iterdir() if p.is_dir()):
                full = (*key, version_dir.name)
                current = self._sets.get(full)
                if current is None:
                    current = SchemaSet(*full, origin=origin)
                    self._sets[full] = current
                elif origin != "shipped":
                    current.origin = f"shipped + {origin}"
                for file in sorted(version_dir.glob("*.json")):
                    current.files[file.stem] = file
                    current.roots[file.stem] = root.absolute()
                    current._raw.pop(file.stem, None)
                    current._fast.pop(file.stem, None)
                    current._blind.pop(file.stem, None)
                    current._slow.pop(file.stem, None)
                    current.bound.pop(file.stem, None)
                    current._leaf = {k: v for k, v in current._leaf.items() if k[0] != file.stem}
            if key not in self._defaults:
                versions = [v for (p, a, v) in self._sets if (p, a) == key]
                if versions:
                    self._defaults[key] = max(versions)

    def _read_versions(self, path: Path, key: tuple[str, str]) -> None:
        if not path.is_file():
            return
        raw = bounded_file.read(path, "versions.json")
        try:
            info = orjson.loads(raw)
            default, notes = info["default"], info.get("versions", {})
            # Strings only: str() of anything else could be a list nested 1,000 deep.
            if not isinstance(default, str) or not all(
                isinstance(note, str) for note in notes.values()
            ):
                raise TypeError("the default and each version's note are strings")
            self._defaults[key] = default
            for name, note in notes.items():
                self._notes[(*key, name)] = note
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            message = f"{path}: expected {{'default': ..., 'versions': {{...}}}} ({exc})"
            raise ConfigError(message) from None

    def add(self, schemas: SchemaSet) -> None:
        """A schema set that lives in no folder (a user-defined protocol's), as its API's
        default."""
        key = (schemas.provider, schemas.api)
        self._loaded.add(key)
        self._sets[(*key, schemas.version)] = schemas
        self._defaults[key] = schemas.version

    def versions(self, provider: str, api: str) -> list[str]:
        # Asked once per exchange (choose.use): sorted once per set of folders read.
        key = (provider, api, len(self._sets))
        known = self._versions.get(key)
        if known is None:
            self._load(provider, api)
            known = sorted(v for (p, a, v) in self._sets if (p, a) == (provider, api))
            self._versions[(provider, api, len(self._sets))] = known
        return list(known)

    def get(self, provider: str, api: str, version: str | None) -> SchemaSet | None:
        """The set for a version; None (unknown version) means the caller falls back."""
        self._load(provider, api)
        if version is None:
            version = self._defaults.get((provider, api))
            if version is None:
                return None
        return self._sets.get((provider, api, version))

    def default_version(self, provider: str, api: str) -> str | None:
        self._load(provider, api)
        return self._defaults.get((provider, api))

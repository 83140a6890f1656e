"""Where a schema's `$ref`s may lead: the same document, and files under its own folder.

Both validators fetch what a `$ref` names when left to themselves: jsonschema-rs over http(s)
and `file:`, python-jsonschema over http(s) (with a deprecation warning). A schema of a checked
tree (a protocol file's, a `--schemas` folder's) would then make `check` reach the network
(30 s per unreachable host) or read `/etc/passwd`. So every schema is compiled with a
`Confined`: jsonschema-rs gets its `retrieve` as the retriever (every URI goes through it) and
python-jsonschema its `registry()`. A reference is followed only to a `file:` URI whose path,
symlinks resolved, is under the folder, read as a regular file up to the cap (bounded_file)
and parsed as JSON, or YAML through safe_yaml; anything else (http:, https:, file: elsewhere,
`../` out of the folder, an absolute path) is refused, and the refusal names the reference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import orjson

from streamcheck import bounded_file, safe_yaml
from streamcheck.exceptions import ConfigError
from streamcheck.schema_engine import jsonschema_rs


class RefRefused(ValueError):
    """A `$ref` that leads outside the document and its folder (the message names it)."""


class Confined:
    """The references of the schemas of one document (`document`), kept under `folder`."""

    def __init__(self, document: Path, folder: Path) -> None:
        self.base_uri = document.absolute().as_uri()
        self.folder = folder.absolute()
        self.refused: str | None = None  # why the last retrieval failed, for the message

    def validator(self, schema: Any) -> Any:
        """A jsonschema-rs validator; RefRefused when a reference leads out, ValueError or
        jsonschema_rs.ReferencingError when the schema is invalid otherwise."""
        self.refused = None
        try:
            return jsonschema_rs.validator_for(
                schema, retriever=self.retrieve, base_uri=self.base_uri
            )
        except (ValueError, jsonschema_rs.ReferencingError):
            if self.refused is not None:
                raise RefRefused(self.refused) from None
            raise

    def retrieve(self, uri: str) -> Any:
        """The document at `uri` when it is a file under the folder; ValueError otherwise."""
        try:
            full = urljoin(self.base_uri, uri)
            parts = urlsplit(full)
        except ValueError:  # "Invalid IPv6 URL" and kin: no URI at all
            self.refused = f"$ref {uri[:200]!r} is not a valid URI reference"
            raise ValueError(self.refused) from None
        file = Path(unquote(parts.path)) if parts.scheme == "file" else None
        inside = (
            file is not None
            and parts.netloc in ("", "localhost")
            and file.resolve().is_relative_to(self.folder.resolve())
        )
        if file is None or not inside:
            self.refused = (
                f"$ref {uri!r} leads outside {self.folder}: references are followed only "
                "within the same document and to files under its folder"
            )
            raise ValueError(self.refused)
        try:
            raw = bounded_file.read(file, "schema file")
            if file.suffix.lower() in (".yaml", ".yml"):
                return safe_yaml.load(raw)
            return orjson.loads(raw)
        except (ConfigError, ValueError) as exc:
            self.refused = f"$ref {uri!r}: {exc}"
            raise ValueError(self.refused) from None

    def registry(self) -> Any:
        """A `referencing.Registry` for python-jsonschema that retrieves as `retrieve` does."""
        import referencing
        import referencing.jsonschema

        def resource(uri: str) -> Any:
            return referencing.Resource.from_contents(
                self.retrieve(uri), default_specification=referencing.jsonschema.DRAFT202012
            )

        return referencing.Registry(retrieve=resource)  # type: ignore[call-arg]


# Keywords whose values are data, not schemas: a `$ref` member in them is no reference.
_DATA = frozenset({"const", "enum", "examples", "default"})


def anchored(schema: Any, document_uri: str) -> Any:
    """A copy of a schema taken out of a document, with every `$ref` made absolute against the
    document's URI (so `#/...` still means the document, and relative files its folder)."""
    if not isinstance(schema, dict | list):
        return schema
    top: Any = {} if isinstance(schema, dict) else []
    stack: list[tuple[Any, Any]] = [(schema, top)]
    while stack:
        source, target = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, value in items:
            if key == "$ref" and isinstance(source, dict) and isinstance(value, str):
                try:
                    copied: Any = urljoin(document_uri, value)
                except ValueError:  # "Invalid IPv6 URL" and kin: no URI at all
                    raise ConfigError(
                        f"{document_uri}: $ref {value[:200]!r} is not a valid URI reference"
                    ) from None
            elif isinstance(value, dict | list) and key not in _DATA:
                copied = {} if isinstance(value, dict) else []
                stack.append((value, copied))
            else:
                copied = value
            if isinstance(target, dict):
                target[key] = copied
            else:
                target.append(copied)
    return top

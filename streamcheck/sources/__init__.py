"""Where bytes come from: files, standard input, tapes, cassettes, HAR. Each yields Exchanges."""

from streamcheck.sources.files import FORMATS, expand, read_path, register_reader

# Container formats register their readers with `files` when imported.
from streamcheck.sources import cassette, har  # noqa: F401  isort: skip

__all__ = ["FORMATS", "expand", "read_path", "register_reader"]

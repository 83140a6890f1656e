"""Where bytes come from: files, standard input, tapes, cassettes, HAR. Each yields Exchanges."""

from streamcheck.sources.files import FORMATS, expand, read_path

__all__ = ["FORMATS", "expand", "read_path"]

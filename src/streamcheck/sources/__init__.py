"""Where bytes come from: files, standard input, tapes, cassettes, HAR. Each yields Exchanges."""

from streamcheck.sources.files import BODY_FRAMINGS, FORMATS, expand, read_path

__all__ = ["BODY_FRAMINGS", "FORMATS", "expand", "read_path"]

"""Problems running the tool, as opposed to defects in a stream (those are `Finding`s).

Each is shown as one line and exits with code 2.
"""


class StreamcheckError(Exception):
    """Base class: the tool could not do what was asked."""


# Input: files and recordings the user gave us.
class InputError(StreamcheckError):
    """An input is missing, unreadable or not in any format streamcheck reads."""


# Configuration: flags, config files, schema folders.
class ConfigError(StreamcheckError):
    """An option, config key, provider name or schema folder is invalid."""


# Network: live calls made by record and smoke.
class LiveCallError(StreamcheckError):
    """A live call could not be made at all (bad URL, no key in the environment)."""


# Installation: a command needs an optional extra that is not installed.
class MissingExtra(StreamcheckError):
    """A command needs packages of an optional extra; the message says how to install them."""

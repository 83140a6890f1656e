"""Reading a file the checked tree holds (a protocol file, a schema, a file a `$ref` names):
a regular file only, and never more than a cap.

`path.read_bytes()` on `/dev/zero` reads until memory runs out, and on a FIFO waits forever for
a writer. Here the file is opened without blocking (O_NONBLOCK: a FIFO opens at once), checked
to be a regular file by its open descriptor (no race with a swapped path), and read up to the
cap plus one byte, so a file past the cap is refused whatever its size claims.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from streamcheck.exceptions import ConfigError, StreamcheckError

CAP = 16 << 20  # 16 MiB: a protocol file or a schema is a few kB; past this it is not one


def read(
    path: Path, what: str = "file", cap: int = CAP, error: type[StreamcheckError] = ConfigError
) -> bytes:
    """The bytes of a regular file of at most `cap` bytes; `error` (one line naming the path
    and `what` it should have been) otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    except ValueError:  # a NUL byte in the name (from a config or protocol file): no such file
        raise error(f"{path}: cannot read the {what} (a NUL byte in its name)") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise error(f"{path}: not a regular file, so no {what}")
        chunks, total = [], 0
        while total <= cap:
            piece = os.read(fd, min(1 << 20, cap + 1 - total))
            if not piece:
                break
            chunks.append(piece)
            total += len(piece)
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if total > cap:
        raise error(f"{path}: over {cap >> 20} MiB, too large for a {what}; refused")
    return b"".join(chunks)


def anyone_may_write(folder: Path) -> bool:
    """Whether every user may write to `folder` (like /tmp): what it holds may be anyone's, so
    nothing is taken from it unasked (a config file, a node_modules)."""
    try:
        return bool(folder.stat().st_mode & stat.S_IWOTH)
    except OSError:
        return False

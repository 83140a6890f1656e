"""Redacted tapes of failing exchanges in one folder, capped by count and by size.

When a new tape would pass either cap, the OLDEST tapes this folder holds are deleted to make
room: in production the newest failures are the ones someone is looking into. A single tape
larger than the size cap is not written (the log line says `tape: null`). A tape is built in
memory first (its body is capped by `BodyKeeper`), so the folder never holds a half-written
file under a tape's name. A body that reached the keeper's cap is written up to there with no
end record: reading it says the recording was cut, which is what it is.

Names are `<UTC stamp>-<sequence>-<verdict>.tape`: sorting them sorts by age, and a folder
left by an earlier run is counted (and trimmed) on start.
"""

from __future__ import annotations

import io
import re
import threading
import time
from collections import deque
from pathlib import Path

from streamcheck import redact
from streamcheck.live.observe.observed import Observed
from streamcheck.sources.tape import TapeWriter

_NAME = re.compile(r"^\d{8}T\d{6}\.\d{6}Z-\d+-[a-z-]+\.tape$")


class TapeFolder:
    def __init__(self, folder: Path, max_count: int, max_bytes: int) -> None:
        self.folder = folder
        self.max_count = max_count
        self.max_bytes = max_bytes
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._seq = 0
        self.files: deque[tuple[Path, int]] = deque()
        for path in sorted(p for p in folder.iterdir() if _NAME.match(p.name) and p.is_file()):
            self.files.append((path, path.stat().st_size))
        self.total = sum(size for _, size in self.files)
        self.skipped = 0
        self.dropped = 0

    def save(self, observed: Observed, verdict: str) -> str | None:
        """Write the exchange's tape; its file name, or None when it is over the size cap."""
        data = render(observed)
        if len(data) > self.max_bytes or self.max_count < 1:
            self.skipped += 1
            return None
        with self._lock:
            self._seq += 1
            stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(observed.started))
            micros = int(observed.started % 1 * 1_000_000)
            path = self.folder / f"{stamp}.{micros:06d}Z-{self._seq}-{verdict}.tape"
            while self.files and (
                len(self.files) + 1 > self.max_count or self.total + len(data) > self.max_bytes
            ):
                old, size = self.files.popleft()
                old.unlink(missing_ok=True)
                self.total -= size
                self.dropped += 1
            with path.open("xb") as handle:
                handle.write(data)
            self.files.append((path, len(data)))
            self.total += len(data)
        return path.name


def render(observed: Observed) -> bytes:
    """The exchange as a tape (format 1 for HTTP, 2 for a WebSocket), redacted by the tape
    writer under the exchange's own credential values."""
    result = observed.result
    keeper = observed.keeper
    buffer = io.BytesIO()
    with redact.scope(observed.secrets):
        writer = TapeWriter(buffer)
        websocket = keeper is not None and bool(keeper.messages)
        writer.header(
            provider=result.provider,
            api=result.api,
            api_version=result.api_version,
            request=observed.request,
            status=observed.status,
            headers=observed.headers,
            transport="websocket" if websocket else "http",
        )
        if keeper is not None:
            for data, at in keeper.chunks:
                writer.chunk(data, at)
            for message in keeper.messages:
                writer.message(message)
        if keeper is None or not keeper.truncated:
            writer.end(result.end, observed.total, observed.close)
    return buffer.getvalue()

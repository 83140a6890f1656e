"""Replaying a recorded exchange into an official SDK: an HTTP transport with no network.

The SDK gets an `http_client` whose transport answers every request with the recording: its
status, its headers and its body chunk by chunk, as they arrived. What the network did to the
recording is replayed as the real transport would report it, so the SDK's own error handling
runs: a connection reset is `RemoteProtocolError` from the body iterator (what httpcore raises
for an incomplete chunked body), a recorded client timeout is `ReadTimeout`, and a silence
between two chunks longer than the client's read timeout is `ReadTimeout` at that point.

The SDKs name their HTTP library (httpx, or httpx2 in newer releases); the transport is built
from the module the SDK itself imports, so it is the class the SDK checks `http_client` against.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from streamcheck.model import EndReason

# The body as it reached the client was decoded already (sources inflate gzip); these headers
# would make the HTTP library decode or frame it a second time.
_DROPPED_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


@dataclass
class Recording:
    """One exchange as the SDK will see it again."""

    status: int | None
    headers: dict[str, str]
    chunks: list[tuple[bytes, float | None]]
    end: EndReason
    # Set by the replay: why the body stopped early, in words (a silence past the timeout).
    cut: str | None = field(default=None)


def http_module(sdk: ModuleType) -> ModuleType:
    """httpx2 or httpx: whichever the SDK's client module imports."""
    base = sys.modules.get(f"{sdk.__name__}._base_client")
    for name in ("httpx2", "httpx"):
        if base is not None and isinstance(getattr(base, name, None), ModuleType):
            module: ModuleType = getattr(base, name)
            return module
    import httpx

    return httpx


def client_for(http: ModuleType, recording: Recording, read_timeout: float | None) -> Any:
    """An http.Client whose every request gets the recording as its response."""

    def body(request: Any) -> Iterator[bytes]:
        last: float | None = None
        for number, (data, time) in enumerate(recording.chunks):
            if read_timeout is not None and time is not None and last is not None:
                gap = time - last
                if gap > read_timeout:
                    recording.cut = (
                        f"the recording is silent for {gap:.1f} s after chunk {number - 1}, "
                        f"longer than the client's read timeout of {read_timeout:g} s"
                    )
                    raise http.ReadTimeout("The read operation timed out", request=request)
            if time is not None:
                last = time
            yield data
        if recording.end is EndReason.RESET:
            recording.cut = "the connection was reset before the body was complete"
            raise http.RemoteProtocolError(
                "peer closed connection without sending complete message body "
                "(incomplete chunked read)",
                request=request,
            )
        if recording.end is EndReason.TIMEOUT:
            recording.cut = "the recording client timed out waiting for more of the body"
            raise http.ReadTimeout("The read operation timed out", request=request)

    class Body(http.SyncByteStream):  # type: ignore[misc,name-defined]
        def __init__(self, request: Any) -> None:
            self.request = request

        def __iter__(self) -> Iterator[bytes]:
            return body(self.request)

    def answer(request: Any) -> Any:
        headers = {k: v for k, v in recording.headers.items() if k.lower() not in _DROPPED_HEADERS}
        return http.Response(
            recording.status if recording.status is not None else 200,
            headers=headers,
            stream=Body(request),
            request=request,
        )

    return http.Client(transport=http.MockTransport(answer))

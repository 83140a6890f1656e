"""What the relay protocols (streams an app sends its own clients) share: the end of the stream.

A relay stream has a part that says the answer is complete (the UI message stream's `finish` or
`abort`, the data stream's `d:` finish_message). Without it the stream is truncated whatever the
connection did (SC360): the SDK's client then shows the partial message as a finished one. Parts
after the end are still applied by the clients (SC363).
"""

from __future__ import annotations

from typing import Any

from streamcheck.model import Frame
from streamcheck.protocols.base import Context, StreamState, report_stream_error


class RelayStream(StreamState):
    """The end-of-stream bookkeeping; subclasses say what ends their stream."""

    end_parts = "`finish` or `abort`"  # how the end is named in messages
    client = "useChat"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.parts = 0
        self.end_part: str | None = None  # the end part's name once it arrived
        self.after_end_reported = False
        self.errored = False

    def content(self, frame: Frame) -> None:
        self.content_frames += 1
        if self.first_content_time is None:
            self.first_content_time = frame.time

    def after_end(self, what: str) -> bool:
        """SC363 once for a part after the end; True when the stream had ended."""
        if self.end_part is None:
            return False
        if not self.after_end_reported:
            self.after_end_reported = True
            self.ctx.report(
                "SC363",
                f"{what} arrived after {self.end_part}; {self.client} still applies it",
            )
        return True

    def error_part(self, frame: Frame, text: Any) -> None:
        """An in-stream error part: SC403, classified from its text like an error body."""
        self.errored = True
        message = text if isinstance(text, str) else str(text)
        # The part carries only text: classified as an error object's message would be.
        report_stream_error(self.ctx, frame, {"error": {"message": message}}, "an error part")

    def finished(self) -> bool | None:
        """The end part arrived (or an error part ended the answer); read by the WebSocket
        close rules when a relay stream is carried over a WebSocket."""
        if self.end_part is not None or self.errored:
            return True
        return False if self.parts else None

    def end(self, clean_eof: bool) -> None:
        # After an error part the client is in its error state (SC403 said so), not showing a
        # partial answer as complete.
        if self.end_part is not None or not self.parts or self.errored:
            return
        how = "" if clean_eof else " (the connection did not end cleanly)"
        self.ctx.report(
            "SC360",
            f"the stream ended without {self.end_parts} after {self.parts} "
            f"part{'s' if self.parts != 1 else ''}{how}: the answer is cut",
            at_end=True,
        )

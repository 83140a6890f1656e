"""OpenAI Responses API streaming (`POST /v1/responses` with `stream: true`, and
`GET /v1/responses/{id}?stream=true[&starting_after=N]` to resume a background response).

Spec: openai-openapi 2.3.0, union `ResponseStreamEvent` (discriminator `type`), `Response`,
`ResponseErrorEvent`; PROVIDERS.md section 2.2. Schemas are generated per event type by
tools/gen_openai_responses.py.
Wire: SSE; every event has an `event:` line equal to its JSON `type` (OpenRouter sends data-only
events and ends with `data: [DONE]`, both accepted). No sentinel: the stream ends after the
terminal event.
Grammar: `response.created` first (unless the request resumed with `starting_after`);
`sequence_number` strictly increasing (gaps warned); every `*.delta` of an item between that
item's `output_item.added` and `output_item.done`, and every text event of a content part (or
reasoning summary part) between that part's `.added` and `.done`; exactly one terminal event
(`response.completed`, `response.incomplete`, `response.failed`, `error`) and nothing after it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from streamcheck.model import Exchange, Frame, Severity
from streamcheck.protocols.base import (
    SENTINEL,
    Context,
    Protocol,
    StreamState,
    register,
    report_stream_error,
    type_member,
    url_parts,
)
from streamcheck.protocols.envelope import Envelope, Enveloped

TERMINAL = frozenset({"response.completed", "response.incomplete", "response.failed", "error"})
# Events that live inside a content part, keyed by (item_id, content_index), or inside a
# reasoning summary part, keyed by (item_id, summary_index): event type -> part family.
PART_EVENTS = {
    "response.output_text.delta": "content",
    "response.output_text.done": "content",
    "response.output_text.annotation.added": "content",
    "response.refusal.delta": "content",
    "response.refusal.done": "content",
    "response.reasoning_summary_text.delta": "summary",
    "response.reasoning_summary_text.done": "summary",
}
PART_BOUNDS = {
    "response.content_part.added": ("content", True),
    "response.content_part.done": ("content", False),
    "response.reasoning_summary_part.added": ("summary", True),
    "response.reasoning_summary_part.done": ("summary", False),
}
PART_INDEX = {"content": "content_index", "summary": "summary_index"}
PART_OPENER = {family: event for event, (family, opens) in PART_BOUNDS.items() if opens}
FIRST = "response.created"
ENVELOPE = Envelope(
    first=frozenset({FIRST}),
    terminal=TERMINAL,
    anywhere=frozenset({"keepalive"}),  # a heartbeat carries no output: nothing is lost
    named=True,
    end_words="response.completed, response.incomplete, response.failed or error",
    first_path="/type",
    first_hint="Clients build the response object from response.created. A capture that "
    "starts mid-stream should be a resumed request (starting_after=N).",
)
# A resumed stream (starting_after=N) starts wherever the server resumed it.
RESUMED = replace(ENVELOPE, first=frozenset())
LEGACY_VERSION = "2025-03"  # events without sequence_number (the launch shape)


class ResponsesStream(StreamState):
    def __init__(self, ctx: Context, starting_after: int | None) -> None:
        super().__init__(ctx)
        self.starting_after = starting_after
        self.envelope = Enveloped(self, ENVELOPE if starting_after is None else RESUMED)
        self.last_seq: int | None = starting_after
        self.open_items: set[str] = set()
        self.closed_items: set[str] = set()
        # output_index -> the id response.output_item.added gave it, while the item is open:
        # GitHub Copilot's endpoint gives every event of one item another id (SC339).
        self.added_at: dict[int, str] = {}
        self.rotation_reported = False
        self.last_item_type: str | None = None
        # (family, item_id, index) of content and summary parts: open ones, done ones, reported.
        self.open_parts: set[tuple[str, str, int]] = set()
        self.done_parts: set[tuple[str, str, int]] = set()
        self.reported_parts: set[tuple[str, str, int]] = set()

    def frame(self, frame: Frame, value: Any, kind: str | None) -> None:
        if value is SENTINEL:  # OpenRouter's `data: [DONE]` after the terminal event
            self.envelope.sentinel("data: [DONE]")
            return
        if not isinstance(value, dict):
            return
        etype = value.get("type")
        if not self.envelope.open(frame, etype if isinstance(etype, str) else None):
            return
        self._sequence(value)
        if isinstance(etype, str):
            self._item(etype, value, frame)
            if etype in PART_EVENTS or etype in PART_BOUNDS:
                self._part(etype, value)
            if etype in TERMINAL:
                self._terminal(etype, value, frame)

    def _sequence(self, value: dict[str, Any]) -> None:
        number = value.get("sequence_number")
        if not isinstance(number, int) or isinstance(number, bool):
            return
        last = self.last_seq
        if last is not None:
            if number <= last:
                self.ctx.report(
                    "SC315",
                    f"sequence_number {number} after {last}",
                    path="/sequence_number",
                )
            elif number > last + 1 and (last != self.starting_after or self.envelope.events > 1):
                self.ctx.report(
                    "SC331",
                    f"sequence_number jumped from {last} to {number} "
                    f"({number - last - 1} events missing)",
                    path="/sequence_number",
                )
        elif self.starting_after is None and number != 0:
            self.ctx.report(
                "SC331",
                f"the first sequence_number is {number}, not 0",
                path="/sequence_number",
            )
        self.last_seq = number if last is None or number > last else last

    def _item(self, etype: str, value: dict[str, Any], frame: Frame) -> None:
        if etype in ("response.output_item.added", "response.output_item.done"):
            item = value.get("item")
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                return
            index = value.get("output_index")
            at = index if isinstance(index, int) and not isinstance(index, bool) else None
            if etype.endswith("added"):
                self.open_items.add(item["id"])
                self.last_item_type = str(item.get("type"))
                if at is not None:
                    self.added_at[at] = item["id"]
            else:
                added = self.added_at.pop(at, None) if at is not None else None
                if added is not None and added != item["id"]:
                    self._rotated(etype, item["id"], added, done=True)
                    self.open_items.discard(added)
                    self.closed_items.add(added)
                self.open_items.discard(item["id"])
                self.closed_items.add(item["id"])
            return
        if not etype.endswith(".delta"):
            return
        item_id = value.get("item_id")
        if isinstance(item_id, str) and value.get("delta"):
            self.envelope.content(frame)
        if not isinstance(item_id, str) or item_id in self.open_items:
            return
        index = value.get("output_index")
        added = self.added_at.get(index) if isinstance(index, int) else None
        if added is not None and item_id not in self.closed_items:
            self._rotated(etype, item_id, added, done=False)
        elif item_id in self.closed_items:
            self.ctx.report(
                "SC330",
                f"{etype} for item {item_id} after its response.output_item.done",
                path="/item_id",
            )
        elif self.starting_after is None:
            self.ctx.report(
                "SC330",
                f"{etype} for item {item_id}, which no response.output_item.added opened",
                path="/item_id",
            )

    def _rotated(self, etype: str, item_id: str, added: str, *, done: bool) -> None:
        """SC339: an event of the item open at its output_index names another item id (GitHub
        Copilot's Responses endpoint rotates ids per event). openai-python's accumulator finds
        the item by output_index, so rotated deltas reach the app whole (a warning); its
        output_item.done check compares ids and raises (an error)."""
        if done:
            self.ctx.report(
                "SC339",
                f"{etype} closes output item {item_id}, but response.output_item.added "
                f"opened that output_index as {added}: openai-python's responses.stream() "
                "raises RuntimeError('Completed output item identity changed.')",
                path="/item/id",
                severity=Severity.ERROR,
            )
        elif not self.rotation_reported:
            self.rotation_reported = True
            self.ctx.report(
                "SC339",
                f"{etype} names item {item_id}, but its output_index was opened as {added} "
                "(item ids rotated per event, as GitHub Copilot's endpoint does): openai-python "
                "joins by output_index; clients that key by item_id lose the text",
                path="/item_id",
            )

    def _part(self, etype: str, value: dict[str, Any]) -> None:
        """SC332: text events only inside their content (or summary) part."""
        bound = PART_BOUNDS.get(etype)
        family = bound[0] if bound else PART_EVENTS[etype]
        item_id, index = value.get("item_id"), value.get(PART_INDEX[family])
        if not isinstance(item_id, str) or not isinstance(index, int):
            return  # the schema reports a missing or mistyped id or index
        key = (family, item_id, index)
        if bound is not None:
            if bound[1]:
                self.open_parts.add(key)
            else:
                self.open_parts.discard(key)
                self.done_parts.add(key)
            return
        # An item that is not open is SC330's; a resumed stream may have opened the part before
        # its first event.
        if key in self.open_parts or item_id not in self.open_items or key in self.reported_parts:
            return
        where = f"{family} part {index} of item {item_id}"
        if key in self.done_parts:
            self.reported_parts.add(key)
            self.ctx.report(
                "SC332",
                f"{etype} for {where} after the part was done",
                path=f"/{PART_INDEX[family]}",
                severity=Severity.WARNING,
            )
        elif self.starting_after is None:
            self.reported_parts.add(key)
            self.ctx.report(
                "SC332",
                f"{etype} for {where}, which no {PART_OPENER[family]} opened",
                path=f"/{PART_INDEX[family]}",
            )

    def _terminal(self, etype: str, value: dict[str, Any], frame: Frame) -> None:
        self.envelope.ended(etype)
        self._terminal_status(etype, value)
        failure: Any = None
        if etype == "error":
            failure = value
        elif etype == "response.failed":
            response = value.get("response")
            error = response.get("error") if isinstance(response, dict) else None
            failure = {"error": error} if isinstance(error, dict) else {"error": "failed"}
        if failure is None:
            if self.last_item_type == "reasoning":
                reason = ""
                if etype == "response.incomplete":
                    response = value.get("response")
                    details = (
                        response.get("incomplete_details") if isinstance(response, dict) else None
                    )
                    cause = details.get("reason") if isinstance(details, dict) else None
                    reason = f" ({cause})" if cause else ""
                self.ctx.report(
                    "SC335",
                    f"{etype}{reason} arrived with a reasoning item as the last output: no message "
                    "or tool call followed the reasoning",
                )
            return
        report_stream_error(self.ctx, frame, failure, etype)

    def _terminal_status(self, etype: str, value: dict[str, Any]) -> None:
        """SC337: the terminal event's own response status decides whether the answer is whole
        (a mock server sent `response.completed` carrying `status: incomplete`)."""
        if etype != "response.completed":
            return
        response = value.get("response")
        status = response.get("status") if isinstance(response, dict) else None
        if not isinstance(status, str) or status == "completed":
            return  # a missing or mistyped status is the schema's to report
        details = response.get("incomplete_details") if isinstance(response, dict) else None
        reason = details.get("reason") if isinstance(details, dict) else None
        because = f" (incomplete_details.reason {reason!r})" if isinstance(reason, str) else ""
        self.ctx.report(
            "SC337",
            f"response.completed carries response.status {status!r}{because}: the answer is "
            f"not whole, yet the event says it completed",
            path="/response/status",
        )

    def end(self, clean_eof: bool) -> None:
        open_note = f"; item(s) still open: {len(self.open_items)}" if self.open_items else ""
        self.envelope.close(clean_eof, open_note)


@register
class OpenAIResponses(Protocol):
    name = "openai-responses"
    provider = "openai"
    api = "responses"
    framing = "sse"
    tolerated = frozenset({b"[DONE]"})
    aliases = ("responses",)
    error_shapes = ()
    discriminator = "type"
    version_reasons: ClassVar[dict[str, str]] = {
        LEGACY_VERSION: "its events carry no sequence_number, as at the API's launch (2025-03); "
        "current events number every one"
    }

    @classmethod
    def match_request(cls, exchange: Exchange) -> int:
        path = url_parts(exchange.request.url).path.rstrip("/")
        if path.endswith("/responses"):
            return 60
        # GET /v1/responses/{id}?stream=true resumes a background response's stream.
        resumed = path.rsplit("/", 1)[0].endswith("/responses")
        return 60 if resumed and "stream=true" in (exchange.request.url or "") else 0

    @classmethod
    def match_frame(cls, value: Any, event: str | None) -> bool:
        if not isinstance(value, dict):
            return False
        etype = value.get("type")
        if not isinstance(etype, str):
            return False
        if etype.startswith("response.") and ("response" in value or "sequence_number" in value):
            return True
        return etype == "error" and "sequence_number" in value

    @classmethod
    def frame_version(cls, value: Any, current: str | None) -> str | None:
        if isinstance(value, dict) and "type" in value and "sequence_number" not in value:
            return LEGACY_VERSION
        return None

    @classmethod
    def kind(cls, value: Any, event: str | None) -> str | None:
        return type_member(value, event)

    @classmethod
    def stream(cls, ctx: Context) -> StreamState:
        return ResponsesStream(ctx, ctx.resumed_after)

"""Content-block bookkeeping shared by the block-structured grammars, and the SC308 check that
JSON streamed in fragments across deltas joins to a valid value.

Spec: Anthropic "Streaming Messages" (content_block_start / _delta / _stop by `index`, tool input
as `input_json_delta.partial_json` fragments) and the Bedrock ConverseStream events
(contentBlockStart / Delta / Stop by `contentBlockIndex`, `toolUse.input` fragments); PROVIDERS.md
sections 2.4 and 2.9. The fragment check also serves OpenAI chat tool-call and function_call
`arguments` (2.1) and Cohere v2 tool-call `arguments` (2.10): every SDK accumulator concatenates
the fragments and parses the result once the call is complete.

What differs per grammar (how a block starts, which deltas it takes, the wording of a missing
block) stays in the protocol; this module holds what is the same: a block's state, the SC305
delta after a stop, the SC310 double stop and blocks left open, and SC308 at the stop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson

from streamcheck.model import Severity
from streamcheck.protocols.base import Context
from streamcheck.redact import excerpt

# JSON text kept per streamed value (tool input, arguments) to parse once complete. Real values
# are far smaller; past this the value goes unchecked (a text editor tool can stream a whole
# file), so memory stays bounded however long the stream runs.
MAX_JSON = 1 << 20


def check_joined_json(
    ctx: Context, parts: Sequence[str], message: Callable[[str], str], claimed: str | None = None
) -> None:
    """SC308 when `parts`, the fragments of one JSON value, do not join to valid JSON.

    A blank join is no value at all (a tool without arguments streams none, or ""), never a
    finding. `message` turns the parser's reason into the finding's message; it is called only
    on failure. `claimed` is the finish the stream gave the call (`tool_calls`): arguments that
    do not parse under it are an error (severity policy: the clients deliver the call as
    complete, and the app runs a tool it cannot give arguments to; cut off mid-JSON is the
    common case); without such a claim (a stream cut before its finish, which SC303 reports)
    the rule's own severity holds.
    """
    joined = "".join(parts)
    if not joined.strip():
        return
    try:
        orjson.loads(joined)
    except orjson.JSONDecodeError as exc:
        text = message(exc.msg)
        severity = None
        if claimed:
            cut = exc.pos >= len(joined.rstrip()) - 1 and joined.lstrip()[:1] in ("{", "[")
            what = "cut off mid-JSON" if cut else "not JSON"
            text += f"; the stream claims finish {claimed!r}, so the call arrives {what}"
            severity = Severity.ERROR
        ctx.report("SC308", text, evidence=excerpt(joined), severity=severity)


class JsonFragments:
    """The fragments of one JSON value streamed across deltas, up to MAX_JSON characters."""

    __slots__ = ("parts", "size")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def add(self, fragment: str) -> None:
        if self.size > MAX_JSON:
            return  # already too large: this value goes unchecked
        self.size += len(fragment)
        if self.size > MAX_JSON:
            self.parts = []
        else:
            self.parts.append(fragment)

    def parses(self) -> bool:
        """Whether the value so far is blank or valid JSON, so `check` would report nothing
        (asked first, the callers make no message for the usual value that parses)."""
        parts = self.parts
        if not parts:
            return True
        joined = parts[0] if len(parts) == 1 else "".join(parts)
        if not joined or joined.isspace():  # check_joined_json: a blank join is no value
            return True
        try:
            orjson.loads(joined)
        except orjson.JSONDecodeError:
            return False
        return True

    def check(
        self, ctx: Context, message: Callable[[str], str], claimed: str | None = None
    ) -> None:
        """SC308 for the value so far (see check_joined_json), then forget it: checked once."""
        parts, self.parts = self.parts, []
        check_joined_json(ctx, parts, message, claimed)


class Block:
    """One content block: its type, the tool it calls, whether it stopped, its tool input."""

    __slots__ = ("after_stop_reported", "name", "stopped", "tool_input", "type")

    def __init__(self, block_type: str | None, name: str | None = None) -> None:
        self.type = block_type
        self.name = name  # the tool's name, for the SC308 message
        self.stopped = False
        self.after_stop_reported = False
        self.tool_input = JsonFragments()


class Blocks:
    """The content blocks of one message by index, with the findings every block grammar shares.

    `index_key` is the member holding a block's index (`index`, `contentBlockIndex`),
    `stop_event` the event that ends a block, `fragments` what the tool-input fragments are
    called in the SC308 message, and `tool_type` the block type that message names (None: the
    block's own type).
    """

    __slots__ = ("by_index", "ctx", "fragments", "index_key", "stop_event", "tool_type")

    def __init__(
        self,
        ctx: Context,
        *,
        index_key: str,
        stop_event: str,
        fragments: str,
        tool_type: str | None = None,
    ) -> None:
        self.ctx = ctx
        self.by_index: dict[int, Block] = {}
        self.index_key = index_key
        self.stop_event = stop_event
        self.fragments = fragments
        self.tool_type = tool_type

    def index(self, value: dict[str, Any]) -> int | None:
        """The block index an event names; None when absent or not an integer (the schema
        finding says what is wrong)."""
        index = value.get(self.index_key)
        if type(index) is int:  # what a parser gives (asked first: every block event asks)
            return index
        return index if isinstance(index, int) and not isinstance(index, bool) else None

    def after_stop(self, index: int, block: Block) -> bool:
        """Whether `block` already stopped, so a delta for it comes too late (SC305, once per
        block)."""
        if not block.stopped:
            return False
        if not block.after_stop_reported:
            block.after_stop_reported = True
            self.ctx.report(
                "SC305",
                f"delta for content block {index} after its {self.stop_event}",
                path=f"/{self.index_key}",
            )
        return True

    def stop(self, index: int) -> bool:
        """Stop block `index` and check its tool input (SC308); SC310 when it stopped already.
        False when no such block began: the caller words that finding."""
        block = self.by_index.get(index)
        if block is None:
            return False
        if block.stopped:
            self.ctx.report("SC310", f"content block {index} stopped a second time")
            return True
        block.stopped = True
        self.check_tool_input(index, block)
        return True

    def check_tool_input(self, index: int, block: Block) -> None:
        if block.tool_input.parses():  # no text input, or JSON: nothing to report
            block.tool_input.parts = []
            return
        tool = self.tool_type or block.type
        block.tool_input.check(
            self.ctx,
            lambda _reason: (
                f"content block {index} ({tool} {block.name or '?'}): the "
                f"{self.fragments} fragments do not join to valid JSON"
            ),
        )

    def close_open(self, cause: str, *, at_end: bool) -> None:
        """Mark every block without its stop event as stopped and report SC310 once: `cause`
        arrived (a message-level event), or the stream ended."""
        for block in self.by_index.values():
            if not block.stopped:
                break
        else:
            return  # every block stopped (the usual case): no list to sort
        open_blocks = sorted(i for i, b in self.by_index.items() if not b.stopped)
        if not open_blocks:
            return
        for index in open_blocks:
            self.by_index[index].stopped = True
        where = "the stream ended" if at_end else f"{cause} arrived"
        listed = ", ".join(map(str, open_blocks))
        self.ctx.report(
            "SC310",
            f"content block {listed} never got {self.stop_event} before {where}",
            at_end=at_end,
        )

    def check_unstopped(self) -> None:
        """At the end of the stream: the tool input of every block still open (SC308)."""
        for index, block in self.by_index.items():
            if not block.stopped:
                self.check_tool_input(index, block)

"""The tool calls of one OpenAI Chat Completions choice, streamed in fragments.

Spec: openai-openapi `ChatCompletionMessageToolCallChunk` (2.3.0) and the deprecated
`ChatCompletionStreamResponseDelta.function_call`; PROVIDERS.md section 2.1, "Sequence rules".
Each tool call is identified by its `index`; its first fragment carries `id` and
`function.name` (SC318 otherwise), later fragments append to `function.arguments`, and the joined
arguments must parse as JSON once the choice finishes (SC308), as the SDK accumulators do.
"""

from __future__ import annotations

from typing import Any

from streamcheck.protocols.base import Context
from streamcheck.protocols.blocks import JsonFragments

# Tool-call slot used for the deprecated `delta.function_call` (one call per choice, no index).
FUNCTION_CALL = -1


class ToolCalls:
    """One choice's tool calls: names, argument fragments, and which indexes have begun."""

    __slots__ = ("arguments", "ids", "names", "started")

    def __init__(self) -> None:
        # Argument fragments per tool-call index. Kept until the choice finishes: a tool call's
        # arguments are small, and validating them needs the whole string.
        self.arguments: dict[int, JsonFragments] = {}
        self.names: dict[int, str] = {}
        self.started: set[int] = set()  # tool-call indexes seen so far
        self.ids: dict[str, int] = {}  # id -> slot of calls sent without `index` (Mistral)

    def delta(
        self, ctx: Context, delta: dict[str, Any], choice: int, position: int, late: bool = False
    ) -> None:
        """The tool_calls and function_call members of one delta of choice `choice`; `late`:
        after the choice finished (SC305 told), only the arguments are kept for SC308."""
        legacy = delta.get("function_call")
        if isinstance(legacy, dict):
            self.fragment(FUNCTION_CALL, legacy)
        calls = delta.get("tool_calls")
        if not isinstance(calls, list):
            return
        for slot, call in enumerate(calls):
            if not isinstance(call, dict):
                continue
            index = call.get("index", 0) if "index" in call else self._slot(call)
            function = call.get("function")
            if not isinstance(index, int):
                continue
            if index not in self.started and not late:
                self.started.add(index)
                _check_start(ctx, call, choice, index, position, slot)
            if isinstance(function, dict):
                self.fragment(index, function)

    def _slot(self, call: dict[str, Any]) -> int:
        """A call without `index`: Mistral sends each call whole, with its own id, so each id
        is a call of its own (the schema or the client-impact note reports the missing index)."""
        call_id = call.get("id")
        if not isinstance(call_id, str):
            return 0
        if call_id not in self.ids:
            self.ids[call_id] = max(self.started, default=-1) + 1
        return self.ids[call_id]

    def fragment(self, index: int, function: dict[str, Any]) -> None:
        """A later piece of tool call `index` (its `function` member)."""
        if isinstance(function.get("name"), str):
            self.names.setdefault(index, function["name"])
        fragment = function.get("arguments")
        if not isinstance(fragment, str):
            return
        arguments = self.arguments.get(index)
        if arguments is None:
            arguments = self.arguments[index] = JsonFragments()
        arguments.add(fragment)

    def check(self, ctx: Context, choice: int, finish: str | None = None) -> None:
        """SC308 for every call whose arguments do not join to JSON; then forget them.
        `finish` is the choice's finish_reason: under `tool_calls` a bad join is an error."""
        claimed = finish if finish == "tool_calls" else None
        for index, arguments in self.arguments.items():
            if not arguments.parses():  # no message made for arguments that join to JSON
                _check_arguments(ctx, choice, index, arguments, self.names.get(index, "?"), claimed)
        self.arguments.clear()


def _check_start(
    ctx: Context, call: dict[str, Any], choice: int, index: int, position: int, slot: int
) -> None:
    """The first fragment of a tool call names it: the id the app must echo back as
    `tool_call_id`, and the function to run (the `slot`-th call of the delta at choices
    position `position`)."""
    function = call.get("function")
    name = function.get("name") if isinstance(function, dict) else None
    call_id = call.get("id")
    if type(call_id) is str and call_id and type(name) is str and name:
        return  # both named (nearly every start): no list, no path to build
    missing = [
        what
        for what, value in (("id", call_id), ("function.name", name))
        if not isinstance(value, str) or not value
    ]
    if missing:
        ctx.report(
            "SC318",
            f"choice {choice}, tool call {index}: its first fragment has no "
            f"{' and no '.join(missing)}",
            path=f"/choices/{position}/delta/tool_calls/{slot}",
        )


def _check_arguments(
    ctx: Context,
    choice: int,
    index: int,
    arguments: JsonFragments,
    name: str,
    claimed: str | None = None,
) -> None:
    call = "function_call" if index == FUNCTION_CALL else f"tool call {index}"
    count = len(arguments.parts)
    arguments.check(
        ctx,
        lambda reason: (
            f"choice {choice}, {call} ({name}): arguments joined from {count} "
            f"fragments are not valid JSON ({reason})"
        ),
        claimed,
    )

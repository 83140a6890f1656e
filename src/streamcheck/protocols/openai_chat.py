"""OpenAI Chat Completions streaming (`POST /v1/chat/completions`, `stream: true`).

Spec: openai-openapi `CreateChatCompletionStreamResponse` (2.3.0) and PROVIDERS.md section 2.1.
Wire: SSE, one `data: <json>` per event, terminated by `data: [DONE]`.
Grammar (PROVIDERS.md 2.1, "Sequence rules"): role in the first delta of a choice; exactly one
non-null finish_reason per choice index and no content after it; the usage chunk (`choices: []`,
non-null `usage`) once, after every finish, when `stream_options.include_usage` asked for it;
`[DONE]` last with nothing after it; id, model and created constant; tool-call (and deprecated
function_call) argument fragments per index join to valid JSON, and each tool call's first
fragment carries its `id` and `function.name` (ChatCompletionMessageToolCallChunk; those two in
openai_tool_calls.py); a `data:`
object carrying an `error` object is an in-stream error, and a `[DONE]` after it claims a success
that did not happen; a `content_filter` finish is reported, since the stream looks complete.
Schemas: schemas/openai/chat-completions/{2.3.0,2023-11}/ (chunk, error).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from operator import itemgetter
from typing import Any, ClassVar

from streamcheck import errors
from streamcheck.model import Exchange, Frame, Severity
from streamcheck.protocols.base import (
    SENTINEL,
    Context,
    Hint,
    Protocol,
    RepeatPath,
    StreamState,
    register,
    repeated_text,
    report_stream_error,
)
from streamcheck.protocols.openai_tool_calls import ToolCalls

# Not OpenAI values, but real servers send them to mean the generation failed (vLLM, OpenRouter).
FAILED_FINISH = frozenset({"error", "abort"})


class _Choice:
    __slots__ = ("finished", "started", "tools")

    def __init__(self) -> None:
        self.finished: str | None = None
        self.started = False
        self.tools = ToolCalls()


class ChatStream(StreamState):
    # Identity fields that must not change; empty values (Azure filter chunks) are ignored.
    identity: ClassVar[tuple[str, ...]] = ("id", "model", "created")
    # Reads `identity` off a chunk: made once per class, not per stream (KeyError when a
    # member is missing).
    identity_of: ClassVar[itemgetter[Any]] = itemgetter(*identity)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.identity_of = itemgetter(*cls.identity)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.choices: dict[int, _Choice] = {}
        self.done = False
        self.after_done_reported = False
        self.error_seen = False
        self.failed_finish: str | None = None
        self.usage_chunks = 0
        self.after_usage_reported = False
        # Frame index of the first chunk that carried usage next to its choices (Z.ai puts it
        # on the finish chunk, vLLM's continuous_usage_stats on every chunk).
        self.usage_with_choices: int | None = None
        self.first: dict[str, Any] = {}
        self.changed: set[str] = set()
        self.chunks = 0
        self.last_identity: Any = None  # the identity last checked, to skip checking it again
        # The last choice seen, read at the end: a camelCase `finishReason` on it explains a
        # missing finish_reason (Gemini's OpenAI-compatible endpoint did this in 2024).
        self.last_choice: Any = None
        # The hints the hot path returns (without, with an `obfuscation` string), made once.
        content, padding = self._CONTENT, self._OBFUSCATION
        self.content_hints: tuple[Hint, Hint] = (
            ((content,), self._again_content),
            ((content, padding), self._again_content),
        )
        self.call_hints: dict[tuple[int, bool], Hint] = {}  # (tool call, padded)
        # A chunk with no text that may vary (another choice's, a text that is not a string):
        # a repeat is the same bytes; by whether it carries content.
        self.same_hints: tuple[Hint, Hint] = ((), self._again_same), ((), self._again_same_content)

    def frame(self, frame: Frame, value: Any, kind: str | None) -> Hint | None:
        """The hot path first (most chunks of a stream): one choice continuing a started,
        unfinished choice, handled inline (a call per chunk is a few percent of the check).
        Only _identity and ToolCalls can report on such a chunk, and they run; every other
        chunk goes to `_frame`, the reference for the rules. Keep the two in step: a new
        per-chunk rule goes in both, or keeps its chunks off the hot path.

        A content chunk or a later tool-call fragment handled here returns a Hint: a chunk of
        the same bytes but for its text (and `obfuscation`) is handled by `_again_content` or
        `_again_call` without being parsed (check/repeat.py); they do what this path does."""
        if type(value) is not dict or self.done or self.usage_chunks:
            self._frame(frame, value)
            return None
        choices = value.get("choices")
        if type(choices) is not list or len(choices) != 1:
            self._frame(frame, value)
            return None
        choice = choices[0]
        if (
            type(choice) is not dict
            or choice.get("finish_reason") is not None
            or value.get("object") != "chat.completion.chunk"
            or "error" in value  # errors.error_object's shapes go the long way
            or "type" in value
            or "statusCode" in value
            or value.get("usage")  # usage next to choices is tracked the long way
        ):
            self._frame(frame, value)
            return None
        self.last_choice = choice
        index = choice.get("index", 0)
        delta = choice.get("delta")
        state = self.choices.get(index) if type(index) is int else None
        if state is None or not state.started or state.finished is not None:
            self._frame(frame, value)
            return None
        if type(delta) is not dict:
            self._frame(frame, value)
            return None
        self.chunks += 1
        try:
            if self.identity_of(value) != self.last_identity:
                self._identity(value)
        except KeyError:
            self._identity(value)
        calls = delta.get("tool_calls")
        content = delta.get("content")
        if content or calls or delta.get("function_call") or delta.get("refusal"):
            self.content_frames += 1
            if self.first_content_time is None:
                self.first_content_time = frame.time
        if calls is None and "function_call" not in delta:
            if "finishReason" in choice:
                # Read from the last choice at the end (SC303's words): a repeat, which leaves
                # last_choice as it is, would keep another template's.
                return None
            if index == 0 and type(content) is str and not delta.get("refusal"):
                return self.content_hints[type(value.get("obfuscation")) is str]
            # No text that may vary: a repeat is the same bytes.
            return self.same_hints[bool(content or delta.get("refusal"))]
        if type(calls) is list and len(calls) == 1 and "function_call" not in delta:
            call = calls[0]
            # A call without `index` goes the long way: its slot comes from its id (Mistral).
            slot = call.get("index") if type(call) is dict else None
            function = call.get("function") if type(call) is dict else None
            if type(slot) is int and slot in state.tools.started and type(function) is dict:
                state.tools.fragment(slot, function)  # a later fragment of a started call
                if index != 0 or type(function.get("name")) is str or "finishReason" in choice:
                    return None
                return self._call_hint(slot, type(value.get("obfuscation")) is str)
        state.tools.delta(self.ctx, delta, index, 0)
        return None

    # -- a chunk that repeats the last hot one but for its text (check/repeat.py) -------------

    _CONTENT: ClassVar[RepeatPath] = ("choices", 0, "delta", "content")
    _ARGUMENTS: ClassVar[RepeatPath] = (
        *("choices", 0, "delta", "tool_calls", 0, "function", "arguments"),
    )
    _OBFUSCATION: ClassVar[RepeatPath] = ("obfuscation",)  # random padding, on every chunk

    def _again_content(self, frame: Frame, bodies: list[bytes]) -> None:
        """The hot path on a content chunk of choice 0 whose identity, choice and delta are the
        last one's but for the text: a chunk counted, content if the text is not empty."""
        self.chunks += 1
        if bodies[0]:
            self.content_frames += 1
            if self.first_content_time is None:
                self.first_content_time = frame.time
        # last_choice stays as it is: only its finishReason is read, and no choice with one
        # makes a Hint (`frame`).

    def _again_same(self, frame: Frame, bodies: list[bytes]) -> None:
        """The hot path on a chunk without tool calls or text that repeats a hot one byte for
        byte."""
        self.chunks += 1

    def _again_same_content(self, frame: Frame, bodies: list[bytes]) -> None:
        """`_again_same` on a chunk with content (a text that is not a string, say)."""
        self.chunks += 1
        self.content_frames += 1
        if self.first_content_time is None:
            self.first_content_time = frame.time

    def _call_hint(self, slot: int, padded: bool) -> Hint:
        hint = self.call_hints.get((slot, padded))
        if hint is None:
            paths = (self._ARGUMENTS, self._OBFUSCATION) if padded else (self._ARGUMENTS,)
            hint = self.call_hints[slot, padded] = (paths, partial(self._again_call, slot))
        return hint

    def _again_call(self, slot: int, frame: Frame, bodies: list[bytes]) -> None:
        """The hot path on a later fragment of a started tool call of choice 0, the last one's
        but for its arguments: a chunk with content, the fragment kept."""
        self.chunks += 1
        self.content_frames += 1
        if self.first_content_time is None:
            self.first_content_time = frame.time
        self.choices[0].tools.fragment(slot, {"arguments": repeated_text(bodies[0])})

    def full_frame(self, frame: Frame, value: Any, kind: str | None) -> Hint | None:
        """`frame` without its hot path: every chunk through `_frame`, the reference
        (protocols/shortcuts.py swaps it in to prove the hot path changes no finding)."""
        self._frame(frame, value)
        return None

    def _frame(self, frame: Frame, value: Any) -> None:
        if self.done:
            if not self.after_done_reported:
                self.after_done_reported = True
                what = "[DONE]" if value is SENTINEL else "a frame"
                self.ctx.report("SC302", f"{what} arrived after data: [DONE]")
            return
        if value is SENTINEL:
            self._done()
            return
        # An `error` member that is null or absent is no error (some servers send `"error": null`);
        # the flat `{"object": "error"}` shape of vLLM and Mistral is one. A chunk that says it
        # is one and has none of error_object's members is none (the hot path's test).
        if (
            type(value) is not dict
            or value.get("object") != "chat.completion.chunk"
            or "error" in value
            or "type" in value
            or "statusCode" in value
        ) and errors.error_object(value) is not None:
            self._in_stream_error(value, frame)
            return
        if not isinstance(value, dict):
            return
        self.chunks += 1
        try:  # the same identity as the last chunk's: _identity would find nothing new
            if self.identity_of(value) != self.last_identity:
                self._identity(value)
        except KeyError:
            self._identity(value)
        choices = value.get("choices")
        if not isinstance(choices, list):
            return
        if not choices:
            self._empty_choices(value)
            return
        if self.usage_chunks and not self.after_usage_reported:
            self.after_usage_reported = True
            self.ctx.report(
                "SC312",
                "a chunk with choices arrived after the usage chunk; OpenAI sends usage last",
                path="/choices",
            )
        usage = bool(value.get("usage"))
        if usage and self.usage_with_choices is None:
            self.usage_with_choices = frame.index
        for position, choice in enumerate(choices):
            if isinstance(choice, dict):
                self._choice(position, choice, frame, usage)

    def _identity(self, value: dict[str, Any]) -> None:
        # Every chunk repeats the same identity; checking it again would find nothing new.
        try:
            key = self.identity_of(value)
        except KeyError:
            key = None
        if key is not None and key == self.last_identity:
            return
        self.last_identity = key
        for name in self.identity:
            current = value.get(name)
            if current in (None, "", 0):
                continue
            first = self.first.setdefault(name, current)
            if current != first and name not in self.changed:
                self.changed.add(name)
                self.ctx.report(
                    "SC307",
                    f"{name} changed from {first!r} to {current!r}",
                    path=f"/{name}",
                )

    def _empty_choices(self, value: dict[str, Any]) -> None:
        if value.get("usage"):
            self.usage_chunks += 1
            unfinished = [i for i, c in self.choices.items() if not c.finished]
            if self.usage_chunks > 1:
                self.ctx.report("SC312", "a second usage chunk arrived")
            elif unfinished or not self.choices:
                self.ctx.report(
                    "SC312", "the usage chunk arrived before every choice had a finish_reason"
                )
            return
        if "prompt_filter_results" in value or "prompt_annotations" in value:
            label = "Azure prompt-filter chunk"
        elif value.get("moderation"):
            label = "moderation chunk"  # moderated completions: legitimate, after the usage chunk
        else:
            label = "chunk"
        self.ctx.report(
            "SC314",
            f"{label} with choices: [] and no usage; clients reading choices[0] raise IndexError",
            path="/choices",
        )

    def _choice(
        self, position: int, choice: dict[str, Any], frame: Frame, usage: bool = False
    ) -> None:
        self.last_choice = choice
        index = choice.get("index", position)
        if not isinstance(index, int):
            return
        state = self.choices.get(index)
        if state is None:
            state = self.choices[index] = _Choice()
        delta = choice.get("delta")
        finish = choice.get("finish_reason")
        has_content = isinstance(delta, dict) and bool(
            delta.get("content")
            or delta.get("tool_calls")
            or delta.get("function_call")
            or delta.get("refusal")
        )
        if state.finished is not None:
            if finish is not None:
                # The same reason again with nothing new loses no text, only risks a double
                # finalisation: a warning. OpenRouter repeats it on its usage chunk.
                # The same reason again loses nothing (openai-python keeps the last one, and
                # servers that repeat `tool_calls` on every tool-call chunk deliver each call):
                # a warning. A different reason changes the answer's meaning: an error.
                repeat = finish == state.finished
                where = " on the usage chunk" if usage else ""
                self.ctx.report(
                    "SC304",
                    f"choice {index} got finish_reason {finish!r}{where} after {state.finished!r}",
                    path=f"/choices/{position}/finish_reason",
                    severity=Severity.WARNING if repeat else None,
                )
            elif has_content:
                self.ctx.report(
                    "SC305",
                    f"choice {index} got content after finish_reason {state.finished!r}",
                    path=f"/choices/{position}/delta",
                )
            if isinstance(delta, dict):  # clients keep accumulating: end() checks these calls
                state.tools.delta(self.ctx, delta, index, position, late=True)
            return
        if not state.started and isinstance(delta, dict):
            state.started = True
            if "role" not in delta:
                self.ctx.report(
                    "SC306",
                    f"the first delta of choice {index} has no role",
                    path=f"/choices/{position}/delta",
                )
        if has_content:
            self.content_frames += 1
            if self.first_content_time is None:
                self.first_content_time = frame.time
        if isinstance(delta, dict):
            state.tools.delta(self.ctx, delta, index, position)
        if finish is not None:
            state.finished = str(finish)
            if finish in FAILED_FINISH:
                self.failed_finish = str(finish)
            elif finish == "content_filter":
                self.ctx.error_class = self.ctx.error_class or "content-filter"
                self.ctx.report(
                    "SC319",
                    f"choice {index} was cut by the provider's content filter "
                    "(finish_reason 'content_filter'): the text before it is not the whole answer",
                    path=f"/choices/{position}/finish_reason",
                )
            if has_content and delta.get("content"):  # type: ignore[union-attr]
                self.ctx.report(
                    "SC316",
                    f"choice {index}: content arrived in the same chunk as finish_reason",
                    path=f"/choices/{position}/delta/content",
                )
            state.tools.check(self.ctx, index, str(finish))

    def _in_stream_error(self, value: Any, frame: Frame) -> None:
        self.error_seen = True
        report_stream_error(self.ctx, frame, value)

    def _done(self) -> None:
        self.done = True
        if self.error_seen or self.failed_finish:
            what = (
                "an in-stream error" if self.error_seen else f"finish_reason {self.failed_finish!r}"
            )
            self.ctx.report("SC404", f"data: [DONE] followed {what}")
            return
        if self._usage_requested() and not self.usage_chunks and self.choices:
            if self.usage_with_choices is not None:
                self.ctx.report(
                    "SC312",
                    f"usage came on chunk {self.usage_with_choices} next to its choices, not on "
                    "a final chunk of its own (choices: []); clients that read usage only from "
                    "that chunk record none",
                )
            else:
                self.ctx.report(
                    "SC317",
                    "the request set stream_options.include_usage but no usage chunk "
                    "(choices: [], usage: {...}) came before data: [DONE]",
                )

    def _usage_requested(self) -> bool:
        options = self.ctx.request.get("stream_options")
        return isinstance(options, dict) and options.get("include_usage") is True

    def end(self, clean_eof: bool) -> None:
        for index, state in self.choices.items():
            # Also calls that arrived with or after the finish (servers that repeat it on
            # every tool-call chunk): their arguments were never checked.
            state.tools.check(self.ctx, index, state.finished)
        if self.error_seen:
            return  # the error is the story; a missing [DONE] after it is expected
        unfinished = [i for i, c in self.choices.items() if c.finished is None]
        unfinished.sort()
        if unfinished:
            camel = self.last_choice.get("finishReason") if type(self.last_choice) is dict else None
            self.ctx.report(
                "SC303",
                f"choice {', '.join(map(str, unfinished))} never got a non-null finish_reason"
                + (f" (the last chunk says finishReason {camel!r} instead)" if camel else ""),
                at_end=True,
                hint="The server spells the key in camelCase, as Gemini's OpenAI-compatible "
                "endpoint did in beta: clients read finish_reason and wait for an end that never "
                "comes. Report it to the server; until then, map finishReason yourself."
                if camel
                else None,
            )
        elif not self.choices and self.chunks:
            self.ctx.report("SC303", "no chunk carried a choice, so no finish_reason", at_end=True)
        elif not self.choices and self.done:
            # A gateway that swallowed an upstream failure and closed with a clean terminator.
            self.ctx.report(
                "SC303",
                "data: [DONE] arrived before any chunk: no answer and no finish_reason",
                at_end=True,
            )
        if not self.done and (self.chunks or self.choices):
            if self.choices and not unfinished and self.ctx.dialect:
                # Every choice finished on a server that is not OpenAI's: several such servers
                # send no [DONE] (Perplexity, GPUStack, TGI) and openai-python ends at EOF with
                # the whole answer, so the missing sentinel is harmless to the official client.
                # From OpenAI, which documents [DONE], or from a body that names no server, the
                # absence is a cut after the finish chunk (the usage chunk may be lost with it),
                # unless its chunks showed another server's shape (ctx.dialect).
                self.ctx.report(
                    "SC301",
                    "the stream ended without data: [DONE] after every choice had finished; "
                    "the official clients deliver the whole answer, clients that wait for "
                    "[DONE] do not",
                    at_end=True,
                    severity=Severity.WARNING,
                )
            else:
                self.ctx.report("SC301", "the stream ended without data: [DONE]", at_end=True)

    def finished(self) -> bool | None:
        """Every choice got its finish_reason (a relay over WebSocket may not forward
        `[DONE]`), or an in-stream error ended the answer; None before any chunk."""
        if self.error_seen:
            return True
        if not self.choices:
            return False if self.chunks else None
        return all(c.finished is not None for c in self.choices.values())


@register
class OpenAIChat(Protocol):
    name = "openai-chat"
    provider = "openai"
    api = "chat-completions"
    framing = "sse"
    sentinels = frozenset({b"[DONE]"})
    terminator = b"[DONE]"
    aliases = ("openai-compatible",)
    error_shapes = ("openai", "vllm")
    discriminator = "object"
    discriminated: ClassVar[Mapping[str, str]] = {"chat.completion.chunk": "chunk"}

    @classmethod
    def match_request(cls, exchange: Exchange) -> int:
        url = exchange.request.url or ""
        path = url.split("?", 1)[0]
        return 50 if path.endswith("/chat/completions") else 0

    @classmethod
    def match_frame(cls, value: Any, event: str | None) -> bool:
        if not isinstance(value, dict):
            return False
        if value.get("object") in ("chat.completion.chunk", "chat.completion"):
            return True
        choices = value.get("choices")
        return (
            isinstance(choices, list)
            and bool(choices)
            and isinstance(choices[0], dict)
            and ("delta" in choices[0])
        )

    @classmethod
    def kind(cls, value: Any, event: str | None) -> str | None:
        if not isinstance(value, dict):
            return "chunk"
        obj = value.get("object")
        if obj == "chat.completion.chunk":  # what it says it is, even with an `error` member
            return "chunk"
        if "error" in value and "choices" not in value:
            return "error"
        if obj is None or "choices" in value:
            return "chunk"
        return str(obj)

    @classmethod
    def stream(cls, ctx: Context) -> StreamState:
        weigh_by_client(ctx)
        return ChatStream(ctx)


def weigh_by_client(ctx: Context) -> None:
    """A server that is not OpenAI's gets its schema differences weighed by what openai-python
    does with them (openai_client_impact), not reported as OpenAI's own defects."""
    if ctx.named:
        return  # named as OpenAI's (--provider, --api-version, a live OpenAI target): strict
    from streamcheck.protocols import openai_client_impact as impact

    if not impact.held_to_openai_schema(ctx.url):
        ctx.dialect = ctx.url is not None and not impact.local(ctx.url)
        ctx.emit = impact.judged_by_client_impact(ctx)

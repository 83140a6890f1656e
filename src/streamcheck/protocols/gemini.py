"""Google Gemini `models.streamGenerateContent` (Gemini API and Vertex AI).

Spec: Gemini API reference, `GenerateContentResponse`, `Candidate.FinishReason`,
`PromptFeedback.BlockReason`, `UsageMetadata` (ai.google.dev/api/generate-content); Google API
error model (google.rpc.Status, cloud.google.com/apis/design/errors); PROVIDERS.md section 2.5.
Wire: `?alt=sse` gives SSE with one `data: <json>` per chunk and no sentinel; without `alt` the
body is one JSON array streamed element by element (streamcheck.wire.jsonarray). Every chunk is
a whole `GenerateContentResponse`. The API version is the URL path segment (`v1`, `v1beta`;
Vertex `v1beta1` uses the v1beta schemas).
Grammar: every candidate gets exactly one `finishReason`, on its last chunk; nothing for that
candidate after it; `responseId` and `modelVersion` constant. (Usage counts are NOT checked for
monotonicity: real streams lower `promptTokenCount` and `totalTokenCount` on later chunks.) A
prompt blocked with `promptFeedback.blockReason` (HTTP 200, no candidates) and an answer cut by a
safety-class `finishReason` are reported because clients see them as empty answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar
from urllib.parse import unquote

from streamcheck.model import Exchange, Finding, Frame, Severity
from streamcheck.protocols.base import (
    Context,
    Protocol,
    StreamState,
    register,
    report_stream_error,
    url_parts,
)

NORMAL_FINISH = frozenset({"STOP", "MAX_TOKENS"})
# Every finishReason Google documents (google-genai 1.x `types.FinishReason`, a superset of
# the shipped schemas' enum). Only these say how an answer stopped: a value outside them (a
# mock's `FUNCTION_CALL` after a whole function call) is SC205's unknown value, and google-genai
# delivers the candidate with a warning, so SC407 would claim a cut nobody saw.
DOCUMENTED_FINISH = frozenset(
    {
        "FINISH_REASON_UNSPECIFIED",
        "STOP",
        "MAX_TOKENS",
        "SAFETY",
        "RECITATION",
        "LANGUAGE",
        "OTHER",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "MALFORMED_FUNCTION_CALL",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_OTHER",
        "NO_IMAGE",
        "IMAGE_RECITATION",
        "UNEXPECTED_TOOL_CALL",
        "TOO_MANY_TOOL_CALLS",
        "MISSING_THOUGHT_SIGNATURE",
        "MALFORMED_RESPONSE",
        "ESCALATION",
        "PUP_LIMITED_DISABLED",
        "CONTINUATION",
        "MODEL_ARMOR",
    }
)
# Finish reasons meaning a filter stopped the answer (the rest is a tool or model failure).
FILTER_FINISH = frozenset(
    {
        "SAFETY",
        "RECITATION",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
        "MODEL_ARMOR",
        "LANGUAGE",
    }
)
_VERSION = re.compile(r"^/(?:upload/)?(v\d+(?:alpha|beta)?\d*)/")


class _Candidate:
    __slots__ = ("after_reported", "calling", "finished", "pieces_reported", "text")

    def __init__(self) -> None:
        self.finished: str | None = None
        self.text = 0  # characters of text (not thoughts) received
        self.after_reported = False
        # The name of a function call whose arguments stream in pieces, while it is open.
        self.calling: str | None = None
        self.pieces_reported = False


class GeminiStream(StreamState):
    identity = ("responseId", "modelVersion")

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.candidates: dict[int, _Candidate] = {}
        self.chunks = 0
        self.error_seen = False
        self.blocked = False
        self.first: dict[str, Any] = {}
        self.changed: set[str] = set()

    def frame(self, frame: Frame, value: Any, kind: str | None) -> None:
        if isinstance(value, list) and len(value) == 1:
            value = value[0]  # an error wrapped in an array inside the array form
        if not isinstance(value, dict):
            return
        if "error" in value:
            self._error(value, frame)
            return
        self.chunks += 1
        self._identity(value)
        feedback = value.get("promptFeedback")
        if isinstance(feedback, dict) and feedback.get("blockReason"):
            self._blocked(str(feedback["blockReason"]))
        candidates = value.get("candidates")
        if isinstance(candidates, list):
            for position, candidate in enumerate(candidates):
                if isinstance(candidate, dict):
                    self._candidate(position, candidate, frame)

    def _identity(self, value: dict[str, Any]) -> None:
        for name in self.identity:
            current = value.get(name)
            if current in (None, ""):
                continue
            first = self.first.setdefault(name, current)
            if current != first and name not in self.changed:
                self.changed.add(name)
                self.ctx.report(
                    "SC307", f"{name} changed from {first!r} to {current!r}", path=f"/{name}"
                )

    def _blocked(self, reason: str) -> None:
        self.blocked = True
        self.ctx.error_class = "content-filter"
        self.ctx.report(
            "SC406",
            f"the prompt was blocked (promptFeedback.blockReason {reason}); no answer follows",
            path="/promptFeedback/blockReason",
        )

    def _candidate(self, position: int, candidate: dict[str, Any], frame: Frame) -> None:
        index = candidate.get("index", position)
        if not isinstance(index, int):
            return
        state = self.candidates.get(index)
        if state is None:
            state = self.candidates[index] = _Candidate()
        text = self._text(candidate)
        finish = candidate.get("finishReason")
        if state.finished is not None:
            if finish is not None and not state.after_reported:
                state.after_reported = True
                # The same reason again changes nothing a client reads (google-genai hands each
                # chunk over as it is): a warning. Another reason is an error.
                self.ctx.report(
                    "SC304",
                    f"candidate {index} got finishReason {finish!r} after {state.finished!r}",
                    path=f"/candidates/{position}/finishReason",
                    severity=Severity.WARNING if finish == state.finished else None,
                )
            elif text and not state.after_reported:
                state.after_reported = True
                self.ctx.report(
                    "SC305",
                    f"candidate {index} got content after finishReason {state.finished!r}",
                    path=f"/candidates/{position}/content",
                )
            return
        if text:
            state.text += text
            self.content_frames += 1
            if self.first_content_time is None:
                self.first_content_time = frame.time
            self._calls(index, position, candidate, state)
        if finish is None:
            return
        state.finished = str(finish)
        if state.calling is not None and not state.pieces_reported:
            state.pieces_reported = True
            self.ctx.report(
                "SC338",
                f"candidate {index} finished ({state.finished}) while function call "
                f"{state.calling!r} was still streaming its arguments (willContinue: true)",
                path=f"/candidates/{position}/finishReason",
            )
        if state.finished in NORMAL_FINISH or state.finished == "FINISH_REASON_UNSPECIFIED":
            return
        if state.finished not in DOCUMENTED_FINISH:
            return  # SC205 names the unknown value; nothing says the answer was cut
        filtered = state.finished in FILTER_FINISH
        if filtered:
            self.ctx.error_class = "content-filter"
        empty = "with no text" if not state.text else f"after {state.text} characters"
        self.ctx.report(
            "SC407",
            f"candidate {index} stopped with finishReason {state.finished} {empty}",
            path=f"/candidates/{position}/finishReason",
            hint=(
                "A safety or recitation filter cut the answer; the text so far is incomplete."
                if filtered
                else "The model or a tool call failed; the answer is incomplete."
            ),
        )

    def _calls(
        self, index: int, position: int, candidate: dict[str, Any], state: _Candidate
    ) -> None:
        """SC338: function calls whose arguments stream in pieces (streamFunctionCallArguments).
        A named call with `willContinue: true` opens one; nameless pieces (`partialArgs`, an
        empty `{}`) continue it; the piece without `willContinue: true` closes it."""
        parts = candidate["content"]["parts"]  # _text found them
        for number, part in enumerate(parts):
            call = part.get("functionCall") if isinstance(part, dict) else None
            if not isinstance(call, dict):
                continue
            more = call.get("willContinue") is True
            name = call.get("name")
            if name:
                state.calling = str(name) if more else None
            elif call and "partialArgs" not in call and "willContinue" not in call:
                continue  # a whole call without its name: the schema's SC201
            elif state.calling is not None:
                state.calling = state.calling if more else None
            elif not state.pieces_reported:
                state.pieces_reported = True
                self.ctx.report(
                    "SC338",
                    f"candidate {index} got a piece of a function call (no name) when no "
                    "call was open: no earlier functionCall with a name and willContinue: true",
                    path=f"/candidates/{position}/content/parts/{number}/functionCall",
                )

    @staticmethod
    def _text(candidate: dict[str, Any]) -> int:
        content = candidate.get("content")
        parts = content.get("parts") if isinstance(content, dict) else None
        if not isinstance(parts, list):
            return 0
        size = 0
        for part in parts:
            if not isinstance(part, dict):
                continue
            text = part.get("text")
            if isinstance(text, str) and not part.get("thought"):
                size += len(text)
            elif "functionCall" in part or "inlineData" in part or "executableCode" in part:
                size += 1
        return size

    def _error(self, value: dict[str, Any], frame: Frame) -> None:
        self.error_seen = True
        report_stream_error(self.ctx, frame, value)

    def end(self, clean_eof: bool) -> None:
        if self.error_seen or self.blocked:
            return
        unfinished = sorted(i for i, c in self.candidates.items() if c.finished is None)
        if unfinished:
            self.ctx.report(
                "SC303",
                f"candidate {', '.join(map(str, unfinished))} never got a finishReason: the "
                "stream was cut (Gemini sends no other terminator)",
                at_end=True,
            )
        elif self.chunks and not self.candidates:
            self.ctx.report(
                "SC303", "no chunk carried a candidate, and the prompt was not blocked", at_end=True
            )


@register
class Gemini(Protocol):
    name = "gemini"
    provider = "gemini"
    api = "stream-generate-content"
    framing = "sse"
    line_delivered = True  # google-genai reads `data:` lines, not SSE events
    aliases = ("google", "google-gemini", "vertex-ai", "vertex")
    error_shapes = ("google",)
    # Vertex AI's v1beta1 and the Gemini API's v1alpha stream the v1beta shape.
    version_aliases: ClassVar[dict[str, str]] = {"v1beta1": "v1beta", "v1alpha": "v1beta"}

    @classmethod
    def match_request(cls, exchange: Exchange) -> int:
        path = url_parts(exchange.request.url).path
        return 80 if path.endswith(":streamGenerateContent") else 0

    @classmethod
    def match_frame(cls, value: Any, event: str | None) -> bool:
        if not isinstance(value, dict):
            return False
        candidates = value.get("candidates")
        if isinstance(candidates, list):
            return not candidates or (
                isinstance(candidates[0], dict) and "delta" not in candidates[0]
            )
        return isinstance(value.get("promptFeedback"), dict) or (
            isinstance(value.get("usageMetadata"), dict) and "modelVersion" in value
        )

    @classmethod
    def version(cls, exchange: Exchange) -> str | None:
        match = _VERSION.match(url_parts(exchange.request.url).path)
        return match.group(1) if match else None

    @classmethod
    def requested_framing(cls, exchange: Exchange) -> tuple[str, str] | None:
        url = exchange.request.url
        if not url or not url_parts(url).path.endswith(":streamGenerateContent"):
            return None
        if "alt=sse" in url:
            return "sse", "its URL has alt=sse"
        return "jsonarray", "its URL has no alt=sse"

    @classmethod
    def kind(cls, value: Any, event: str | None) -> str | None:
        if isinstance(value, dict) and "error" in value:
            return "error"
        return "chunk"

    @classmethod
    def stream(cls, ctx: Context) -> StreamState:
        ctx.emit = _weighed(ctx.emit, _int_enums(ctx.url))
        return GeminiStream(ctx)


_INT_ENUM = re.compile(r": \d+ is not (?:of type 'string'|one of \[)")
_NULL = re.compile(r": None is not of type '(?:object|integer|array|string)'")


def _int_enums(url: str | None) -> bool:
    """Whether the request asked for enums as numbers (`$alt=json;enum-encoding=int`, what the
    Go and other gapic clients send): then `probability: 1` is the asked-for spelling."""
    return "enum-encoding=int" in unquote(url or "")


def _weighed(emit: Callable[[Finding], None], int_enums: bool) -> Callable[[Finding], None]:
    """SC201 weighed by what the clients do: numeric enums the request asked for are no finding;
    a null where a member is optional is harmless to google-genai (every field of its types
    is Optional), so a warning."""

    def weighed(finding: Finding) -> None:
        if finding.code == "SC201" and finding.severity > Severity.WARNING:
            if int_enums and _INT_ENUM.search(finding.message):
                return
            if _NULL.search(finding.message):
                hint = "google-genai reads every member as optional: a null is delivered as None."
                finding = replace(finding, severity=Severity.WARNING, hint=hint)
        emit(finding)

    return weighed

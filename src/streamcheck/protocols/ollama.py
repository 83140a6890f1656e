"""Ollama's native streaming API: `POST /api/chat` and `POST /api/generate`.

Spec: ollama/ollama `docs/api.md` ("Generate a completion", "Generate a chat completion",
"Errors"); PROVIDERS.md section 2.6. Streaming is the default (`stream` omitted means true).
Wire: NDJSON (`application/x-ndjson`), one JSON object per line, no sentinel: the last object has
`done: true` (with `done_reason` and timing statistics), then EOF. Errors before streaming are an
HTTP status with `{"error": "<text>"}`; after streaming started the status stays 200 and an
`{"error": "<text>"}` line ends the stream.
Grammar: exactly one `done: true` object and it is last; nothing after it or after an error line;
`model` constant; `done_reason` on the final object (older servers omit it: info only); a
`prompt_eval_count` that reaches the request's `num_ctx` means the prompt was silently cut.
"""

from __future__ import annotations

from typing import Any

from streamcheck.model import Exchange, Frame
from streamcheck.protocols.base import (
    Context,
    Protocol,
    StreamState,
    register,
    report_stream_error,
    url_parts,
)


class OllamaStream(StreamState):
    def __init__(self, ctx: Context, field: str) -> None:
        super().__init__(ctx)
        self.field = field  # "message" (chat) or "response" (generate)
        self.objects = 0
        self.done: str | None = None  # "done" or "error" once the stream has ended
        self.after_reported = False
        self.model: str | None = None
        self.model_reported = False

    def frame(self, frame: Frame, value: Any, kind: str | None) -> None:
        if not isinstance(value, dict):
            return
        if self.done is not None:
            if not self.after_reported:
                self.after_reported = True
                what = "an error line" if self.done == "error" else "the done: true object"
                self.ctx.report("SC302", f"an object arrived after {what}")
            return
        if "error" in value:
            self._error(value, frame)
            return
        self.objects += 1
        self._model(value.get("model"))
        if self._has_content(value):
            self.content_frames += 1
            if self.first_content_time is None:
                self.first_content_time = frame.time
        if value.get("done") is True:
            self.done = "done"
            if "done_reason" not in value:
                self.ctx.report(
                    "SC333",
                    "the final object has no done_reason",
                    hint="Ollama before mid-2024 did not send it; upgrade the server if the client "
                    "needs to tell a length stop from a normal one.",
                )
            self._context_filled(value)

    def _context_filled(self, final: dict[str, Any]) -> None:
        """SC336: Ollama silently cuts a prompt longer than num_ctx; a prompt_eval_count that
        reaches the requested num_ctx says it did."""
        options = self.ctx.request.get("options")
        limit = options.get("num_ctx") if isinstance(options, dict) else None
        count = final.get("prompt_eval_count")
        if type(limit) is int and type(count) is int and 0 < limit <= count:
            self.ctx.report(
                "SC336",
                f"prompt_eval_count {count} reached the request's num_ctx {limit}: the prompt was "
                "probably cut to fit the context window",
                path="/prompt_eval_count",
            )

    def _model(self, model: Any) -> None:
        if not isinstance(model, str) or self.model_reported:
            return
        if self.model is None:
            self.model = model
        elif model != self.model:
            self.model_reported = True
            self.ctx.report(
                "SC307", f"model changed from {self.model!r} to {model!r}", path="/model"
            )

    def _has_content(self, value: dict[str, Any]) -> bool:
        if self.field == "response":
            return bool(value.get("response"))
        message = value.get("message")
        return isinstance(message, dict) and bool(
            message.get("content") or message.get("tool_calls")
        )

    def _error(self, value: dict[str, Any], frame: Frame) -> None:
        self.done = "error"
        report_stream_error(self.ctx, frame, value, "error line")

    def end(self, clean_eof: bool) -> None:
        if self.done is None and self.objects:
            self.ctx.report(
                "SC301", "the stream ended without an object with done: true", at_end=True
            )


class _Ollama(Protocol):
    provider = "ollama"
    framing = "ndjson"
    error_shapes = ("ollama",)
    field = "response"

    @classmethod
    def match_request(cls, exchange: Exchange) -> int:
        path = url_parts(exchange.request.url).path.rstrip("/")
        return 90 if path.endswith(f"/api/{cls.api}") else 0

    @classmethod
    def match_frame(cls, value: Any, event: str | None) -> bool:
        return (
            isinstance(value, dict)
            and "done" in value
            and "created_at" in value
            and cls.field in value
        )

    @classmethod
    def version(cls, exchange: Exchange) -> str | None:
        return "api"

    @classmethod
    def kind(cls, value: Any, event: str | None) -> str | None:
        if isinstance(value, dict):
            if "error" in value:
                return "error"
            if value.get("done") is True:
                return "final"
        return "chunk"

    @classmethod
    def stream(cls, ctx: Context) -> StreamState:
        return OllamaStream(ctx, cls.field)


@register
class OllamaChat(_Ollama):
    name = "ollama-chat"
    api = "chat"
    field = "message"


@register
class OllamaGenerate(_Ollama):
    name = "ollama-generate"
    api = "generate"
    field = "response"

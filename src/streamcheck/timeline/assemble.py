"""The answer a stream's frames add up to: its text and tool calls, per API.

Only the delta shapes of APIs streamcheck knows are read, and only where the frame has the
expected types (a damaged frame adds nothing here: the checker reports it). This is what the
HTML report shows beside the timeline; `check --client` shows what an SDK made of the same
frames, which is the authority when the two differ.
"""

from __future__ import annotations

from typing import Any

import orjson

LIMIT = 100_000  # characters gathered before the caller caps what it keeps
REALTIME_TEXT = (
    "response.output_text.delta",
    "response.text.delta",
    "response.output_audio_transcript.delta",
    "response.audio_transcript.delta",
)


def _at(value: object, *path: str) -> object:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


class Assembler:
    """Gathers text and tool calls from parsed frames of one exchange."""

    def __init__(self, provider: str | None, api: str | None) -> None:
        self.provider = provider
        self.api = api
        self._text: list[str] = []
        self._size = 0
        # key -> [name, arguments pieces, id]: by index (chat), item id (responses), block
        # index (messages), order (gemini)
        self._calls: dict[object, list[Any]] = {}

    def take(self, kind: str, value: object) -> None:
        if not isinstance(value, dict):
            return
        api = self.api
        if api == "chat-completions":
            self._chat(value)
        elif api == "responses":
            self._responses(kind, value)
        elif api == "messages":
            self._messages(value)
        elif api == "stream-generate-content":
            self._gemini(value)
        elif self.provider == "ollama":
            message = value.get("message")
            if isinstance(message, dict):
                self._add(message.get("content"))
            self._add(value.get("response"))
        elif self.provider == "cohere" and value.get("type") == "content-delta":
            self._add(_at(value, "delta", "message", "content", "text"))
        elif api == "converse-stream":
            self._add(_at(value, "delta", "text"))
        elif (api == "ui-message-stream" and value.get("type") == "text-delta") or (
            api == "realtime" and kind in REALTIME_TEXT
        ):
            self._add(value.get("delta"))

    def text(self) -> str:
        return "".join(self._text)

    def calls(self) -> list[tuple[str | None, str, str | None]]:
        return [(name, "".join(pieces), call_id) for name, pieces, call_id in self._calls.values()]

    def _add(self, piece: object) -> None:
        if isinstance(piece, str) and piece and self._size < LIMIT:
            self._text.append(piece)
            self._size += len(piece)

    def _call(
        self, key: object, name: object = None, piece: object = None, id: object = None
    ) -> None:
        if key not in self._calls:
            if len(self._calls) >= 100:
                return
            self._calls[key] = [None, [], None]
        call = self._calls[key]
        if isinstance(name, str) and name:
            call[0] = name
        if isinstance(id, str) and id:
            call[2] = id
        if isinstance(piece, str) and sum(map(len, call[1])) < LIMIT:
            call[1].append(piece)

    def _chat(self, value: dict[str, Any]) -> None:
        choices = value.get("choices")
        if not isinstance(choices, list):
            return
        for choice in choices:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta")
            if not isinstance(delta, dict):
                continue
            self._add(delta.get("content"))
            for call in delta.get("tool_calls") or ():
                if isinstance(call, dict):
                    function = call.get("function")
                    function = function if isinstance(function, dict) else {}
                    key = call.get("index", call.get("id"))
                    key = key if isinstance(key, int | str) else len(self._calls)
                    self._call(key, function.get("name"), function.get("arguments"), call.get("id"))

    def _responses(self, kind: str, value: dict[str, Any]) -> None:
        if kind == "response.output_text.delta":
            self._add(value.get("delta"))
        elif kind == "response.output_item.added":
            item = value.get("item")
            if isinstance(item, dict) and item.get("type") == "function_call":
                key = item.get("id")
                if isinstance(key, str):
                    self._call(key, item.get("name"), None, item.get("call_id"))
        elif kind == "response.function_call_arguments.delta":
            key = value.get("item_id")
            if isinstance(key, str):
                self._call(key, None, value.get("delta"))

    def _messages(self, value: dict[str, Any]) -> None:
        kind = value.get("type")
        index = value.get("index")
        if kind == "content_block_start":
            block = value.get("content_block")
            if isinstance(block, dict) and block.get("type") == "tool_use":
                self._call(("block", index), block.get("name"), None, block.get("id"))
        elif kind == "content_block_delta":
            delta = value.get("delta")
            if not isinstance(delta, dict):
                return
            if delta.get("type") == "text_delta":
                self._add(delta.get("text"))
            elif delta.get("type") == "input_json_delta" and ("block", index) in self._calls:
                self._call(("block", index), None, delta.get("partial_json"))

    def _gemini(self, value: dict[str, Any]) -> None:
        candidates = value.get("candidates")
        if not isinstance(candidates, list) or not candidates:
            return
        first = candidates[0]
        content = first.get("content") if isinstance(first, dict) else None
        parts = content.get("parts") if isinstance(content, dict) else None
        for part in parts if isinstance(parts, list) else ():
            if not isinstance(part, dict) or part.get("thought") is True:
                continue
            self._add(part.get("text"))
            call = part.get("functionCall")
            if isinstance(call, dict):
                args = call.get("args")
                text = orjson.dumps(args).decode() if args is not None else ""
                self._call(("part", len(self._calls)), call.get("name"), text, call.get("id"))

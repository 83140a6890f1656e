"""anthropic-python: `client.messages.create(stream=True)` iterated as an application does,
over the recording.

The app's view, as the SDK's docs show it: text from `content_block_delta` events with a
`text_delta`, tool calls from `content_block_start` (a `tool_use` block's id and name) and their
`input_json_delta` parts concatenated, the stop reason from `message_delta.delta.stop_reason`.
"""

from __future__ import annotations

from typing import Any

from streamcheck.clients.openai_python import Seen
from streamcheck.clients.transport import Recording, client_for, http_module
from streamcheck.model import ClientCall

FAKE_KEY = "sk-ant-streamcheck-replay-no-key"  # never a real key: the replay sends nothing
BASE_URL = "http://127.0.0.1:9"  # no request leaves the process (a mock transport)
DEFAULT_MODEL = "claude-3-5-haiku-20241022"


def version() -> str:
    import anthropic

    return str(anthropic.__version__)


def replay(
    recording: Recording, api: str | None, request: Any, timeout: float | None
) -> tuple[Seen, BaseException | None]:
    import anthropic

    http = http_module(anthropic)
    seen = Seen()
    options: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
    body = request if isinstance(request, dict) else {}
    named = body.get("model")
    model = named if isinstance(named, str) else DEFAULT_MODEL
    probe = anthropic.Anthropic(api_key=FAKE_KEY, base_url=BASE_URL, max_retries=0, **options)
    read = getattr(probe.timeout, "read", probe.timeout)
    probe.close()
    read_timeout = float(read) if isinstance(read, int | float) else None
    error: BaseException | None = None
    with client_for(http, recording, read_timeout) as http_client:
        client = anthropic.Anthropic(
            api_key=FAKE_KEY, base_url=BASE_URL, http_client=http_client, max_retries=0, **options
        )
        try:
            _messages(client, model, seen)
        except Exception as exc:  # what the app's try/except would see
            error = exc
    return seen, error


def _messages(client: Any, model: str, seen: Seen) -> None:
    with client.messages.create(
        model=model,
        max_tokens=64,
        messages=[{"role": "user", "content": "ping"}],
        stream=True,
    ) as stream:
        for event in stream:
            seen.items += 1
            kind = getattr(event, "type", "")
            if kind == "content_block_start" and event.content_block.type == "tool_use":
                block = event.content_block
                seen.calls[event.index] = ClientCall(name=block.name, arguments="", id=block.id)
            elif kind == "content_block_delta":
                delta = event.delta
                if delta.type == "text_delta":
                    seen.text += delta.text
                elif delta.type == "input_json_delta" and event.index in seen.calls:
                    seen.calls[event.index].arguments += delta.partial_json
            elif kind == "message_delta":
                seen.finish = event.delta.stop_reason or seen.finish

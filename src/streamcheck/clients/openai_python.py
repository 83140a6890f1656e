"""openai-python: `client.chat.completions.create(stream=True)` (or `client.responses.create`)
iterated as an application does, over the recording.

The app's view, as the SDK's docs show it: text is `choices[0].delta.content` concatenated,
tool calls are `delta.tool_calls` merged by `index` (id and name from the first delta, the
arguments concatenated), the finish is the last non-null `choices[0].finish_reason`. For the
Responses API: `response.output_text.delta` events, function calls from `output_item.added` and
`function_call_arguments.delta`, the finish from `response.completed` / `incomplete` / `failed`.
"""

from __future__ import annotations

from typing import Any

from streamcheck.clients.transport import Recording, client_for, http_module
from streamcheck.model import ClientCall

FAKE_KEY = "sk-streamcheck-replay-no-key-0000"  # never a real key: the replay sends nothing
BASE_URL = "http://127.0.0.1:9/v1"  # no request leaves the process (a mock transport)
DEFAULT_MODEL = "gpt-4o-mini"


class Seen:
    """What the app accumulated, whatever happened next."""

    def __init__(self) -> None:
        self.text = ""
        self.calls: dict[int, ClientCall] = {}
        self.finish: str | None = None
        self.items = 0


def version() -> str:
    import openai

    return str(openai.__version__)


def replay(
    recording: Recording, api: str | None, request: Any, timeout: float | None
) -> tuple[Seen, BaseException | None]:
    import openai

    http = http_module(openai)
    seen = Seen()
    options: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
    body = request if isinstance(request, dict) else {}
    named = body.get("model")
    model = named if isinstance(named, str) else DEFAULT_MODEL
    probe = openai.OpenAI(api_key=FAKE_KEY, base_url=BASE_URL, max_retries=0, **options)
    read_timeout = _read_timeout(probe.timeout)
    probe.close()
    error: BaseException | None = None
    with client_for(http, recording, read_timeout) as http_client:
        client = openai.OpenAI(
            api_key=FAKE_KEY, base_url=BASE_URL, http_client=http_client, max_retries=0, **options
        )
        try:
            if api == "responses":
                _responses(client, model, seen)
            else:
                _chat(client, model, seen)
        except Exception as exc:  # what the app's try/except would see
            error = exc
    return seen, error


def _chat(client: Any, model: str, seen: Seen) -> None:
    with client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "ping"}], stream=True
    ) as stream:
        for chunk in stream:
            seen.items += 1
            for choice in chunk.choices or []:
                if choice.index != 0:
                    continue
                delta = choice.delta
                if delta is not None:
                    seen.text += delta.content or ""
                    for call in delta.tool_calls or []:
                        _merge(seen, call.index, call.id, call.function)
                seen.finish = choice.finish_reason or seen.finish


def _merge(seen: Seen, index: int, call_id: str | None, function: Any) -> None:
    known = seen.calls.get(index)
    if known is None:
        known = seen.calls[index] = ClientCall(name=None, arguments="", id=call_id)
    if function is not None:
        known.name = known.name or function.name
        known.arguments += function.arguments or ""
    known.id = known.id or call_id


def _responses(client: Any, model: str, seen: Seen) -> None:
    with client.responses.create(model=model, input="ping", stream=True) as stream:
        for event in stream:
            seen.items += 1
            kind = getattr(event, "type", "")
            if kind == "response.output_text.delta":
                seen.text += event.delta or ""
            elif kind == "response.output_item.added" and event.item.type == "function_call":
                call = ClientCall(name=event.item.name, arguments="", id=event.item.call_id)
                seen.calls[event.output_index] = call
            elif kind == "response.function_call_arguments.delta":
                _merge(seen, event.output_index, None, _Arguments(event.delta))
            elif kind in ("response.completed", "response.incomplete", "response.failed"):
                response = event.response
                reason = getattr(response.incomplete_details, "reason", None)
                seen.finish = f"{response.status}" + (f" ({reason})" if reason else "")


class _Arguments:
    """A function delta's shape for `_merge` (Responses sends the arguments alone)."""

    def __init__(self, arguments: str) -> None:
        self.name = None
        self.arguments = arguments


def _read_timeout(value: Any) -> float | None:
    read = getattr(value, "read", value)
    return float(read) if isinstance(read, int | float) else None

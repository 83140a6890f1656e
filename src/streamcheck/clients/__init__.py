"""What the app would have seen: each recorded exchange replayed through an official SDK.

`check --client openai-python` (or `anthropic-python`) feeds the exchange, chunk by chunk with
its status and headers, to the SDK's streaming code path in this process (a mock transport, no
network, `max_retries=0`) and records what an application receives: the text and tool calls
assembled, the finish or stop reason, and the exception class and message if one is raised. It
then says where that differs from what the stream holds (`differences.py`).

A room beside `check`: it is fed the same Exchanges from `sources` and the ExchangeResult the
checker made of them, and gives plain, redacted data (`model.ClientOutcome`) that reporters
render. The SDKs are the optional `clients` extra; their modules load only here, on demand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from streamcheck import redact
from streamcheck.clients.differences import differences
from streamcheck.clients.transport import Recording
from streamcheck.model import ClientOutcome, ExchangeResult

__all__ = ["CLIENTS", "Located", "Recording", "locate", "replay"]


class Client(NamedTuple):
    module: str  # streamcheck.clients.<module>
    sdk: str  # the SDK's import name (the extra installs it)
    apis: tuple[str, ...]  # the APIs the app would call with it
    field: str  # what the SDK calls the finish: finish_reason, stop_reason


CLIENTS: dict[str, Client] = {
    "openai-python": Client(
        "openai_python", "openai", ("chat-completions", "responses"), "finish_reason"
    ),
    "anthropic-python": Client("anthropic_python", "anthropic", ("messages",), "stop_reason"),
    # JavaScript: node and the npm package `ai`, not a Python extra (see vercel_ai_ui.py).
    "vercel-ai-ui": Client("vercel_ai_ui", "ai", ("ui-message-stream",), "finishReason"),
}
MESSAGE_SHOWN = 300  # characters of an exception's message kept


class Located(NamedTuple):
    """Where the SDK of a client that is no Python package was found, once per run."""

    modules: str  # the folder handed to the SDK's runtime (node_modules)
    package: str  # the SDK's own folder, symlinks resolved: shown in the client line
    version: str


def locate(name: str, named: Path | None, config_file: Path | None) -> Located | None:
    """For a client that is no Python extra (vercel-ai-ui): where its SDK is, or an error saying
    what to install (`named`: --node-modules; `config_file` bounds the search). None for the
    Python SDKs, which the `clients` extra installs."""
    client = CLIENTS[name]
    module = __import__(f"{__name__}.{client.module}", fromlist=["replay"])
    find = getattr(module, "locate", None)
    if find is None:
        if named is not None:
            from streamcheck.exceptions import ConfigError

            raise ConfigError(f"--node-modules is for --client vercel-ai-ui, not {name}")
        return None
    modules, package, version = find(named, config_file)
    return Located(str(modules), str(package), version)


def replay(
    name: str,
    recording: Recording,
    result: ExchangeResult,
    request: Any = None,
    timeout: float | None = None,
    located: Located | None = None,
) -> ClientOutcome:
    """Replay one exchange through the client `name` (a key of CLIENTS); `located` is what
    `locate()` found for it."""
    client = CLIENTS[name]
    module = __import__(f"{__name__}.{client.module}", fromlist=["replay"])
    version = located.version if located is not None else module.version()
    outcome = ClientOutcome(client=name, sdk_version=version, finish_name=client.field)
    if located is not None:
        outcome.sdk_path = located.package
    if result.api is not None and result.api not in client.apis:
        what = "/".join(p for p in (result.provider, result.api) if p)
        outcome.skipped = f"the exchange is {what}: an app using {client.sdk} does not call it"
        return outcome
    if result.api == "responses":
        outcome.finish_name = "status"  # a Responses stream ends with the response's status
    where = (located.modules,) if located is not None else ()
    seen, error = module.replay(recording, result.api, request, timeout, *where)
    outcome.text = redact.text(seen.text)
    outcome.tool_calls = [seen.calls[i] for i in sorted(seen.calls)]
    for call in outcome.tool_calls:
        call.arguments = redact.text(call.arguments)
        call.name = redact.text(call.name) if call.name is not None else None
        call.id = redact.text(call.id) if call.id is not None else None
    outcome.finish = redact.text(seen.finish) if seen.finish is not None else None
    outcome.items = seen.items
    if error is not None:
        # An exception of the Python SDKs, or (name, message) from the JavaScript one.
        if isinstance(error, BaseException):
            kind = type(error)
            outcome.error = f"{kind.__module__.split('.')[0]}.{kind.__name__}"
            text = str(error)
        else:
            outcome.error, text = error
        message = redact.text(" ".join(text.split()))
        outcome.error_message = message[:MESSAGE_SHOWN] + (
            "..." if len(message) > MESSAGE_SHOWN else ""
        )
    outcome.differences = differences(
        outcome, result, client.sdk, outcome.finish_name, recording.cut
    )
    return outcome

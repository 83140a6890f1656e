"""`record --ws URL`: the command's flow (extra, key, headers, messages to send, output) around
`ws_client.WebSocketCall`. Kept apart from cli/ so the CLI stays thin and `check` never
imports the websockets library.

The key comes from the environment: `--key-env NAME`, or OPENAI_API_KEY for api.openai.com and
GEMINI_API_KEY for generativelanguage.googleapis.com (the Gemini Live API). It is sent as
`Authorization: Bearer` (the Gemini API's as `x-goog-api-key`, as google-genai sends it),
registered as a secret before anything is printed, and never written: the tape's request
headers and URL are redacted (a credential in the URL query, such as `?key=`, too).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from rich.console import Console

from streamcheck import redact
from streamcheck.check import CheckOptions
from streamcheck.exceptions import LiveCallError, StreamcheckError
from streamcheck.live.call.client import Timeouts

_DEFAULT_KEY = {
    "api.openai.com": "OPENAI_API_KEY",
    "generativelanguage.googleapis.com": "GEMINI_API_KEY",
}
# Hosts whose key goes in a header of its own rather than `Authorization: Bearer`.
_KEY_HEADER = {"generativelanguage.googleapis.com": "x-goog-api-key"}


@dataclass(frozen=True, slots=True)
class Settings:
    headers: list[str]
    key_env: str | None
    send: Path | None
    output: Path | None
    timeouts: Timeouts
    options: CheckOptions
    linger: float = 1.0
    secret_headers: tuple[str, ...] = ()  # --secret-header: see targets.Target


def _secret_query(url: str) -> None:
    """Credentials given in the URL's query are secrets too, whatever they are called."""
    for part in urlsplit(url).query.split("&"):
        name, _, value = part.partition("=")
        if value and any(word in name.lower() for word in ("key", "token", "secret", "auth")):
            redact.register_secret(value)


def headers_of(given: list[str], url: str, key_env: str | None) -> list[tuple[str, str]]:
    pairs = []
    for header in given:
        name, sep, value = header.partition(":")
        if not sep or not name.strip():
            raise StreamcheckError(f"--header {name.strip()!r}: expected 'Name: value'")
        pairs.append((name.strip(), value.strip()))
        if name.strip().lower() in redact.SECRET_HEADERS:
            redact.register_secret(value.strip().removeprefix("Bearer ").strip())
    host = (urlsplit(url).hostname or "").lower()
    variable = key_env or _DEFAULT_KEY.get(host)
    header = _KEY_HEADER.get(host, "Authorization")
    named = {n.lower() for n, _ in pairs}
    if variable is not None and not named & {"authorization", header.lower()}:
        key = os.environ.get(variable, "").strip()
        if not key:
            raise LiveCallError(f"environment variable {variable} is not set (the API key)")
        redact.register_secret(key)
        pairs.append((header, key if header != "Authorization" else f"Bearer {key}"))
    return pairs


def record(url: str, settings: Settings, console: Console) -> int:
    from streamcheck.extras import require

    require("ws", "streamcheck record --ws")
    _secret_query(url)
    from streamcheck.live.call import display
    from streamcheck.live.call.ws_client import WebSocketCall, read_sends

    if urlsplit(url).scheme not in ("ws", "wss"):
        raise StreamcheckError(f"--ws {redact.url(url)}: expected a ws:// or wss:// URL")
    headers = headers_of(settings.headers, url, settings.key_env)
    sends = read_sends(settings.send) if settings.send is not None else []
    # Every credential of the handshake and the first messages (a token in session.update),
    # registered before anything is printed or written: masked wherever it appears again.
    import orjson

    sent = [orjson.loads(message) for message in sends]
    for value in redact.collect(url, dict(headers), sent, settings.secret_headers):
        redact.register_secret(value)
    call = WebSocketCall(
        url,
        headers,
        sends,
        settings.options,
        settings.timeouts,
        tape_path=settings.output,
        linger=settings.linger,
    )
    outcome = call.run()
    threshold = settings.options.fail_on
    if outcome.result is None and not outcome.interrupted:
        raise LiveCallError(outcome.message or "no response")
    if outcome.result is not None:
        display.print_record(console, outcome.result, threshold)
    if settings.output is not None and call.tape is not None:
        console.print(f"tape: {settings.output}", highlight=False, markup=False)
    if outcome.interrupted:
        console.print("interrupted: the partial tape is kept", highlight=False, markup=False)
        return 130
    worst = outcome.result.worst() if outcome.result is not None else None
    return 1 if worst is not None and worst >= threshold else 0

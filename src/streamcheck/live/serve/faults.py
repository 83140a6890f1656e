"""Faults the replay server injects: what each does to a stream, and provider-shaped error bodies.

Error bodies follow each provider's documented shape (PROVIDERS.md sections 2.1, 2.3, 2.4 and
3.1): OpenAI `{"error": {message, type, param, code}}`, Azure's gateway variant with numeric
string codes, Anthropic `{"type": "error", "error": {type, message}}`. Mid-stream errors are what
each provider sends after a 200: OpenAI `data: {"error": {...}}`, Anthropic `event: error` with
`overloaded_error`. This module is pure data and bytes; the server in `server.py` plays the plan.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

import orjson

from streamcheck.exceptions import ConfigError
from streamcheck.live.serve.fault_names import FAULTS, WEBSOCKET_FAULTS

HTTP_FAULTS = tuple(name for name in FAULTS if name.startswith("http-"))
# The longest `stall:N`, and the longest any one wait of a replay may last (a recording's gap
# scaled by a tiny speed): a test needs minutes of silence at most, and a wait without end
# would keep a connection (and a shutdown) forever.
MAX_STALL = 3600.0


@dataclass(frozen=True, slots=True)
class Fault:
    name: str
    arg: float | None = None

    def __str__(self) -> str:
        return self.name if self.arg is None else f"{self.name}:{self.arg:g}"


def parse_fault(text: str) -> Fault:
    """`truncate-after:3`, `stall:2.5`, `http-401`, ... -> Fault; ConfigError when unknown."""
    name, sep, arg = text.strip().partition(":")
    known = FAULTS | WEBSOCKET_FAULTS
    if name not in known:
        raise ConfigError(f"unknown fault {text!r} (known: {', '.join(known)})")
    takes_arg = known[name][0]
    if not takes_arg:
        if sep:
            raise ConfigError(f"fault {name} takes no argument")
        return Fault(name)
    try:
        value = float(arg)
    except ValueError:
        raise ConfigError(f"fault {name} needs a number, as in {name}:2") from None
    if not math.isfinite(value):
        raise ConfigError(f"fault {name}: {arg} is not a finite number")
    if value < 0:
        raise ConfigError(f"fault {name}: {arg} is negative")
    if name == "stall" and value > MAX_STALL:
        raise ConfigError(f"fault stall: {arg} seconds is over the cap of {MAX_STALL:g} s")
    if name in ("truncate-after", "close") and not value.is_integer():
        raise ConfigError(f"fault {name} needs a whole number, not {arg}")
    if name == "close":
        _check_close(value)
    return Fault(name, value)


def _check_close(value: float) -> None:
    """`close:N` sends a close frame with N: only a code a frame may carry (RFC 6455 7.4),
    or the two the fault gives a meaning of its own (1005 a frame with no status, 1006 no
    frame at all). What else a recording holds, `ws_server.sendable_close` maps."""
    from streamcheck.wire.websocket import RESERVED, sendable

    code = int(value)
    if sendable(code) or code in (1005, 1006):
        return
    why = f": RFC 6455 reserves it for {RESERVED[code]}" if code in RESERVED else ""
    raise ConfigError(
        f"fault close:{code}: no close frame can carry {code}{why}; use 1000-1003, 1007-1014, "
        "3000-4999, 1005 (a frame with no status) or 1006 (no frame)"
    )


# -- error bodies -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErrorReply:
    status: int
    headers: dict[str, str]
    body: bytes


_OPENAI: dict[str, tuple[int, str, str | None, str]] = {
    # fault: (status, type, code, message)
    "http-401": (
        401,
        "invalid_request_error",
        "invalid_api_key",
        "Incorrect API key provided. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
    ),
    "http-403": (
        403,
        "request_forbidden",
        "unsupported_country_region_territory",
        "Country, region, or territory not supported",
    ),
    "http-404-model": (
        404,
        "invalid_request_error",
        "model_not_found",
        "The model `{model}` does not exist or you do not have access to it.",
    ),
    "http-429-quota": (
        429,
        "insufficient_quota",
        "insufficient_quota",
        "You exceeded your current quota, please check your plan and billing details.",
    ),
    "http-429-rate": (
        429,
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached for {model} on requests per min (RPM): Limit 3, Used 3, "
        "Requested 1. Please try again in 20s.",
    ),
    "http-500": (
        500,
        "server_error",
        None,
        "The server had an error while processing your request. Sorry about that!",
    ),
}
_AZURE: dict[str, tuple[int, str, str]] = {
    # Azure's gateway answers these itself, with numeric-string or symbolic codes.
    "http-401": (
        401,
        "401",
        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to "
        "provide a valid key for an active subscription and use a correct regional API "
        "endpoint for your resource.",
    ),
    "http-404-model": (
        404,
        "DeploymentNotFound",
        "The API deployment for this resource does not exist. If you created the deployment "
        "within the last 5 minutes, please wait a moment and try again.",
    ),
    "http-429-rate": (
        429,
        "429",
        "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version "
        "{api_version} have exceeded call rate limit of your current OpenAI S0 pricing tier. "
        "Please retry after 20 seconds.",
    ),
}
_ANTHROPIC: dict[str, tuple[int, str, str]] = {
    "http-401": (401, "authentication_error", "invalid x-api-key"),
    "http-403": (
        403,
        "permission_error",
        "Your API key does not have permission to use the specified resource.",
    ),
    "http-404-model": (404, "not_found_error", "model: {model}"),
    # Spend cap reached: 429 like a rate limit, told apart by error.details.error_code.
    "http-429-quota": (
        429,
        "rate_limit_error",
        "You have reached your specified API usage limits. You will regain access on the "
        "first day of next month.",
    ),
    "http-429-rate": (
        429,
        "rate_limit_error",
        "Number of request tokens has exceeded your per-minute rate limit "
        "(https://docs.anthropic.com/en/api/rate-limits); see the response headers for "
        "current usage.",
    ),
    "http-500": (500, "api_error", "Internal server error"),
}
BAD_GATEWAY_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
JSON = "application/json"


def error_reply(fault: Fault, dialect: str, model: str, api_version: str = "") -> ErrorReply:
    """The HTTP error a provider sends for an `http-*` fault, in the dialect's own shape."""
    name = fault.name
    if name == "http-502-html":
        return ErrorReply(502, {"content-type": "text/html"}, BAD_GATEWAY_HTML)
    fill = {"model": model or "unknown", "api_version": api_version or "2024-10-21"}
    if dialect == "anthropic":
        status, etype, message = _ANTHROPIC[name]
        error: dict[str, object] = {"type": etype, "message": message.format(**fill)}
        if name == "http-429-quota":
            error["details"] = {"error_code": "enforced_spend_limit_reached"}
        body = {"type": "error", "error": error, "request_id": "req_streamcheck_fault"}
        headers = {"content-type": JSON, "request-id": "req_streamcheck_fault"}
        if status == 429:
            headers["retry-after"] = "20"
        return ErrorReply(status, headers, orjson.dumps(body))
    if dialect == "azure" and name in _AZURE:
        status, code, message = _AZURE[name]
        headers = {"content-type": JSON, "apim-request-id": "streamcheck-fault"}
        if status == 429:
            headers.update({"retry-after": "20", "retry-after-ms": "20000"})
        body_azure = {"error": {"code": code, "message": message.format(**fill)}}
        return ErrorReply(status, headers, orjson.dumps(body_azure))
    status, etype, ecode, message = _OPENAI[name]
    headers = {"content-type": JSON, "x-request-id": "req_streamcheck_fault"}
    if name == "http-429-rate":
        headers.update(
            {
                "retry-after": "20",
                "x-ratelimit-limit-requests": "3",
                "x-ratelimit-remaining-requests": "0",
                "x-ratelimit-reset-requests": "20s",
            }
        )
    fields = {"message": message.format(**fill), "type": etype, "param": None, "code": ecode}
    return ErrorReply(status, headers, orjson.dumps({"error": fields}))


# -- stream faults --------------------------------------------------------------------------------

_EVENT_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")


@dataclass(frozen=True, slots=True)
class Send:
    data: bytes
    time: float | None  # seconds since the request in the recording


@dataclass(frozen=True, slots=True)
class Stall:
    seconds: float


@dataclass(frozen=True, slots=True)
class Reset:
    """Abort the connection: the body never completes."""


Step = Send | Stall | Reset


def split_frames(chunks: list[tuple[bytes, float | None]], framing: str) -> list[Send]:
    """Re-cut a recorded body at frame boundaries (SSE events, NDJSON lines), keeping for each
    frame the arrival time of the chunk that completed it. Trailing bytes become a last frame."""
    body = b"".join(data for data, _ in chunks)
    ends: list[tuple[int, float | None]] = []
    position = 0
    for data, time in chunks:
        position += len(data)
        ends.append((position, time))
    pattern = _EVENT_END if framing == "sse" else re.compile(rb"\r?\n")
    frames: list[Send] = []
    start = 0
    for match in pattern.finditer(body):
        frames.append(Send(body[start : match.end()], _time_at(ends, match.end())))
        start = match.end()
    if start < len(body):
        frames.append(Send(body[start:], _time_at(ends, len(body))))
    return frames


def _time_at(ends: list[tuple[int, float | None]], offset: int) -> float | None:
    for end, time in ends:
        if end >= offset:
            return time
    return ends[-1][1] if ends else None


# The events that end a Responses stream (its grammar's terminal events but `error`).
_RESPONSES_END = re.compile(rb'"type": ?"response\.(?:completed|incomplete|failed)"')


def is_terminator(frame: bytes, dialect: str) -> bool:
    text = frame.strip()
    if dialect == "anthropic":
        return text.startswith(b"event: message_stop") or b'"type":"message_stop"' in text
    if dialect == "responses":  # no sentinel: the terminal event is the end
        return text in (b"data: [DONE]", b"data:[DONE]") or bool(_RESPONSES_END.search(text))
    return text in (b"data: [DONE]", b"data:[DONE]")


def _middle(frames: list[Send], dialect: str) -> int:
    """Index of the frame faults hit 'mid-stream': halfway (rounded up) through the frames
    before the terminator, so some content has arrived first."""
    body = [f for f in frames if not is_terminator(f.data, dialect)]
    return max(1, (len(body) + 1) // 2)


def plan(
    fault: Fault | None, frames: list[Send], chunks: list[Send], dialect: str
) -> Iterator[Step]:
    """What to send for a stream fault. `chunks` is the recording as it arrived (used when no
    frame-level change is needed, so replays keep the original chunk boundaries)."""
    name = fault.name if fault else None
    if name is None or name == "none":
        yield from chunks
        return
    middle = _middle(frames, dialect)
    if name == "truncate-after":
        yield from frames[: int(fault.arg or 0)] if fault else ()
    elif name == "truncate-mid-frame":
        yield from frames[:middle]
        cut = frames[middle] if middle < len(frames) else frames[-1]
        yield Send(cut.data[: max(1, len(cut.data.rstrip()) // 2)], cut.time)
    elif name == "drop-terminator":
        yield from (f for f in frames if not is_terminator(f.data, dialect))
    elif name == "drop-finish-reason":
        yield from (Send(_without_finish(f.data, dialect), f.time) for f in frames)
    elif name == "error-event":
        yield from frames[:middle]
        # A Responses error event numbers itself after the events sent before it.
        yield Send(error_event(dialect, middle), frames[middle - 1].time if frames else None)
    elif name == "stall":
        yield from frames[:middle]
        yield Stall(fault.arg or 0.0 if fault else 0.0)
        yield from frames[middle:]
    elif name == "reset":
        yield from frames[:middle]
        yield Reset()
    else:
        raise ValueError(f"{name} is not a stream fault")


def error_event(dialect: str, sequence: int = 0) -> bytes:
    if dialect == "anthropic":
        body = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
        return b"event: error\ndata: " + orjson.dumps(body) + b"\n\n"
    if dialect == "responses":  # ResponseErrorEvent (openai-openapi 2.3.0): members top-level
        event = {
            "type": "error",
            "code": "server_error",
            "message": "The server had an error while processing your request.",
            "param": None,
            "sequence_number": sequence,
        }
        return b"event: error\ndata: " + orjson.dumps(event) + b"\n\n"
    error = {
        "message": "The server had an error while processing your request. Sorry about that!",
        "type": "server_error",
        "param": None,
        "code": None,
    }
    return b"data: " + orjson.dumps({"error": error}) + b"\n\n"


def _without_finish(frame: bytes, dialect: str) -> bytes:
    """The frame with its finish_reason / stop_reason key removed (not nulled: the KeyError
    case of PROVIDERS.md section 4, rows 1-2)."""
    lines = re.split(rb"\r\n|\n|\r", frame.rstrip(b"\r\n"))
    out: list[bytes] = []
    for line in lines:
        if line.startswith(b"data:"):
            payload = line[5:].lstrip(b" ")
            try:
                value = orjson.loads(payload)
            except orjson.JSONDecodeError:
                out.append(line)
                continue
            if isinstance(value, dict):
                _drop_finish(value, dialect)
            line = b"data: " + orjson.dumps(value)
        out.append(line)
    return b"\n".join(out) + b"\n\n"


def _drop_finish(value: dict[str, object], dialect: str) -> None:
    if dialect == "anthropic":
        delta = value.get("delta")
        if value.get("type") == "message_delta" and isinstance(delta, dict):
            delta.pop("stop_reason", None)
        return
    choices = value.get("choices")
    if isinstance(choices, list):
        for choice in choices:
            if isinstance(choice, dict):
                choice.pop("finish_reason", None)

"""The fault names `serve --fault` takes. Apart from streamcheck.live.serve.faults so that the CLI's
help text costs `check` no import of the fault machinery at start-up (issue 6)."""

from __future__ import annotations

# name -> (takes an argument, what it does); the CLI help and README list these.
FAULTS: dict[str, tuple[bool, str]] = {
    "none": (False, "no fault: the recording as it was recorded"),
    "drop-finish-reason": (False, "remove finish_reason (OpenAI) / stop_reason (Anthropic)"),
    "truncate-after": (True, "send the first N frames, then end the body cleanly"),
    "truncate-mid-frame": (False, "cut the middle frame in half, then end the body"),
    "drop-terminator": (False, "leave out data: [DONE] / event: message_stop"),
    "http-401": (False, "bad key"),
    "http-403": (False, "key may not be used here (region, permission)"),
    "http-404-model": (False, "model does not exist or no access"),
    "http-429-quota": (False, "no credit / quota left"),
    "http-429-rate": (False, "rate limited"),
    "http-500": (False, "provider internal error"),
    "http-502-html": (False, "a proxy's HTML error page"),
    "error-event": (False, "an error event in the middle of a 200 stream"),
    "stall": (True, "go silent for N seconds (at most 3600) in the middle of the stream"),
    "reset": (False, "abort the connection in the middle of the stream"),
}
# Faults only a WebSocket replay has (ws_server.py); the others apply to both.
WEBSOCKET_FAULTS: dict[str, tuple[bool, str]] = {
    "close": (
        True,
        "WebSocket: close with code N mid-stream (a code a frame may carry: 1000-1003, "
        "1007-1014, 3000-4999; 1005 no status, 1006 no frame)",
    ),
}

"""Answers of the replay server itself (not an injected fault), for HTTP and WebSocket alike."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response


def own_error(status: int, message: str) -> Response:
    """An error of the server itself (not an injected fault), in OpenAI's shape."""
    error = {"message": message, "type": "invalid_request_error", "param": None, "code": None}
    return JSONResponse({"error": error}, status)

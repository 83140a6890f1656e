"""Which recording answers a request, by what the request asks for (`serve`).

A recording made for one feature (tools, n=2, usage, a 1-token cap, a stop sequence, JSON
output, logprobs, thinking) answers the request that asks for the same feature: the features of
the recorded request body and of the incoming one are compared. Values are normalised so that
one API's spellings meet: `max_tokens`, `max_completion_tokens` and `max_output_tokens` are one
cap, and so are Gemini's `generationConfig.maxOutputTokens` and Ollama's `options.num_predict`;
`stop` and `stop_sequences` one list; tools are compared by name. The model is not a
feature: among recordings of the same features, one made for the requested model wins, so a
recording of an unknown model answers only a request for that model.
"""

from __future__ import annotations

from typing import Any

Features = tuple[tuple[str, str], ...]
_CAPS = ("max_tokens", "max_completion_tokens", "max_output_tokens")


def _tool_name(tool: Any) -> str:
    if not isinstance(tool, dict):
        return "?"
    function = tool.get("function")
    name = function.get("name") if isinstance(function, dict) else tool.get("name")
    return str(name or tool.get("type") or "?")


def features(body: Any) -> Features:
    """The features of a request body, as sorted (name, value) pairs; () for no body."""
    if not isinstance(body, dict):
        return ()
    found: dict[str, str] = {}
    cap = next((body[k] for k in _CAPS if body.get(k) is not None), None)
    for holder, key in (("generationConfig", "maxOutputTokens"), ("options", "num_predict")):
        nested = body.get(holder)  # Gemini's and Ollama's own spelling of the cap
        if cap is None and isinstance(nested, dict) and nested.get(key) is not None:
            cap = nested[key]
    if cap is not None:
        found["cap"] = str(cap)
    tools = body.get("tools")
    if isinstance(tools, list) and tools:
        found["tools"] = ",".join(sorted(_tool_name(t) for t in tools))
    for key in ("tool_choice", "parallel_tool_calls", "thinking", "response_format"):
        if body.get(key) is not None:
            found[key] = _canonical(body[key])
    if isinstance(body.get("n"), int) and body["n"] != 1:
        found["n"] = str(body["n"])
    options = body.get("stream_options")
    if isinstance(options, dict) and options.get("include_usage"):
        found["usage"] = "true"
    stop = body.get("stop", body.get("stop_sequences"))
    if stop:
        found["stop"] = _canonical(stop if isinstance(stop, list) else [stop])
    if body.get("logprobs"):
        found["logprobs"] = str(body.get("top_logprobs", 0))
    text = body.get("text")
    if isinstance(text, dict) and text.get("format") is not None:
        found["response_format"] = _canonical(text["format"])
    return tuple(sorted(found.items()))


def _canonical(value: Any) -> str:
    import orjson

    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")

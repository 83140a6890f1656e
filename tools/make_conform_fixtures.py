"""Write fixtures/conform/<dialect>/<api>-<case>.tape: what `serve` answers each conform case with.

One tape per case and dialect, generated from the rows of streamcheck.live.conform.cases so the
recorded request asks exactly what `conform` sends (serve picks a recording by those features).
The streams have the shapes of the real ones (PROVIDERS.md 2.1, 2.2, 2.4; the recordings in
fixtures/openai, fixtures/anthropic, fixtures/openai-responses): ids, fingerprints, `usage: null`
on every chunk when usage was asked for, Anthropic's `ping` after `message_start`.

Dialects: `openai-clean`, `anthropic-clean`, `responses-clean` conform everywhere; the broken
ones are a clean dialect with one thing changed:
    openai-no-index        tool-call fragments without `index`
    openai-no-usage        stream_options ignored: no usage chunk, no `usage` member
    openai-plain-errors    the unknown model answered with a text/plain 404
    openai-declines        n and logprobs declined with documented unsupported_* errors
    openai-empty-role      delta.role "" on every delta (a Go struct without omitempty)
    openai-tool-id-late    each tool call's id, type and name on its second fragment
    openai-merged-tool-calls  every tool call at index 0
    openai-usage-unasked   a usage chunk (choices: []) although stream_options was not sent
    openai-reasoning-field reasoning deltas named `reasoning`, none `reasoning_content`
    responses-bare-response  the final response carries only a few members, not a whole
                           ResponseResource (what Open Responses' basic-response rejects)
    responses-no-user      every response without `user` (the published releases do not define it)
    responses-index-mixup  text events name output_index 1 for the item added at 0
    gemini-clean, gemini-json-clean, ollama-chat-clean, ollama-generate-clean: the native APIs
    gemini-no-finish       no candidate carries a finishReason
    ollama-chat-no-done    the last line (done: true, done_reason, counts) never comes
    anthropic-plain-errors the unknown model answered with a text/plain 404
    anthropic-tool-input-at-start  tool input sent whole in content_block_start, no deltas
    anthropic-declines     thinking declined with a 400 invalid_request_error naming it

    python tools/make_conform_fixtures.py          # (re)write the files
    python tools/make_conform_fixtures.py --check  # exit 1 when a file differs (the tests run it)
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import orjson

from streamcheck.live.conform.cases import CASES, UNKNOWN_MODEL, Case
from streamcheck.live.conform.runner import Server
from streamcheck.model import EndReason, Request
from streamcheck.sources.tape import dumps

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conform_dialects import (
    DIALECTS,
    anthropic_dialect,
    native_dialect,
    openai_dialect,
    responses_dialect,
)

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "conform"
Reply = tuple[int, dict[str, str], list[bytes]]  # status, headers, body chunks (as in dialects)
SSE = {"content-type": "text/event-stream; charset=utf-8"}
_CHAT_BASE = {
    "id": "chatcmpl-Conform0001",
    "object": "chat.completion.chunk",
    "created": 1760000000,
    "model": "gpt-4o-mini-2024-07-18",
    "system_fingerprint": "fp_conform01",
}
_LOGPROB = {"Yes": -0.0001, "yes": -9.21, ".": -0.012, "!": -4.6}


def _data(value: Any) -> bytes:
    return b"data: " + orjson.dumps(value) + b"\n\n"


def _event(value: dict[str, Any]) -> bytes:
    return f"event: {value['type']}\n".encode() + _data(value)


# -- OpenAI chat ---------------------------------------------------------------------------------


def _top(token: str, alternative: str) -> dict[str, Any]:
    entry = {"token": token, "logprob": _LOGPROB[token], "bytes": list(token.encode())}
    other = {"token": alternative, "logprob": _LOGPROB[alternative]}
    other["bytes"] = list(alternative.encode())
    return {**entry, "top_logprobs": [dict(entry), other]}


def _chat(case: Case) -> Reply:
    usage = bool(case.body.get("stream_options"))
    chunks: list[dict[str, Any]] = []

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> None:
        choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
        choice.update(extra)
        chunks.append({**_CHAT_BASE, "choices": [choice]})

    start = {"role": "assistant", "content": "", "refusal": None}

    def text(parts: list[str], finish: str, index: int = 0) -> None:
        chunk(index, dict(start))
        for part in parts:
            chunk(index, {"content": part})
        chunk(index, {}, finish)

    def tools(calls: list[tuple[str, str, list[str]]], finish: str) -> None:
        for number, (call_id, name, fragments) in enumerate(calls):
            head = {"index": number, "id": call_id, "type": "function"}
            head["function"] = {"name": name, "arguments": ""}
            delta: dict[str, Any] = {"tool_calls": [head]}
            if number == 0:
                delta = {"role": "assistant", "content": None, **delta}
            chunk(0, delta)
            for fragment in fragments:
                chunk(0, {"tool_calls": [{"index": number, "function": {"arguments": fragment}}]})
        chunk(0, {}, finish)

    weather = ("call_Cf0001Weather", "get_weather", ['{"ci', 'ty": "Pa', 'ris"}'])
    clock = ("call_Cf0002Time", "get_time", ['{"city', '": "Tok', 'yo"}'])
    if case.rejects:
        message = f"The model `{UNKNOWN_MODEL}` does not exist or you do not have access to it."
        error = {"message": message, "type": "invalid_request_error", "param": None}
        error["code"] = "model_not_found"
        headers = {"content-type": "application/json; charset=utf-8"}
        return 404, headers, [orjson.dumps({"error": error}) + b"\n"]
    if case.name == "text":
        text(["Hello", " there", ",", " nice", " to", " meet", " you", "!"], "stop")
    elif case.name == "length":
        text(["1"], "length")
    elif case.name == "stop-sequence":
        text(["1", ",", " 2", ",", " 3", ",", " 4", ","], "stop")
    elif case.name == "usage":
        text(["Hello", "!"], "stop")
    elif case.name == "n2":
        chunk(0, dict(start))
        chunk(1, dict(start))
        for index, word in ((0, "Heads"), (1, "Tails"), (0, "."), (1, ".")):
            chunk(index, {"content": word})
        chunk(1, {}, "stop")
        chunk(0, {}, "stop")
    elif case.name == "tool-call":
        tools([weather], "tool_calls")
    elif case.name == "parallel-tool-calls":
        tools([weather, clock], "tool_calls")
    elif case.name == "tool-choice":
        tools([clock], "stop")  # api.openai.com ends a forced function with `stop`
    elif case.name == "json-mode":
        text(['{"', "ok", '":', " true", "}"], "stop")
    elif case.name == "json-schema":
        text(['{"', "name", '":"', "Ada", '","', "age", '":', "36", "}"], "stop")
    elif case.name == "reasoning":
        text(["51"], "stop")  # api.openai.com's chat API streams no reasoning text
    elif case.name == "logprobs":
        chunk(0, dict(start), logprobs={"content": [], "refusal": None})
        for token in ("Yes", "."):
            logprobs = {"content": [_top(token, "yes" if token == "Yes" else "!")]}
            chunk(0, {"content": token}, logprobs={**logprobs, "refusal": None})
        chunk(0, {}, "stop")
    else:
        raise SystemExit(f"no chat stream for case {case.name}")
    if usage:
        for item in chunks:
            item["usage"] = None
        details = {"cached_tokens": 0, "audio_tokens": 0}
        counts = {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}
        chunks.append(
            {**_CHAT_BASE, "choices": [], "usage": {**counts, "prompt_tokens_details": details}}
        )
    return 200, dict(SSE), [_data(c) for c in chunks] + [b"data: [DONE]\n\n"]


# -- Anthropic -----------------------------------------------------------------------------------


def _anthropic(case: Case) -> Reply:
    if case.rejects:
        error = {"type": "not_found_error", "message": f"model: {UNKNOWN_MODEL}"}
        body = {"type": "error", "error": error, "request_id": "req_01Conform0404"}
        return 404, {"content-type": "application/json"}, [orjson.dumps(body)]
    usage = {"input_tokens": 14, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
    message = {
        "id": "msg_01Conform0000000000001",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {**usage, "output_tokens": 1, "service_tier": "standard"},
    }
    events: list[dict[str, Any]] = [{"type": "message_start", "message": message}]
    events.append({"type": "ping"})
    blocks = 0

    def block(start: dict[str, Any], deltas: list[dict[str, Any]]) -> None:
        nonlocal blocks
        events.append({"type": "content_block_start", "index": blocks, "content_block": start})
        for delta in deltas:
            events.append({"type": "content_block_delta", "index": blocks, "delta": delta})
        events.append({"type": "content_block_stop", "index": blocks})
        blocks += 1

    def text(parts: list[str]) -> None:
        block({"type": "text", "text": ""}, [{"type": "text_delta", "text": p} for p in parts])

    stop_sequence = None
    if case.name == "text":
        text(["Hello", " there, nice to", " meet you!"])
        reason = "end_turn"
    elif case.name == "max-tokens":
        text(["1"])
        reason = "max_tokens"
    elif case.name == "stop-sequence":
        text(["1, 2, 3", ", 4, "])
        reason, stop_sequence = "stop_sequence", "5"
    elif case.name == "tool-use":
        text(["I'll check the weather in Paris."])
        fragments = ["", '{"city": "Pa', 'ris"}']
        start = {"type": "tool_use", "id": "toolu_01Conform000000000001", "name": "get_weather"}
        start["input"] = {}
        block(start, [{"type": "input_json_delta", "partial_json": f} for f in fragments])
        reason = "tool_use"
    elif case.name == "thinking":
        thoughts = ["17 times 3: 10*3 is 30, ", "7*3 is 21; 30 + 21 = 51."]
        deltas = [{"type": "thinking_delta", "thinking": t} for t in thoughts]
        deltas.append({"type": "signature_delta", "signature": "Q29uZm9ybSBzaWduYXR1cmU="})
        block({"type": "thinking", "thinking": "", "signature": ""}, deltas)
        text(["17 * 3 = 51."])
        reason = "end_turn"
    else:
        raise SystemExit(f"no anthropic stream for case {case.name}")
    delta = {"stop_reason": reason, "stop_sequence": stop_sequence}
    events.append({"type": "message_delta", "delta": delta, "usage": {"output_tokens": 12}})
    events.append({"type": "message_stop"})
    return 200, dict(SSE), [_event(e) for e in events]


# -- OpenAI Responses ----------------------------------------------------------------------------


def _responses(case: Case) -> Reply:
    if case.rejects:
        return _chat(case)  # the same ErrorResponse body (PROVIDERS.md 2.2, Errors)
    response: dict[str, Any] = {
        "id": "resp_Conform0001",
        "object": "response",
        "created_at": 1760000000,
        "status": "in_progress",
        "model": "gpt-4o-mini-2024-07-18",
        "output": [],
        "error": None,
        "incomplete_details": None,
        "usage": None,
    }
    # The members of a whole ResponseResource (Open Responses; what api.openai.com sends).
    response.update(
        completed_at=None,
        previous_response_id=None,
        instructions=None,
        tools=case.body.get("tools", []),
        tool_choice="auto",
        truncation="disabled",
        parallel_tool_calls=True,
        text={"format": {"type": "text"}},
        top_p=1.0,
        presence_penalty=0.0,
        frequency_penalty=0.0,
        top_logprobs=0,
        temperature=1.0,
        reasoning={"effort": None, "summary": None},
        user=None,
        max_output_tokens=case.body.get("max_tokens"),
        max_tool_calls=None,
        store=True,
        background=False,
        service_tier="default",
        metadata={},
        safety_identifier=None,
        prompt_cache_key=None,
    )
    events: list[dict[str, Any]] = []

    def emit(kind: str, **fields: Any) -> None:
        events.append({"type": kind, **fields, "sequence_number": len(events)})

    emit("response.created", response=copy.deepcopy(response))
    emit("response.in_progress", response=copy.deepcopy(response))
    if case.name == "tool-call":
        item = {"id": "fc_Conform0001", "type": "function_call", "status": "in_progress"}
        item.update(arguments="", call_id="call_Cf0001Weather", name="get_weather")
        emit("response.output_item.added", output_index=0, item=dict(item))
        fragments = ['{"ci', 'ty": "Pa', 'ris"}']
        for fragment in fragments:
            emit(
                "response.function_call_arguments.delta",
                item_id=item["id"],
                output_index=0,
                delta=fragment,
            )
        arguments = "".join(fragments)
        emit(
            "response.function_call_arguments.done",
            item_id=item["id"],
            name="get_weather",
            output_index=0,
            arguments=arguments,
        )
        item.update(status="completed", arguments=arguments)
        emit("response.output_item.done", output_index=0, item=dict(item))
        status, output = "completed", [item]
    else:
        parts = {
            "text": ["Hello", " there, nice", " to meet you!"],
            "system-prompt": ["Ahoy", ", matey!"],
            "multi-turn": ["Your name", " is Ada."],
            "image-input": ["Red", "."],
        }.get(case.name, ["1\n2\n3\n4\n5\n", "6\n7\n8\n"])
        joined = "".join(parts)
        where = {"item_id": "msg_Conform0001", "output_index": 0, "content_index": 0}
        message = {"id": "msg_Conform0001", "type": "message", "status": "in_progress"}
        message.update(role="assistant", content=[])
        emit("response.output_item.added", output_index=0, item=dict(message))
        part = {"type": "output_text", "text": "", "annotations": []}
        emit("response.content_part.added", **where, part=dict(part))
        for delta in parts:
            emit("response.output_text.delta", **where, delta=delta, logprobs=[])
        emit("response.output_text.done", **where, text=joined, logprobs=[])
        part["text"] = joined
        emit("response.content_part.done", **where, part=dict(part))
        status = "incomplete" if case.name == "length" else "completed"
        message.update(status=status, content=[part])
        emit("response.output_item.done", output_index=0, item=dict(message))
        output = [message]
    response.update(status=status, output=output)
    if status == "completed":
        response["completed_at"] = 1760000002
    response["usage"] = {"input_tokens": 12, "output_tokens": 16, "total_tokens": 28}
    if status == "incomplete":
        response["incomplete_details"] = {"reason": "max_output_tokens"}
    emit(f"response.{status}", response=response)
    return 200, dict(SSE), [_event(e) for e in events]


# -- Gemini and Ollama --------------------------------------------------------------------------


def _gemini(case: Case, framing: str) -> Reply:
    """streamGenerateContent: SSE events (?alt=sse) or one streamed JSON array."""
    if case.rejects:
        message = f"models/{UNKNOWN_MODEL} is not found for API version v1beta, or is not "
        message += "supported for generateContent."
        error = {"code": 404, "message": message, "status": "NOT_FOUND"}
        return (
            404,
            {"content-type": "application/json; charset=UTF-8"},
            [orjson.dumps({"error": error}, option=orjson.OPT_INDENT_2)],
        )
    base = {"modelVersion": "gemini-2.5-flash", "responseId": "Conform0001gemini"}

    def chunk(parts: list[dict[str, Any]], finish: str | None, used: int) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
        if finish:
            candidate["finishReason"] = finish
        usage = {"promptTokenCount": 9, "candidatesTokenCount": used}
        usage["totalTokenCount"] = 9 + used
        return {"candidates": [candidate], "usageMetadata": usage, **base}

    if case.name == "tool-call":
        call = {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}
        chunks = [chunk([call], "STOP", 5)]
    elif case.name == "max-tokens":
        chunks = [chunk([{"text": "1"}], "MAX_TOKENS", 1)]
    else:
        texts = ["Hello", " there, nice to", " meet you!"]
        chunks = [chunk([{"text": t}], None, n + 1) for n, t in enumerate(texts)]
        chunks.append(chunk([{"text": ""}], "STOP", 8))
    if framing == "json":  # the array as Google streams it: "[{", ",\r\n{", "]"
        body = [b"[" + orjson.dumps(chunks[0])]
        body += [b",\r\n" + orjson.dumps(c) for c in chunks[1:]]
        body.append(b"]")
        return 200, {"content-type": "application/json; charset=UTF-8"}, body
    return (
        200,
        {"content-type": "text/event-stream"},
        [b"data: " + orjson.dumps(c) + b"\r\n\r\n" for c in chunks],
    )


def _ollama(case: Case) -> Reply:
    if case.rejects:
        body = {"error": f'model "{UNKNOWN_MODEL}" not found, try pulling it first'}
        return 404, {"content-type": "application/json; charset=utf-8"}, [orjson.dumps(body)]
    chat = case.api == "ollama-chat"
    lines: list[dict[str, Any]] = []

    def line(text: str, **extra: Any) -> None:
        value: dict[str, Any] = {"model": "llama3.2", "created_at": _ollama_time(len(lines))}
        if chat:
            value["message"] = {"role": "assistant", "content": text, **extra}
        else:
            value["response"] = text
        value["done"] = False
        lines.append(value)

    if case.name == "tool-call":
        call = {"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
        line("", tool_calls=[call])
        reason = "stop"
    elif case.name == "length":
        line("1")
        reason = "length"
    else:
        for text in ("Hello", " there, nice", " to meet you!"):
            line(text)
        reason = "stop"
    line("")
    last = lines[-1]
    last.update(done=True, done_reason=reason, total_duration=912000000)
    last.update(load_duration=21000000, prompt_eval_count=14, prompt_eval_duration=80000000)
    last.update(eval_count=6, eval_duration=700000000)
    if not chat:
        last["context"] = [1, 2, 3]
    ndjson = {"content-type": "application/x-ndjson"}
    return 200, ndjson, [orjson.dumps(value) + b"\n" for value in lines]


def _ollama_time(n: int) -> str:
    return f"2026-11-25T10:00:0{n % 10}.{12345 + n:06d}Z"


_SERVERS = {
    "chat": Server.of("openai", "chat", "gpt-4o-mini", None),
    "responses": Server.of("openai", "responses", "gpt-4o-mini", None),
    "anthropic": Server.of("anthropic", "chat", "claude-sonnet-4-5", None),
    "gemini": Server.of("gemini", "sse", "gemini-2.5-flash", None),
    "gemini-json": Server.of("gemini", "json", "gemini-2.5-flash", None),
    "ollama-chat": Server.of("ollama", "chat", "llama3.2", None),
    "ollama-generate": Server.of("ollama", "generate", "llama3.2", None),
}


def tape(dialect: str, case: Case) -> bytes:
    framing = "json" if "-json" in dialect else "sse"
    server = _SERVERS["gemini-json" if case.api == "gemini" and framing == "json" else case.api]
    prepared = server.request(case, "sk-not-a-key-conform-fixture")
    if case.api == "gemini":
        reply = native_dialect(dialect, case, _gemini(case, framing))
        provider, api, version = "gemini", "gemini", None
    elif case.api.startswith("ollama"):
        reply = native_dialect(dialect, case, _ollama(case))
        provider, api, version = "ollama", case.api.split("-")[1], None
    elif case.api == "anthropic":
        reply = anthropic_dialect(dialect, case, _anthropic(case))
        provider, api, version = "anthropic", "messages", "2023-06-01"
    elif case.api == "responses":
        reply = responses_dialect(dialect, case, _responses(case))
        provider, api, version = "openai", "responses", None
    else:
        reply = openai_dialect(dialect, case, _chat(case))
        provider, api, version = "openai", "chat-completions", None
    status, headers, chunks = reply
    request = Request("POST", prepared.url, dict(prepared.headers), prepared.body)
    fields = {"provider": provider, "api": api, "api_version": version, "request": request}
    fields.update(status=status, headers=headers)
    timed = [(data, round(0.35 + 0.015 * n, 3)) for n, data in enumerate(chunks)]
    return dumps([(fields, timed, EndReason.EOF)])


def files() -> dict[Path, bytes]:
    found = {}
    for dialect, api in DIALECTS.items():
        for case in CASES:
            if case.api == api:
                found[ROOT / dialect / f"{case.api}-{case.name}.tape"] = tape(dialect, case)
    return found


def main(argv: list[str]) -> int:
    wanted = files()
    if "--check" in argv:
        stale = [p for p, data in wanted.items() if not p.is_file() or p.read_bytes() != data]
        present = {p for p in ROOT.rglob("*.tape")} if ROOT.is_dir() else set()
        stale += sorted(present - set(wanted))
        for path in stale:
            print(f"stale: {path.relative_to(ROOT.parent.parent)}")
        return 1 if stale else 0
    for path, data in wanted.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    print(f"wrote {len(wanted)} tapes under {ROOT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

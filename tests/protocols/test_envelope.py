"""The envelope every event grammar shares (protocols/envelope.py): one wording for the same
defect whichever protocol's stream has it, through `check_bytes` as a user calls it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from streamcheck import CheckOptions, Finding, check_bytes

SSE = {"content-type": "text/event-stream"}


def sse(*events: dict[str, Any]) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


def findings(data: bytes, url: str, options: CheckOptions | None = None) -> list[Finding]:
    report = check_bytes(data, options, url=url, headers=SSE)
    return [f for result in report.results for f in result.findings]


def cohere_v2(*tail: dict[str, Any]) -> bytes:
    start = {"type": "message-start", "id": "c", "delta": {"message": {"role": "assistant"}}}
    end = {"type": "message-end", "delta": {"finish_reason": "COMPLETE"}}
    return sse(start, end, *tail)


def responses(*tail: dict[str, Any]) -> bytes:
    response = {"id": "resp_1", "object": "response", "status": "completed", "output": []}
    created = {"type": "response.created", "sequence_number": 0, "response": response}
    done = {"type": "response.completed", "sequence_number": 1, "response": response}
    return sse(created, done, *tail)


def protocol_file(tmp_path: Path) -> CheckOptions:
    spec = tmp_path / "relay.yaml"
    spec.write_text(
        "streamcheck-protocol: 1\nname: relay\nframing: sse\nkind: /type\n"
        "start: [hello]\nend: [bye]\n"
        "kinds:\n  hello: {schema: {}}\n  text: {schema: {}}\n  bye: {schema: {}}\n"
    )
    return CheckOptions(protocol_files=(spec,), force_protocols=True)


def test_an_event_after_the_end_is_said_in_one_wording_by_every_event_protocol(
    tmp_path: Path,
) -> None:
    late = {"type": "text", "text": "late"}
    cohere = findings(
        cohere_v2({"type": "content-delta", "index": 0}), "https://api.cohere.com/v2/chat"
    )
    openai = findings(
        responses({"type": "response.output_text.delta", "sequence_number": 2}),
        "https://api.openai.com/v1/responses",
    )
    relay = findings(
        sse({"type": "hello"}, {"type": "bye"}, late),
        "http://app.test/chat",
        protocol_file(tmp_path),
    )
    after = [
        next(f for f in found if f.code in ("SC302", "SC383")) for found in (cohere, openai, relay)
    ]
    assert [f.code for f in after] == ["SC302", "SC302", "SC383"]
    assert all("clients stop reading at the end, so it is lost" in f.message for f in after)
    assert "'content-delta' arrived after message-end" in after[0].message
    assert "'response.output_text.delta' arrived after response.completed" in after[1].message
    assert "'text' arrived after the 'bye' frame" in after[2].message


def test_a_stream_cut_before_its_end_says_how_many_events_came_in_every_event_protocol(
    tmp_path: Path,
) -> None:
    start = {"type": "message-start", "id": "c", "delta": {"message": {"role": "assistant"}}}
    cohere = findings(sse(start), "https://api.cohere.com/v2/chat")
    relay = findings(
        sse({"type": "hello"}, {"type": "text"}), "http://app.test/x", protocol_file(tmp_path)
    )
    cut = [next(f for f in found if f.code in ("SC301", "SC380")) for found in (cohere, relay)]
    assert "the stream ended after 1 event without message-end: the answer is cut" in cut[0].message
    assert cut[1].message.startswith(
        "the stream ended after 2 events without a frame of an end kind ('bye')"
    )
    assert cut[1].message.endswith(": the answer is cut [relay]")


def test_a_wrong_first_event_is_said_in_one_wording() -> None:
    delta = {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": "x"}}}}
    cohere = findings(sse(delta), "https://api.cohere.com/v2/chat")
    first = next(f for f in cohere if f.code == "SC309")
    assert first.message == "the stream starts with 'content-delta', not message-start"

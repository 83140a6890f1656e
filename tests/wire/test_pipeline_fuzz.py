"""A stream defect is a finding, never an exception: mangled streams through the whole pipeline.

Real-shaped OpenAI and Anthropic events are cut, re-ended, re-encoded and interleaved with
SSE oddities; `check_bytes` must return a report for every one of them, whatever the split.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamcheck import check_bytes
from tests.streams import CLEAN
from tests.wire.sse_streams import ANY_STREAM

ANTHROPIC = (
    b'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message",'
    b'"role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,'
    b'"stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}}\n\n'
    b'event: content_block_start\ndata: {"type":"content_block_start","index":0,'
    b'"content_block":{"type":"text","text":""}}\n\n'
    b"event: ping\ndata: {}\n\n"
    b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
    b'"delta":{"type":"text_delta","text":"Hi"}}\n\n'
    b'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n'
    b'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn",'
    b'"stop_sequence":null},"usage":{"output_tokens":2}}\n\n'
    b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
)
BASES = [CLEAN.encode(), ANTHROPIC]
ODDITIES = [
    b"",
    b"\r",
    b"\r\n",
    b"\n",
    b"\xef\xbb\xbf",
    b": keep-alive\n\n",
    b"event: ping\n\n",
    b"id: 1\n",
    b"retry: x\n",
    b"data: [DONE]\n\n",
    b'data: {"error":{"message":"overloaded","type":"overloaded_error"}}\n\n',
    b"\xff\xfe",
    b"\xe2\x80\xa8",
    b"data:\n\n",
    b'data: {"choices":null}\n\n',
    b"data: []\n\n",
    b'data: {"type":null}\n\n',
]


@st.composite
def mangled(draw: st.DrawFn) -> bytes:
    body = draw(st.sampled_from(BASES))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(body)))
        action = draw(st.sampled_from(["insert", "cut", "delete", "crlf"]))
        if action == "insert":
            body = body[:at] + draw(st.sampled_from(ODDITIES)) + body[at:]
        elif action == "cut":
            body = body[:at]
        elif action == "delete":
            body = body[:at] + body[at + draw(st.integers(1, 40)) :]
        else:
            body = body.replace(b"\n", b"\r\n")
    return body


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mangled(), ANY_STREAM, st.binary(max_size=300)))
def test_no_stream_makes_the_checker_raise(body: bytes) -> None:
    report = check_bytes(body)
    assert len(report.results) == 1
    for finding in report.findings():
        assert finding.code and finding.message

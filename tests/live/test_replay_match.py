"""`serve` answers a request with the recording made for what it asks (replay_match.py)."""

from __future__ import annotations

import httpx

from streamcheck.live.serve.replay_match import features
from streamcheck.live.serve.server import FIXTURE_HEADER, ServeOptions, running
from tests.conftest import FIXTURES

MESSAGES = [{"role": "user", "content": "hi"}]


def test_one_cap_whatever_the_api_calls_it() -> None:
    caps = [{"max_tokens": 5}, {"max_completion_tokens": 5}, {"max_output_tokens": 5}]
    assert len({features(body) for body in caps}) == 1
    assert features({"max_tokens": 5}) != features({"max_tokens": 6})


def test_features_ignore_the_prompt_and_model_but_not_the_feature() -> None:
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {}}}
    base = {"model": "a", "messages": MESSAGES, "stream": True}
    assert features(base) == features({**base, "model": "b", "messages": []}) == ()
    assert features({**base, "tools": [tool]}) == (("tools", "get_weather"),)
    assert features({**base, "n": 2}) == (("n", "2"),)
    assert features({**base, "n": 1}) == ()
    assert features({**base, "stream_options": {"include_usage": True}}) == (("usage", "true"),)
    assert features({**base, "stream_options": {"include_usage": False}}) == ()
    assert features({"stop": "5"}) == features({"stop_sequences": ["5"]})
    assert features({"logprobs": True, "top_logprobs": 2}) == (("logprobs", "2"),)
    assert features(None) == features([1, 2]) == ()


def test_serve_picks_the_recording_of_the_requested_feature() -> None:
    folder = FIXTURES / "conform" / "openai-clean"
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {}}}
    asks = {
        "chat-tool-call": {"tools": [tool], "max_tokens": 64},
        "chat-n2": {"n": 2, "max_tokens": 8},
        "chat-length": {"max_completion_tokens": 1},
        "chat-usage": {"max_tokens": 16, "stream_options": {"include_usage": True}},
        "chat-unknown-model": {"max_tokens": 16, "model": "streamcheck-conform-no-such-model"},
    }
    with running([str(folder)], ServeOptions(speed=0)) as url, httpx.Client() as client:
        for expected, extra in asks.items():
            body = {"model": "gpt-4o-mini", "messages": MESSAGES, "stream": True, **extra}
            reply = client.post(f"{url}/v1/chat/completions", json=body)
            assert reply.headers.get(FIXTURE_HEADER) == expected
        # Nothing recorded for this: the first clean 200 answers, as before.
        plain = client.post(f"{url}/v1/chat/completions", json={"messages": MESSAGES})
        assert plain.status_code == 200

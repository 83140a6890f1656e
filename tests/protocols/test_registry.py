"""The protocol registry: detection order is fixed, and modules load only as detection needs."""

from __future__ import annotations

from typing import Any

import orjson

from streamcheck.model import Location
from streamcheck.protocols import MODULES, Every, every, find, in_order
from streamcheck.wire.sse import SSEDecoder
from tests.conftest import FIXTURES, run_python

DETECTION_ORDER = [
    "anthropic-messages",
    "openai-chat",
    "azure-openai-chat",
    "bedrock-converse-stream",
    "bedrock-invoke-stream",
    "cohere-chat",
    "vllm-chat",
    "groq-chat",
    "mistral-chat",
    "openrouter-chat",
    "deepseek-chat",
    "gemini",
    "ollama-chat",
    "ollama-generate",
    "openai-responses",
    "open-responses",
    "vercel-ui-message-stream",
    "vercel-data-stream",
    "openai-realtime",
    "openai-responses-ws",
    "gemini-live",
]


def test_every_protocol_in_detection_order() -> None:
    assert list(every()) == DETECTION_ORDER
    assert [p.name for p in Every()] == DETECTION_ORDER
    assert len(Every()) == len(DETECTION_ORDER)
    assert every()["gemini"] in Every()


def test_protocols_put_first_come_first_and_once() -> None:
    # Every() with nothing first is detection order itself (Every.__iter__'s short way); with
    # protocols first (a protocol file's, the config defaults'), each of the others once after.
    gemini, chat = every()["gemini"], every()["openai-chat"]
    rest = [n for n in DETECTION_ORDER if n not in ("gemini", "openai-chat")]
    assert [p.name for p in Every([gemini, chat])] == ["gemini", "openai-chat", *rest]
    assert len(Every([gemini, chat])) == len(DETECTION_ORDER)
    assert [p.name for p in Every([])] == [p.name for p in Every()] == DETECTION_ORDER


def test_the_order_does_not_depend_on_what_was_imported_first() -> None:
    """A test or plugin importing a protocol module directly must not reorder detection."""
    code = (
        "import streamcheck.protocols.gemini, streamcheck.protocols.openai_responses\n"
        "from streamcheck.protocols import every\n"
        "print(','.join(every()))\n"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().split(",") == DETECTION_ORDER


def test_detection_imports_modules_only_as_far_as_it_goes() -> None:
    code = (
        "import sys\n"
        "from streamcheck.protocols import in_order\n"
        "first = next(p for p in in_order() if p.provider == 'openai')\n"
        "print(first.name, sorted(m.rsplit('.', 1)[1] for m in sys.modules\n"
        "    if m.startswith('streamcheck.protocols.')))\n"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    name, loaded = done.stdout.split(" ", 1)
    assert name == "openai-chat"
    for later in MODULES[MODULES.index("openai_chat") + 1 :]:
        assert f"'{later}'" not in loaded


def test_find_by_name_provider_or_alias() -> None:
    assert [p.name for p in find("openai-chat")] == ["openai-chat"]
    assert [p.name for p in find("ollama")] == ["ollama-chat", "ollama-generate"]
    assert find("no-such-provider") == []


def _fixture_frames() -> list[tuple[Any, str | None]]:
    """Every JSON data frame (with its SSE event name) of the SSE fixtures."""
    found: list[tuple[Any, str | None]] = []
    for path in sorted(FIXTURES.rglob("*.sse")):
        decoder = SSEDecoder(Location(source=str(path)))
        frames = decoder.decode(path.read_bytes()) + decoder.flush()
        for frame in frames:
            try:
                found.append((orjson.loads(frame.data), frame.event))
            except orjson.JSONDecodeError:
                continue
    return found


def test_a_declared_discriminator_agrees_with_kind() -> None:
    """The hot path reads `discriminator` instead of calling kind(); on every fixture frame
    the two must name the same schema kind."""
    frames = _fixture_frames()
    assert len(frames) > 300
    checked = 0
    for protocol in every().values():
        named_by, kinds = protocol.discriminator, protocol.discriminated
        if named_by is None:
            continue
        for value, event in frames:
            named = value.get(named_by) if isinstance(value, dict) else None
            if not isinstance(named, str) or (kinds is not None and named not in kinds):
                continue
            fast = named if kinds is None else kinds[named]
            assert protocol.kind(value, event) == fast, (protocol.name, value)
            checked += 1
    assert checked > 300


def test_an_openai_chunk_is_a_chunk_even_with_an_error_member() -> None:
    value = {"object": "chat.completion.chunk", "error": {"message": "x"}}
    assert every()["openai-chat"].kind(value, None) == "chunk"
    assert every()["openai-chat"].kind({"error": {"message": "x"}}, None) == "error"


def test_a_protocol_registered_later_is_in_every() -> None:
    """every() is kept between calls (each exchange asks for it), but never goes stale: a
    protocol registered after a first call is in the next answer, and the detection order of
    the others is kept."""
    from streamcheck.protocols import base
    from streamcheck.protocols.openai_chat import OpenAIChat

    assert list(every()) == DETECTION_ORDER
    # As a protocol module's own class (every() lists the protocols of MODULES).
    late = type(
        "LateChat", (OpenAIChat,), {"name": "late-chat", "__module__": OpenAIChat.__module__}
    )
    base.register(late)
    try:
        assert every()["late-chat"] is late
        assert [name for name in every() if name != "late-chat"] == DETECTION_ORDER
    finally:
        del base.REGISTRY["late-chat"]
    assert list(every()) == DETECTION_ORDER


def test_detection_order_follows_the_registry_as_it_changes() -> None:
    """in_order keeps each module's protocols between exchanges: a protocol registered, taken
    out, or put in the place of another (the registry as long as before) is seen at once."""
    from streamcheck.protocols import base
    from streamcheck.protocols.openai_chat import OpenAIChat

    before = list(in_order())
    first, second = (
        type(f"Late{n}", (OpenAIChat,), {"name": f"late-{n}", "__module__": OpenAIChat.__module__})
        for n in ("one", "two")
    )
    base.register(first)
    try:
        assert [p for p in in_order() if p not in before] == [first]
        del base.REGISTRY["late-one"]
        assert list(in_order()) == before
        base.register(first)
        assert [p for p in in_order() if p not in before] == [first]
        del base.REGISTRY["late-one"]
        base.register(second)  # in its place: the registry is as long as it was with it
        assert [p for p in in_order() if p not in before] == [second]
    finally:
        base.REGISTRY.pop("late-one", None)
        base.REGISTRY.pop("late-two", None)
    assert list(in_order()) == before

"""The hot paths of the busiest grammars, switched off: every frame takes the reference path.

OpenAI chat (`ChatStream.frame`) and Anthropic (`MessagesStream._continues`) handle the common
frame inline beside the full path that holds the rules, kept in step by hand; Realtime
(`RealtimeStream.frame`) names its content deltas' strings for check/repeat.py; the pull driver
feeds a recorded WebSocket session in runs (`batched`: a tape's reader gives them, its common
messages as columns, model.Texts, read without a Message each). `reference_only()` swaps each
hot path for its full one, and feeds messages one at a time, for as long as it is entered, in
this process (an internal switch for tests/protocols/test_fast_paths.py, which checks every fixture
both ways and compares the findings: speed must never change a verdict). It also makes a failing
frame's code (SC201 or SC205) come from jsonschema-rs's keywords, not from the schema's
enum-blind twin (schema_enums.py). Not thread-safe; not for `--jobs` workers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

# Whether the pull driver (check/exchange.py) feeds a recorded WebSocket session's messages in
# runs, one frame loop per run (push.StreamChecker.feed_messages), rather than one by one.
batched = True


@contextmanager
def reference_only() -> Iterator[None]:
    from streamcheck.protocols.anthropic import MessagesStream
    from streamcheck.protocols.openai_chat import ChatStream
    from streamcheck.protocols.openai_realtime import RealtimeStream
    from streamcheck.schemas import SchemaSet

    global batched
    saved = ChatStream.frame, MessagesStream._continues, RealtimeStream.frame, batched
    twins = SchemaSet.enum_twins
    SchemaSet.enum_twins = False
    ChatStream.frame = ChatStream.full_frame  # type: ignore[method-assign]
    MessagesStream._continues = MessagesStream.no_shortcut  # type: ignore[method-assign]
    RealtimeStream.frame = RealtimeStream.full_frame  # type: ignore[method-assign]
    batched = False
    try:
        yield
    finally:
        ChatStream.frame, MessagesStream._continues = saved[:2]  # type: ignore[method-assign]
        RealtimeStream.frame, batched = saved[2:]  # type: ignore[method-assign]
        SchemaSet.enum_twins = twins

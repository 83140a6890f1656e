"""The hot paths of the busiest grammars, switched off: every frame takes the reference path.

OpenAI chat (`ChatStream.frame`) and Anthropic (`MessagesStream._continues`) handle the common
frame inline beside the full path that holds the rules, kept in step by hand. `reference_only()`
swaps each hot path for its full one for as long as it is entered, in this process (an internal
switch for tests/protocols/test_fast_paths.py, which checks every fixture both ways and compares
the findings: speed must never change a verdict). Not thread-safe; not for `--jobs` workers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def reference_only() -> Iterator[None]:
    from streamcheck.protocols.anthropic import MessagesStream
    from streamcheck.protocols.openai_chat import ChatStream

    saved = ChatStream.frame, MessagesStream._continues
    ChatStream.frame = ChatStream.full_frame  # type: ignore[method-assign]
    MessagesStream._continues = MessagesStream.no_shortcut  # type: ignore[method-assign]
    try:
        yield
    finally:
        ChatStream.frame, MessagesStream._continues = saved  # type: ignore[method-assign]

"""Run a conform case's expectations over its answer (registered by expect_chat.py and
expect_events.py, imported here so that every name is known)."""

from __future__ import annotations

from streamcheck.live.conform import expect_chat, expect_events, expect_native
from streamcheck.live.conform.answer import EXPECTATIONS, Answer
from streamcheck.live.conform.cases import Case
from streamcheck.live.conform.clients import breaks

_REGISTERED = (expect_chat, expect_events, expect_native)  # imported for their registrations


def judge(answer: Answer, case: Case) -> list[str]:
    """Every broken promise of the case, one line each, named `expect <name>: ...`, with the
    client it breaks when the evidence table (`clients.py`) knows one."""
    broken = []
    for item in case.expect:
        name, _, argument = item.partition("=")
        problem = EXPECTATIONS[name](answer, case, argument or None)
        if problem is not None:
            who = breaks(case.api, name)
            broken.append(f"expect {item}: {problem}" + (f"; {who.line()}" if who else ""))
    return broken

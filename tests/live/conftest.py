"""A replay server on 127.0.0.1 (uvicorn in a thread on a free port) for the live tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from streamcheck.live.serve.server import ServeOptions, running
from tests.conftest import FIXTURES

LIVE_FIXTURES = FIXTURES / "live"
# Obviously fake keys; every live test asserts they never leave the process.
OPENAI_CANARY = "sk-canary-openai-0123456789abcdef"
ANTHROPIC_CANARY = "sk-ant-canary-0123456789abcdef"
AZURE_CANARY = "canary-azure-0123456789abcdef"
CANARY_ENV = {
    "OPENAI_API_KEY": OPENAI_CANARY,
    "ANTHROPIC_API_KEY": ANTHROPIC_CANARY,
    "AZURE_OPENAI_API_KEY": AZURE_CANARY,
}
CANARIES = (OPENAI_CANARY, ANTHROPIC_CANARY, AZURE_CANARY)


@pytest.fixture(scope="session")
def served() -> Iterator[str]:
    """Base URL of a server replaying fixtures/live as fast as possible."""
    with running([str(LIVE_FIXTURES)], ServeOptions(speed=0)) as url:
        yield url


def assert_no_canary(*texts: str | bytes) -> None:
    for text in texts:
        data = text.encode("utf-8") if isinstance(text, str) else text
        for canary in CANARIES:
            assert canary.encode() not in data, f"key {canary[:12]}... leaked"
            # Also the tail of the key: partial echoes (sk-...cdef) are leaks too.
            assert canary[-12:].encode() not in data

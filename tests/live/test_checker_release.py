"""The long-running drivers free what an exchange's check held when its verdict is made: the
proxy's tee and ext-proc's session release their push checker after closing it, so a busy
proxy leaves no reference cycles of finished exchanges for the cyclic collector to walk
(check/push.py `StreamChecker.release`; tests/check/test_folder_run.py for `check`)."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator

import pytest

from streamcheck.check import CheckOptions
from streamcheck.check.push import StreamChecker
from streamcheck.live.extproc import events
from streamcheck.live.extproc.events import Event
from streamcheck.live.extproc.session import Session
from streamcheck.live.observe import OutputOptions, Outputs
from streamcheck.live.proxy.tee import Tee
from streamcheck.model import EndReason, Exchange
from streamcheck.schemas import Catalog
from tests.conftest import FIXTURES

URL = "https://api.openai.com/v1/chat/completions"
BODY = (FIXTURES / "openai" / "tool-calls-fragmented.sse").read_bytes()
CHUNKS = [BODY[at : at + 97] for at in range(0, len(BODY), 97)]  # mid-frame cuts too


@pytest.fixture
def no_collector() -> Iterator[Callable[[], int]]:
    """The collector off while the test runs; `left()` is what a collection then finds."""
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield gc.collect
    finally:
        if enabled:
            gc.enable()


def _tee(catalog: Catalog) -> str | None:
    tee = Tee(
        Outputs(OutputOptions(log=None), "proxy"),
        CheckOptions(),
        catalog,
        0,
        "POST",
        URL,
        [(b"content-type", b"application/json")],
        time.time(),
    )
    tee.request_chunk(b'{"model":"gpt-4o","stream":true,"messages":[]}')
    tee.response(200, [(b"content-type", b"text/event-stream")], False, 0.05)
    for number, chunk in enumerate(CHUNKS):
        tee.chunk(chunk, 0.05 + number / 1000)
    return tee.finish(EndReason.EOF, None, 0.5, 48)


def test_the_proxy_tee_leaves_nothing_for_the_collector(
    no_collector: Callable[[], int],
) -> None:
    catalog = Catalog(())
    _tee(catalog)  # modules imported, schemas compiled
    no_collector()
    verdict = _tee(catalog)
    assert no_collector() == 0
    assert verdict is not None


def _session(catalog: Catalog) -> Session:
    options = CheckOptions()

    def checker_for(exchange: Exchange) -> StreamChecker:
        return StreamChecker(exchange, options, catalog)

    session = Session(checker_for)
    request = {":method": "POST", ":path": "/v1/chat/completions", ":authority": "api.openai.com"}
    session.receive(Event(events.REQUEST_HEADERS, headers=request))
    session.receive(Event(events.REQUEST_BODY, body=b'{"stream":true}', end_of_stream=True))
    head = {":status": "200", "content-type": "text/event-stream"}
    session.receive(Event(events.RESPONSE_HEADERS, headers=head))
    for number, chunk in enumerate(CHUNKS):
        last = number == len(CHUNKS) - 1
        session.receive(Event(events.RESPONSE_BODY, body=chunk, end_of_stream=last))
    return session


def test_the_ext_proc_session_leaves_nothing_for_the_collector(
    no_collector: Callable[[], int],
) -> None:
    catalog = Catalog(())
    _session(catalog).finish()
    no_collector()
    observed = _session(catalog).finish()
    assert no_collector() == 0
    assert observed is not None and observed.result.frames > 0

"""The gRPC loop of `ext-proc`: one `Process` call per HTTP exchange Envoy shows us.

Each stream is sampled (`--sample`) and counted against the cap on streams checked at once
(`--max-checked`) when it opens. A stream left out is closed at once, cleanly: Envoy's
documentation says a processor may close the stream when it needs no more messages, and that
Envoy then goes on without consulting it (in either mode), so no bytes of it are sent to us.
It is counted in `streamcheck_streams_unchecked_total{reason}`. A checked stream's events go
to its `Session`; when the exchange ends, or the gRPC stream ends or is cancelled first (a
cut), the session is closed and its outputs written. Nothing here can fail the HTTP exchange:
a checker error is logged and counted, and Envoy still gets its answers.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from typing import Any

from envoy.service.ext_proc.v3 import external_processor_pb2_grpc as pb_grpc

from streamcheck import redact
from streamcheck.live.extproc import messages
from streamcheck.live.extproc.events import RESPONSE_BODY
from streamcheck.live.extproc.session import CheckerFactory, Session
from streamcheck.live.observe import Outputs


class Processor(pb_grpc.ExternalProcessorServicer):  # type: ignore[misc]
    def __init__(
        self,
        outputs: Outputs,
        checker_for: CheckerFactory,
        sample: float = 1.0,
        max_checked: int = 64,
        keep_bytes: int = 8 * 1024 * 1024,
        draw: Callable[[], float] = random.random,
    ) -> None:
        self.outputs = outputs
        self.checker_for = checker_for
        self.sample = sample
        self.max_checked = max_checked
        self.keep_bytes = keep_bytes
        self.draw = draw
        self.active = 0  # streams being checked now (one event loop: no lock needed)
        self.streams = 0  # every stream seen
        self.finished = 0  # streams whose outputs were written
        self.messages = 0  # messages read, all streams

    async def Process(
        self, request_iterator: AsyncIterator[Any], context: Any
    ) -> AsyncIterator[Any]:
        self.streams += 1
        session = self._admit()
        if session is None:
            return
        try:
            async for message in request_iterator:
                self.messages += 1
                kind = message.WhichOneof("request")
                try:
                    if kind == RESPONSE_BODY:  # the hot path: no Event built per chunk
                        part = message.response_body
                        done = session.response_body(part.body, part.end_of_stream)
                    else:
                        done = session.receive(messages.event(message))
                    if done:
                        self._finish(session)
                        session = None
                except Exception as exc:  # a checker bug: the traffic goes on, logged
                    self._failed(exc)
                    session = None
                if not message.observability_mode:
                    reply = messages.continue_response(kind or "")
                    if reply is not None:
                        yield reply
                if session is None:
                    return  # the exchange ended: no more messages needed, the stream closes
        except Exception:  # the stream broke (Envoy went away): what arrived is a cut stream
            pass
        finally:
            if session is not None:
                self._finish(session)

    def _admit(self) -> Session | None:
        if self.sample < 1.0 and self.draw() >= self.sample:
            self.outputs.unchecked("sampled-out")
            return None
        if self.active >= self.max_checked:
            self.outputs.unchecked("over-cap")
            return None
        self.active += 1
        return Session(self.checker_for, self.keep_bytes)

    def _finish(self, session: Session) -> None:
        self.active -= 1
        try:
            observed = session.finish()
        except Exception as exc:
            self._failed(exc, counted=True)
            return
        if observed is None:
            self.outputs.unchecked("no-response")
        else:
            self.outputs.emit(observed)
        self.finished += 1

    def _failed(self, exc: Exception, counted: bool = False) -> None:
        if not counted:
            self.active -= 1
        what = str(exc).splitlines()[0] if str(exc) else ""
        self.outputs.internal_error(redact.text(f"{type(exc).__name__}: {what}"))

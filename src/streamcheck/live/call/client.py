"""A live streaming call through httpx, fed chunk by chunk into the same checker as recordings.

The push checker (`check.StreamChecker`) is fed each chunk as it comes off the socket: a tape
writer (optional) saves it first, then the checker validates it, then an observer (the live
display) sees the progress. How the body ended (eof, reset, timeout, interrupted) is what
`close()` is told. Timing: time to headers, then the checker's first byte, first content,
largest gap and total.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from streamcheck import redact
from streamcheck.check import CheckOptions, StreamChecker
from streamcheck.live.targets import Prepared, Target
from streamcheck.model import EndReason, Exchange, ExchangeResult, Request
from streamcheck.schemas import Catalog
from streamcheck.sources.tape import TapeWriter

# Provider/API hints for the checker; Azure and compatible servers are detected from the URL.
_HINTS = {"openai": ("openai", "chat-completions"), "anthropic": ("anthropic", "messages")}


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float = 10.0
    read: float = 60.0


@dataclass(slots=True)
class CallOutcome:
    """What a live call produced: a checked exchange, or why no response arrived at all."""

    result: ExchangeResult | None
    failure: str | None = None  # 'unreachable' / 'timeout' when no response arrived
    message: str | None = None  # one redacted line saying what went wrong
    interrupted: bool = False
    timing: dict[str, float] = field(default_factory=dict)


# Called after each chunk is checked: the checker (its progress()), the chunk, seconds since
# the request.
Observer = Callable[[StreamChecker, bytes, float], None]


class LiveCall:
    """One streaming request. `run()` sends it, checks the answer, and returns the outcome."""

    def __init__(
        self,
        target: Target,
        prepared: Prepared,
        options: CheckOptions | None = None,
        timeouts: Timeouts = Timeouts(),
        tape_path: Path | None = None,
        observer: Observer | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self.target = target
        self.prepared = prepared
        self.options = options or CheckOptions()
        self.timeouts = timeouts
        self.tape_path = tape_path
        self.tape: TapeWriter | None = None  # opened when the response headers arrive
        self.observer = observer
        self.catalog = catalog or Catalog(self.options.schema_dirs)
        self.checker: StreamChecker | None = None
        self.interrupted = False
        self.secrets: frozenset[str] = frozenset()
        self._last = 0.0

    def run(self) -> CallOutcome:
        timeout = httpx.Timeout(
            self.timeouts.read, connect=self.timeouts.connect, pool=self.timeouts.connect
        )
        self.secrets = self.prepared.secrets()  # registered before anything is printed
        request_meta = Request(
            method="POST",
            url=redact.url(self.prepared.url),
            headers=redact.headers(self.prepared.headers, self.prepared.secret_headers),
            body=self.prepared.body,
        )
        host = urlsplit(self.prepared.url).hostname or ""
        if host == "invalid" or host.endswith(".invalid"):
            # RFC 6761 section 6.4: such a name never resolves, so no lookup is sent for it.
            return self._failed(
                "unreachable", f"cannot resolve host {host} (a .invalid name never resolves)"
            )
        start = time.monotonic()
        try:
            with (
                httpx.Client(timeout=timeout) as client,
                client.stream(
                    "POST",
                    self.prepared.url,
                    json=self.prepared.body,
                    headers=self.prepared.headers,
                ) as response,
            ):
                headers_at = time.monotonic() - start
                return self._consume(response, request_meta, start, headers_at)
        except httpx.ConnectTimeout:
            return self._failed(
                "timeout",
                f"cannot reach {request_meta.url}: no connection within "
                f"{self.timeouts.connect:g} s (--connect-timeout)",
            )
        except httpx.TimeoutException:
            return self._failed(
                "timeout",
                f"{request_meta.url} accepted the connection but sent no response headers "
                f"within {self.timeouts.read:g} s (--read-timeout)",
            )
        except httpx.HTTPError as exc:
            return self._failed("unreachable", f"cannot reach {request_meta.url}: {_why(exc)}")
        except KeyboardInterrupt:
            self.interrupted = True
            if self.tape is not None:
                self.tape.end(EndReason.INTERRUPTED, round(self._last, 6))
            checker = self.checker
            result = checker.close(EndReason.INTERRUPTED) if checker is not None else None
            return CallOutcome(result, "interrupted", "interrupted", True)

    def _failed(self, failure: str, message: str) -> CallOutcome:
        return CallOutcome(None, failure, redact.text(message))

    def _consume(
        self, response: httpx.Response, request: Request, start: float, headers_at: float
    ) -> CallOutcome:
        provider, api = _HINTS.get(self.target.provider, (None, None))
        if provider == "openai" and urlsplit(self.prepared.url).path.endswith("/responses"):
            api = "responses"  # the Responses API of the same provider (conform --api responses)
        version = response.headers.get("anthropic-version") or (
            self.prepared.headers.get("anthropic-version")
        )
        exchange = Exchange(
            source=self.target.label,
            index=0,
            request=request,
            status=response.status_code,
            headers=dict(response.headers),
            chunks=(),
            provider=provider,
            api=api,
            api_version=version,
            secrets=self.secrets,
            read_timeout=self.timeouts.read,
            arrival_times=True,
        )
        if self.tape_path is not None:
            self.tape = TapeWriter.create(self.tape_path)
            self.tape.header(
                provider=provider,
                api=api,
                api_version=version,
                request=request,
                status=response.status_code,
                headers=exchange.headers,
            )
        checker = self.checker = StreamChecker(exchange, self.options, self.catalog)
        # The tape writer and the observer run inside the request's redaction scope: its
        # credentials are masked in every chunk written or shown.
        with redact.scope(self.secrets):
            end = self._receive(response, checker, start)
        exchange.end_time = round(self._last, 6)  # for the cause of a cut (check/cause.py)
        result = checker.close(end)
        result.timing["headers"] = round(headers_at, 6)
        if self.tape is not None:
            self.tape.end(exchange.end, round(self._last, 6), read_timeout=self.timeouts.read)
        return CallOutcome(result, interrupted=self.interrupted, timing=result.timing)

    def _receive(self, response: httpx.Response, checker: StreamChecker, start: float) -> EndReason:
        """Feed the checker each chunk as it arrives; how the body ended."""
        end = EndReason.EOF
        tape, observer = self.tape, self.observer
        try:
            for data in response.iter_raw():
                now = self._last = time.monotonic() - start
                if tape is not None:
                    tape.chunk(data, now)
                checker.feed(data, now)
                if observer is not None:
                    observer(checker, data, now)
        except httpx.ReadTimeout:
            end = EndReason.TIMEOUT
        except (httpx.RemoteProtocolError, httpx.ReadError):
            end = EndReason.RESET
        except KeyboardInterrupt:
            self.interrupted = True
            end = EndReason.INTERRUPTED
        finally:
            self._last = time.monotonic() - start
        return end


def _what(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return redact.text(text.splitlines()[0])


def _why(exc: httpx.HTTPError) -> str:
    """What stopped the connection, in words: refused, no such host, a TLS failure."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS handshake failed: the certificate was refused ({cause.verify_message})"
        if isinstance(cause, ssl.SSLError):
            return f"TLS handshake failed ({cause.reason or _what(cause)})"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused (nothing listens there)"
        if isinstance(cause, socket.gaierror):
            return f"cannot resolve the host ({cause.strerror or _what(cause)})"
        cause = cause.__cause__ or cause.__context__
    return _what(exc)

"""Which exchanges are checked (sampling, the cap on exchanges checked at once) and the Tee of
each one that is; shared by the HTTP and WebSocket halves of the proxy."""

from __future__ import annotations

import random
from collections.abc import Callable

from streamcheck.check import CheckOptions
from streamcheck.live.observe import Outputs
from streamcheck.live.proxy.tee import Tee
from streamcheck.model import Close, EndReason
from streamcheck.schemas import Catalog


class Gate:
    def __init__(
        self,
        outputs: Outputs | None,
        check_options: CheckOptions,
        sample: float = 1.0,
        max_checked: int = 64,
        keep_bytes: int = 8 * 1024 * 1024,
        check: bool = True,
        draw: Callable[[], float] = random.random,
        read_timeout: float | None = None,
    ) -> None:
        self.read_timeout = read_timeout
        self.outputs = outputs
        self.check_options = check_options
        self.catalog = Catalog(check_options.schema_dirs)  # each schema compiled once
        self.sample = sample
        self.max_checked = max_checked
        self.keep_bytes = keep_bytes
        self.check = check
        self.draw = draw
        self.active = 0  # exchanges being checked now (one event loop: no lock)
        self.streams = 0  # every exchange seen
        self.unchecked = 0  # passed on without a check (sampled out, over the cap)

    def admit(self, method: str, url: str, raw: list[tuple[bytes, bytes]]) -> Tee | None:
        """A Tee when this exchange is checked; None (counted) when it passes unchecked."""
        self.streams += 1
        outputs = self.outputs
        if not self.check or outputs is None:
            return None
        if self.sample < 1.0 and self.draw() >= self.sample:
            self.unchecked += 1
            outputs.unchecked("sampled-out")
            return None
        if self.active >= self.max_checked:
            self.unchecked += 1
            outputs.unchecked("over-cap")
            return None
        try:
            tee = Tee(
                outputs,
                self.check_options,
                self.catalog,
                self.keep_bytes,
                method,
                url,
                raw,
                self.read_timeout,
            )
        except Exception as exc:  # a bug of ours: the traffic goes on, logged
            outputs.internal_error(f"{type(exc).__name__}: the exchange was not checked")
            return None
        self.active += 1
        return tee

    def release(self, tee: Tee | None, end: EndReason, close: Close | None = None) -> None:
        """The exchange is over: its outputs are written (never raises)."""
        if tee is None:
            return
        self.active -= 1
        try:
            tee.finish(end, close)
        except Exception as exc:  # the outputs never raise; anything else is a bug of ours
            if self.outputs is not None:
                self.outputs.internal_error(f"{type(exc).__name__}: while finishing")

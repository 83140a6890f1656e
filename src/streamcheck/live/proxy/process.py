"""The checker process the proxy starts and owns (worker.py), restarted if it dies.

Why a process of its own: the proxy is one Python process, and at saturation every
millisecond of CPU the checker takes inside it is a millisecond more that each first byte
waits in the queue (bench/proxy.py). Out of process, and at a lower priority, the checking
takes the CPU the forwarding leaves, and falls behind (bounded: pipe.py) rather than slowing
the traffic.

Its death never touches the traffic: the proxy says so on stderr in one line, counts the
exchanges that were in flight as unchecked ("checker-lost") and starts another, which writes
the same in the log. If it dies again at once, five times running, the proxy goes on unchecked.
On Ctrl-C / SIGTERM the proxy closes the socket and waits up to `drain` seconds for the
checker to write the lines of the exchanges it was sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import orjson

from streamcheck.exceptions import ConfigError
from streamcheck.live.proxy import frames, worker
from streamcheck.live.proxy.gate import Link
from streamcheck.live.proxy.pipe import Pipe

if TYPE_CHECKING:
    from streamcheck.check import CheckOptions
    from streamcheck.live.observe import OutputOptions

START_TIMEOUT = 60.0  # seconds for a checker to import and open its outputs
QUICK_DEATH = 10.0  # a checker that dies this soon after starting counts towards giving up
GIVE_UP_AFTER = 5


def _say(message: str) -> None:
    sys.stderr.write(f"streamcheck proxy: {message}\n")
    sys.stderr.flush()


class CheckerProcess:
    def __init__(
        self,
        outputs: OutputOptions,
        check: CheckOptions,
        keep_bytes: int,
        read_timeout: float | None,
        cap: int,
        drain: float,
    ) -> None:
        self.outputs, self.check = outputs, check
        self.keep_bytes, self.read_timeout = keep_bytes, read_timeout
        self.cap = cap
        self.drain = drain
        self.metrics_port: int | None = outputs.metrics_port
        self.proc: subprocess.Popen[bytes] | None = None
        self.sock: socket.socket | None = None
        self.pipe: Pipe | None = None
        self.on_link: Callable[[Link | None], None] = lambda _: None
        self.started = 0.0
        self.quick_deaths = 0
        self.restarts = 0
        self.closing = False
        self._restarting: asyncio.Task[None] | None = None

    # -- start -----------------------------------------------------------------------------

    def _spawn(self) -> None:
        parent, child = socket.socketpair()
        try:
            self.proc = subprocess.Popen(
                # -P: `python -m` would put the working folder first on sys.path, and the
                # proxy may run inside a checked-out repository holding a `streamcheck` folder.
                [sys.executable, "-P", "-m", "streamcheck.live.proxy.worker", str(child.fileno())],
                pass_fds=(child.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        except OSError:
            parent.close()
            raise
        finally:
            child.close()
        self.sock = parent
        self.started = time.monotonic()
        outputs = self.outputs
        if self.metrics_port is not None and outputs.metrics_port != self.metrics_port:
            from dataclasses import replace

            outputs = replace(outputs, metrics_port=self.metrics_port)  # the same on restart
        parent.sendall(worker.config(outputs, self.check, self.keep_bytes, self.read_timeout))

    def start(self) -> None:
        """Start the checker and wait until its outputs are open (a busy metrics port: one
        line, ConfigError). Before the server runs: it may block."""
        self._spawn()
        assert self.sock is not None
        self.sock.settimeout(START_TIMEOUT)
        with self.sock.makefile("rb") as stream:
            try:
                answer = next(frames.read(stream), None)
            except OSError:
                answer = None
        self.sock.settimeout(None)
        if answer is None or answer[0] != frames.READY:
            message = orjson.loads(answer[2])["message"] if answer else "it did not start"
            self.stop_now()
            raise ConfigError(f"the checker process could not start: {message}")
        self.metrics_port = orjson.loads(answer[2])["metrics_port"]

    async def attach(self) -> Pipe:
        """The socket under the running event loop: the gate's link."""
        assert self.sock is not None
        loop = asyncio.get_running_loop()
        sock, self.sock = self.sock, None
        sock.setblocking(False)
        _, pipe = await loop.create_connection(
            lambda: Pipe(self.cap, self._lost, self._answered), sock=sock
        )
        self.pipe = pipe
        return pipe

    # -- death and restart -----------------------------------------------------------------

    def _answered(self, answer: dict[str, object]) -> None:
        if answer.get("kind") == frames.FAILED:
            _say(f"the restarted checker process could not start: {answer.get('message')}")

    def _lost(self, pipe: Pipe) -> None:
        if self.closing:
            return
        self._restarting = asyncio.ensure_future(self._restart(pipe))

    async def _restart(self, pipe: Pipe) -> None:
        proc = self.proc
        code = None
        if proc is not None:
            for _ in range(100):  # its socket closed: the process is ending
                code = proc.poll()
                if code is not None:
                    break
                await asyncio.sleep(0.01)
            if code is None:  # it closed the socket yet lives on: it is of no use now
                proc.kill()
                code = await asyncio.get_running_loop().run_in_executor(None, proc.wait)
        lost = pipe.owed  # in flight, and finished here but not yet written by the checker
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit {code}"
        quick = time.monotonic() - self.started < QUICK_DEATH
        self.quick_deaths = self.quick_deaths + 1 if quick else 0
        if self.quick_deaths >= GIVE_UP_AFTER:
            _say(
                f"the checker process ended ({how}) {GIVE_UP_AFTER} times in a row right after "
                "starting: the traffic goes on unchecked"
            )
            return
        try:
            self._spawn()
            new = await self.attach()
        except OSError as exc:
            _say(
                f"the checker process ended ({how}) and could not be restarted ({exc}): "
                "the traffic goes on unchecked"
            )
            return
        self.restarts += 1
        for _, note in pipe.notes:  # what the ended checker was told and never did
            if isinstance(note, dict):
                for reason, count in note.items():
                    new.unchecked(reason, count)
            else:
                new.event(*note)
        new.event("checker-restarted", f"the checker process ended ({how}) and was started again")
        # Those in flight, and those that passed while it was restarting (counted by the
        # ended pipe): told to the new checker, in the same turn as the gate takes it.
        pipe.counts["checker-lost"] += lost
        for reason, count in pipe.counts.items():
            if count:
                new.unchecked(reason, count)
        pipe.counts.clear()
        self.on_link(new)
        _say(
            f"the checker process ended ({how}); {lost} exchange(s) it had not written "
            "unchecked; restarted"
        )

    # -- stop ------------------------------------------------------------------------------

    async def close(self) -> None:
        """Drain: no more frames; wait up to `drain` s for the checker to write them all."""
        self.closing = True
        if self._restarting is not None:
            with contextlib.suppress(Exception):
                await self._restarting
        if self.pipe is not None:
            self.pipe.close()
        proc = self.proc
        if proc is None:
            return
        deadline = time.monotonic() + self.drain
        while proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        if proc.poll() is None:
            waiting = (
                self.pipe.transport.get_write_buffer_size()
                if self.pipe and self.pipe.transport
                else 0
            )
            _say(
                f"the checker process did not finish within --drain-timeout {self.drain:g} s "
                f"({waiting} bytes not yet sent to it): stopped, their lines are lost"
            )
            self.stop_now()
        if self.pipe is not None and self.pipe.transport is not None:
            self.pipe.transport.close()

    def stop_now(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(10)

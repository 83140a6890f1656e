"""aimock (npm `@copilotkit/aimock`, pinned in requirements/npm), a third-party mock of many
provider APIs, started on 127.0.0.1 for the tests that hold streamcheck's verdicts on a peer it
did not write; and a HAR capture of one of its answers, for the surfaces `record` does not call.

Its faults are chosen per request: the `x-aimock-chaos-*` headers (drop: HTTP 500, malformed:
a 200 that is not JSON, ratelimit: 429, disconnect: the socket closed before any response) and
the `X-AIMock-Context` header, which picks the fixtures/aimock/fixtures.json entries written for
one fault (a cut stream, a length or filter finish, an HTTP error status)."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson

from tests.conftest import FIXTURES, ROOT

VERSION = "1.43.0"  # requirements/npm/package.json
MODULES = Path(os.environ.get("STREAMCHECK_NODE_MODULES") or ROOT / "requirements/npm/node_modules")
CLI = MODULES / "@copilotkit/aimock/dist/aimock-cli.js"
CONFIG = FIXTURES / "aimock" / "aimock.json"  # names fixtures/aimock/fixtures.json from ROOT
INSTALL = "npm ci --prefix requirements/npm --no-audit --no-fund --loglevel=error"


def missing(cli: Path = CLI) -> str | None:
    """Why aimock cannot start here, or None. CI installs it before pytest, so the tests fail
    (never skip) with this reason."""
    if shutil.which("node") is None:
        return "node is not on PATH: aimock (the peer these tests run against) needs Node.js"
    if not cli.is_file():
        return f"aimock is not installed ({cli} is missing): run `{INSTALL}` first"
    return None


@contextmanager
def running(log: Path) -> Iterator[str]:
    """aimock on a free port of 127.0.0.1, stopped (and waited for) on exit: its base URL."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["node", str(CLI), "-c", str(CONFIG), "-p", "0", "--host", "127.0.0.1"],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield _listening(process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _listening(process: subprocess.Popen[bytes], log: Path) -> str:
    marker = b"aimock server listening on "
    deadline = time.monotonic() + 30  # node's start under a loaded CI machine
    while time.monotonic() < deadline:
        text = log.read_bytes()
        if marker in text:
            url = text.split(marker, 1)[1].split()[0].decode()
            if b"fixture-loader" in text or b"Invalid" in text:
                raise RuntimeError(f"aimock did not load its fixtures:\n{text.decode()}")
            return url
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"aimock did not start:\n{log.read_text(errors='replace')}")


def har(url: str, body: dict[str, Any], path: Path, headers: dict[str, str] | None = None) -> Path:
    """POST `body` to `url` and save the exchange as a devtools-like HAR (the body as the bytes
    that arrived, base64): what a user hands `check` for a surface `record` does not call."""
    sent = {"content-type": "application/json", **(headers or {})}
    with (
        httpx.Client(timeout=10) as client,
        client.stream("POST", url, content=orjson.dumps(body), headers=sent) as response,
    ):
        data = b"".join(response.iter_raw())
    entry = {
        "startedDateTime": "2026-01-01T00:00:00Z",
        "time": 1,
        "request": {
            "method": "POST",
            "url": url,
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": k, "value": v} for k, v in sent.items()],
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": -1,
            "postData": {"mimeType": "application/json", "text": orjson.dumps(body).decode()},
        },
        "response": {
            "status": response.status_code,
            "statusText": response.reason_phrase,
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": k, "value": v} for k, v in response.headers.items()],
            "cookies": [],
            "content": {
                "size": len(data),
                "mimeType": response.headers.get("content-type", ""),
                "text": base64.b64encode(data).decode(),
                "encoding": "base64",
            },
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
    }
    log = {"version": "1.2", "creator": {"name": "tests", "version": "0"}, "entries": [entry]}
    path.write_bytes(orjson.dumps({"log": log}))
    return path


def dump(url: str, body: dict[str, Any], path: Path, headers: dict[str, str] | None = None) -> Path:
    """POST `body` to `url` and save the answer as `curl -i` does (status line, headers, the
    body's bytes): a recording without its URL."""
    sent = {"content-type": "application/json", **(headers or {})}
    with (
        httpx.Client(timeout=10) as client,
        client.stream("POST", url, content=orjson.dumps(body), headers=sent) as response,
    ):
        data = b"".join(response.iter_raw())
    head = f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in response.headers.items())
    path.write_bytes(head.encode() + b"\r\n" + data)
    return path

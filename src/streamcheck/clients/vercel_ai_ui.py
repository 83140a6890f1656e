"""vercel-ai-ui: the Vercel AI SDK's chat client (what `useChat` runs) over a UI message stream.

The SDK is JavaScript, so this client runs `node` on `vercel_ai_ui.mjs` beside this file (a
subprocess per exchange, no network: the SDK's fetch is replaced by the recording) with the npm
package `ai` found in a `node_modules` folder: `STREAMCHECK_NODE_MODULES`, else the nearest
`node_modules/ai` from the working folder upwards. The app's view: the last assistant message's
text parts and tool parts, the chat's `status` and `error`, and `onFinish`'s `finishReason`.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from streamcheck.clients.openai_python import Seen
from streamcheck.clients.transport import Recording
from streamcheck.model import ClientCall, EndReason

SCRIPT = Path(__file__).with_name("vercel_ai_ui.mjs")
REPLAY_SECONDS = 60  # one exchange; the replay has no waits, so this only stops a hung node
# JavaScript's own error classes keep their name; the SDK's are shown as ai.<Name>.
_BUILTIN_ERRORS = {"Error", "TypeError", "SyntaxError", "RangeError", "DOMException"}


def modules() -> Path | None:
    """The node_modules folder holding the `ai` package, or None."""
    named = os.environ.get("STREAMCHECK_NODE_MODULES")
    if named:
        folder = Path(named)
        return folder if (folder / "ai" / "package.json").is_file() else None
    here = Path.cwd().absolute()
    for folder in (here, *here.parents):
        if (folder / "node_modules" / "ai" / "package.json").is_file():
            return folder / "node_modules"
    return None


def missing() -> str | None:
    """Why this client cannot run here (one line with what to install), or None."""
    if shutil.which("node") is None:
        return "--client vercel-ai-ui needs Node.js (node on PATH) and the npm package ai"
    if modules() is None:
        return (
            "--client vercel-ai-ui needs the npm package ai: npm install ai (here or in a "
            "folder above), or set STREAMCHECK_NODE_MODULES to a node_modules folder holding it"
        )
    return None


def version() -> str | None:
    folder = modules()
    if folder is None:
        return None
    data = json.loads((folder / "ai" / "package.json").read_text(encoding="utf-8"))
    return str(data.get("version"))


def replay(
    recording: Recording, api: str | None, request: Any, timeout: float | None
) -> tuple[Seen, tuple[str, str] | None]:
    folder = modules()
    assert folder is not None  # the CLI asked `missing()` first
    payload = {
        "modules": str(folder.absolute()),
        "status": recording.status,
        "headers": recording.headers,
        "chunks": [base64.b64encode(data).decode("ascii") for data, _ in recording.chunks],
        "end": recording.end.value,
    }
    seen = Seen()
    if recording.end is EndReason.RESET:
        recording.cut = "the connection was reset before the body was complete"
    try:
        done = subprocess.run(
            ["node", str(SCRIPT)],
            input=json.dumps(payload).encode("utf-8"),
            capture_output=True,
            timeout=REPLAY_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return seen, ("streamcheck.ReplayTimeout", f"node ran longer than {REPLAY_SECONDS} s")
    if done.returncode != 0:
        last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        return seen, ("streamcheck.ReplayFailed", f"node exited {done.returncode}: {last[0]}")
    out = json.loads(done.stdout)
    seen.text = out["text"]
    seen.items = out["chunks"]
    for index, call in enumerate(out["calls"]):
        seen.calls[index] = ClientCall(
            name=call["name"], arguments=call["arguments"], id=call["id"]
        )
    finished = out["finished"] or {}
    # A finish chunk without a reason still ends the message normally (the v5 shape).
    reason = finished.get("finishReason")
    seen.finish = reason or ("(finish chunk, no reason)" if out["finishChunk"] else None)
    error = out["error"]
    if out["status"] == "error" and error:
        name = error["name"] if error["name"] in _BUILTIN_ERRORS else f"ai.{error['name']}"
        return seen, (name, error["message"])
    return seen, None

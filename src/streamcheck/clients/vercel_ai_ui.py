"""vercel-ai-ui: the Vercel AI SDK's chat client (what `useChat` runs) over a UI message stream.

The SDK is JavaScript, so this client runs `node` on `vercel_ai_ui.mjs` beside this file (a
subprocess per exchange, no network: the SDK's fetch is replaced by the recording) with the npm
package `ai` of a `node_modules` folder. That is the project's JavaScript, run because
`--client vercel-ai-ui` asked for it, so where it comes from is narrow and said: `--node-modules
PATH`, else `STREAMCHECK_NODE_MODULES`, else the nearest `node_modules/ai` from the working
folder up to the project's root (the git root, else the config file's folder, else the working
folder itself), never above it and never through a folder anyone may write to (`/tmp`); and
what the SDK imports must lie under that node_modules too (vercel_ai_ui_hooks.mjs: Node would
look for a missing dependency in every folder above). The client line names the package
folder and version. node runs with an environment of a few
variables (PATH, HOME, locale): no key reaches it, and it needs none.

The app's view: the last assistant message's text parts and tool parts, the chat's `status` and
`error`, and `onFinish`'s `finishReason`.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

from streamcheck.bounded_file import anyone_may_write
from streamcheck.clients.openai_python import Seen
from streamcheck.clients.transport import Recording
from streamcheck.exceptions import ConfigError, MissingExtra
from streamcheck.model import ClientCall, EndReason

SCRIPT = Path(__file__).with_name("vercel_ai_ui.mjs")
REPLAY_SECONDS = 60  # one exchange; the replay has no waits, so this only stops a hung node
PACKAGE_JSON_CAP = 1 << 20  # a package.json is a few kB; past 1 MiB it is not one
OUTPUT_CAP = 64 << 20  # what the script prints for one exchange (text, calls) stays under this
# The environment node gets: enough to start and to read text, nothing that holds a secret (no
# provider keys, no NODE_OPTIONS, no NODE_PATH: the folder is passed to the script itself).
NODE_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SYSTEMROOT")
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+-]{0,63}")
# JavaScript's own error classes keep their name; the SDK's are shown as ai.<Name>.
_BUILTIN_ERRORS = {"Error", "TypeError", "SyntaxError", "RangeError", "DOMException"}
_INSTALL = (
    "--client vercel-ai-ui needs the npm package ai: npm install ai in this project, or name "
    "a node_modules folder holding it with --node-modules PATH (or STREAMCHECK_NODE_MODULES)"
)


def locate(named: Path | None, config_file: Path | None) -> tuple[Path, Path, str]:
    """(node_modules folder, its `ai` folder with symlinks resolved, ai's version).

    `named` is --node-modules; `config_file` the config in effect (its folder bounds the
    search when there is no git root). Raises MissingExtra (what to install) or ConfigError
    (a package.json that is no package's)."""
    if shutil.which("node") is None:
        raise MissingExtra(
            "--client vercel-ai-ui needs Node.js (node on PATH) and the npm package ai"
        )
    how = "--node-modules"
    if named is None and os.environ.get("STREAMCHECK_NODE_MODULES"):
        named, how = Path(os.environ["STREAMCHECK_NODE_MODULES"]), "STREAMCHECK_NODE_MODULES"
    if named is not None:
        if not (named / "ai" / "package.json").is_file():
            raise MissingExtra(f"{how} {named}: no ai/package.json there; {_INSTALL}")
        folder = named.absolute()
    else:
        found = _in_project(project_root(config_file))
        if found is None:
            raise MissingExtra(_INSTALL)
        folder = found
    package = (folder / "ai").resolve()
    return folder, package, _version(package / "package.json")


def project_root(config_file: Path | None) -> Path:
    """The folder the search for node_modules stops at: the git root above the working folder,
    else the config file's folder when the working folder is inside it, else the working
    folder."""
    here = Path.cwd().absolute()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    if config_file is not None:
        top = config_file.absolute().parent
        if here.is_relative_to(top):
            return top
    return here


def _in_project(root: Path) -> Path | None:
    """The nearest node_modules holding `ai` from the working folder up to `root`; a folder
    others may write to (and everything above it) is never searched."""
    here = Path.cwd().absolute()
    for folder in (here, *here.parents):
        candidate = folder / "node_modules"
        if anyone_may_write(folder) or anyone_may_write(candidate):
            return None
        if (candidate / "ai" / "package.json").is_file():
            return candidate
        if folder == root:
            return None
    return None


def _version(package_json: Path) -> str:
    try:
        with package_json.open("rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise ConfigError(f"{package_json}: not a regular file")
            raw = handle.read(PACKAGE_JSON_CAP + 1)
    except OSError as exc:
        raise ConfigError(f"{package_json}: cannot read ({exc.strerror or exc})") from None
    if len(raw) > PACKAGE_JSON_CAP:
        raise ConfigError(f"{package_json}: over {PACKAGE_JSON_CAP:,} bytes, not a package.json")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ConfigError(f"{package_json}: not JSON, so no npm package ai is there") from None
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, str) or _VERSION.fullmatch(version) is None:
        raise ConfigError(
            f"{package_json}: its version is not a version string, so no npm package ai is there"
        )
    return version


def environment() -> dict[str, str]:
    """node's environment: only NODE_ENV's variables of ours."""
    return {name: os.environ[name] for name in NODE_ENV if name in os.environ}


def replay(
    recording: Recording, api: str | None, request: Any, timeout: float | None, modules: str
) -> tuple[Seen, tuple[str, str] | None]:
    # The folders whatever the SDK imports must lie in (symlinks resolved): vercel_ai_ui_hooks.mjs.
    roots = [Path(modules).resolve(), (Path(modules) / "ai").resolve(), SCRIPT.parent.resolve()]
    payload = {
        "modules": modules,
        "roots": list(dict.fromkeys(str(root) for root in roots)),
        "status": recording.status,
        "headers": recording.headers,
        "chunks": [base64.b64encode(data).decode("ascii") for data, _ in recording.chunks],
        "end": recording.end.value,
    }
    seen = Seen()
    if recording.end is EndReason.RESET:
        recording.cut = "the connection was reset before the body was complete"
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            done = subprocess.run(
                [shutil.which("node") or "node", str(SCRIPT)],
                input=json.dumps(payload).encode("utf-8"),
                stdout=out,
                stderr=err,
                timeout=REPLAY_SECONDS,
                check=False,
                env=environment(),
            )
        except subprocess.TimeoutExpired:
            return seen, ("streamcheck.ReplayTimeout", f"node ran longer than {REPLAY_SECONDS} s")
        if done.returncode != 0:
            err.seek(max(0, os.fstat(err.fileno()).st_size - 4096))
            tail = err.read().decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            if done.returncode == 3 and tail[0].startswith("streamcheck-load: "):
                why = _printable(tail[0].removeprefix("streamcheck-load: "))[:300]
                raise ConfigError(
                    f"--client vercel-ai-ui: {os.path.normpath(Path(modules) / 'ai')} does not "
                    f"load: {why.removeprefix('streamcheck-outside: ')}"
                )
            return seen, ("streamcheck.ReplayFailed", f"node exited {done.returncode}: {tail[0]}")
        if os.fstat(out.fileno()).st_size > OUTPUT_CAP:
            raise _unexpected(modules, f"over {OUTPUT_CAP:,} bytes")
        out.seek(0)
        printed = out.read()
    return _read(seen, printed, modules)


def _read(seen: Seen, printed: bytes, modules: str) -> tuple[Seen, tuple[str, str] | None]:
    """What the script printed, checked field by field: an `ai` that is not the SDK (or a
    version the script does not know) prints something else, and that is said in one line."""
    try:
        out = json.loads(printed)
    except (ValueError, RecursionError):
        raise _unexpected(modules, "no JSON") from None
    if not isinstance(out, dict):
        raise _unexpected(modules, "JSON but no object")
    text, calls, finished, error = (out.get(k) for k in ("text", "calls", "finished", "error"))
    if not isinstance(text, str) or not isinstance(out.get("status"), str):
        raise _unexpected(modules, "no text or status")
    chunks = out.get("chunks")
    # A count: a whole number a report can carry (JSON and SARIF writers stop at 64 bits).
    counted = isinstance(chunks, int) and not isinstance(chunks, bool) and 0 <= chunks < 2**53
    if not counted or not isinstance(out.get("finishChunk"), bool):
        raise _unexpected(modules, "no chunk count")
    if not isinstance(calls, list) or not all(_is_call(c) for c in calls):
        raise _unexpected(modules, "no list of tool calls")
    if finished is not None and not (
        isinstance(finished, dict) and isinstance(finished.get("finishReason"), str | None)
    ):
        raise _unexpected(modules, "an onFinish event without a finishReason string")
    if error is not None and not (
        isinstance(error, dict)
        and isinstance(error.get("name"), str)
        and isinstance(error.get("message"), str)
    ):
        raise _unexpected(modules, "an error without a name and message")
    seen.text = text
    seen.items = out["chunks"]
    for index, call in enumerate(calls):
        seen.calls[index] = ClientCall(
            name=call["name"], arguments=call["arguments"], id=call["id"]
        )
    # A finish chunk without a reason still ends the message normally (the v5 shape).
    reason = (finished or {}).get("finishReason")
    seen.finish = reason or ("(finish chunk, no reason)" if out["finishChunk"] else None)
    if out["status"] == "error" and error:
        name = error["name"] if error["name"] in _BUILTIN_ERRORS else f"ai.{error['name']}"
        return seen, (name, error["message"])
    return seen, None


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _is_call(call: Any) -> bool:
    return (
        isinstance(call, dict)
        and isinstance(call.get("arguments"), str)
        # Present, as the script always writes them (null when the SDK has none): a missing
        # one is no output of the script's, and was a KeyError when read.
        and all(k in call and isinstance(call[k], str | None) for k in ("name", "id"))
    )


def _unexpected(modules: str, what: str) -> ConfigError:
    return ConfigError(
        f"--client vercel-ai-ui: node printed {what}, not the replay's result: is "
        f"{os.path.normpath(Path(modules) / 'ai')} the Vercel AI SDK (npm package ai, 5 or later)?"
    )

"""One input through everything `streamcheck check` does with it, by surface (seeds.py).

Recordings (raw bodies, tapes, HAR, httprr; any name a reader sniffs) go through the reader,
decoding, checking and every report format in memory (`check`). Every other surface is a file
written into a folder and a whole `check` run over it, as the CLI runs it (`run`): a protocol
file by `--protocol` or by a config's `protocols = [...]`, a schema file named by a protocol
file, a `--schemas` folder, a streamcheck.toml or pyproject.toml found from the working folder,
a `--baseline` / `--write-baseline` file; and what `--client vercel-ai-ui` reads back from node,
parsed in this process (node is not run: its answer is the input).

The property: no exception escapes but a StreamcheckError whose message is one line, and the
reports render. Anything else is a crash (`check` and `run` raise it); the CLI would print it as
`internal error`.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import typer

from streamcheck.check import CheckOptions, check_exchange
from streamcheck.exceptions import StreamcheckError
from streamcheck.model import Report
from streamcheck.report import github, json, junit, sarif, text
from streamcheck.schemas import Catalog
from streamcheck.sources import files

ROOT = Path(__file__).resolve().parent.parent
OPTIONS = CheckOptions()
# SARIF describes every registered rule in every report: the same 60-odd documents each time,
# most of the harness's time and nothing an input can change. The fuzzer renders the part an
# input fills (results, artifacts); tests render whole reports.
_RULES: dict[str, Any] = {}
_rule = sarif._rule
sarif._rule = lambda rule: _RULES.get(rule.code) or _RULES.setdefault(rule.code, _rule(rule))


def _sarif(report: Report) -> str:
    document = sarif.to_dict(report, "fuzz")
    for run in document["runs"]:
        run["tool"]["driver"]["rules"] = []
    return json.dumps(document)  # as sarif.render writes it (orjson, else the stdlib)


_CATALOG: list[Catalog] = []


class BadError(Exception):
    """A StreamcheckError whose message is not one line (the CLI would print it as several)."""


def _one_line(exc: StreamcheckError) -> None:
    from streamcheck.cli import _masked  # what the CLI prints: masked, control characters escaped

    message = _masked(exc)
    if not message.strip() or "\n" in message or "\r" in message:
        raise BadError(f"error message is not one line: {message!r:.300}") from exc


def _render(report: Report) -> None:
    for rendered in (
        json.render(report),
        _sarif(report),
        junit.render(report),
        github.render(report),
        text.plain(report, True),
    ):
        rendered.encode("utf-8")  # what stdout must be able to write: no lone surrogates


def check(name: str, data: bytes) -> int:
    """Findings of one recording (a StreamcheckError counts as its documented outcome: -1)."""
    if not _CATALOG:
        _CATALOG.append(Catalog())
    stream = io.BytesIO(data)
    head = stream.read(files.HEAD)
    report = Report(fail_on=OPTIONS.fail_on)
    try:
        reader = files.READERS[files._format(name, head, "auto")]
        for exchange in reader(name, stream, head):
            report.results.append(check_exchange(exchange, OPTIONS, _CATALOG[0]))
    except StreamcheckError as exc:
        _one_line(exc)
        return -1
    _render(report)
    return sum(1 for _ in report.findings())


# -- the surfaces that are files beside a recording ---------------------------------------------


def run(seed: Any, data: bytes, folder: Path, variant: int) -> int:
    """One input of a file surface, written into `folder` (emptied first): the exit code the
    CLI would give (0, 1, or 2 for a one-line error). `variant` picks how the file is used."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "streamcheck.toml").write_bytes(b"")  # no config above the folder is found
    for name, content in seed.beside:
        _write(folder / name, content)
    if seed.surface == "node-output":
        return _node_output(seed, data, folder)
    recording = str(ROOT / seed.recording) if seed.recording else ""
    args: dict[str, Any] = {}
    if seed.surface.startswith("protocol-"):
        protocol = _write(folder / seed.name, data)
        if variant % 3 == 0:  # offered before the built-in protocols by the config
            _write(folder / "streamcheck.toml", f'protocols = ["{seed.name}"]\n'.encode())
        else:
            args["protocol"] = [protocol]
        if variant % 5 == 1:
            recording = _hostile_strings(recording, folder)
    elif seed.surface.startswith("schema-file-"):
        _write(folder / seed.name, data)
        args["protocol"] = [folder / "protocol.yaml"]
        if variant % 4 == 1:
            recording = _hostile_strings(recording, folder)
    elif seed.surface == "schemas-folder":
        _write(folder / seed.name, data)
        args["schemas"] = [folder / "schemas"]
    elif seed.surface.startswith("config-"):
        _write(folder / seed.name, data)
        if seed.name != "streamcheck.toml":
            (folder / "streamcheck.toml").unlink()
        copy = folder / "fixtures" / Path(recording).name
        _write(copy, Path(recording).read_bytes())
        recording = str(copy.relative_to(folder))
    elif seed.surface == "baseline":
        baseline = _write(folder / seed.name, data)
        recording = str(folder / seed.recording)
        args["write_baseline" if variant % 4 == 0 else "baseline"] = baseline
    else:
        raise ValueError(f"no runner for surface {seed.surface!r}")
    return _cli(folder, [recording], args)


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


_STRING = re.compile(rb'(?<=: )"[^"\\]*"')


def _hostile_strings(recording: str, folder: Path) -> str:
    """The recording with its string values made ones that a backtracking pattern chokes on."""
    data = _STRING.sub(b'"' + b"a" * 40 + b'!"', Path(recording).read_bytes())
    return str(_write(folder / ("hostile" + Path(recording).suffix), data))


def _cli(folder: Path, paths: list[str], args: dict[str, Any]) -> int:
    """`streamcheck check PATHS --format json -q` with `args`, in `folder`, in this process:
    the command's own code (config, protocols, schemas, baseline, reports), not its parser."""
    from streamcheck.cli import check as command

    options: dict[str, Any] = {
        "paths": paths,
        "format": "json",
        "output": Path(os.devnull),
        "report_to": None,
        "config": None,
        "provider": None,
        "api": None,
        "api_version": None,
        "input_format": None,
        "select": None,
        "ignore": None,
        "fail_on": None,
        "max_line": None,
        "max_gap": None,
        "schemas": None,
        "protocol": None,
        "baseline": None,
        "write_baseline": None,
        "client": None,
        "client_timeout": None,
        "verbose": True,
        "jobs": 1,
        "quiet": True,
        "no_color": True,
    }
    options.update(args)
    here = os.getcwd()
    os.chdir(folder)
    try:
        command.check(**options)
    except typer.Exit as exc:
        if exc.exit_code not in (0, 1):
            raise
        return int(exc.exit_code)
    except StreamcheckError as exc:
        _one_line(exc)
        return 2
    finally:
        os.chdir(here)
    raise AssertionError("check returned without an exit code")


# -- what --client vercel-ai-ui reads back from node --------------------------------------------

_NODE_STDOUT = (
    b'{"version":"5.0.0","status":"ready","error":null,"finished":{"finishReason":"stop"},'
    b'"finishChunk":true,"chunks":3,"text":"Hi","calls":[]}\n'
)
_PACKAGE = b'{"name": "ai", "version": "5.0.0"}'


class _Node:
    """What `subprocess` is to vercel_ai_ui.py while an input runs: node's answer is the input."""

    TimeoutExpired = subprocess.TimeoutExpired
    CompletedProcess = subprocess.CompletedProcess

    def __init__(self) -> None:
        self.answer: tuple[int, bytes, bytes] = (0, _NODE_STDOUT, b"")

    def run(self, args: Any, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        code, stdout, stderr = self.answer
        for name, printed in (("stdout", stdout), ("stderr", stderr)):
            where = kwargs.get(name)
            if where is not None and hasattr(where, "write"):  # a file node prints into
                where.write(printed)
        return subprocess.CompletedProcess(args, code, stdout, stderr)


_NODE = _Node()


def _node_output(seed: Any, data: bytes, folder: Path) -> int:
    from streamcheck.clients import Located, vercel_ai_ui
    from streamcheck.run import ClientRun, _check
    from streamcheck.sources import read_path

    modules = folder / "node_modules"
    package = _write(
        modules / "ai" / "package.json", data if seed.name == "package.json" else _PACKAGE
    )
    if seed.name == "stdout.json":
        _NODE.answer = (0, data, b"")
    elif seed.name == "stderr.txt":
        _NODE.answer = (1 + len(data) % 254, b"", data)
    else:
        _NODE.answer = (0, _NODE_STDOUT, b"")
    vercel_ai_ui.subprocess = _NODE  # type: ignore[attr-defined]
    if not _CATALOG:
        _CATALOG.append(Catalog())
    report = Report(fail_on=OPTIONS.fail_on)
    try:
        # What `clients.locate` gives once per run (it also wants node on PATH: not run here).
        version = vercel_ai_ui._version(package)
        located = Located(str(modules), str(package.parent), version)
        replay = (ClientRun("vercel-ai-ui", None, located),)
        for exchange in read_path(str(ROOT / seed.recording), "auto"):
            report.results.append(_check(exchange, OPTIONS, _CATALOG[0], replay))
    except StreamcheckError as exc:
        _one_line(exc)
        return 2
    _render(report)
    return 1 if report.failed else 0

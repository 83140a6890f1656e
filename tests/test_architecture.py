"""ARCHITECTURE.md's import rule, read from the source with ast (function-level imports too).

Data flows one way: sources -> wire -> check (schemas, errors, protocols) -> baseline -> report,
with clients beside check (fed the same Exchanges). A stage
imports only the stages before it and the shared base; the base imports no stage.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import streamcheck

# The package under test is the installed one (what users get), not the checkout's src/.
PACKAGE = Path(streamcheck.__file__).resolve().parent
# Beside model.py: every stage may use them. bounded_file and safe_yaml read what a checked tree
# holds (one cap, one alias measure for every reader: sources, schemas, protocols, clients).
# schema_refs keeps every schema's $refs under its own folder (schemas and protocols compile).
# schema_engine imports jsonschema-rs (whoever compiles a schema) without its start-up extra.
BASE = {
    "model",
    "exceptions",
    "redact",
    "rules",
    "bounded_file",
    "safe_yaml",
    "schema_refs",
    "schema_engine",
}
# Stage -> what it may import besides BASE and itself. Stages not listed (run, config, cli,
# live, assertions, pytest_plugin, the package itself) sit on top and may import any stage.
ALLOWED: dict[str, set[str]] = {
    "model": set(),
    "exceptions": set(),
    "bounded_file": {"exceptions"},  # its refusals are ConfigErrors
    "safe_yaml": set(),
    "schema_refs": {"bounded_file", "safe_yaml", "exceptions", "schema_engine"},
    "schema_engine": set(),
    "redact": set(),
    "rules": {"model"},  # the registry builds Findings
    # Picking a file's reader sniffs the body the same way the checker does.
    "sources": {"wire.sniff"},
    "wire": set(),  # a decoder knows no provider, no file format, no report
    # its explanation's regex keywords, on a linear engine; plain faults worded without
    # python-jsonschema; its enum-blind twins
    "schemas": {"schema_regex", "schema_words", "schema_enums"},
    "schema_enums": set(),
    "schema_regex": set(),
    "schema_words": set(),
    "errors": set(),
    "protocols": {"errors", "schemas"},
    "check": {"wire", "schemas", "errors", "protocols"},
    # Between check and report: marks a Report's findings against a baseline file; it knows
    # findings and files, no stream, no protocol, no reporter.
    "baseline": set(),
    # Beside check: replays Exchanges through an official SDK (`check --client`); it knows the
    # SDKs and the HTTP transport, and gives plain redacted data (model.ClientOutcome).
    "clients": set(),
    # Beside check: draws an exchange's frames by arrival time for the HTML report, decoding the
    # kept body with the same wire decoders; plain redacted data (model.Timeline).
    "timeline": {"wire"},
}
# report renders a Report: model and the rule docs only (ARCHITECTURE.md), so it cannot leak
# what the redactor removed and computes nothing.
REPORT_ALLOWED = {"model", "rules", "report"}
CLI_IMPORTERS = {"cli", "live", "__main__"}
# live/ is split into rooms by job. A room imports the shared live modules (the files directly
# in live/: targets, exitcodes), the pipeline and itself, never another room, except these:
# conform runs its cases through call's LiveCall and classifies blocked ones with smoke's classes;
# proxy and extproc write every checked exchange through observe (log line, tapes, metrics, OTel).
LIVE_ROOMS: dict[str, set[str]] = {
    "serve": set(),
    "call": set(),
    "conform": {"call"},
    "observe": set(),
    "proxy": {"observe"},
    "extproc": {"observe"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(source: str, name: str, is_package: bool) -> set[str]:
    """Every streamcheck module `source` imports, at any depth (lazy imports count)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "streamcheck")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".") if is_package else name.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join(package + ([node.module] if node.module else []))
            if base.split(".")[0] != "streamcheck":
                continue
            # `from streamcheck import rules` imports a module; `from x import Name` the module x.
            found.update(
                f"{base}.{a.name}" if _is_module(f"{base}.{a.name}") else base for a in node.names
            )
    return found


def _is_module(dotted: str) -> bool:
    path = PACKAGE.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def stage(module: str) -> str:
    """streamcheck.wire.sse -> wire; streamcheck.check -> check; streamcheck -> __init__."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def room(module: str) -> str | None:
    """streamcheck.live.serve.server -> serve; a shared live module (live.targets) -> None."""
    parts = module.split(".")
    if len(parts) < 3 or parts[1] != "live":
        return None
    folder = PACKAGE / "live" / parts[2]
    return parts[2] if parts[2] in LIVE_ROOMS or (folder / "__init__.py").is_file() else None


def room_violations(name: str, imported: set[str]) -> list[str]:
    """Rooms of live/ import shared live modules and the pipeline, never each other."""
    mine = room(name)
    bad = []
    for target in sorted(imported):
        theirs = room(target)
        if theirs is None or theirs == mine:
            continue
        if mine is None and stage(name) == "live":
            bad.append(f"{name} imports {target}: a shared live module imports no room")
        elif mine is not None and theirs not in LIVE_ROOMS.get(mine, set()):
            bad.append(f"{name} imports {target}: room {mine} may not import room {theirs}")
    return bad


def violations(name: str, imported: set[str]) -> list[str]:
    mine = stage(name)
    bad = room_violations(name, imported)
    for target in sorted(imported):
        theirs = stage(target)
        sub = ".".join(target.split(".")[1:3])  # e.g. wire.sniff
        if theirs == mine:
            continue
        if theirs == "cli" and mine not in CLI_IMPORTERS:
            bad.append(f"{name} imports {target}: nothing but cli, live and __main__ imports cli")
        elif mine == "report" and theirs not in REPORT_ALLOWED:
            bad.append(f"{name} imports {target}: report imports only model and rules")
        elif mine in ALLOWED:
            allowed = ALLOWED[mine] | (BASE if mine not in BASE else set())
            if theirs not in allowed and sub not in allowed:
                bad.append(f"{name} imports {target}: {mine} may import only {sorted(allowed)}")
    return bad


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_module_respects_the_import_rule(path: Path) -> None:
    name = module_name(path)
    found = imports(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")
    assert violations(name, found) == []


def test_the_rule_catches_what_it_is_meant_to_catch() -> None:
    """The checker itself: lazy and relative imports are seen, and each rule fires."""
    lazy = "def f():\n    from streamcheck.protocols import openai_chat\n"
    assert imports(lazy, "streamcheck.wire.sse", False) == {"streamcheck.protocols.openai_chat"}
    relative = "from ..sources import raw\nfrom . import lines\n"
    assert imports(relative, "streamcheck.wire.sse", False) == {
        "streamcheck.sources.raw",
        "streamcheck.wire.lines",
    }
    assert violations("streamcheck.wire.sse", {"streamcheck.protocols.openai_chat"})
    assert violations("streamcheck.wire.sse", {"streamcheck.sources.raw"})
    assert violations("streamcheck.report.text", {"streamcheck.redact"})
    assert violations("streamcheck.protocols.anthropic", {"streamcheck.wire.sse"})
    assert violations("streamcheck.check", {"streamcheck.cli"})
    assert violations("streamcheck.model", {"streamcheck.rules"})
    assert violations("streamcheck.sources.files", {"streamcheck.check"})
    assert violations("streamcheck.baseline", {"streamcheck.report.text"})
    assert violations("streamcheck.report.text", {"streamcheck.baseline"})
    assert violations("streamcheck.report.text", {"streamcheck.clients"})
    assert violations("streamcheck.clients", {"streamcheck.check"})
    assert not violations("streamcheck.run", {"streamcheck.clients"})
    assert not violations("streamcheck.sources.files", {"streamcheck.wire.sniff"})
    assert not violations("streamcheck.check", {"streamcheck.wire", "streamcheck.protocols"})
    assert not violations("streamcheck.live.call.smoke", {"streamcheck.cli", "streamcheck.check"})


def test_every_stage_named_in_the_rule_exists() -> None:
    for name in [*ALLOWED, "report", "cli", "live"]:
        assert _is_module(f"streamcheck.{name}"), name


def test_every_room_of_live_is_named_in_the_rule() -> None:
    """A new folder under live/ is a room: it gets a line in LIVE_ROOMS (and ARCHITECTURE.md)."""
    folders = {p.name for p in (PACKAGE / "live").iterdir() if (p / "__init__.py").is_file()}
    assert folders == set(LIVE_ROOMS)


def test_the_room_rule_catches_what_it_is_meant_to_catch() -> None:
    assert room("streamcheck.live.serve.server") == "serve"
    assert room("streamcheck.live.targets") is None
    assert room("streamcheck.live") is None
    assert violations("streamcheck.live.serve.server", {"streamcheck.live.call.client"})
    assert violations("streamcheck.live.proxy.app", {"streamcheck.live.serve.server"})
    assert violations("streamcheck.live.observe.outputs", {"streamcheck.live.proxy.app"})
    assert not violations("streamcheck.live.proxy.app", {"streamcheck.live.observe.outputs"})
    assert violations("streamcheck.live.targets", {"streamcheck.live.call.client"})
    assert not violations("streamcheck.live.conform.runner", {"streamcheck.live.call.client"})
    assert not violations("streamcheck.live.call.smoke", {"streamcheck.live.exitcodes"})
    assert not violations("streamcheck.live.proxy.app", {"streamcheck.check", "streamcheck.live"})


@pytest.mark.parametrize("package", ["live", "check"])
def test_no_import_circle_inside(package: str) -> None:
    """server <-> ws_server and conform_events <-> conform_expect once imported each other (a
    private name across modules, a registry filled from both sides), and check/frames <->
    check/recorders (each called the other); no package keeps a circle."""
    graph: dict[str, set[str]] = {}
    for path in sorted((PACKAGE / package).rglob("*.py")):
        name = module_name(path)
        found = imports(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")
        inside = f"streamcheck.{package}."
        graph[name] = {m for m in found if m.startswith(inside) and m != name}
    circles = []
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            circles.append(" -> ".join([*trail[trail.index(module) :], module]))
            return
        if module in done:
            return
        for imported in sorted(graph.get(module, ())):
            visit(imported, [*trail, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    assert circles == []

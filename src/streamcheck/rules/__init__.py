"""The rule registry: every finding code, its name, default severity, protocols and docs.

Codes are forever (ruff's design): SC1xx wire and framing, SC2xx frame schema, SC3xx stream
grammar, SC4xx error bodies and in-band errors, SC5xx timing, SC6xx WebSocket close, SC9xx
meta. A retired rule stays registered with `retired=True` so its code is never reused.

Every stage may import this module: it is metadata next to `model.py`, not a pipeline stage.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from streamcheck.model import Finding, Location, Severity

DOC_SECTIONS = ("What it finds", "Why it matters", "Example", "Cause and fix", "References")
ALL_PROTOCOLS = ("*",)


class Rule(NamedTuple):
    """A registered finding code. (A named tuple: a dataclass costs start-up time.)"""

    code: str
    name: str
    severity: Severity
    summary: str
    doc: str
    protocols: tuple[str, ...] = ALL_PROTOCOLS
    retired: bool = False
    # The "Cause and fix" section on one line: what text output prints under each error and
    # warning of this rule that carries no hint of its own.
    fix: str = ""

    @property
    def family(self) -> str:
        return _FAMILIES[self.code[:3]][0]


# Family prefix -> (what the family covers, the module of this package that registers its
# rules). A family's module is imported when one of its codes is first reported; `REGISTRY`
# (and `get`) load them all.
_FAMILIES = {
    "SC1": ("wire and framing", "wire"),
    "SC2": ("frame schema", "schema"),
    "SC3": ("stream grammar", "grammar"),
    "SC4": ("error bodies and in-band errors", "errors"),
    "SC5": ("timing", "timing"),
    "SC6": ("WebSocket close", "websocket"),
    "SC9": ("meta", "meta"),
}
_REGISTERED: dict[str, Rule] = {}
REGISTRY: dict[str, Rule]  # provided by __getattr__ below (complete on first use)


def _load(prefix: str) -> None:
    family = _FAMILIES.get(prefix)
    if family is not None:
        # __import__, not importlib.import_module: -X importtime (and the start-up tests that
        # read it) sees only the former.
        __import__(f"{__name__}.{family[1]}")


def every() -> dict[str, Rule]:
    """Every registered rule by code (imports every family)."""
    for prefix in _FAMILIES:
        _load(prefix)
    return _REGISTERED


def __getattr__(name: str) -> Any:
    if name == "REGISTRY":  # PEP 562: the complete registry, families loaded on first use
        return every()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def rule(
    code: str,
    name: str,
    severity: Severity,
    summary: str,
    *,
    finds: str,
    why: str,
    example: str,
    fix: str,
    refs: str,
    protocols: tuple[str, ...] = ALL_PROTOCOLS,
    retired: bool = False,
) -> Rule:
    """Register a rule with its doc page; a duplicate code or name fails at import."""
    texts = (finds, why, example, fix, refs)
    doc = "\n\n".join(
        f"## {title}\n\n{text.strip()}" for title, text in zip(DOC_SECTIONS, texts, strict=True)
    )
    if code in _REGISTERED:
        raise ValueError(f"rule code {code} registered twice")
    if any(r.name == name for r in _REGISTERED.values()):
        raise ValueError(f"rule name {name} registered twice")
    if code[:3] not in _FAMILIES or not code[3:].isdigit() or len(code) != 5:
        raise ValueError(f"rule code {code} is not of the form SC<family><nn>")
    registered = Rule(
        code, name, severity, summary, doc, protocols, retired, fix=" ".join(fix.split())
    )
    _REGISTERED[code] = registered
    return registered


def fix_for(code: str) -> str | None:
    """The rule's one-line cause and fix, loading only the code's family (None if unknown)."""
    registered = _REGISTERED.get(code)
    if registered is None:
        _load(code[:3])
        registered = _REGISTERED.get(code)
    return registered.fix if registered is not None and registered.fix else None


def get(code_or_name: str) -> Rule:
    key = code_or_name.strip()
    known = every()
    found = known.get(key.upper())
    if found is None:
        found = next((r for r in known.values() if r.name == key.lower()), None)
    if found is None:
        raise KeyError(code_or_name)
    return found


def finding(
    code: str,
    message: str,
    location: Location,
    *,
    evidence: str | None = None,
    hint: str | None = None,
    severity: Severity | None = None,
) -> Finding:
    """Build a finding for a registered rule; the rule gives name and default severity."""
    registered = _REGISTERED.get(code)
    if registered is None:
        _load(code[:3])
        registered = _REGISTERED[code]
    return Finding(
        code=code,
        name=registered.name,
        severity=severity if severity is not None else registered.severity,
        message=message,
        location=location,
        evidence=evidence,
        hint=hint,
    )


def selected(code: str, select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    """ruff-style filtering: codes or prefixes; the longest matching prefix wins."""

    def best(prefixes: tuple[str, ...]) -> int:
        return max((len(p) for p in prefixes if code.startswith(p.upper())), default=-1)

    chosen = best(select) if select else 0  # no --select means every code, at length 0
    if chosen < 0:
        return False
    return chosen > best(ignore)


__all__ = [
    "DOC_SECTIONS",
    "REGISTRY",
    "Rule",
    "every",
    "finding",
    "fix_for",
    "get",
    "rule",
    "selected",
]

"""`streamcheck smoke`: the pre-deploy check. One cheap streaming call per target, a verdict each.

A target passes when the call returns 200 with a stream that the checker finds no failing
defect in (PROVIDERS.md section 3.2: a length stop with no text at a 1-token cap is a pass).
Otherwise the verdict is the failure class, one exit code each; with several targets the
highest-ranked class in PRECEDENCE decides the exit code: problems that need a person to fix
configuration or the account come before stream defects, and transient ones come last.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streamcheck import redact
from streamcheck.check import CheckOptions
from streamcheck.config import tool_table
from streamcheck.exceptions import ConfigError, LiveCallError
from streamcheck.live.call.client import CallOutcome, LiveCall, Timeouts
from streamcheck.live.exitcodes import CLASSES, PRECEDENCE, error_class
from streamcheck.live.targets import Target, prepare
from streamcheck.model import EndReason, ExchangeResult, Severity
from streamcheck.report.text import decisive_first, plural
from streamcheck.schemas import Catalog

TARGET_KEYS = {"provider", "model", "base-url", "key-env", "deployment", "api-version", "name"}


@dataclass(slots=True)
class Verdict:
    target: Target
    klass: str
    reason: str  # one line, redacted
    result: ExchangeResult | None = None

    @property
    def exit_code(self) -> int:
        return CLASSES[self.klass][0]

    @property
    def passed(self) -> bool:
        return self.klass == "ok"


def classify(outcome: CallOutcome, fail_on: Severity) -> tuple[str, str]:
    """(class, reason) for one call."""
    result = outcome.result
    if result is None:
        return "unreachable", outcome.message or "no response"
    if result.error_class is not None:
        klass = error_class(result.error_class, result.status)
        first = next((f for f in result.findings if f.code.startswith("SC4")), None)
        return klass, first.message if first else f"error: {result.error_class}"
    if result.end in (EndReason.RESET, EndReason.TIMEOUT):
        what = (
            "the connection was reset"
            if result.end is EndReason.RESET
            else "the read timed out (--read-timeout)"
        )
        return "unreachable", f"{what} after {result.frames} frames"
    failing = decisive_first([f for f in result.findings if f.severity >= fail_on])
    if failing:
        counts = Counter(f.code for f in failing)  # in decisive order: dicts keep it
        codes = ", ".join(f"{c} x{n}" if n > 1 else c for c, n in counts.items())
        return "defects", f"{plural(len(failing), 'finding')}: {codes}: {failing[0].message}"
    return "ok", _passed(result)


def _passed(result: ExchangeResult) -> str:
    timing = result.timing
    parts = [f"HTTP {result.status}", plural(result.frames, "frame")]
    if "first_content" in timing:
        parts.append(f"first token {timing['first_content']:.2f} s")
    if "total" in timing:
        parts.append(f"total {timing['total']:.2f} s")
    warnings = sum(1 for f in result.findings if f.severity >= Severity.WARNING)
    if warnings:
        parts.append(plural(warnings, "warning"))
    return ", ".join(parts)


def run_target(
    target: Target, options: CheckOptions, timeouts: Timeouts, catalog: Catalog
) -> Verdict:
    try:
        key = target.read_key()
    except LiveCallError as exc:
        return Verdict(target, "usage", str(exc))
    outcome = LiveCall(target, prepare(target, key), options, timeouts, catalog=catalog).run()
    klass, reason = classify(outcome, options.fail_on)
    return Verdict(target, klass, reason, outcome.result)


def exit_code(verdicts: list[Verdict]) -> int:
    present = {v.klass for v in verdicts}
    worst = next((k for k in PRECEDENCE if k in present), "ok")
    return CLASSES[worst][0]


# -- configuration ------------------------------------------------------------------------------


def targets_from_config(path: Path) -> list[Target]:
    """`[[tool.streamcheck.smoke]]` tables of a pyproject.toml, or `[[smoke]]` tables of a
    streamcheck.toml (each one target)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    if path.name == "pyproject.toml":
        section = tool_table(data)
        tables: Any = section.get("smoke") if isinstance(section, dict) else None
    else:  # streamcheck.toml holds the same keys at the top level
        tables = data.get("smoke")
    if tables is None:
        return []
    if isinstance(tables, dict):
        tables = [tables]
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(f"{path}: the smoke targets must be a list of tables")
    return [_target(path, n, table) for n, table in enumerate(tables, 1)]


def _target(path: Path, number: int, table: dict[str, Any]) -> Target:
    where = f"{path}: smoke target {number}"
    unknown = sorted(set(table) - TARGET_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(TARGET_KEYS))})"
        )
    for key, value in table.items():
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {key} must be a string")
    if "provider" not in table:
        raise ConfigError(f"{where}: provider is required")
    try:
        return Target(
            provider=table["provider"],
            model=table.get("model"),
            base_url=table.get("base-url"),
            key_env=table.get("key-env"),
            deployment=table.get("deployment"),
            api_version=table.get("api-version"),
            name=table.get("name"),
        )
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def to_dict(verdict: Verdict) -> dict[str, Any]:
    """A verdict for `--format json`: what the verdict line says, plus the checked exchange."""
    target = verdict.target
    return {
        "target": target.label,
        "provider": target.provider,
        "model": target.model,
        "deployment": target.deployment,
        "class": verdict.klass,
        "exit_code": verdict.exit_code,
        "reason": redact.text(verdict.reason),
        "result": verdict.result.to_dict() if verdict.result is not None else None,
    }

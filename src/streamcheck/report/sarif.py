"""`--format sarif`: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

OASIS SARIF 2.1.0 (errata 01), sections 3.13 (sarifLog), 3.14 (run), 3.19 (toolComponent),
3.49 (reportingDescriptor: one per registered rule, help text from the rule's doc), 3.27 (result),
3.28-3.30 (location, physicalLocation, region). GitHub's upload notes ("SARIF support for code
scanning") ask for relative `artifactLocation.uri`s with `uriBaseId` `%SRCROOT%`, a
`partialFingerprints` entry to track a result across runs, and `rules` listed in the driver.

A region is given only where the finding maps onto the file (raw bodies and curl dumps):
`startLine` and `byteOffset` (the frame's first byte). For tapes, cassettes and HAR the finding
points at the file, and `logicalLocations` carry exchange, frame and JSON path.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from streamcheck import rules
from streamcheck.model import ABSENT, ExchangeResult, Finding, Report, Severity
from streamcheck.report.places import cause_lines, client_lines, is_file

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(report: Report, tool_version: str | None = None) -> str:
    from streamcheck.report.json import dumps

    return dumps(to_dict(report, tool_version))


def to_dict(report: Report, tool_version: str | None = None) -> dict[str, Any]:
    registered = sorted(rules.REGISTRY.values(), key=lambda r: r.code)
    index = {rule.code: i for i, rule in enumerate(registered)}
    driver: dict[str, Any] = {"name": "streamcheck", "rules": [_rule(r) for r in registered]}
    if tool_version:
        driver["version"] = tool_version
    results = [
        _result(result, finding, index) for result in report.results for finding in result.findings
    ]
    if report.baseline is not None:
        results.extend(_absent(finding, index) for finding in report.baseline.absent)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "Working folder"}}},
                "results": results,
                "invocations": [{"executionSuccessful": True}],
            }
        ],
    }


def _rule(rule: rules.Rule) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _sections(rule.doc, "What it finds", "Why it matters")},
        "help": {
            "text": f"{rule.code} {rule.name}: {rule.summary}\n\n{rule.doc}",
            "markdown": f"# {rule.code} {rule.name}\n\n{rule.summary}\n\n{rule.doc}",
        },
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {"tags": ["streamcheck", rule.family]},
    }
    if rule.retired:
        descriptor["deprecatedIds"] = [rule.code]
    return descriptor


def _sections(doc: str, *titles: str) -> str:
    """The text of some `## Title` sections of a rule's doc, joined (GitHub shows it on top)."""
    found = {}
    for part in re.split(r"(?m)^## ", doc)[1:]:
        title, _, text = part.partition("\n\n")
        found[title.strip()] = text.strip()
    return " ".join(found[t] for t in titles if found.get(t)) or doc


def _absent(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    """A baseline entry no longer found (SC920): SARIF's baselineState `absent`."""
    source = finding.location.source or ""
    entry: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index[finding.code],
        "level": LEVEL[finding.severity],
        "message": {"text": finding.message + (f"\nFix: {finding.hint}" if finding.hint else "")},
        "baselineState": ABSENT,
        "partialFingerprints": {
            "streamcheck/v1": hashlib.sha256(
                f"{source}\0{finding.message}".encode("utf-8", "replace")
            ).hexdigest()[:32]
        },
    }
    if source and is_file(source):
        entry["locations"] = [{"physicalLocation": {"artifactLocation": artifact(source)}}]
    return entry


def _result(result: ExchangeResult, finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    text = finding.message
    if finding.hint:
        text += f"\nFix: {finding.hint}"
    cause = result.cause if result.cause and result.cause.finding == finding.code else None
    if cause is not None:
        text += "\n" + "\n".join(cause_lines(cause))
    if result.clients:
        # Its own section: what an app using each SDK received from this exchange.
        lines = [line for outcome in result.clients for line in client_lines(outcome)]
        text += "\n\nWhat the app would have seen:\n" + "\n".join(lines)
    entry: dict[str, Any] = {
        "ruleId": finding.code,
        "level": LEVEL[finding.severity],
        "message": {"text": text},
        "locations": [_location(result, finding)],
        "partialFingerprints": {"streamcheck/v1": _fingerprint(result, finding)},
        "properties": {"exchange": result.index},
    }
    if finding.code in index:
        entry["ruleIndex"] = index[finding.code]
    if finding.baseline is not None:
        entry["baselineState"] = finding.baseline
    if result.clients:
        entry["properties"]["client"] = result.clients[0].to_dict()
    if len(result.clients) > 1:
        entry["properties"]["clients"] = [outcome.to_dict() for outcome in result.clients]
    if cause is not None:
        entry["properties"]["cause"] = cause.to_dict()
    for key in ("frame", "path"):
        value = getattr(finding.location, key)
        if value is not None:
            entry["properties"][key] = value
    if finding.evidence:
        entry["properties"]["evidence"] = finding.evidence
    return entry


def _location(result: ExchangeResult, finding: Finding) -> dict[str, Any]:
    loc = finding.location
    location: dict[str, Any] = {}
    if is_file(result.source):
        physical: dict[str, Any] = {"artifactLocation": artifact(result.source)}
        line, offset = result.file_position(loc)
        region: dict[str, Any] = {}
        if line is not None:
            region["startLine"] = line
        if offset is not None:
            region["byteOffset"] = offset
        if region:
            physical["region"] = region
        location["physicalLocation"] = physical
    parts = [f"exchange[{result.index}]"]
    if loc.frame is not None:
        parts.append(f"frame[{loc.frame}]")
    name = "/".join(parts) + (loc.path or "")
    location["logicalLocations"] = [{"fullyQualifiedName": name, "kind": "element"}]
    if not is_file(result.source):
        location["message"] = {"text": result.source}
    return location


def artifact(source: str) -> dict[str, Any]:
    """A relative path becomes a URI reference against %SRCROOT%; an absolute one a file URI."""
    path = PurePath(source)
    if path.is_absolute():
        return {"uri": path.as_uri()}
    return {"uri": quote(path.as_posix()), "uriBaseId": "%SRCROOT%"}


def _fingerprint(result: ExchangeResult, finding: Finding) -> str:
    loc = finding.location
    key = f"{result.source}\0{result.index}\0{finding.code}\0{loc.frame}\0{loc.path}"
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]

"""`--format json`: one document with stable keys (documented in README, "JSON output").

{"version": 1, "summary": {"exchanges", "files", "failed", "fail_on", "counts": {...},
                             "unjudged", "require_judged"},
 "results": [{"source", "exchange", "provider", "api", "api_version", "url", "status",
              "framing", "frames", "bytes", "end", "error_class", "timing",
              "failed", "fail_on", "findings": [{"code", "name", "severity", "message",
                            "location": {"source", "exchange", "frame", "offset", "line", "path"},
                            "evidence", "hint", "baseline"?}],
              "client"?: {"client", "sdk_version", "sdk_path", "verdict", "skipped", "text",
                          "tool_calls": [{"id", "name", "arguments"}], "finish", "items",
                          "error", "error_message", "differences": [...]},
              "cause"?: {"kind", "summary", "hop", "fix", "evidence": [...], "finding",
                         "refs": [...]}}],
 "baseline"?: {"file", "written", "entries", "unchanged", "new", "absent", "removed",
               "absent_findings": [SC920 findings]}}

Members marked `?` appear only when asked for: `baseline` with --baseline / --write-baseline
(each finding then says "new" or "unchanged", and `counts` leave out the unchanged ones),
`client` with --client (what the app received through the SDK), `cause` when a stream was cut
and the recording shows why (check/cause.py).
"""

from __future__ import annotations

from typing import Any

import orjson

from streamcheck.model import ExchangeResult, Report

JSON_VERSION = 1


def to_dict(report: Report) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "summary": {
            "exchanges": len(report.results),
            "files": len({r.source for r in report.results}),
            "failed": report.failed,
            "fail_on": report.fail_on.label,
            "counts": report.counts(),
            # Exchanges no protocol could judge (SC901); with require_judged they fail.
            "unjudged": len(report.unjudged()),
            "require_judged": report.require_judged,
        },
        "results": [_result(report, r) for r in report.results],
        **_baseline(report),
    }


def _baseline(report: Report) -> dict[str, Any]:
    if report.baseline is None:
        return {}
    entry = report.baseline.to_dict()
    entry["absent_findings"] = [f.to_dict() for f in report.baseline.absent]
    return {"baseline": entry}


def render(report: Report) -> str:
    return dumps(to_dict(report))


def dumps(document: dict[str, Any]) -> str:
    """Indented JSON. orjson refuses integers past 64 bits and strings holding lone
    surrogates; should a recording smuggle one into a report, the standard library writes it
    (surrogates as \\u escapes) rather than the whole report being lost."""
    try:
        return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode("utf-8") + "\n"
    except orjson.JSONEncodeError:
        import json

        return json.dumps(document, indent=2) + "\n"


def _result(report: Report, result: ExchangeResult) -> dict[str, Any]:
    # Per exchange: config overrides can give paths their own failing threshold.
    entry = result.to_dict()
    findings = entry.pop("findings")
    entry["failed"] = bool(report.failing(result))
    entry["fail_on"] = report.threshold(result).label
    entry["findings"] = findings
    return entry

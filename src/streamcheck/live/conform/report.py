"""How `streamcheck conform` shows its results: a text table, JSON, JUnit XML, Markdown.

They format and compute nothing: every line comes from the `CaseResult`s, whose reasons are
redacted when they are made (and again here, on the way out).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import orjson

from streamcheck import redact
from streamcheck.live.conform.cases import Case
from streamcheck.live.conform.open_responses import SuiteCheck, checks_of, covering
from streamcheck.live.conform.runner import CaseResult, Server, counts, exit_code
from streamcheck.report.terminal import printable

FORMATS = ("text", "json", "junit", "markdown")
_MARK = {"pass": "pass", "fail": "FAIL", "unsupported": "unsupported", "blocked": "BLOCKED"}


def _not_run(results: list[CaseResult], cases: list[Case]) -> list[Case]:
    ran = {r.case.name for r in results}
    return [c for c in cases if c.name not in ran]


def _what(result: CaseResult) -> str:
    if result.verdict == "pass":
        return result.case.summary
    why = "; ".join(result.reasons) or result.case.summary
    return f"{result.klass}: {why}" if result.klass else why


def suite(server: Server, results: list[CaseResult]) -> list[tuple[SuiteCheck, str]]:
    """Each Open Responses check of the run's release and its verdict: that of the case that
    covers it ("not run" when the case was not sent). Empty unless --api responses."""
    if server.api != "responses" or server.spec_version is None:
        return []
    verdicts = {r.case.name: r.verdict for r in results}
    return [(c, verdicts.get(c.case, "not run")) for c in checks_of(server.spec_version)]


def suite_line(server: Server, results: list[CaseResult]) -> str | None:
    rows = suite(server, results)
    if not rows:
        return None
    passed = [c.id for c, v in rows if v == "pass"]
    others = [f"{c.id} {v}" for c, v in rows if v != "pass"]
    line = (
        f"Open Responses {server.spec_version}: the cases covering {len(passed)} of its "
        f"{len(rows)} checks pass"
    )
    return line + (f" ({', '.join(others)})" if others else "")


def summary(server: Server, results: list[CaseResult], cases: list[Case]) -> str:
    tally = counts(results)
    parts = [f"{n} {name}" for name, n in tally.items() if n]
    skipped = len(cases) - len(results)
    if skipped:
        parts.append(f"{skipped} not run")
    code = exit_code(results)
    verdict = "CONFORMS" if code == 0 else "DOES NOT CONFORM"
    if code >= 3:
        blocked = next(r.klass for r in results if r.klass)
        verdict = f"CANNOT USE THE SERVER ({blocked})"
    where = redact.url(server.base_url)
    return printable(
        f"{verdict}: {server.api} at {where}, model {server.model}: {', '.join(parts)}"
    )


def text(server: Server, results: list[CaseResult], cases: list[Case]) -> str:
    width = max([len(c.name) for c in cases] + [4])
    lines = [f"{'case':{width}}  {'verdict':11}  detail"]
    for result in results:
        mark = _MARK[result.verdict]
        detail = printable(redact.text(_what(result)))  # a server's words: nothing obeyed
        lines.append(f"{result.case.name:{width}}  {mark:11}  {detail}")
    for case in _not_run(results, cases):
        lines.append(f"{case.name:{width}}  {'not run':11}  {case.summary}")
    line = suite_line(server, results)
    if line is not None:
        lines.append(line)
    lines.append(summary(server, results, cases))
    return "\n".join(lines) + "\n"


def listing(cases: list[Case], spec: str | None = None) -> str:
    width = max(len(c.name) for c in cases)
    lines = [f"{'case':{width}}  {'api':9}  {'tokens':>6}  what it checks"]
    for case in cases:
        lines.append(f"{case.name:{width}}  {case.api:9}  {case.max_tokens:>6}  {case.summary}")
    total = sum(c.max_tokens for c in cases)
    lines.append(f"{len(cases)} cases, at most {total} output tokens in all")
    if spec is not None:
        lines.append(f"Open Responses {spec} compliance checks, and the case that covers each:")
        check_width = max(len(c.id) for c in checks_of(spec))
        for check in checks_of(spec):
            lines.append(f"  {check.id:{check_width}}  -> {check.case}")
    return "\n".join(lines) + "\n"


def json(server: Server, results: list[CaseResult], cases: list[Case]) -> str:
    document: dict[str, Any] = {
        "server": {
            "provider": server.provider,
            "api": server.api,
            "base_url": redact.url(server.base_url),
            "model": server.model,
        },
        "exit_code": exit_code(results),
        "counts": {**counts(results), "not_run": len(cases) - len(results)},
        "cases": [r.to_dict() for r in results],
        "not_run": [c.name for c in _not_run(results, cases)],
    }
    if server.api == "responses":
        document["open_responses"] = {
            "version": server.spec_version,
            "checks": [
                {"id": c.id, "name": c.name, "case": c.case, "verdict": v}
                for c, v in suite(server, results)
            ],
        }
    return redact.text(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()) + "\n"


def junit(server: Server, results: list[CaseResult], cases: list[Case]) -> str:
    """One testsuite, one testcase per case: fail -> <failure>, blocked -> <error>,
    unsupported -> <skipped> (the server declined the feature), and a case not sent after the
    server proved unusable -> <skipped> too."""
    from streamcheck.report.junit import clean

    tally = counts(results)
    root = ET.Element("testsuites", name="streamcheck conform")
    suite = ET.SubElement(
        root,
        "testsuite",
        name=clean(f"conform {server.api} {redact.url(server.base_url)} {server.model}"),
        tests=str(len(cases)),
        failures=str(tally["fail"]),
        errors=str(tally["blocked"]),
        skipped=str(tally["unsupported"] + len(cases) - len(results)),
    )
    for result in results:
        case = ET.SubElement(
            suite, "testcase", classname=f"conform.{server.api}", name=result.case.name
        )
        body = clean(redact.text("\n".join(result.reasons)))
        first = clean(redact.text(result.reasons[0])) if result.reasons else ""
        if result.verdict == "fail":
            ET.SubElement(case, "failure", type="conform", message=first).text = body
        elif result.verdict == "blocked":
            ET.SubElement(case, "error", type=result.klass or "blocked", message=first).text = body
        elif result.verdict == "unsupported":
            ET.SubElement(case, "skipped", message=first)
        ET.SubElement(case, "system-out").text = clean(result.case.summary)
    for left in _not_run(results, cases):
        case = ET.SubElement(suite, "testcase", classname=f"conform.{server.api}", name=left.name)
        ET.SubElement(case, "skipped", message="not run: the server could not be used")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def markdown(server: Server, results: list[CaseResult], cases: list[Case]) -> str:
    """A table a server's maintainers can paste into their README: the verdict line, one row
    per case (for --api responses, the Open Responses checks each one covers), then the
    Open Responses tally."""
    spec = server.spec_version if server.api == "responses" else None
    head = "| case | verdict | Open Responses check | detail |" if spec else None
    lines = [
        f"**{_cell(summary(server, results, cases))}**",
        "",
        head or "| case | verdict | detail |",
        "| --- | --- | --- | --- |" if spec else "| --- | --- | --- |",
    ]
    for result in results:
        mark = {"pass": "pass", "fail": "**fail**", "blocked": "**blocked**"}.get(
            result.verdict, result.verdict
        )
        detail = _cell(redact.text(_what(result)))
        if spec is not None:
            ids = ", ".join(f"`{i}`" for i in covering(result.case.name, spec)) or "-"
            lines.append(f"| `{result.case.name}` | {mark} | {ids} | {detail} |")
        else:
            lines.append(f"| `{result.case.name}` | {mark} | {detail} |")
    for case in _not_run(results, cases):
        blank = " - |" if spec is not None else ""
        lines.append(f"| `{case.name}` | not run |{blank} {_cell(case.summary)} |")
    line = suite_line(server, results)
    if line is not None:
        lines += ["", _cell(line)]
    return "\n".join(lines) + "\n"


RENDERERS = {"text": text, "json": json, "junit": junit, "markdown": markdown}


def render(format: str, server: Server, results: list[CaseResult], cases: list[Case]) -> str:
    return RENDERERS[format](server, results, cases)

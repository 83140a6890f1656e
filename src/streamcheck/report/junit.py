"""`--format junit`: JUnit XML, as Jenkins, GitLab, Azure and GitHub test-report actions read it.

    <testsuites name="streamcheck" tests failures errors skipped>
      <testsuite name=SOURCE tests failures errors skipped>      one per recording file
        <testcase classname=SOURCE name="exchange N (provider/api/version)" file=SOURCE>
          <failure type=CODE message="first failing finding (+N more)">every finding</failure>
          <system-out>findings below the failing threshold</system-out>
        </testcase>

Structure from the de facto schema (the Ant JUnit task, as documented by Jenkins' junit plugin
and by GitLab's unit test reports). One testcase per exchange: it fails when it has findings at
or above the threshold. Characters XML 1.0 forbids (control bytes that reached the evidence)
are replaced, so the file always parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from streamcheck.model import UNCHANGED, ExchangeResult, Report
from streamcheck.report.places import cause_lines, client_lines, findings_text
from streamcheck.report.text import baseline_note as summary_note

# XML 1.0 "Char": tab, LF, CR and everything from U+0020, less surrogates and U+FFFE/U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render(report: Report) -> str:
    root = ET.Element("testsuites", name="streamcheck")
    suites: dict[str, ET.Element] = {}
    totals = {"tests": 0, "failures": 0}
    for result in report.results:
        suite = suites.get(result.source)
        if suite is None:
            suite = ET.SubElement(root, "testsuite", name=clean(result.source))
            suite.set("tests", "0")
            suite.set("failures", "0")
            suites[result.source] = suite
        failed = _testcase(suite, report, result)
        for element, key, add in ((suite, "tests", 1), (suite, "failures", int(failed))):
            element.set(key, str(int(element.get(key, "0")) + add))
        totals["tests"] += 1
        totals["failures"] += int(failed)
    if report.baseline is not None:
        failed = _baseline_suite(root, report)
        totals["tests"] += 1
        totals["failures"] += int(failed)
    for suite in suites.values():
        suite.set("errors", "0")
        suite.set("skipped", "0")
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", "0")
    root.set("skipped", "0")
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _testcase(suite: ET.Element, report: Report, result: ExchangeResult) -> bool:
    what = "/".join(p for p in (result.provider, result.api, result.api_version) if p)
    case = ET.SubElement(
        suite,
        "testcase",
        classname=clean(result.source),
        name=f"exchange {result.index}" + (f" ({what})" if what else ""),
        file=clean(result.source),
    )
    failing = report.failing(result)
    threshold = report.threshold(result)
    # Findings a baseline holds never fail a testcase; they are counted, not listed.
    shown = [f for f in result.findings if f.baseline != UNCHANGED]
    passing = [f for f in shown if f.severity < threshold]
    extra = _extra(report, result)
    if failing:
        first = failing[0]
        more = f" (+{len(failing) - 1} more)" if len(failing) > 1 else ""
        failure = ET.SubElement(
            case,
            "failure",
            type=first.code,
            message=clean(f"{first.code} {first.name}: {first.message}{more}"),
        )
        failure.text = clean(findings_text(result, shown) + extra)
    elif passing or extra:
        out = ET.SubElement(case, "system-out")
        out.text = clean((findings_text(result, passing) if passing else "") + extra)
    return bool(failing)


def _extra(report: Report, result: ExchangeResult) -> str:
    """What follows the findings: why the stream was cut, how many the baseline holds, what the
    app would have seen."""
    out = ""
    baselined = len(report.baselined(result))
    if baselined:
        plural = "s" if baselined > 1 else ""
        out += f"{baselined} finding{plural} matched the baseline (not failing)\n"
    if result.cause is not None:
        out += "".join(f"{line}\n" for line in cause_lines(result.cause))
    if result.clients:
        out += "What the app would have seen:\n"
        for outcome in result.clients:
            out += "".join(f"  {line}\n" for line in client_lines(outcome))
    return out


def _baseline_suite(root: ET.Element, report: Report) -> bool:
    """One testsuite for the baseline: its counts, and the entries no longer found."""
    base = report.baseline
    assert base is not None
    suite = ET.SubElement(root, "testsuite", name=clean(f"baseline {base.file}"))
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("baselined", base.unchanged),
        ("new", base.new),
        ("absent", len(base.absent)),
    ):
        ET.SubElement(properties, "property", name=name, value=str(value))
    case = ET.SubElement(
        suite, "testcase", classname=clean(base.file), name="entries no longer found"
    )
    failing = [f for f in base.absent if f.severity >= report.fail_on]
    text = summary_note(report).removeprefix("; ") + "\n"
    text += "".join(
        f"{f.severity.label} {f.code} {f.name} ({f.location.source}): {f.message}\n"
        for f in base.absent
    )
    if failing:
        failure = ET.SubElement(
            case, "failure", type="SC920", message=clean(f"{len(failing)} baseline entries gone")
        )
        failure.text = clean(text)
    else:
        ET.SubElement(case, "system-out").text = clean(text)
    suite.set("tests", "1")
    suite.set("failures", str(int(bool(failing))))
    return bool(failing)

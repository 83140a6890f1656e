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

from streamcheck.model import ExchangeResult, Report
from streamcheck.report.places import findings_text

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
    passing = [f for f in result.findings if f.severity < threshold]
    if failing:
        first = failing[0]
        more = f" (+{len(failing) - 1} more)" if len(failing) > 1 else ""
        failure = ET.SubElement(
            case,
            "failure",
            type=first.code,
            message=clean(f"{first.code} {first.name}: {first.message}{more}"),
        )
        failure.text = clean(findings_text(result, result.findings))
    elif passing:
        out = ET.SubElement(case, "system-out")
        out.text = clean(findings_text(result, passing))
    return bool(failing)

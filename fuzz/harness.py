"""One input through everything `streamcheck check` does with a file: sniffing, the reader
(raw body, curl dump, tape, cassette, HAR), decoding, checking, and every report format.

The property: no exception escapes but a StreamcheckError whose message is one line, and the
reports render. Anything else is a crash (`check` raises it).
"""

from __future__ import annotations

import io
from typing import Any

import orjson

from streamcheck.check import CheckOptions, check_exchange
from streamcheck.exceptions import StreamcheckError
from streamcheck.model import Report
from streamcheck.report import github, json, junit, sarif, text
from streamcheck.schemas import Catalog
from streamcheck.sources import files

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
    return orjson.dumps(document).decode("utf-8")


_CATALOG: list[Catalog] = []


class BadError(Exception):
    """A StreamcheckError whose message is not one line (the CLI would print it as several)."""


def check(name: str, data: bytes) -> int:
    """Findings of one input (a StreamcheckError counts as its documented outcome: -1)."""
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
        message = str(exc)
        if not message or "\n" in message or "\r" in message:
            raise BadError(f"error message is not one line: {message!r:.300}") from exc
        return -1
    for rendered in (
        json.render(report),
        _sarif(report),
        junit.render(report),
        github.render(report),
        text.plain(report, True),
    ):
        rendered.encode("utf-8")  # what stdout must be able to write: no lone surrogates
    return sum(1 for _ in report.findings())

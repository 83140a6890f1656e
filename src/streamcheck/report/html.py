"""One self-contained HTML file: an index of exchanges with their verdicts, and per exchange a
timeline of its frames by arrival time with the findings pinned to the frames they concern, the
cause of a cut, the assembled answer and what an official client delivered.

No network, no CDN: styles and the small filter script are inline, so the file opens from a CI
artifact or an email. Everything shown is escaped; the text comes from the Report, which the
checker already redacted. Like every reporter it computes nothing: it lays out what the
Report holds (`ExchangeResult.timeline` when `timeline/` drew one).
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape

from streamcheck.model import UNCHANGED, ExchangeResult, Finding, Report, Severity, Timeline
from streamcheck.report.places import client_lines, describe, fix_line
from streamcheck.report.text import plural, summary

WIDTH, HEIGHT, PAD = 960, 120, 24  # the timeline's drawing area, in SVG units
TEXT_SHOWN = 20_000

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;
background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:14px 24px}
header h1{font-size:18px;margin:0 0 4px}
main{padding:0 24px 40px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e3e6eb;vertical-align:top}
th{font-weight:600;background:#eef0f3}
.exchange{background:#fff;border:1px solid #dfe2e7;border-radius:6px;margin:18px 0;
padding:12px 16px}
.exchange h2{font-size:15px;margin:0 0 8px;word-break:break-all}
.sev-error{color:#b3261e;font-weight:600}.sev-warning{color:#8a5a00;font-weight:600}
.sev-info{color:#44546a}
.verdict-error{border-left:5px solid #b3261e}.verdict-warning{border-left:5px solid #d79b00}
.verdict-ok,.verdict-info{border-left:5px solid #2e7d32}
.cause{background:#fff4e5;border:1px solid #f0c36d;border-radius:4px;padding:6px 10px;margin:8px 0}
.timeline svg{width:100%;height:auto;background:#fbfbfc;border:1px solid #e3e6eb}
.frame{fill:#4a6fa5}.gap{fill:#f4c7c3;opacity:.6}.pin-error{fill:#b3261e}
.pin-warning{fill:#d79b00}.pin-info{fill:#7b8794}
.mark{stroke:#2e7d32;stroke-width:1.5}.end-mark{stroke:#1d2330;stroke-width:2}
pre{white-space:pre-wrap;word-break:break-word;background:#f3f4f6;padding:8px;max-height:24em;
overflow:auto}
code{font-family:ui-monospace,Menlo,Consolas,monospace}
.filters{margin:14px 0}.hidden{display:none}
.muted{color:#66707d}
"""

SCRIPT = """
(function(){
  var select=document.getElementById('code-filter');
  if(!select){return;}
  function show(code){
    document.querySelectorAll('.exchange, #index tbody tr').forEach(function(el){
      var codes=(el.getAttribute('data-codes')||'').split(' ');
      el.classList.toggle('hidden',code!=='' && codes.indexOf(code)<0);
    });
  }
  select.addEventListener('change',function(){
    show(select.value);
    try{history.replaceState(null,'',select.value?'#code='+select.value:'#');}catch(e){}
  });
  // A link may carry the filter: report.html#code=SC301
  var asked=/^#code=(SC[0-9]{3})$/.exec(location.hash);
  if(asked){select.value=asked[1];show(select.value===asked[1]?asked[1]:'');}
})();
"""


def render(report: Report) -> str:
    return "".join(_page(report))


def _page(report: Report) -> Iterator[str]:
    verdict = "FAIL" if report.failed else "OK"
    yield '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
    yield '<meta name="viewport" content="width=device-width,initial-scale=1">'
    # No request leaves the page: nothing here may load from elsewhere.
    yield (
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
    )
    yield f"<title>streamcheck: {escape(verdict)}</title><style>{STYLE}</style></head><body>"
    yield f'<header><h1>streamcheck report</h1><div id="summary">{escape(summary(report))}'
    yield "</div></header><main>"
    yield from _index(report)
    for number, result in enumerate(report.results):
        yield from _exchange(report, result, number)
    yield f"</main><script>{SCRIPT}</script></body></html>\n"


def _shown(report: Report, result: ExchangeResult) -> list[Finding]:
    return [f for f in result.findings if f.baseline != UNCHANGED]


def _verdict(report: Report, result: ExchangeResult) -> str:
    if report.failing(result):
        return (
            "error"
            if any(f.severity >= Severity.ERROR for f in report.failing(result))
            else ("warning")
        )
    worst = max((f.severity for f in _shown(report, result)), default=None)
    return "ok" if worst is None or worst < Severity.WARNING else worst.label


def _codes(report: Report, result: ExchangeResult) -> list[str]:
    return sorted({f.code for f in _shown(report, result)})


def _index(report: Report) -> Iterator[str]:
    codes = sorted({f.code for r in report.results for f in _shown(report, r)})
    yield '<div class="filters"><label>Show exchanges with finding '
    yield '<select id="code-filter"><option value="">any</option>'
    for code in codes:
        yield f'<option value="{escape(code)}">{escape(code)}</option>'
    yield "</select></label></div>"
    yield '<table id="index"><thead><tr><th>file</th><th>exchange</th><th>API</th>'
    yield "<th>verdict</th><th>findings</th></tr></thead><tbody>"
    for number, result in enumerate(report.results):
        found = _codes(report, result)
        api = "/".join(p for p in (result.provider, result.api, result.api_version) if p)
        verdict = _verdict(report, result)
        yield f'<tr data-codes="{escape(" ".join(found))}">'
        yield f'<td><a href="#x-{number}">{escape(result.source)}</a></td>'
        yield f"<td>{result.index}</td><td>{escape(api or 'unknown')}</td>"
        yield f'<td class="sev-{verdict}">{escape(verdict)}</td>'
        yield f"<td><code>{escape(' '.join(found))}</code></td></tr>"
    yield "</tbody></table>"


def _exchange(report: Report, result: ExchangeResult, number: int) -> Iterator[str]:
    findings = _shown(report, result)
    verdict = _verdict(report, result)
    codes = " ".join(_codes(report, result))
    yield (
        f'<section class="exchange verdict-{verdict}" id="x-{number}" '
        f'data-codes="{escape(codes)}" data-verdict="{verdict}">'
    )
    yield f"<h2>{escape(result.source)} · exchange {result.index}</h2>"
    yield f'<div class="muted">{escape(_facts(result))}</div>'
    if result.cause is not None:
        cause = result.cause
        yield '<div class="cause"><strong>cause:</strong> ' + escape(cause.summary)
        if cause.fix:
            yield "<br><strong>try:</strong> " + escape(cause.fix)
        if cause.evidence:
            items = "".join(f"<li>{escape(e)}</li>" for e in cause.evidence)
            yield f'<ul class="muted">{items}</ul>'
        if cause.refs:
            refs = "".join(f"<li><code>{escape(r)}</code></li>" for r in cause.refs)
            yield f'<div class="muted">documented limits:</div><ul class="muted">{refs}</ul>'
        yield "</div>"
    if result.timeline is not None:
        yield from _timeline(result, result.timeline, findings)
    yield from _findings(result, findings)
    if result.timeline is not None:
        yield from _answer(result.timeline)
    for outcome in result.clients:
        lines = "\n".join(client_lines(outcome))
        yield f'<h3>What the app received</h3><pre class="client">{escape(lines)}</pre>'
    yield "</section>"


def _facts(result: ExchangeResult) -> str:
    api = "/".join(p for p in (result.provider, result.api, result.api_version) if p)
    parts = [api or "unknown API"]
    if result.status is not None:
        parts.append(f"HTTP {result.status}")
    if result.framing:
        parts.append(result.framing)
    parts.append(plural(result.frames, "frame"))
    parts.append(f"{result.bytes} bytes")
    parts.append(f"ended: {result.end.value}")
    for name in ("first_byte", "first_content", "max_gap", "total"):
        value = result.timing.get(name)
        if value is not None:
            parts.append(f"{name.replace('_', ' ')} {value:.3f} s")
    return " · ".join(parts)


def _timeline(result: ExchangeResult, timeline: Timeline, findings: list[Finding]) -> Iterator[str]:
    points = timeline.points
    total = result.timing.get("total")
    # Arrival times drawn to scale when every frame has one (or, with no frame, when the
    # exchange's own times are known); else the frames in order.
    timed = all(t is not None for t, _, _ in points) if points else total is not None
    last = max((t for t, _, _ in points if t is not None), default=0.0)
    ended = result.timing.get("end")  # when the end was seen: after a silence, past `total`
    span = max(total or 0.0, ended or 0.0, last, 1e-6) if timed else float(max(len(points), 1))
    inner = WIDTH - 2 * PAD

    def x_of(index: int) -> float:
        if timed:
            t = points[index][0] or 0.0
            return PAD + inner * (t / span)
        return PAD + inner * ((index + 0.5) / span)

    base = HEIGHT - 30
    biggest = max((size for _, _, size in points), default=1) or 1
    axis = f"time, 0 to {span:.3f} s" if timed else "frames in order (no arrival times recorded)"
    yield '<figure class="timeline">'
    yield (
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(axis)}" data-frames="{len(points)}">'
    )
    yield f'<line x1="{PAD}" y1="{base}" x2="{WIDTH - PAD}" y2="{base}" stroke="#999"/>'
    if timed:
        yield from _gap(points, x_of, base, ended, lambda t: PAD + inner * (t / span))
    for index, (t, kind, size) in enumerate(points):
        height = 6 + 40 * (size / biggest)
        x = x_of(index)
        when = f"{t:.3f} s" if t is not None else "time unknown"
        yield (
            f'<rect class="frame" x="{x - 1:.1f}" y="{base - height:.1f}" width="2" '
            f'height="{height:.1f}" data-frame="{index}"><title>frame {index}: '
            f"{escape(kind)}, {size} bytes, {when}</title></rect>"
        )
    for name, label in (("first_byte", "first byte"), ("first_content", "first token")):
        value = result.timing.get(name)
        if timed and value is not None:
            x = PAD + inner * (value / span)
            yield (
                f'<line class="mark" x1="{x:.1f}" y1="14" x2="{x:.1f}" y2="{base}">'
                f"<title>{label} at {value:.3f} s</title></line>"
            )
    end_x = PAD + inner * (ended / span) if timed and ended is not None else WIDTH - PAD
    yield (
        f'<line class="end-mark" x1="{end_x}" y1="10" x2="{end_x}" y2="{base}">'
        f"<title>ended: {escape(result.end.value)}</title></line>"
    )
    yield from _pins(findings, points, x_of, end_x, base)
    yield (
        f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11" fill="#66707d">'
        f"{escape(axis)}; ended: {escape(result.end.value)}</text>"
    )
    yield "</svg>"
    if timeline.elided:
        yield f'<figcaption class="muted">{timeline.elided} more frames not drawn</figcaption>'
    yield "</figure>"


def _gap(points, x_of, base, ended, x_at) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The longest silence, shaded: between two frames, or after the last one before the end."""
    widest, left, right = 0.0, 0.0, 0.0
    for index in range(1, len(points)):
        before, after = points[index - 1][0] or 0.0, points[index][0] or 0.0
        if after - before > widest:
            widest, left, right = after - before, x_of(index - 1), x_of(index)
    if points and ended is not None and ended - (points[-1][0] or 0.0) > widest:
        widest = ended - (points[-1][0] or 0.0)
        left, right = x_of(len(points) - 1), x_at(ended)
    if widest <= 0:
        return
    what = "silence before the end" if right == x_at(ended or -1.0) else "longest silence"
    yield (
        f'<rect class="gap" x="{left:.1f}" y="14" width="{max(right - left, 1):.1f}" '
        f'height="{base - 14}"><title>{what}: {widest:.3f} s</title></rect>'
    )


def _pins(findings, points, x_of, end_x, base) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A mark per finding at the frame it concerns (at the end when it concerns none)."""
    for finding in findings:
        frame = finding.location.frame
        x = x_of(frame) if frame is not None and 0 <= frame < len(points) else end_x
        sev = finding.severity.label
        yield (
            f'<circle class="pin pin-{sev}" cx="{x:.1f}" cy="{base + 8}" r="5" '
            f'data-code="{escape(finding.code)}"><title>{escape(finding.code)} '
            f"{escape(finding.name)}: {escape(finding.message)}</title></circle>"
        )


def _findings(result: ExchangeResult, findings: list[Finding]) -> Iterator[str]:
    if not findings:
        yield '<p class="muted">No findings.</p>'
        return
    yield '<table class="findings"><thead><tr><th>severity</th><th>code</th><th>where</th>'
    yield "<th>what was found, and what to do</th></tr></thead><tbody>"
    for finding in findings:
        sev = finding.severity.label
        yield f'<tr data-code="{escape(finding.code)}"><td class="sev-{sev}">{sev}</td>'
        yield f"<td><code>{escape(finding.code)}</code> {escape(finding.name)}</td>"
        yield f"<td>{escape(describe(result, finding))}</td><td>{escape(finding.message)}"
        if finding.evidence:
            yield f'<br><span class="muted">got:</span> <code>{escape(finding.evidence)}</code>'
        fix = fix_line(finding)
        if fix:
            yield f'<br><span class="muted">fix:</span> {escape(fix)}'
        yield "</td></tr>"
    yield "</tbody></table>"


def _answer(timeline: Timeline) -> Iterator[str]:
    if not timeline.text and not timeline.tool_calls:
        return
    yield "<details open><summary>What the frames assembled</summary>"
    if timeline.text:
        capped = " (cut at the report's limit)" if timeline.text_capped else ""
        yield f'<pre class="text">{escape(timeline.text[:TEXT_SHOWN])}</pre>{capped}'
    for call in timeline.tool_calls:
        name = call.name or "(no name)"
        yield f"<div>tool call <code>{escape(name)}</code>"
        yield f"<pre>{escape(call.arguments)}</pre></div>"
    yield "</details>"

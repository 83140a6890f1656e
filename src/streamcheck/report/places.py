"""Plain wording shared by reporters: where a finding is, and findings as a block of text."""

from __future__ import annotations

from streamcheck.model import Cause, ClientOutcome, ExchangeResult, Finding, Location, Severity
from streamcheck.rules import fix_for

STDIN = "<stdin>"


def is_file(source: str) -> bool:
    """Whether a source names a file a CI system can point at (not stdin or bytes)."""
    return not (source.startswith("<") and source.endswith(">"))


def describe(result: ExchangeResult, finding: Finding) -> str:
    """`exchange 0, frame 3, line 12, byte 845, at /choices/0` with what is known."""
    parts = [f"exchange {result.index}", *position(result, finding.location)]
    if finding.location.path:
        parts.append(f"at {finding.location.path}")
    return ", ".join(parts)


def position(result: ExchangeResult, loc: Location) -> list[str]:
    """`frame 3`, `line 12`, `byte 845`: what is known of where a finding is.

    Lines and bytes are file positions when the body maps onto the file (a raw body, a curl -i
    dump), else positions inside the body a container holds (a tape, a cassette, HAR), then
    said so: "line 7" of a 6-line tape would send a reader to the wrong place.
    """
    line, offset = result.file_position(loc)
    body = line is None and offset is None and (loc.line is not None or loc.offset is not None)
    parts = []
    if loc.frame is not None:
        parts.append(f"frame {loc.frame}")
    line = line if line is not None else loc.line
    offset = offset if offset is not None else loc.offset
    if line is not None:
        parts.append(f"{'body ' if body else ''}line {line}")
    if offset is not None:
        parts.append(f"{'body ' if body else ''}byte {offset}")
    return parts


def fix_line(finding: Finding) -> str | None:
    """What to do about a finding: its own hint, else (errors and warnings) its rule's cause
    and fix."""
    if finding.hint is None and finding.severity >= Severity.WARNING:
        return fix_for(finding.code)
    return finding.hint


def findings_text(result: ExchangeResult, findings: list[Finding]) -> str:
    """One finding per line with its place, then its evidence and fix, indented."""
    lines = []
    for finding in findings:
        lines.append(
            f"{finding.severity.label} {finding.code} {finding.name} "
            f"({describe(result, finding)}): {finding.message}"
        )
        if finding.evidence:
            lines.append(f"    got: {finding.evidence}")
        fix = fix_line(finding)
        if fix:
            lines.append(f"    fix: {fix}")
    return "\n".join(lines) + "\n"


TEXT_SHOWN = 200  # characters of the assembled text a report quotes


def client_lines(outcome: ClientOutcome) -> list[str]:
    """What the app received through the SDK, as lines (text, JUnit and SARIF use them)."""
    name = f"{outcome.client} {outcome.sdk_version}" if outcome.sdk_version else outcome.client
    if outcome.sdk_path is not None:  # the project's own JavaScript ran: say which
        name += f" from {_printable(outcome.sdk_path)}"
    if outcome.skipped is not None:
        return [f"client {name}: not replayed: {outcome.skipped}"]
    if outcome.error is not None:
        head = f"raises {outcome.error}"
        if outcome.error_message:
            head += f": {_one_line(outcome.error_message)}"
    else:
        head = f"ends normally, {outcome.finish_name} {outcome.finish}"
    amount = f"{len(outcome.text)} characters of text"
    if outcome.tool_calls:
        amount += (
            f", {len(outcome.tool_calls)} tool call{'s' if len(outcome.tool_calls) > 1 else ''}"
        )
    lines = [f"client {name}: {head} ({amount}, {outcome.items} items iterated)"]
    if outcome.text:
        quoted = outcome.text[:TEXT_SHOWN] + ("..." if len(outcome.text) > TEXT_SHOWN else "")
        lines.append(f"  text: {_one_line(repr(quoted))}")
    for call in outcome.tool_calls:
        arguments = call.arguments[:TEXT_SHOWN] + (
            "..." if len(call.arguments) > TEXT_SHOWN else ""
        )
        lines.append(f"  tool call: {call.name}({_one_line(arguments)})")
    lines.extend(f"  differs: {difference}" for difference in outcome.differences)
    return lines


def _printable(text: str) -> str:
    """A path as it can be shown on a terminal: control characters escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _one_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


def cause_lines(cause: Cause) -> list[str]:
    """Why the stream was cut and what to try, as lines (`cause: ...`, `try: ...`): every
    reporter shows them under the finding they explain (`cause.finding`)."""
    lines = [f"cause: {_one_line(cause.summary)}"]
    if cause.fix:
        lines.append(f"try: {_one_line(cause.fix)}")
    return lines

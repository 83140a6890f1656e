"""Where one exchange's findings collect: --select/--ignore applied, repeats of a code capped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from streamcheck import redact, rules
from streamcheck.check.options import CheckOptions
from streamcheck.model import Finding, Location


class Sink:
    """Collects findings: applies --select/--ignore and caps repeats of one code."""

    # A plain class, not a dataclass: per-exchange state needs no generated eq/repr, and each
    # dataclass costs about half a millisecond of start-up.
    __slots__ = ("counts", "findings", "kind_of", "options", "suppressed")

    def __init__(self, options: CheckOptions) -> None:
        self.options = options
        self.findings: list[Finding] = []
        self.counts: dict[str, int] = {}
        self.suppressed: dict[str, tuple[int, Finding]] = {}
        # frame index -> its schema kind, asked only for kept findings (they are rare, so the
        # hot path never pays for remembering kinds): what a baseline entry is keyed by.
        self.kind_of: Callable[[int], str | None] | None = None

    def __call__(self, finding: Finding) -> None:
        code = finding.code
        if not rules.selected(code, self.options.select, self.options.ignore):
            return
        seen = self.counts.get(code, 0)
        self.counts[code] = seen + 1
        if seen < self.options.max_per_code:
            frame = finding.location.frame
            if frame is not None and finding.frame_kind is None and self.kind_of is not None:
                kind = self.kind_of(frame)
                if kind is not None:
                    finding = replace(finding, frame_kind=kind)
            self.findings.append(finding)
        else:
            count, first = self.suppressed.get(code, (0, finding))
            self.suppressed[code] = (count + 1, first)

    def wants(self, code: str) -> bool:
        """Whether a finding of `code` would be kept, so worth its message and evidence."""
        if code in self.suppressed:  # past its cap (one dict look-up per failing frame)
            return False
        options = self.options
        return self.counts.get(code, 0) < options.max_per_code and rules.selected(
            code, options.select, options.ignore
        )

    def tally(self, code: str, location: Location) -> None:
        """Count a finding that will not be shown, without building its message or evidence
        (and, past the cap, without building a finding at all: a stream whose every frame
        fails pays a dict update per frame)."""
        known = self.suppressed.get(code)
        if known is not None:
            self.counts[code] += 1
            self.suppressed[code] = (known[0] + 1, known[1])
            return
        self(rules.finding(code, "", location))

    def extend(self, findings: list[Finding]) -> None:
        """Take a decoder's findings and empty its list."""
        for finding in findings:
            self(finding)
        findings.clear()

    def result(self) -> list[Finding]:
        """The kept findings in body order, with one summary per code past the cap; every
        text masked (a message may quote a frame: a schema error naming an echoed key)."""
        if not self.findings and not self.suppressed:
            return self.findings  # most exchanges: nothing to sum up, sort or mask
        for code, (count, first) in self.suppressed.items():
            # Past the cap findings are only counted (no protocol weighed them): the summary
            # takes the severity of the ones shown.
            shown = [f.severity for f in self.findings if f.code == code]
            self.findings.append(
                Finding(
                    code,
                    first.name,
                    max(shown) if shown else first.severity,
                    f"{count} more {code} findings in this exchange not shown",
                    first.location.at(frame=None, offset=None, line=None, path=None),
                )
            )
        end = 1 << 62
        self.findings.sort(key=lambda f: end if f.location.offset is None else f.location.offset)
        self.findings = [masked(f) for f in self.findings]
        return self.findings


def masked(finding: Finding) -> Finding:
    message = redact.text(finding.message)
    evidence = redact.text(finding.evidence) if finding.evidence else finding.evidence
    hint = redact.text(finding.hint) if finding.hint else finding.hint
    if (message, evidence, hint) == (finding.message, finding.evidence, finding.hint):
        return finding
    return replace(finding, message=message, evidence=evidence, hint=hint)

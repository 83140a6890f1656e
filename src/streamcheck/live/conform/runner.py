"""`streamcheck conform`: does this OpenAI- or Anthropic-compatible server stream like the real one?

Each case of `cases.py` becomes one small streaming request, sent and checked through
the same pipeline as `record` and `smoke` (`LiveCall`: the full checker, validating while the
bytes arrive); then the case's own expectations (`judge.py`, `expect_chat.py`,
`expect_events.py`) judge the answer. Verdicts:
    pass         the checker found nothing at or above --fail-on, nothing of the case's own
                 codes, and every expectation held
    fail         one of those did not; the reasons name the finding codes and expectations
    unsupported  the server declined the feature with a documented "unsupported parameter" error
                 (OpenAI `unsupported_parameter`/`unsupported_value` or a 400 naming the
                 parameter; Anthropic 400 invalid_request_error naming it)
    blocked      the server could not be used for the case at all (bad key, no access, no
                 quota, rate limit, unreachable): the smoke class says which
When the first case is blocked the run stops there: a bad key fails every case the same way.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from streamcheck import redact
from streamcheck.check import CheckOptions
from streamcheck.exceptions import ConfigError, LiveCallError
from streamcheck.live.call import smoke
from streamcheck.live.call.client import CallOutcome, LiveCall, Timeouts
from streamcheck.live.conform import native
from streamcheck.live.conform.answer import Answer
from streamcheck.live.conform.cases import Case
from streamcheck.live.conform.clients import breaks
from streamcheck.live.conform.judge import judge
from streamcheck.live.conform.open_responses import LATEST, VERSIONS
from streamcheck.live.exitcodes import CLASSES, PRECEDENCE
from streamcheck.live.targets import (
    DEFAULT_BASE,
    DEFAULT_KEY_ENV,
    Prepared,
    Target,
    is_loopback,
    prepare,
)
from streamcheck.model import EndReason, ExchangeResult, Severity
from streamcheck.schemas import Catalog

# Error classes that mean the server cannot be used, as smoke classes (exit codes 3-7).
_BY_ERROR_CLASS = {
    "auth": "auth",
    "no-access": "no-access",
    "not-found": "no-access",
    "region": "no-access",  # the key may not be used from here: as no access, exit 4
    "billing": "billing",
    "rate-limit": "rate-limit",
    "overloaded": "rate-limit",
    "server-error": "unreachable",
}
UNSUPPORTED_CODES = ("unsupported_parameter", "unsupported_value")
# What each API calls its output cap; api.openai.com deprecated max_tokens for chat, which
# compatible servers do not all know yet.
_CAP = {"responses": "max_output_tokens", "anthropic": "max_tokens"}


def dialect(provider: str, api: str) -> str:
    """The case table's API for --provider and --api (a usage error when they do not meet)."""
    if provider in native.APIS:
        return native.dialect(provider, api)
    if provider not in ("openai", "anthropic"):
        raise ConfigError(f"--provider {provider!r}: expected openai, anthropic, gemini or ollama")
    if api not in ("chat", "responses"):
        raise ConfigError(f"--api {api!r}: expected chat or responses")
    if provider == "anthropic" and api == "responses":
        raise ConfigError("--api responses is an OpenAI API (use --provider openai)")
    return "anthropic" if provider == "anthropic" else api


@dataclass(frozen=True, slots=True)
class Server:
    """Where the cases go: provider dialect, API, base URL, model, key variable."""

    provider: str  # openai | anthropic
    api: str  # chat | responses | anthropic
    model: str
    base_url: str
    key_env: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    spec_version: str | None = None  # the Open Responses release (--api responses)
    framing: str | None = None  # Gemini: "json" for the streamed JSON array (no ?alt=sse)

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"base URL {redact.url(self.base_url)!r} is not an http(s) URL")

    @classmethod
    def of(
        cls,
        provider: str,
        api: str,
        model: str,
        base_url: str | None,
        key_env: str | None = None,
        headers: tuple[tuple[str, str], ...] = (),
        spec_version: str | None = None,
    ) -> Server:
        if provider in native.DEFAULT_BASE:
            if spec_version is not None:
                raise ConfigError(
                    "--spec-version names an Open Responses release: use --api responses"
                )
            base = base_url or native.DEFAULT_BASE[provider]
            framing = "json" if api == "json" else None
            kind = dialect(provider, api)
            return cls(provider, kind, model, base, key_env, headers, None, framing)
        kind = dialect(provider, api)
        if spec_version is not None and kind != "responses":
            raise ConfigError("--spec-version names an Open Responses release: use --api responses")
        if kind == "responses":
            spec_version = spec_version or LATEST
            if spec_version not in VERSIONS:
                known = ", ".join(VERSIONS)
                raise ConfigError(f"--spec-version {spec_version!r}: expected one of {known}")
        base = base_url or DEFAULT_BASE[provider]
        return cls(provider, kind, model, base, key_env, headers, spec_version)

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    @property
    def loopback(self) -> bool:
        """A server on this machine: calls cost nothing and need no key."""
        return is_loopback(self.base_url)

    @property
    def key_variable(self) -> str | None:
        return (
            self.key_env or DEFAULT_KEY_ENV.get(self.provider) or native.KEY_ENV.get(self.provider)
        )

    def read_key(self) -> str | None:
        """The key from the environment, registered as a secret before anything is printed.
        A loopback server may need none; any other server does (Ollama takes none)."""
        if self.key_variable is None:
            return None
        key = os.environ.get(self.key_variable, "").strip()
        if key:
            redact.register_secret(key)
            return key
        if self.loopback:
            return None
        raise LiveCallError(f"environment variable {self.key_variable} is not set (the API key)")

    def target(self, case: Case) -> Target:
        native_api = self.provider in native.DEFAULT_BASE
        return Target(
            "openai-compatible" if native_api else self.provider,  # detected by its URL
            case.model or self.model,
            self.base_url,
            self.key_env,
            headers=self.headers,
            name=f"conform:{case.api}:{case.name}",
        )

    def request(self, case: Case, key: str | None) -> Prepared:
        if self.provider in native.DEFAULT_BASE:
            api = self.framing or self.api
            model = case.model or self.model
            return native.request(self.provider, api, self.base_url, model, case, key, self.headers)
        body = dict(case.body)
        cap = body.pop("max_tokens", None)
        if cap is not None:
            official = self.host == "api.openai.com"
            name = _CAP.get(self.api, "max_completion_tokens" if official else "max_tokens")
            body[name] = cap
        body["model"] = case.model or self.model
        body["stream"] = True
        prepared = prepare(self.target(case), key, body)
        if self.api != "responses":
            return prepared
        base = self.base_url.rstrip("/")
        if not urlsplit(base).path:
            base += "/v1"
        return Prepared(base + "/responses", prepared.headers, prepared.body)


@dataclass(slots=True)
class CaseResult:
    case: Case
    verdict: str  # pass | fail | unsupported | blocked
    reasons: list[str] = field(default_factory=list)  # one redacted line each
    klass: str | None = None  # the smoke class of a blocked case
    result: ExchangeResult | None = None

    @property
    def passed(self) -> bool:
        return self.verdict in ("pass", "unsupported")

    def to_dict(self) -> dict[str, Any]:
        result = self.result
        return {
            "case": self.case.name,
            "api": self.case.api,
            "summary": self.case.summary,
            "verdict": self.verdict,
            "class": self.klass,
            "reasons": [redact.text(r) for r in self.reasons],
            "max_tokens": self.case.max_tokens,
            "status": result.status if result is not None else None,
            "findings": [f.to_dict() for f in result.findings] if result is not None else [],
            "timing": result.timing if result is not None else {},
        }


def run(
    server: Server,
    cases: list[Case],
    options: CheckOptions,
    timeouts: Timeouts,
    on_result: Callable[[CaseResult], None] = lambda r: None,
) -> list[CaseResult]:
    """Run the cases in order; stop after the first one when it cannot use the server."""
    key = server.read_key()
    catalog = Catalog(options.schema_dirs)
    results: list[CaseResult] = []
    for case in cases:
        done = run_case(server, case, key, options, timeouts, catalog)
        results.append(done)
        on_result(done)
        if len(results) == 1 and done.verdict == "blocked":
            break
    return results


def run_case(
    server: Server,
    case: Case,
    key: str | None,
    options: CheckOptions,
    timeouts: Timeouts,
    catalog: Catalog,
) -> CaseResult:
    received: list[bytes] = []
    call = LiveCall(
        server.target(case),
        server.request(case, key),
        options,
        timeouts,
        observer=lambda checker, data, now: received.append(data),
        catalog=catalog,
    )
    outcome = call.run()
    if outcome.interrupted:
        raise KeyboardInterrupt  # Ctrl-C stops the battery: the CLI exits 130
    return verdict(case, outcome, b"".join(received), options.fail_on, server.spec_version)


def verdict(
    case: Case,
    outcome: CallOutcome,
    body: bytes,
    fail_on: Severity,
    spec: str | None = None,
) -> CaseResult:
    result = outcome.result
    if result is None:
        return CaseResult(case, "blocked", [outcome.message or "no response"], "unreachable")
    declined = _declined(case, result, body)
    if declined is not None:
        return CaseResult(case, "unsupported", [declined], result=result)
    rejected = result.status is not None and result.status >= 400
    klass = _blocking_class(result)
    if klass is not None and not (case.rejects and klass == "no-access"):
        return CaseResult(case, "blocked", [smoke.classify(outcome, fail_on)[1]], klass, result)
    reasons: list[str] = []
    for finding in result.findings:
        if case.rejects and rejected and finding.code == "SC401":
            continue  # the documented error body is what this case asks for
        if finding.severity >= fail_on or finding.code in case.codes:
            who = breaks(case.api, finding.code)
            said = f"{finding.code} {finding.name}: {finding.message}"
            reasons.append(said + (f"; {who.line()}" if who else ""))
    reasons.extend(judge(Answer.of(result, body, spec), case))
    return CaseResult(case, "fail" if reasons else "pass", _unique(_once(reasons)), result=result)


def _blocking_class(result: ExchangeResult) -> str | None:
    """The smoke class of an answer that shows the server unusable, else None: a 400 the
    server gave the case (bad request, context length) is the case's failure, not the server's."""
    if result.end in (EndReason.RESET, EndReason.TIMEOUT):
        return "unreachable"
    klass = _BY_ERROR_CLASS.get(result.error_class or "")
    if klass is None and result.status is not None and result.status >= 500:
        klass = "unreachable"
    return klass


def _once(reasons: list[str]) -> list[str]:
    """Each client named once: a finding and an expectation that break the same client keep
    the `; breaks ...` evidence on the first of them only."""
    seen: set[str] = set()
    out = []
    for reason in reasons:
        said, sep, who = reason.partition("; breaks ")
        out.append(said if sep and who in seen else reason)
        seen.add(who)
    return out


def _unique(reasons: list[str]) -> list[str]:
    """One line per distinct reason (a schema violation on every chunk is one reason), with a
    count when it repeats."""
    counts: dict[str, int] = {}
    for reason in reasons:
        key = reason.split(" (frame ", 1)[0]
        counts[key] = counts.get(key, 0) + 1
    return [k if n == 1 else f"{k} (x{n})" for k, n in counts.items()]


def _declined(case: Case, result: ExchangeResult, body: bytes) -> str | None:
    """The documented "unsupported parameter" answer to one of the case's parameters, if the
    server gave one (PROVIDERS.md 2.1 error body; Anthropic 400 invalid_request_error)."""
    if case.rejects or result.status != 400 or not case.params:
        return None
    from streamcheck.errors import shapes

    value = shapes.parse_body(body)
    error = value.get("error") if isinstance(value, dict) else None
    if not isinstance(error, dict):
        return None
    message = str(error.get("message") or "")
    if value.get("type") == "error":  # Anthropic: the message names the parameter
        named = [p for p in case.params if p.split(".")[0] in message]
        if error.get("type") == "invalid_request_error" and named:
            return f"HTTP 400 invalid_request_error on {named[0]}: {message}"
        return None
    param = str(error.get("param") or "")
    code = str(error.get("code") or "")
    ours = param in case.params or param.split(".")[0] in case.params
    if code in UNSUPPORTED_CODES and (ours or not param):
        return f"HTTP 400 {code} ({param or 'no param'}): {message}"
    if error.get("type") == "invalid_request_error" and ours:
        return f"HTTP 400 invalid_request_error on {param}: {message}"
    return None


def exit_code(results: list[CaseResult]) -> int:
    """0 when every case that ran conforms (or was declined), the smoke class when no case could
    use the server, 1 otherwise."""
    if results and all(r.verdict == "blocked" for r in results):
        present = {r.klass for r in results}
        worst = next(k for k in PRECEDENCE if k in present)
        return CLASSES[worst][0]
    return 0 if all(r.passed for r in results) else 1


def counts(results: list[CaseResult]) -> dict[str, int]:
    tally = {"pass": 0, "fail": 0, "unsupported": 0, "blocked": 0}
    for result in results:
        tally[result.verdict] += 1
    return tally

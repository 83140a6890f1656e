"""Where what the app received differs from the truth of the stream, one sentence each.

The truth is what the checker found (error findings, the error class of an error body) and
what the network did (a reset, a silence longer than the client waits). The sentences name
what an app built the usual way gets wrong: the SDK's docs loop over the stream and read the
text, so an ending without a finish reason passes as a complete answer.
"""

from __future__ import annotations

from streamcheck.model import ClientOutcome, ExchangeResult, Severity


def differences(
    outcome: ClientOutcome, result: ExchangeResult, sdk: str, field: str, cut: str | None
) -> list[str]:
    errors = [f for f in result.findings if f.severity >= Severity.ERROR]
    named = ", ".join(dict.fromkeys(f"{f.code} {f.name}" for f in errors))
    out: list[str] = []
    if outcome.error is None:
        if outcome.finish is None:
            truth = f" although the stream has {named}" if named else ""
            answer = "a cut answer" if outcome.text or outcome.tool_calls else "an empty answer"
            out.append(
                f"the SDK ends normally with {field} None{truth}: an app that does not check "
                f"{field} shows {answer} as complete"
            )
        elif named:
            out.append(
                f"the SDK ends normally with {field} {outcome.finish} and does not notice {named}"
            )
        return out
    if cut:
        out.append(f"{cut}: the SDK raises {outcome.error}")
    # The JavaScript SDK hands any error to the app as chat.error, whatever its class.
    if sdk != "ai" and outcome.error.split(".")[0] != sdk:
        out.append(
            f"the SDK lets {outcome.error} escape instead of one of its own exceptions: an app "
            f"that catches {sdk}.APIError misses it"
        )
    if result.error_class == "billing" and "RateLimit" in outcome.error:
        out.append(
            f"the SDK raises {outcome.error} for a billing error (no quota or credit left), as "
            "for a rate limit: a retry loop retries it forever"
        )
    if outcome.text:
        out.append(
            f"the app had {len(outcome.text)} characters of text before the exception: a UI "
            "that streams tokens has already shown a partial answer"
        )
    status_ok = result.status is None or result.status < 400
    if not errors and status_ok and not cut and result.error_class is None:
        out.append(f"the SDK raises {outcome.error} on a stream with no error finding")
    return out

"""Which protocol and API version an exchange speaks: from the provider hint and the recorded
request at the start (`by_request`), or from the first frame (`frames.detect` calls `use`); and
what the request itself says (a stream asked for, a URL no protocol serves).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from streamcheck import rules
from streamcheck.check import framing as framing_checks
from streamcheck.check.state import ExchangeState
from streamcheck.exceptions import ConfigError
from streamcheck.protocols import Context, Protocol, find, named_by_headers
from streamcheck.wire.sniff import STREAM_FRAMINGS

# URLs that ask for a stream without a body flag (Gemini, Bedrock, watsonx, query flags).
_STREAM_URL_MARKS = (
    ":streamGenerateContent",
    "alt=sse",
    "/converse-stream",
    "/invoke-with-response-stream",
    "/text_stream",
    "stream=true",
)


def by_request(state: ExchangeState) -> None:
    """Pick the protocol from the provider hint and the recorded request, when they tell."""
    exchange = state.exchange
    options = state.options
    pool = state.candidates
    named = named_by_headers(exchange.headers) if not options.provider else None
    if named is not None:
        chosen = next((p for p in pool if p.name == named), None)
        if chosen is not None:
            use(state, chosen)
            return
    hinted: list[type[Protocol]] = []
    if exchange.provider and not options.provider:
        hinted = [p for p in find(exchange.provider) if p in pool]
        if exchange.api:
            # A hinted API no registered protocol speaks (a Responses call while only Chat
            # is known) must not fall back to another API of the same provider.
            hinted = [p for p in hinted if exchange.api in (p.api, p.name)]
        pool = hinted or pool
    # One protocol left by the flags is used whatever its frames look like: a protocol that
    # claims no frame of its own (Open Responses, whose frames are OpenAI's) is judged only so.
    if (options.provider or options.api or options.force_protocols or hinted) and len(pool) == 1:
        use(state, next(iter(pool)))
        return
    request = exchange.request
    if request.url is None and not request.headers:
        # A raw body: match_request reads only the request, so every score would be 0; and
        # scoring would import every protocol module.
        state.candidates = pool
        return
    scored = sorted(((p.match_request(exchange), p.name, p) for p in pool), reverse=True)
    if scored and scored[0][0] > 0:
        use(state, scored[0][2])
    elif exchange.provider and not hinted and not (options.provider or options.api):
        # The URL names a provider's API that no protocol here implements (Anthropic's
        # legacy /v1/complete, Cohere's /v1/generate, Gemini's Interactions): its frames must
        # not be claimed by another API's grammar because they look alike. SC901 says so;
        # framing, error bodies and in-stream error objects are still checked.
        state.candidates = []
        state.unclaimed = True
    else:
        # An unknown host (a gateway, a self-hosted server): the frames decide, and a
        # stream no protocol claims gets SC901.
        state.candidates = pool


def use(state: ExchangeState, protocol: type[Protocol]) -> None:
    """Make `protocol` the exchange's: resolve the API version and its schemas, and start
    the grammar."""
    protocol = standing_in(state, protocol)
    state.protocol = protocol
    own = protocol.own_schemas()
    if own is not None:
        state.catalog.add(own)
    declared_framing(state)
    options, exchange = state.options, state.exchange
    requested = options.api_version or exchange.api_version
    requested = requested or protocol.version(exchange)
    available = state.catalog.versions(protocol.provider, protocol.api)
    default = options.default_api_version
    if not requested and default and (default in available or defaulted(state, protocol)):
        requested = default  # the config's version, for a recording that names none
    requested = protocol.version_aliases.get(requested or "", requested)
    forced = options.api_version or (defaulted(state, protocol) and default)
    if forced and forced not in available:
        raise ConfigError(
            f"no schemas for {protocol.provider}/{protocol.api} version "
            f"{forced!r} (shipped: {', '.join(available) or 'none'})"
        )
    state.version = requested if requested in available else None
    state.schemas = state.catalog.get(protocol.provider, protocol.api, state.version)
    state.validators = validators_of(state)
    if state.schemas is not None:
        state.version = state.schemas.version
        if requested and requested not in available:
            state.sink(
                rules.finding(
                    "SC910",
                    f"the request asked for {protocol.provider}/{protocol.api} version "
                    f"{requested!r}, which has no schemas here; checked against "
                    f"{state.version!r} (shipped: {', '.join(available)})",
                    state.location,
                )
            )
    elif requested:
        state.version = requested
    request_body = exchange.request.body
    ctx = Context(
        location=state.location,
        emit=state.sink,
        api_version=state.version or "",
        request=request_body if isinstance(request_body, dict) else {},
        url=exchange.request.url,
    )
    # Named as the API's own: by flags (not the generic `openai-compatible`), or by the
    # exchange itself (a live call to a `--provider openai` target: conform, smoke, record).
    flagged = options.provider not in (None, "", "openai-compatible") or (
        defaulted(state, protocol) and options.default_provider != "openai-compatible"
    )
    ctx.named = bool(flagged or options.api_version) or exchange.provider in (
        "openai",
        "azure-openai",
    )
    state.grammar = protocol.stream(ctx)


def standing_in(state: ExchangeState, protocol: type[Protocol]) -> type[Protocol]:
    """The protocol the config's defaults name in place of `protocol`, when one stands for it
    (`Protocol.stands_for`: Open Responses for OpenAI Responses), else `protocol`."""
    options = state.options
    if not (options.default_provider or options.default_api) or options.provider or options.api:
        return protocol
    for preferred in options.preferred():
        if preferred.stands_for == protocol.name:
            return preferred
    return protocol


def validators_of(state: ExchangeState) -> dict[str, Callable[[Any], bool]]:
    """The bound is_valid of each kind met so far: the schema set's own, shared by every
    exchange it judges, so the first frame of each kind in each file of a folder takes the hot
    path. Not with SC203 drift on: its sample is taken by `frames.validate`, which the first
    frame of each kind must then pass through in every exchange."""
    schemas = state.schemas
    if schemas is None or state.drift_on:
        return {}
    return schemas.bound


def defaulted(state: ExchangeState, protocol: type[Protocol]) -> bool:
    """Whether `protocol` is one the config's defaults name (the recording did not say
    otherwise): it is then judged as if named by flags."""
    options = state.options
    return bool(options.default_provider or options.default_api) and (
        protocol in options.preferred()
    )


def declared_framing(state: ExchangeState) -> None:
    """SC385 for a protocol file's exchange, once both the protocol and the framing are known."""
    if state.protocol is not None and state.protocol.declared:
        framing_checks.declared_framing(state)


def asked_for_stream(state: ExchangeState) -> bool | None:
    """Whether the recorded request wanted a stream; None when nothing was recorded.

    A raw body or curl dump has no request: it was given to us to be checked as a stream.
    """
    request = state.exchange.request
    if request.url is None and request.body is None:
        return None
    body = request.body
    if isinstance(body, dict) and isinstance(body.get("stream"), bool):
        return bool(body["stream"])
    url = request.url or ""
    if any(mark in url for mark in _STREAM_URL_MARKS):
        return True
    accept = next((v for k, v in request.headers.items() if k.lower() == "accept"), "")
    # Only an Accept that takes no JSON answer asks for a stream: System.ClientModel (the
    # .NET OpenAI and Azure clients) sends `application/json, text/event-stream` on every
    # call, a plain retrieve included.
    if "text/event-stream" in accept and "json" not in accept:
        return True
    # Ollama's native API streams unless told not to.
    return (
        isinstance(body, dict)
        and state.protocol is not None
        and (state.protocol.framing == "ndjson")
    )


def unknown_endpoint(state: ExchangeState) -> None:
    """A recorded call to a URL no protocol or provider hint knows (a cassette's telemetry
    or file download): say so once, since no schema or grammar looked at it."""
    exchange = state.exchange
    if state.protocol or state.unknown_reported or not exchange.request.url:
        return
    if exchange.provider and not state.unclaimed:
        return
    if asked_for_stream(state) is False and state.framing not in STREAM_FRAMINGS:
        return  # a plain call (telemetry, a download) already reported as SC903
    state.unknown_reported = True
    state.sink(rules.finding("SC901", unknown_api(state, "the body"), state.location))


def unknown_api(state: ExchangeState, what: str) -> str:
    """SC901's message for a recorded call no protocol implements."""
    exchange = state.exchange
    url = (exchange.request.url or "").split("?", 1)[0]
    named = " ".join(n for n in (exchange.provider, exchange.api) if n)
    api = f" ({named})" if named else ""
    return (
        f"no protocol streamcheck implements serves {url}{api}; only {what} was checked, "
        "no other API's schema or grammar"
    )


def named_provider(state: ExchangeState) -> str | None:
    """The provider the user named (--provider) when the exchange has no protocol: an error
    body whose shape none of that provider's APIs documents (an OpenAI-shaped error from an
    Ollama or Bedrock gateway) is still that provider's answer, not an unknown protocol's."""
    if state.protocol is not None or not state.options.provider:
        return None
    named = {protocol.provider for protocol in state.candidates}
    return named.pop() if len(named) == 1 else None

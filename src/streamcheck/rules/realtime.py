"""SC350-SC359: the OpenAI Realtime API's grammar (protocols/openai_realtime.py).

Part of the stream grammar family (SC3xx): rules/grammar.py imports this module.
"""

from streamcheck.model import Severity
from streamcheck.rules import rule

REALTIME = ("openai-realtime",)
SDK = "openai-python types/realtime (GA) and types/beta/realtime (beta)"

rule(
    "SC350",
    "realtime-response-not-done",
    Severity.ERROR,
    "A Realtime response was created but never got its `response.done`.",
    finds="A `response.created` whose response id no `response.done` closed before the "
    "WebSocket ended.",
    why="`response.done` carries the final status and usage; a client waiting for it hangs or "
    "shows a partial answer as whole.",
    example="`response.created`, three `response.output_text.delta`, then the socket closes.",
    fix="The socket closed (or the recording stopped) mid-response: see the close finding (SC6xx) "
    "beside it. Clients should treat a response without `response.done` as failed.",
    refs=f"{SDK}: ResponseCreatedEvent, ResponseDoneEvent.",
    protocols=REALTIME,
)
rule(
    "SC351",
    "realtime-response-not-completed",
    Severity.ERROR,
    "A Realtime response ended with a status other than `completed`.",
    finds="A `response.done` whose `response.status` is `failed` (error), `incomplete` "
    "(warning: `status_details.reason` is `max_output_tokens` or `content_filter`) or "
    "`cancelled` (info: `turn_detected` or `client_cancelled`).",
    why="The event stream is well-formed, but the answer is not whole; apps that only read "
    "deltas present it as complete.",
    example='`{"type": "response.done", "response": {"status": "incomplete", '
    '"status_details": {"type": "incomplete", "reason": "max_output_tokens"}}}`.',
    fix="Read `status_details`: for `failed`, its `error`; for `incomplete`, raise "
    "`max_output_tokens` or rephrase; `cancelled` by turn detection is normal in voice apps.",
    refs=f"{SDK}: RealtimeResponse.status, RealtimeResponseStatus.",
    protocols=REALTIME,
)
rule(
    "SC352",
    "realtime-error-event",
    Severity.WARNING,
    "The Realtime server sent an `error` event.",
    finds="An `error` event. A warning when the session went on after it (errors are "
    "recoverable: a bad client event is rejected, the session stays open); an error when it "
    "was the last event before the socket closed.",
    why="Clients that do not handle `error` miss why their request was ignored; one followed "
    "by the close ended the session.",
    example='`{"type": "error", "error": {"type": "invalid_request_error", "code": '
    '"invalid_value", "message": "..."}}`.',
    fix="Read `error.type`, `code`, `message` and `event_id` (the client event it answers) and "
    "fix the client event; for a server error, retry.",
    refs=f"{SDK}: RealtimeErrorEvent.",
    protocols=REALTIME,
)
rule(
    "SC353",
    "realtime-event-outside-response",
    Severity.ERROR,
    "A Realtime event names a response that is not open.",
    finds="An event with a `response_id` (deltas, output items, content parts) before that "
    "response's `response.created` or after its `response.done`, or a `response.done` for a "
    "response never created.",
    why="Clients key their state by response id; such an event is dropped or crashes the handler.",
    example="`response.output_text.delta` for `resp_2` after `response.done` for `resp_2`.",
    fix="A relay reordered or replayed events, or two sessions were recorded into one stream.",
    refs=f"{SDK}.",
    protocols=REALTIME,
)
rule(
    "SC354",
    "realtime-first-event-not-session",
    Severity.WARNING,
    "A Realtime stream does not start with `session.created`.",
    finds="A first server event other than `session.created` (or `transcription_session.created`).",
    why="The server sends `session.created` as soon as the socket opens; without it the "
    "recording started late or a relay dropped events, and the session's settings are unknown.",
    example="A recording that starts at `response.created`.",
    fix="Record from the moment the socket opens; check that the relay forwards every event.",
    refs=f"{SDK}: SessionCreatedEvent.",
    protocols=REALTIME,
)
rule(
    "SC355",
    "realtime-other-version-event",
    Severity.ERROR,
    "A Realtime event uses the other API version's name (GA vs beta).",
    finds="In a GA session, an output event under its beta name (`response.text.delta`, "
    "`response.audio.delta`, `response.audio_transcript.delta`, ...); in a beta session "
    "(`OpenAI-Beta: realtime=v1`), one under its GA name (`response.output_text.delta`, ...).",
    why="Clients dispatch on `type`: a GA client never sees beta-named deltas, so the answer "
    "arrives and is silently dropped (and the reverse).",
    example="`response.text.delta` events after a GA `session.created`.",
    fix="Connect with the header that matches the server: beta needs `OpenAI-Beta: realtime=v1`; "
    "GA names its events `response.output_*`. Check a recording with `--api-version ga` or "
    "`beta`.",
    refs=f"{SDK}; OpenAI Realtime API GA migration guide (event renames).",
    protocols=REALTIME,
)

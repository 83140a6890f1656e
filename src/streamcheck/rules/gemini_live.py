"""SC390-SC396: the Gemini Live API's grammar (protocols/gemini_live.py).

Part of the stream grammar family (SC3xx): rules/grammar.py imports this module.
"""

from streamcheck.model import Severity
from streamcheck.rules import rule

LIVE = ("gemini-live",)
SDK = "google-genai types.LiveServerMessage, live.py (AsyncLive.connect, AsyncSession.receive)"
REF = "Gemini API, Live API - WebSockets API reference (ai.google.dev/api/live)"

rule(
    "SC390",
    "gemini-live-no-setup-complete",
    Severity.ERROR,
    "A Gemini Live session does not start with `setupComplete`.",
    finds="A first server message other than `setupComplete` (the answer to the client's "
    "`setup`), or a second `setupComplete` in one session.",
    why="google-genai's `live.connect()` reads the first server message as the setup answer: "
    "anything else there is consumed and never reaches `session.receive()`, so a model turn "
    "sent first loses its start silently.",
    example='A recording whose first message is `{"serverContent": {"modelTurn": ...}}`.',
    fix="The server (or a relay) must answer `setup` with `setupComplete` before any other "
    "message; record from the moment the socket opens.",
    refs=f"{SDK}; {REF} (BidiGenerateContentSetupComplete).",
    protocols=LIVE,
)
rule(
    "SC391",
    "gemini-live-turn-cut",
    Severity.ERROR,
    "A Gemini Live model turn never got its `turnComplete` (or `interrupted`).",
    finds="`serverContent` that began a model turn (`modelTurn`, `generationComplete`) and no "
    "`turnComplete` or `interrupted` before the "
    "session ended. A turn waiting on the client's `toolResponse` after a `toolCall` is not cut.",
    why="Clients wait for `turnComplete` to know the answer is whole; a session that ends "
    "before it leaves a partial answer that looks finished, or a client waiting for ever.",
    example="`setupComplete`, two `modelTurn` text parts, then the socket closes with 1000.",
    fix="The session ended mid-turn: see the close finding (SC6xx) beside it (1011 is a server "
    "error, 1008 a policy, 1007 an invalid argument). Clients should treat a turn without "
    "`turnComplete` as failed and resend it.",
    refs=f"{SDK}: LiveServerContent.turn_complete; {REF} (BidiGenerateContentServerContent).",
    protocols=LIVE,
)
rule(
    "SC392",
    "gemini-live-go-away",
    Severity.WARNING,
    "The Gemini Live server sent `goAway`: it will close the connection soon.",
    finds="A `goAway` message; `timeLeft` says how long the connection has before the server "
    "terminates it (as ABORTED).",
    why="The connection ends whatever the client does; a client that does not reconnect loses "
    "the conversation when it closes.",
    example='`{"goAway": {"timeLeft": "10s"}}`.',
    fix="Reconnect before `timeLeft` runs out, passing the last `sessionResumptionUpdate` "
    "`newHandle` as `session_resumption.handle` in the new `setup` (enable "
    "`sessionResumption` in `setup` to receive handles).",
    refs=f"{SDK}: LiveServerGoAway, LiveServerSessionResumptionUpdate; {REF} (GoAway, "
    "SessionResumptionUpdate).",
    protocols=LIVE,
)
rule(
    "SC393",
    "gemini-live-turn-order",
    Severity.ERROR,
    "Gemini Live `serverContent` arrived out of its turn order.",
    finds="Model output (`modelTurn`) after the same turn's `generationComplete`, before its "
    "`turnComplete`.",
    why="`generationComplete` says the model is done generating; clients that stop collecting "
    "there drop the output that follows.",
    example='`{"serverContent": {"generationComplete": true}}` then `{"serverContent": '
    '{"modelTurn": {"parts": [{"text": "more"}]}}}`.',
    fix="A relay reordered messages, or two turns were recorded into one; the server sends "
    "`modelTurn` parts, then `generationComplete`, then `turnComplete`.",
    refs=f"{SDK}: LiveServerContent.generation_complete; {REF}.",
    protocols=LIVE,
)
rule(
    "SC394",
    "gemini-live-cancel-unknown-call",
    Severity.WARNING,
    "A Gemini Live `toolCallCancellation` names a call no `toolCall` made.",
    finds="`toolCallCancellation.ids` holding an id that no earlier `toolCall.functionCalls[].id` "
    "had.",
    why="Clients cancel running tools by these ids; an unknown id cancels nothing, and the "
    "call it meant keeps running.",
    example='`{"toolCallCancellation": {"ids": ["fc_9"]}}` when only `fc_1` was called.',
    fix="A relay dropped the `toolCall`, or the recording started mid-session.",
    refs=f"{SDK}: LiveServerToolCall, LiveServerToolCallCancellation; {REF}.",
    protocols=LIVE,
)
rule(
    "SC395",
    "gemini-live-unknown-message",
    Severity.ERROR,
    "A Gemini Live server message carries none of the members the official client knows.",
    finds="A JSON message with none of `setupComplete`, `serverContent`, `toolCall`, "
    "`toolCallCancellation`, `usageMetadata`, `goAway`, `sessionResumptionUpdate`, "
    "`voiceActivityDetectionSignal`, `voiceActivity` (an `error` object is SC403).",
    why="google-genai's `session.receive()` raises `APIError` on such a message: the app's "
    "receive loop ends there.",
    example='`{"status": "ok"}`.',
    fix="The server (or a relay) sent a message of its own on the Live socket; send it on "
    "another channel, or wrap it in a member the client knows.",
    refs=f"{SDK} (_receive: a message with no known member raises APIError).",
    protocols=LIVE,
)
rule(
    "SC396",
    "gemini-live-turn-refused",
    Severity.WARNING,
    "A Gemini Live turn completed for a reason that means the answer was refused or filtered.",
    finds="`turnComplete` with a `turnCompleteReason` other than "
    "`TURN_COMPLETE_REASON_UNSPECIFIED` and `NEED_MORE_INPUT`: a malformed function call, a "
    "rejected response, prohibited input, or a safety filter on the output.",
    why="The turn is complete, but the answer is empty or cut; an app that only reads "
    "`modelTurn` shows it as whole.",
    example='`{"serverContent": {"turnComplete": true, "turnCompleteReason": '
    '"GENERATED_CONTENT_SAFETY"}}`.',
    fix="Read `turnCompleteReason`: rephrase the input for the input-side reasons, check the "
    "tool declarations for MALFORMED_FUNCTION_CALL.",
    refs=f"{SDK}: TurnCompleteReason.",
    protocols=LIVE,
)

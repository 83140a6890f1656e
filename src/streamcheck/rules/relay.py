"""SC360-SC369: the grammar of relay protocols, the streams an app sends its own clients (the
Vercel AI SDK UI message stream and the older data stream). Loaded with the SC3 family."""

from streamcheck.model import Severity
from streamcheck.rules import rule

RELAY = ("vercel-ui-message-stream", "vercel-data-stream")
UI = ("vercel-ui-message-stream",)
REFS = (
    "ai-sdk.dev Stream Protocols (UI message stream; data stream in the AI SDK 4.x docs); "
    "vercel/ai `ui/process-ui-message-stream.ts`, `ui/chat.ts`, and for 4.x "
    "`ui-utils/src/process-chat-response.ts`."
)

rule(
    "SC360",
    "relay-unfinished",
    Severity.ERROR,
    "A relay stream ended without its end part (`finish`/`abort`, or the data stream's `d:`).",
    finds="A UI message stream with no `finish` or `abort` part, or a data stream with no `d:` "
    "finish_message line, whatever the connection did at the end (a clean close included).",
    why="`useChat` does not know the answer was cut: the stream ends, the chat goes back to "
    "status `ready` with no error, `onFinish` reports no finish reason (`unknown` in 4.x), and "
    "the partial message stays on screen as the answer.",
    example="`start`, `text-start`, two `text-delta` parts, then the body ends.",
    fix="The route streaming to the browser stopped before `finish`: a swallowed upstream error "
    "or a proxy timeout. Let the SDK write the stream (`toUIMessageStreamResponse` sends `error` "
    "and `finish`).",
    refs=REFS,
    protocols=RELAY,
)
rule(
    "SC361",
    "relay-part-outside-block",
    Severity.ERROR,
    "A relay part names a text, reasoning or tool block that is not open.",
    finds="A `text-delta` or `text-end` whose `id` has no open `text-start` (likewise "
    "reasoning), a `tool-input-delta` with no `tool-input-start` of its `toolCallId`, a tool "
    "output or approval for a tool call no `tool-input-*` part announced; in the data stream a "
    "`c:` delta with no `b:` start, an `a:` result with no tool call.",
    why='The client looks the block up by id and throws: `UIMessageStreamError` ("Received '
    'text-delta for missing text part"), `no tool invocation found`, or in 4.x a TypeError / '
    "`tool_result must be preceded by a tool_call`; `useChat` goes to its error state.",
    example='`{"type":"text-delta","id":"t1","delta":"Hi"}` with no `text-start` for `t1`.',
    fix="A hand-written relay emits deltas without the start part, or re-uses ids across "
    "parts. Send `text-start` (same id) before the first delta and `text-end` after the last.",
    refs=REFS,
    protocols=RELAY,
)
rule(
    "SC362",
    "relay-start-not-first",
    Severity.WARNING,
    "A UI message stream does not begin with its `start` part, or has a second one.",
    finds="A first part other than `start`, or a `start` after other parts.",
    why="`start` carries the message id (and metadata); without it the client makes up an id, "
    "so a resumed or persisted message does not match the server's; a late `start` changes the "
    "id of a message already shown.",
    example="The stream begins with `text-start`.",
    fix="Write `start` (with `messageId`) before anything else, as `createUIMessageStream` does.",
    refs=REFS,
    protocols=UI,
)
rule(
    "SC363",
    "relay-part-after-end",
    Severity.WARNING,
    "A part arrived after the relay stream's end part (or after `data: [DONE]`).",
    finds="Any part after `finish`/`abort` or `data: [DONE]` in a UI message stream, or after "
    "`d:` in a data stream.",
    why="The clients keep reading and apply it: text shows up after the app was told the answer "
    "finished (its `onFinish` may already have stored the message without it).",
    example="`finish`, then one more `text-delta`.",
    fix="Two answers are written into one response, or the relay keeps forwarding after the end "
    "part; stop writing after `finish`.",
    refs=REFS,
    protocols=RELAY,
)
rule(
    "SC364",
    "relay-block-unclosed",
    Severity.WARNING,
    "A UI message stream finished while a text or reasoning part was still open.",
    finds="`finish` or `abort` with a `text-start`/`reasoning-start` id that no `-end` part "
    "closed.",
    why='The part keeps `state: "streaming"` in the finished message; UIs that show a cursor '
    "or a spinner for streaming parts keep showing it.",
    example="`text-start` `t1`, deltas, `finish` with no `text-end`.",
    fix="Send `text-end` (and `reasoning-end`) for every id before `finish`.",
    refs=REFS,
    protocols=UI,
)
rule(
    "SC365",
    "relay-missing-done",
    Severity.INFO,
    "A UI message stream finished without `data: [DONE]`.",
    finds="`finish` or `abort`, then the end of the body with no `data: [DONE]` event.",
    why="The SDK's client ignores `[DONE]`, so nothing breaks; other readers (proxies, "
    "non-SDK clients) may wait for it, and the SDK's own server always sends it.",
    example='`{"type":"finish"}` as the last event.',
    fix="Append `data: [DONE]` after `finish` (a hand-written relay), or let "
    "`createUIMessageStreamResponse` write the stream.",
    refs=REFS,
    protocols=UI,
)
rule(
    "SC366",
    "relay-unknown-part",
    Severity.ERROR,
    "A relay stream carries a part type (or data stream code) the SDK does not define.",
    finds="A UI message stream part whose `type` is none of the SDK's part types and does not "
    "start with `data-`, or a data stream line whose code is none of `0 2 3 8 9 a b c d e f g "
    "h i j k`.",
    why="Every SDK version rejects an unknown part type (`AI_TypeValidationError`); the 4.x "
    "reader throws `Invalid code`. `useChat` goes to its error state.",
    example='`{"type":"text","text":"Hi"}` (the message part shape, not a stream part).',
    fix="Custom parts must be named `data-<name>`; write parts with the SDK's writer. A part "
    "type of a newer SDK major than the client's is reported as SC202 for that version.",
    refs=REFS,
    protocols=RELAY,
)

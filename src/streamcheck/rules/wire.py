"""SC1xx: wire and framing. Found by the decoders in `streamcheck.wire`, before any provider."""

from streamcheck.model import Severity
from streamcheck.rules import rule

WHATWG = "WHATWG HTML Living Standard, 9.2 Server-sent events: 'Parsing an event stream'."

rule(
    "SC101",
    "truncated-frame",
    Severity.ERROR,
    "The stream ended inside a frame: bytes arrived that never formed a complete event.",
    finds="An SSE event that was never dispatched because no blank line followed it, an NDJSON "
    "line without its final newline whose JSON is incomplete, or a frame whose JSON was cut "
    "mid-object.",
    why="Every SSE client silently discards an event that is not followed by a blank line, so the "
    "last tokens, the finish_reason or the usage block are lost without any error.",
    example='`data: {"id":"chatcmpl-1","choices":[{"delta":{"content":"Hel` then EOF.',
    fix="The connection closed mid-event: a hop's idle or total timeout, a server crash or a "
    "network cut. Compare the time of the cut with each hop's timeouts; retry, and report a "
    "reproducible cut with the request id.",
    refs=f"{WHATWG} openai/openai-python#649.",
)
rule(
    "SC102",
    "invalid-utf8",
    Severity.ERROR,
    "The stream contains bytes that are not valid UTF-8.",
    finds="A byte sequence in an event that is not UTF-8.",
    why="Event streams are always UTF-8. Browsers substitute U+FFFD, but strict decoders such as "
    "openai-python's raise UnicodeDecodeError and the stream dies.",
    example='`data: {"text":"caf\\xe9"}` (Latin-1 e-acute).',
    fix="A proxy or the server re-encoded the body, or a multi-byte character was cut and "
    "re-joined wrongly. Make every hop pass the bytes through untouched.",
    refs=WHATWG,
)
rule(
    "SC103",
    "data-not-json",
    Severity.ERROR,
    "A frame's data is neither JSON nor the protocol's sentinel.",
    finds="A data payload that does not parse as JSON and is not a known sentinel such as "
    "`[DONE]`.",
    why="Clients parse every data payload as JSON; one bad frame raises inside the app's "
    "generator.",
    example='`data: <html>` or `data: {"a": 1,}`.',
    fix="Look at the evidence: HTML means a proxy answered; a prefix of JSON means a frame was "
    "cut (see SC101); other text means the server does not speak this protocol.",
    refs="openai/openai-python#649; openai/openai-python `src/openai/_streaming.py` (`sse.json()` "
    "on every data payload).",
)
rule(
    "SC104",
    "line-too-long",
    Severity.ERROR,
    "A line is longer than the configured limit (`--max-line`), so it was skipped.",
    finds="A line whose length exceeds the limit, or an SSE event whose data lines add up to more "
    "than it. The rest of that line is discarded so memory stays bounded, and the SSE event the "
    "line belongs to is dropped whole (a comment line drops nothing).",
    why="A runaway line exhausts client buffers (many clients cap lines at 64 KiB or a few MiB) "
    "and usually means a missing line terminator or a body that is not an event stream.",
    example="A 100 MB base64 blob on one `data:` line.",
    fix="If the payload is legitimately large (images), raise `--max-line`; otherwise find the "
    "hop that stopped sending line ends.",
    refs=WHATWG,
)
rule(
    "SC105",
    "mixed-line-endings",
    Severity.INFO,
    "The stream mixes LF, CRLF and CR line endings.",
    finds="More than one line-ending style in one stream.",
    why="Allowed by the spec, but hand-written parsers that split on `\\n\\n` or `\\r\\n\\r\\n` "
    "miss events or merge them.",
    example="`data: a\\n\\ndata: b\\r\\n\\r\\n`.",
    fix="Usually a proxy rewrote part of the stream. Make every hop pass the bytes through; "
    "clients should split lines on CR, LF and CRLF as the SSE spec says.",
    refs=f"{WHATWG} rexxars/eventsource-parser#17.",
)
rule(
    "SC106",
    "lone-cr",
    Severity.WARNING,
    "A line ends with a lone CR.",
    finds="A carriage return not followed by a line feed, used as a line terminator.",
    why="Valid per spec, but several clients only split on LF and see one enormous line.",
    example="`data: a\\r\\rdata: b\\r\\r`.",
    fix="A lone CR ends a line for spec clients but not for many SDK parsers: make the server or "
    "proxy end lines with LF.",
    refs=f"{WHATWG} whatwg/html#4411.",
)
rule(
    "SC107",
    "byte-order-mark",
    Severity.INFO,
    "The stream starts with a UTF-8 byte order mark.",
    finds="U+FEFF as the first character of the body.",
    why="The spec strips it, but openai-python and httpx-sse do not: their first line becomes a "
    "field named `\\ufeffdata` and the first event is lost.",
    example="`\\xef\\xbb\\xbfdata: {...}`.",
    fix="Remove the BOM where the body is produced.",
    refs=WHATWG,
)
rule(
    "SC108",
    "event-without-data",
    Severity.WARNING,
    "A blank line where spec clients dispatch nothing but the Python SDKs yield an empty event.",
    finds="A block with an `event:`, `id:` or `retry:` field and no `data:` field, and a blank "
    "line with nothing pending once an `id:` has been seen (openai-python and httpx-sse dispatch "
    "whenever event, data, the last event ID or retry is set, and never reset the last event ID).",
    why='Spec clients fire nothing, but openai-python and httpx-sse yield an event with data `""` '
    "and then fail to parse it as JSON.",
    example="`event: ping\\n\\n`; or `id: 7\\ndata: {}\\n\\n: keep-alive\\n\\n`, whose "
    "comment block reaches the app as an empty event (Replicate ends streams this way).",
    fix="Send `data: {}` with named events, or omit the block; after using `id:`, send no "
    "blank line that does not end an event.",
    refs="WHATWG HTML, server-sent events, 'Interpreting an event stream' "
    "(https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation); "
    "openai/openai-python `src/openai/_streaming.py` (`SSEDecoder.decode` yields an event for a "
    "blank line after `id:`).",
)
rule(
    "SC109",
    "unknown-sse-field",
    Severity.WARNING,
    "A line names a field the SSE spec does not define; clients ignore it.",
    finds="A field other than data, event, id and retry.",
    why="Often a typo (`date:` for `data:`) or proxy headers leaking into the body; its content "
    "never reaches the app.",
    example='`date: {"id": 1}`.',
    fix="Fix the field name where the stream is written: spec clients ignore unknown fields, so "
    "their values are lost.",
    refs=WHATWG,
)
rule(
    "SC110",
    "invalid-retry",
    Severity.INFO,
    "A `retry:` field is not made of ASCII digits only, so spec clients ignore it.",
    finds="A retry value with a sign, spaces or other characters.",
    why="Python clients call `int()`, which accepts more than the spec; browsers ignore it.",
    example="`retry: 1_000`.",
    fix="Send the reconnection time as plain digits.",
    refs=WHATWG,
)
rule(
    "SC111",
    "unicode-line-separator",
    Severity.WARNING,
    "Data contains a raw U+2028, U+2029 or U+0085 character.",
    finds="Unicode line or paragraph separators written unescaped inside an SSE data line or an "
    "NDJSON line.",
    why="Valid per spec, but parsers built on `str.splitlines` or httpx `iter_lines()` (httpx-sse "
    "before 0.4.2, older SDKs, NDJSON clients such as ollama-python) split the line there and "
    "the JSON is cut in half.",
    example='`data: {"text":"a\\u2028b"}` with the character written raw.',
    fix="Escape these characters in the JSON encoder (`\\u2028`), or upgrade the client.",
    refs="florimondmanca/httpx-sse#34, PR #37.",
)
rule(
    "SC112",
    "multi-line-data",
    Severity.INFO,
    "An event's data was split over several `data:` lines.",
    finds="More than one data line in one event (joined with LF per spec).",
    why="Valid, but providers send single-line JSON; clients that parse each data line separately "
    "break.",
    example='`data: {"a":\\ndata: 1}\\n\\n`.',
    fix="Usually a proxy re-wrapped the payload; send one JSON document per data line.",
    refs=WHATWG,
)
rule(
    "SC113",
    "wrong-framing",
    Severity.WARNING,
    "The body's framing does not match its content type or the API's documented framing.",
    finds="An event stream served as `application/json`, NDJSON where SSE is expected, a JSON "
    "array where SSE was requested, and similar mismatches.",
    why="Clients pick their decoder from the API, not the body: an SSE parser fed NDJSON or a "
    "JSON array yields nothing at all.",
    example="Ollama `/api/chat` answered with `application/x-ndjson` read by an SSE client.",
    fix="Use the decoder the API documents (Gemini: add `alt=sse`), or fix the server's "
    "Content-Type.",
    refs="0xPlaygrounds/rig#825; Gemini API reference, `models.streamGenerateContent` "
    "(https://ai.google.dev/api/rest/v1beta/models/streamGenerateContent) (`alt=sse`); "
    "ollama/ollama `docs/api.md` (NDJSON).",
)
rule(
    "SC114",
    "empty-body",
    Severity.ERROR,
    "The response body is empty: not a single byte arrived.",
    finds="A response with no body at all.",
    why="The app waits for chunks that never come, or its loop ends with no answer and no error.",
    example="HTTP 200 with `Content-Length: 0`.",
    fix="Nothing arrived after the headers: a gateway or the server dropped the request (a "
    "timeout before the first byte, a crash). Check the status, the headers and the server log.",
    refs="openai/openai-python `src/openai/_streaming.py`; WHATWG HTML, server-sent events, "
    "'Interpreting an event stream' "
    "(https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).",
)
rule(
    "SC115",
    "incomplete-line-at-eof",
    Severity.WARNING,
    "The last line of the body has no line terminator.",
    finds="Bytes after the final newline of an NDJSON or SSE body that still parse.",
    why="Readers that wait for a newline before parsing drop the last record.",
    example='`{"done": true}` with no trailing `\\n`.',
    fix="End every record with a newline: line-based readers hold back or drop a last line "
    "without one.",
    refs="ndjson/ndjson-spec `specification.md`; ollama/ollama `docs/api.md`.",
)
rule(
    "SC116",
    "truncated-json-array",
    Severity.ERROR,
    "A streamed JSON array ended before its closing bracket.",
    finds="A JSON-array stream (Gemini's default streamGenerateContent) cut before `]`.",
    why="The last element may be missing and the client cannot tell the answer was cut.",
    example='`[{"candidates": [...]},\\r\\n{"candidates"` then EOF.',
    fix="The connection was cut before the closing bracket (see the timing and the hops); retry, "
    "and prefer `alt=sse` for streaming.",
    refs="simonw/llm-gemini#97; Gemini API reference, `models.streamGenerateContent` "
    "(https://ai.google.dev/api/rest/v1beta/models/streamGenerateContent).",
)
rule(
    "SC117",
    "eventstream-frame-invalid",
    Severity.ERROR,
    "An AWS event-stream frame is malformed: bad length, CRC mismatch or bad header.",
    finds="A binary event-stream frame whose prelude or message CRC does not match, whose lengths "
    "are impossible, or whose headers cannot be decoded.",
    why="The AWS SDKs raise on the first bad frame and the rest of the answer is lost.",
    example="A frame whose message CRC32 differs from the bytes received.",
    fix="Something between Bedrock and the client altered the bytes (a proxy re-encoding binary "
    "as text is the usual cause).",
    refs="AWS, Event stream encoding "
    "(https://docs.aws.amazon.com/lexv2/latest/dg/event-stream-encoding.html).",
)
rule(
    "SC118",
    "json-array-malformed",
    Severity.ERROR,
    "A streamed JSON array is malformed between its elements.",
    finds="In a JSON-array stream (Gemini's default `streamGenerateContent`): a body that does not "
    "open with `[`, a missing or doubled comma between elements, a trailing comma before `]`, or "
    "bytes after the closing `]`.",
    why="Clients that parse the array incrementally (or `json.loads` the whole body) fail at "
    "that byte and lose the rest of the answer.",
    example='`[{"candidates": [...]}{"candidates": [...]}]` (no comma between the elements).',
    fix="A proxy concatenated or re-chunked the body, or two responses were recorded into one "
    "file. Prefer `alt=sse` for streaming, whose events are self-delimiting.",
    refs="RFC 8259 section 5 (arrays); Gemini API reference, `models.streamGenerateContent` "
    "(https://ai.google.dev/api/rest/v1beta/models/streamGenerateContent).",
)

# -- tagged lines (`TAG:JSON`, the Vercel AI SDK 4.x data stream) ------------------------------
rule(
    "SC130",
    "untagged-line",
    Severity.ERROR,
    "A line of a tagged-lines stream (`TAG:JSON`) has no tag.",
    finds="In a body of `TAG:JSON` lines (the AI SDK data stream, `x-vercel-ai-data-stream: v1`), "
    "a non-blank line with no short tag (letters or digits) before a colon.",
    why="The SDK's reader (`parseDataStreamPart`) throws `Failed to parse stream string. No "
    "separator found.` on it: `useChat` goes to its error state and the rest of the answer is "
    "lost.",
    example='`0:"Hello"` then a line `{"finishReason":"stop"}` with no `d:` in front.',
    fix="Write every record through the SDK's `formatDataStreamPart` (or prefix it with its code "
    "and a colon yourself); do not mix plain text or SSE into a data stream response.",
    refs="AI SDK 4.x stream protocol docs (Data Stream Protocol); `@ai-sdk/ui-utils` "
    "`data-stream-parts.ts`.",
)
rule(
    "SC125",
    "websocket-binary-message",
    Severity.INFO,
    "Binary WebSocket messages arrived in a stream whose protocol is JSON text.",
    finds="Received WebSocket messages with opcode 2 (binary). One text message is one frame; a "
    "binary message carries no JSON, so it was counted and not judged.",
    why="A JSON API over WebSocket (OpenAI Realtime, an app's relay) sends text messages; a "
    "client that calls `JSON.parse(event.data)` on a Blob or ArrayBuffer fails.",
    example="A relay that forwards audio as raw binary frames between JSON events.",
    fix="If the binary messages are intended (raw audio), nothing to do. Otherwise send text "
    "frames (`ws.send(str)`, not bytes) from the server.",
    refs="RFC 6455 section 5.6 (data frames: text is UTF-8, binary is opaque).",
)

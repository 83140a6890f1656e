"""SC2xx: frame schema. Each frame against the JSON Schema of its kind and API version."""

from streamcheck.model import Severity
from streamcheck.rules import rule

rule(
    "SC201",
    "schema-violation",
    Severity.ERROR,
    "A frame does not match the JSON Schema of its kind for this API version.",
    finds="A required field missing (such as `choices[].finish_reason`), a field of the wrong "
    "type, or a constant with the wrong value, in a frame whose kind is known.",
    why="Client code reads these fields without checking: a missing `finish_reason` key raises "
    "`KeyError: 'finish_reason'` inside the app's stream loop.",
    example='`data: {"object":"chat.completion.chunk","choices":[{"index":0,'
    '"delta":{}}]}` (no finish_reason key).',
    fix="If the provider changed its format, pin the API version or add a schema folder with "
    "`--schemas`; if a gateway rewrote frames, fix the gateway.",
    refs="schemas/ in this project; openinterpreter/openinterpreter#283.",
)
rule(
    "SC202",
    "unknown-frame-kind",
    Severity.WARNING,
    "A frame's discriminator (`type`, `object` or event name) names no known frame kind.",
    finds="A frame whose kind this API version's schemas do not define.",
    why="Providers add event types within a version; clients that switch on the type without a "
    "default branch crash or drop them.",
    example="`event: content_block_citation` in an Anthropic stream.",
    fix="Make the client ignore unknown event types; add a schema if the event matters.",
    refs="Anthropic docs, Streaming: 'handle unknown event types gracefully'.",
)
rule(
    "SC203",
    "schema-drift",
    Severity.INFO,
    "A frame carries fields the chosen schema version does not know.",
    finds="Members not described by the frame's schema. Opt-in: computed only with "
    "`--select SC203`, on the first 8 frames of each kind per exchange, top-level members only "
    "(a precomputed set per kind, so the hot path stays fast).",
    why="Providers add output fields without a version bump; this tells you the format moved.",
    example="`obfuscation` on chunks of an older chat-completions schema.",
    fix="Nothing to fix unless your client is strict; update the schema version.",
    refs="openai/openai-openapi and the providers' API references: output fields are added "
    "between versions.",
)
rule(
    "SC204",
    "event-name-mismatch",
    Severity.WARNING,
    "The SSE event name and the JSON `type` member disagree.",
    finds="An event whose `event:` line differs from the `type` in its data.",
    why="SDKs dispatch on one, apps on the other; the two paths see different streams.",
    example='`event: content_block_delta` with `{"type":"content_block_stop"}`.',
    fix="A gateway re-labelled events: the SSE `event:` name and the payload's `type` disagree, "
    "and SDKs dispatch on one or the other. Fix the mapping in the gateway.",
    refs="Anthropic Messages streaming; OpenAI Responses streaming.",
)
rule(
    "SC205",
    "unknown-enum-value",
    Severity.WARNING,
    "A field whose values are enumerated has a value this version does not list.",
    finds="For example a `finish_reason` or `stop_reason` that is not in the API version's enum.",
    why="Providers add values over time (vLLM `abort`, Anthropic `refusal`); clients that map "
    "them exhaustively raise.",
    example='`"finish_reason": "abort"`.',
    fix="Handle unknown values as a generic stop; check the provider's changelog.",
    refs="vllm-project/vllm#57082; Gemini API reference, `models.streamGenerateContent` "
    "(https://ai.google.dev/api/rest/v1beta/models/streamGenerateContent) "
    "(`Candidate.FinishReason`).",
)
rule(
    "SC206",
    "not-streamed",
    Severity.ERROR,
    "The body is a complete non-streaming response where a stream was expected.",
    finds="A single `chat.completion` / `message` object instead of chunks.",
    why="Streaming clients iterate chunks and find none: the answer never shows.",
    example='`{"object": "chat.completion", ...}` served for `stream: true`.',
    fix="The server or a gateway ignored `stream: true`: check the request body reached it "
    "unchanged (a proxy that rewrites bodies drops it).",
    refs="openai/openai-openapi `CreateChatCompletionRequest` (`stream`); openai/openai-python "
    "`src/openai/_streaming.py`.",
)

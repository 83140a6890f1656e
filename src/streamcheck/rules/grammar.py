"""SC3xx: stream grammar. Order, terminators and finish across frames, per protocol."""

from streamcheck.model import Severity
from streamcheck.rules import rule

OPENAI = ("openai-chat",)
ANTHROPIC = ("anthropic-messages",)

# -- OpenAI Responses --------------------------------------------------------------------------
RESPONSES = ("openai-responses",)

rule(
    "SC330",
    "delta-outside-item",
    Severity.ERROR,
    "A Responses `*.delta` event names an item that is not open.",
    finds="A delta event (`response.output_text.delta`, `response.function_call_arguments.delta`, "
    "...) whose `item_id` was never opened by `response.output_item.added`, or was already closed "
    "by `response.output_item.done`.",
    why="SDK accumulators look the item up by id: a delta for an unknown item raises `KeyError`, "
    "and a delta after the item's done event is text the finished item never shows.",
    example="`response.output_text.delta` for `msg_1` after `response.output_item.done` for "
    "`msg_1`.",
    fix="Events were lost or re-ordered between the server and the recording (a gateway, a "
    "capture that dropped frames); re-record and report it with the response id.",
    refs="openai/openai-openapi `ResponseStreamEvent`; openai/openai-python "
    "`src/openai/lib/streaming/responses/_responses.py` (`accumulate_event`).",
    protocols=RESPONSES,
)
rule(
    "SC332",
    "delta-outside-content-part",
    Severity.ERROR,
    "A Responses text event names a content part that was never added, or is already done.",
    finds="A `response.output_text.delta` / `.done`, `response.refusal.delta` / `.done` or "
    "`response.output_text.annotation.added` whose (`item_id`, `content_index`) no "
    "`response.content_part.added` opened, or a `response.reasoning_summary_text.delta` / `.done` "
    "whose (`item_id`, `summary_index`) no `response.reasoning_summary_part.added` opened. After "
    "the part's `.done` event it is a warning: the part was already final.",
    why="openai-python's `responses.stream()` accumulator appends the delta to "
    "`output.content[content_index]`: with no part added there it raises `IndexError` and the "
    "stream is lost. Text after the part is done is missing from whatever was rendered on done.",
    example="`response.output_text.delta` for `msg_1` content 0 straight after "
    "`response.output_item.added`, with no `response.content_part.added`.",
    fix="Events were dropped or re-ordered (a gateway that filters event types, a capture that "
    "lost frames); re-record, and make the gateway pass every `response.*` event through.",
    refs="openai/openai-openapi `ResponseStreamEvent`; openai/openai-python "
    "`src/openai/lib/streaming/responses/_responses.py` (`accumulate_event`).",
    protocols=RESPONSES,
)
rule(
    "SC335",
    "ends-on-reasoning",
    Severity.INFO,
    "A Responses stream finished with a reasoning item as its last output.",
    finds="`response.completed` or `response.incomplete` when the last "
    "`response.output_item.added` was a `reasoning` item: no message, tool call or other output "
    "followed the reasoning.",
    why="Clients that render reasoning and then wait for the answer item break on it (open-webui "
    "raised `KeyError: 'started_at'`); the user sees thinking and no answer.",
    example="`response.output_item.added` (reasoning), its summary events, "
    "`response.output_item.done`, then `response.incomplete` with reason `max_output_tokens`.",
    fix="With `response.incomplete`, the output limit ran out while the model was reasoning: raise "
    "`max_output_tokens` or lower `reasoning.effort`. Make the client handle a response with no "
    "message item.",
    refs="open-webui/open-webui#28871; openai/openai-openapi `ResponseStreamEvent`.",
    protocols=RESPONSES,
)
rule(
    "SC337",
    "terminal-status-mismatch",
    Severity.ERROR,
    "A Responses stream's terminal event says one thing and its response's `status` another.",
    finds="`response.completed` whose `response.status` is `incomplete`, `failed` or anything "
    "but `completed` (the terminal event's own status decides whether the answer is whole).",
    why="The real API ends an unfinished answer with `response.incomplete` or "
    "`response.failed`. Apps branch on the event type: a cut or failed answer labelled "
    "completed is shown and stored as complete, with no error raised.",
    example='`{"type": "response.completed", "response": {"status": "incomplete", '
    '"incomplete_details": {"reason": "max_output_tokens"}}}`.',
    fix="The server mislabels the terminal event: it must send `response.incomplete` (or "
    "`response.failed`) when the response's status is that. Fix the server or mock; until then "
    "check `response.status` as well as the event type.",
    refs="openai/openai-openapi `ResponseCompletedEvent`, `ResponseIncompleteEvent`, "
    "`ResponseFailedEvent`; openai/openai-python `src/openai/types/responses/`.",
    protocols=RESPONSES,
)
rule(
    "SC338",
    "function-call-pieces",
    Severity.ERROR,
    "A Gemini function call streamed in pieces is broken: a piece with no call open, or a call "
    "never closed.",
    finds="A `functionCall` with no `name` (a piece: `partialArgs`, `willContinue` or an empty "
    "`{}`) when no call was opened by a named `functionCall` with `willContinue: true`; or a "
    "candidate that gets its `finishReason` while such a call is still open.",
    why="With `streamFunctionCallArguments` a call's arguments arrive in pieces that carry no "
    "name: clients join them to the call the named piece opened. A piece with no call open is "
    "a function call with no name (google-genai delivers `name=None`, so the app cannot tell "
    "which tool to run); a call never closed has arguments the client never completed.",
    example='`{"functionCall": {"partialArgs": [{"jsonPath": "$.city", "stringValue": "Par"}]}}` '
    'with no `{"functionCall": {"name": "get_weather", "willContinue": true}}` before it.',
    fix="The pieces were dropped or re-ordered between the server and the recording (a gateway "
    "that filters parts, a capture that began mid-stream); record straight from the provider, "
    "and make gateways pass every part through.",
    refs="googleapis/googleapis google/cloud/aiplatform/v1/tool.proto `FunctionCall` "
    "(`partial_args`, `will_continue`) and `FunctionCallingConfig.stream_function_call_"
    "arguments`; googleapis/python-genai `types.FunctionCall`, `types.PartialArg`.",
    protocols=("gemini",),
)
rule(
    "SC339",
    "item-id-rotated",
    Severity.WARNING,
    "A Responses event names its output item by another id than `response.output_item.added` "
    "gave it (GitHub Copilot's endpoint rotates item ids).",
    finds="A delta or part event whose `item_id` no item opened, while its `output_index` is "
    "open under another id (a warning, once per stream); a `response.output_item.done` whose "
    "`item.id` differs from the id its `output_index` was added with (an error).",
    why="openai-python's `responses.stream()` accumulator finds the item by `output_index`, so "
    "rotated delta ids still reach the app whole; but it compares ids on "
    "`response.output_item.done` and raises `RuntimeError` when they differ. Clients that key "
    "by `item_id` (the Vercel AI SDK before it correlated rotated ids) drop the text or abort "
    "with 'text part not found'.",
    example="`response.output_item.added` with item `msg_a`, then `response.output_text.delta` "
    "with `item_id` `msg_b` at the same `output_index`.",
    fix="GitHub Copilot's `/responses` stream gives each event of one item a fresh id. Put a "
    "gateway in front that rewrites every event's id to the one `output_item.added` gave "
    "(LiteLLM does), or key accumulation by `output_index`.",
    refs="openai/openai-python `src/openai/lib/streaming/responses/_responses.py` "
    "(`accumulate_event`, `_output_identity`); BerriAI/litellm#30072; vercel/ai#18548.",
    protocols=RESPONSES,
)
rule(
    "SC331",
    "sequence-gap",
    Severity.WARNING,
    "Responses `sequence_number`s skip values: events are missing.",
    finds="A `sequence_number` more than one above the previous event's, or a stream whose first "
    "event is not number 0 when the request did not resume with `starting_after`.",
    why="Observed streams number events 0, 1, 2, ...: a gap means events were dropped, so "
    "text or tool-call fragments may be missing without any other sign.",
    example="`sequence_number` 4 followed by 7.",
    fix="A proxy or the capture dropped events. If the client resumed a background response, "
    "record the request with its `starting_after` so the checker knows where it starts.",
    refs="openai/openai-openapi `ResponseStreamEvent` (`sequence_number`); OpenAI Responses "
    "`starting_after` parameter.",
    protocols=RESPONSES,
)

# -- AWS Bedrock ----------------------------------------------------------------------------------
BEDROCK = ("bedrock-converse-stream", "bedrock-invoke-stream")

rule(
    "SC370",
    "usage-metadata-missing",
    Severity.WARNING,
    "A Bedrock stream finished (`messageStop`) but its `metadata` event never came.",
    finds="A ConverseStream (or a Nova InvokeModelWithResponseStream) that ends after "
    "`messageStop` without the `metadata` event that carries `usage` and `metrics`.",
    why="The answer is complete, but token usage and latency are lost: cost tracking, quotas "
    "and observability that read them see nothing (or zero) for this call.",
    example="`messageStart`, `contentBlockDelta`s, `contentBlockStop`, `messageStop`, then EOF.",
    fix="The connection was closed right after `messageStop` (a client that stops reading "
    "early, a proxy cutting the body). Read the stream to its end.",
    refs="Amazon Bedrock API Reference, `ConverseStreamMetadataEvent` "
    "(https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamMetadataEvent.html).",
    protocols=BEDROCK,
)

# -- Azure OpenAI ------------------------------------------------------------------------------
rule(
    "SC334",
    "choice-without-delta",
    Severity.WARNING,
    "A streamed choice has no `delta` and is not an Azure content-filter choice.",
    finds="A chat chunk whose choice lacks `delta` and carries neither `content_filter_results` "
    "nor `content_filter_offsets` (Azure's asynchronous filter sends delta-less choices with "
    "those members; they are accepted).",
    why="Clients read `chunk.choices[0].delta.content` and raise `AttributeError: 'NoneType' "
    "object has no attribute 'content'` (microsoft/autogen#6465 hit this on the filter chunks).",
    example='`{"id": "", "choices": [{"index": 0, "finish_reason": null}]}`.',
    fix="A gateway stripped the delta or the filter members; make clients treat a missing "
    "delta as empty.",
    refs="Azure OpenAI, Content streaming (asynchronous filter) "
    "(https://learn.microsoft.com/azure/foundry/openai/concepts/content-streaming); "
    "microsoft/autogen#6465.",
    protocols=("azure-openai-chat",),
)

# -- Ollama ------------------------------------------------------------------------------------
rule(
    "SC333",
    "missing-done-reason",
    Severity.INFO,
    "The final Ollama object (`done: true`) has no `done_reason`.",
    finds="An Ollama `/api/chat` or `/api/generate` stream whose last object lacks `done_reason`.",
    why="Clients cannot tell a natural stop from a length stop (`num_predict` reached) or a model "
    "load; Ollama servers before mid-2024 did not send it at all.",
    example='`{"model": "llama3", "response": "", "done": true, "total_duration": 1897385625}`.',
    fix="Upgrade the Ollama server; until then treat a missing reason as `stop` and compare "
    "`eval_count` with `num_predict`.",
    refs="ollama/ollama `docs/api.md` (`done_reason`).",
    protocols=("ollama-chat", "ollama-generate"),
)

rule(
    "SC336",
    "prompt-filled-context",
    Severity.WARNING,
    "Ollama evaluated as many prompt tokens as the request's `num_ctx`: the prompt was cut.",
    finds="A final Ollama object whose `prompt_eval_count` is at least the `options.num_ctx` the "
    "recorded request asked for.",
    why="Ollama truncates a prompt that does not fit its context window without any error: the "
    "answer is to a prompt with its start (system prompt, earlier turns) missing. A heuristic: "
    "it needs the request, and a prompt of exactly `num_ctx` tokens would trip it too.",
    example='Request `{"options": {"num_ctx": 2048}}`; final object `{"done": true, '
    '"prompt_eval_count": 2048, ...}`.',
    fix="Raise `options.num_ctx` (and the server's `OLLAMA_CONTEXT_LENGTH`), or shorten the "
    "prompt; check `prompt_eval_count` against `num_ctx` in the client.",
    refs="ollama/ollama `docs/api.md` (`options.num_ctx`, `prompt_eval_count`).",
    protocols=("ollama-chat", "ollama-generate"),
)

# -- shared rules and the chat / messages protocols -----------------------------------------

rule(
    "SC301",
    "missing-terminator",
    Severity.ERROR,
    "The stream ended without its terminal frame (`[DONE]`, `message_stop`, ...).",
    finds="End of body before the frame the protocol uses to say the answer is complete.",
    why="A cut stream looks like a short answer. Clients that wait for the terminator hang; "
    "others show a truncated answer as final.",
    example='Chat chunks ending with `finish_reason: "stop"` and no `data: [DONE]`.',
    fix="The body ended before the provider's end frame: a hop closed the connection (an idle or "
    "total timeout), or the server crashed or swallowed an error. Retry; if it repeats, check "
    "each hop's timeouts.",
    refs="openai/openai-python `src/openai/_streaming.py` (the loop stops at `[DONE]`; a body "
    "that just ends ends it silently); Anthropic, Streaming Messages, event flow "
    "(https://platform.claude.com/docs/en/build-with-claude/streaming); openai/openai-openapi "
    '`ChatCompletionStreamOptions` ("If the stream is interrupted, you may not receive the final '
    'usage chunk").',
)
rule(
    "SC302",
    "frames-after-terminator",
    Severity.ERROR,
    "Frames arrived after the stream's terminal frame.",
    finds="Anything but comments after `[DONE]`, `message_stop`, a terminal Responses event, ...",
    why="Clients stop reading at the terminator: whatever follows is lost.",
    example="`data: [DONE]` followed by another chunk.",
    fix="Two responses were joined (a gateway retrying mid-stream) or a proxy replayed its "
    "buffer; clients stop at the terminator and drop the rest. Find the hop that adds it.",
    refs="openai/openai-python `src/openai/_streaming.py` (`break` at `[DONE]`: nothing after it "
    "is read); Anthropic, Streaming Messages, event flow "
    "(https://platform.claude.com/docs/en/build-with-claude/streaming).",
)
rule(
    "SC303",
    "missing-finish-reason",
    Severity.ERROR,
    "A choice or message never received its finish/stop reason.",
    finds="A stream with no non-null `finish_reason` for a choice index, or no `message_delta` "
    "carrying `stop_reason`.",
    why="Apps use the finish reason to know whether the answer is complete, cut by length, or a "
    "tool call; without it they guess, or raise `KeyError: 'finish_reason'`.",
    example="Chunks with `finish_reason: null` only, then `[DONE]`.",
    fix="No frame said why the answer ended, so it is likely partial: the generation was cut "
    "upstream or a gateway dropped the last chunk. Treat it as incomplete, retry, and report it "
    "with the request id.",
    refs="waybarrios/vllm-mlx#628; Portkey-AI/gateway#1142.",
)
rule(
    "SC304",
    "duplicate-finish-reason",
    Severity.ERROR,
    "A choice or message received a second non-null finish reason.",
    finds="More than one chunk with a non-null `finish_reason` for one choice index; more than "
    "one Anthropic `message_delta` carrying `stop_reason`.",
    why="Clients that finalise on the first one drop, or double-count, what follows.",
    example='Two chunks for index 0 with `finish_reason: "length"`.',
    fix="The finish came twice, usually from a gateway that merges or retries streams; clients "
    "keep one or the other. Report it with the request id and make the client keep the first.",
    refs="openai/openai-openapi `CreateChatCompletionStreamResponse` (`finish_reason`); "
    "Anthropic, Streaming Messages, event flow "
    "(https://platform.claude.com/docs/en/build-with-claude/streaming) (`message_delta`).",
    protocols=OPENAI + ANTHROPIC + ("gemini",),
)
rule(
    "SC305",
    "content-after-finish",
    Severity.ERROR,
    "Content arrived for a choice or block after it had finished.",
    finds="A delta with content or tool calls for a choice index after its finish_reason; an "
    "Anthropic delta after its block's `content_block_stop`.",
    why="Clients stop appending at the finish: that text is lost.",
    example='`finish_reason: "stop"` then `delta: {"content": "more"}` for the same index.',
    fix="Content came after the finish (a server bug, or a gateway joining two streams); clients "
    "that stop at the finish lose it. Report it with the request id.",
    refs="openai/openai-openapi `CreateChatCompletionStreamResponse`; Anthropic, Streaming "
    "Messages, event flow (https://platform.claude.com/docs/en/build-with-claude/streaming) "
    "(`content_block_stop`).",
)
rule(
    "SC306",
    "missing-role",
    Severity.WARNING,
    "The first delta of a choice has no `role`.",
    finds="A choice whose first chunk's delta lacks `role` (OpenAI sends `assistant` first).",
    why="Clients that build the message from the first delta's role end up with `role: None`.",
    example='First chunk `delta: {"content": "Hi"}`.',
    fix="Many compatible servers omit it; make the client default to `assistant`.",
    refs="openai/openai-openapi `ChatCompletionStreamResponseDelta` (`role`); "
    "openai/openai-python `src/openai/lib/streaming/chat/_completions.py`.",
    protocols=OPENAI,
)
rule(
    "SC307",
    "identity-changed",
    Severity.WARNING,
    "A field that must be constant across the stream changed (`id`, `model`, `created`).",
    finds="Chunks of one stream with different ids, models or creation times.",
    why="Clients key the answer by id; a change splits one answer into two, or two into one.",
    example="`chatcmpl-a` then `chatcmpl-b` in one body.",
    fix="Two streams were joined into one (a gateway retried mid-stream); clients keying by `id` "
    "split or merge answers. Find the hop that retries.",
    refs="openai/openai-openapi `CreateChatCompletionStreamResponse` (`id`, `created`: the same "
    "in every chunk).",
)
rule(
    "SC308",
    "tool-arguments-invalid-json",
    Severity.WARNING,
    "A tool call's concatenated argument fragments are not valid JSON.",
    finds="`function.arguments` (OpenAI) or `partial_json` (Anthropic) fragments of one tool call "
    "that, joined, do not parse.",
    why="The app's `json.loads(arguments)` raises when it runs the tool. Under "
    '`finish_reason: "tool_calls"` the finding is an error: the clients deliver the call as '
    "complete, typically cut off mid-JSON; without that claim (a stream cut before its "
    "finish, itself an error) it stays a warning.",
    example='Fragments `{"city": "Par` and nothing more, then `finish_reason: "tool_calls"`.',
    fix="The model can emit invalid JSON (use strict tool schemas); a cut stream also causes it.",
    refs="openai/openai-openapi `ChatCompletionMessageToolCallChunk`; openai/openai-python "
    "`src/openai/lib/streaming/chat/_completions.py`.",
)
rule(
    "SC309",
    "wrong-first-frame",
    Severity.ERROR,
    "The stream does not start with the frame its protocol starts with.",
    finds="An Anthropic stream whose first event is not `message_start`; a Responses stream not "
    "starting with `response.created`.",
    why="Clients build the message object from the first frame and crash on deltas without it.",
    example="`content_block_delta` as the first event.",
    fix="The start of the stream was lost: the capture began mid-stream, or a gateway dropped or "
    "re-chunked the first events. Record straight from the provider to find the hop.",
    refs="Anthropic, Streaming Messages, event flow "
    "(https://platform.claude.com/docs/en/build-with-claude/streaming) (`message_start` first); "
    "openai/openai-openapi `ResponseStreamEvent` (`response.created` first).",
)
rule(
    "SC310",
    "block-order",
    Severity.ERROR,
    "Content blocks are out of order: a delta or stop without start, a skipped index, a block "
    "never stopped.",
    finds="Anthropic `content_block_*` events (Cohere `content-*`, `tool-call-*` and "
    "`citation-*`, Bedrock `contentBlock*`) that break start -> delta* -> stop per index with "
    "indexes 0, 1, 2, ...",
    why="SDK accumulators index blocks by position and raise `IndexError`/`KeyError`. A Cohere "
    "`content-start` at an index whose block already ended is a warning: real "
    "command-a-reasoning streams send their answer at their thinking's index, and cohere-python "
    "keeps no blocks by index.",
    example="`content_block_delta` for index 1 before `content_block_start` for index 1.",
    fix="A gateway merged, dropped or reordered events; record straight from the provider to find "
    "the hop, and report it.",
    refs="Anthropic Messages streaming docs.",
    protocols=(*ANTHROPIC, "cohere-chat", *BEDROCK),
)
rule(
    "SC311",
    "delta-type-mismatch",
    Severity.ERROR,
    "A delta's type does not match its block's type.",
    finds="`input_json_delta` for a text block, `text_delta` for a tool_use block, ...",
    why="SDKs concatenate by block type and raise on a mismatch.",
    example='A `text` block receiving `{"type":"input_json_delta"}`.',
    fix="A server or gateway sent a delta of another type than its block (text into a tool "
    "block); report it with the request id.",
    refs="Anthropic Messages streaming docs.",
    protocols=ANTHROPIC,
)
rule(
    "SC312",
    "usage-chunk-misplaced",
    Severity.WARNING,
    "The usage chunk (`choices: []`) is not where OpenAI puts it: once, after every finish, "
    "right before `[DONE]`.",
    finds="A usage-only chunk before a finish_reason, twice, or followed by content.",
    why="Clients that read usage from the last chunk, or that stop at the first empty choices, "
    "get the wrong numbers or lose text.",
    example="xAI: usage on the second-to-last chunk.",
    fix="Dialect difference; make the client read usage from whichever chunk carries it.",
    refs='BerriAI/litellm#17136; openai/openai-openapi `ChatCompletionStreamOptions` ("If the '
    'stream is interrupted, you may not receive the final usage chunk").',
    protocols=OPENAI,
)
rule(
    "SC313",
    "no-frames",
    Severity.ERROR,
    "A 200 stream body carried no frames at all.",
    finds="A successful response whose body decoded to zero events.",
    why="The client loop ends immediately; the user sees an empty answer with no error.",
    example="A body made only of keep-alive comments.",
    fix="The body holds no frame the API's framing can read: check it is in the documented "
    "framing (see SC113) and that no proxy buffered and dropped it.",
    refs="openai/openai-python `src/openai/_streaming.py`; WHATWG HTML, server-sent events, "
    "'Interpreting an event stream' "
    "(https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).",
)
rule(
    "SC314",
    "empty-choices-chunk",
    Severity.INFO,
    "A chunk has `choices: []` outside the usage chunk (Azure's prompt-filter chunk).",
    finds="A chunk with an empty choices list that is not the final usage chunk.",
    why="Clients that read `choices[0]` raise `IndexError: list index out of range`.",
    example="Azure's first chunk with `prompt_filter_results` and `choices: []`.",
    fix="Guard `choices[0]` in the client; this chunk is legitimate on Azure.",
    refs="AbanteAI/mentat#429; microsoft/semantic-kernel#3650.",
    protocols=OPENAI,
)
rule(
    "SC315",
    "sequence-number",
    Severity.ERROR,
    "Event sequence numbers are not strictly increasing.",
    finds="A Responses event whose `sequence_number` is not greater than the previous one.",
    why="Clients that resume or de-duplicate by sequence number drop or repeat events.",
    example="`sequence_number` 4 after 7.",
    fix="Events were reordered or replayed by a gateway; record straight from the provider to "
    "find the hop, then fix its buffering or retries.",
    refs="OpenAI Responses streaming docs.",
)
rule(
    "SC316",
    "content-in-finish-chunk",
    Severity.INFO,
    "The chunk that carries finish_reason also carries content.",
    finds="A delta with content in the same chunk as the non-null finish_reason.",
    why="OpenAI sends an empty delta with the finish; clients that stop reading at the finish "
    "before appending lose the last text.",
    example='`{"delta":{"content":"end."},"finish_reason":"stop"}`.',
    fix="Append the delta before handling the finish.",
    refs="vllm-project/vllm#35705.",
    protocols=OPENAI,
)
rule(
    "SC317",
    "missing-usage-chunk",
    Severity.WARNING,
    "The request asked for usage (`stream_options.include_usage`) and no usage chunk came.",
    finds='A chat stream whose request set `stream_options: {"include_usage": true}` and that '
    "reached `data: [DONE]` without the final chunk carrying `choices: []` and `usage`. Checked "
    "only when the recording holds the request body (tapes, cassettes, HAR).",
    why="Apps that bill, meter or log tokens read usage from that chunk; without it they record "
    "zero tokens or raise on `chunk.usage.total_tokens` (`AttributeError: 'NoneType'`).",
    example='Request `{"stream": true, "stream_options": {"include_usage": true}}`, answer '
    '`... finish_reason: "stop"` then `data: [DONE]` with no usage chunk between.',
    fix="A gateway or compatible server dropped `stream_options` (some reject or ignore it), or "
    "sent usage on another chunk. Check that the option reaches the provider; otherwise count "
    "tokens client-side.",
    refs='openai/openai-openapi `ChatCompletionStreamOptions` ("If the stream is interrupted, you '
    'may not receive the final usage chunk"); BerriAI/any-llm#1261.',
    protocols=OPENAI,
)
rule(
    "SC318",
    "tool-call-start-incomplete",
    Severity.WARNING,
    "The first fragment of a streamed tool call lacks its `id` or `function.name`.",
    finds="A `delta.tool_calls[]` entry for a new `index` without `id` or `function.name`. "
    'OpenAI sends both (with `type: "function"`) on the first fragment of each call and only '
    "`index` and `function.arguments` after it.",
    why="The app must send the tool result back with `tool_call_id` equal to that id: without "
    "it the next request fails with HTTP 400. Without the name the app cannot tell which "
    "function to run. Accumulators keyed by id (not index) split one call into several.",
    example='First fragment `{"index": 0, "function": {"arguments": "{\\"city\\""}}`.',
    fix="A compatible server or gateway drops the start of tool calls, or the capture began "
    "mid-stream. Report it to the server; meanwhile key accumulation by `index` and generate "
    "an id client-side.",
    refs="openai/openai-openapi `ChatCompletionMessageToolCallChunk`; openai/openai-python "
    "`src/openai/lib/streaming/chat/_completions.py`.",
    protocols=OPENAI,
)
rule(
    "SC319",
    "content-filtered",
    Severity.WARNING,
    "The provider's content filter ended the answer early.",
    finds="A chat choice whose `finish_reason` is `content_filter`: the provider stopped "
    "generating (or withheld output) because its safety system flagged it.",
    why="The stream is well-formed, so nothing fails, yet the text shown so far is not the "
    "whole answer. Apps that only distinguish `stop` from `length` present it as complete.",
    example='`{"delta": {}, "finish_reason": "content_filter"}` after a few content chunks.',
    fix="Handle `content_filter` explicitly in the client (tell the user the answer was "
    "withheld). If it is a false positive, rephrase the prompt; on Azure, review the "
    "deployment's content filter configuration.",
    refs="openai/openai-openapi `CreateChatCompletionStreamResponse` (`finish_reason: "
    "content_filter`); Azure OpenAI, Content streaming (asynchronous filter) "
    "(https://learn.microsoft.com/azure/foundry/openai/concepts/content-streaming).",
    protocols=OPENAI,
)

# The relay protocols (SC360-SC369) and user-defined protocols (SC380-SC389) register their
# codes in modules of their own, loaded with this family.
from streamcheck.rules import declared, relay  # noqa: E402, F401

# The Realtime API's (SC350-SC359) and the Gemini Live API's (SC390-SC396) grammar rules live
# in modules of their own (this one is full); importing them here registers them with SC3xx.
from streamcheck.rules import gemini_live as _gemini_live  # noqa: E402, F401
from streamcheck.rules import realtime as _realtime  # noqa: E402, F401

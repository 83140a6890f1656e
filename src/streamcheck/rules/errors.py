"""SC4xx: error bodies and in-band errors, classified by `streamcheck.errors`."""

from streamcheck.model import Severity
from streamcheck.rules import rule

# -- in-band refusals and blocks of provider APIs (Gemini, Azure, ...) --------------------------
rule(
    "SC406",
    "prompt-blocked",
    Severity.WARNING,
    "The provider refused the prompt inside a successful response (Gemini `promptFeedback`).",
    finds="A Gemini chunk with `promptFeedback.blockReason` (SAFETY, BLOCKLIST, "
    "PROHIBITED_CONTENT, OTHER, ...): HTTP 200, no candidates, no answer.",
    why="The status says success and the stream parses, so clients show an empty answer or "
    "raise on `response.text` (`ValueError` in the Google SDKs) instead of telling the user the "
    "prompt was blocked.",
    example='`data: {"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": [...]}}`.',
    fix="Check `promptFeedback` before reading candidates. Rephrase the prompt or adjust the "
    "request's `safetySettings` where the policy allows.",
    refs="Gemini API reference, `models.streamGenerateContent` "
    "(https://ai.google.dev/api/rest/v1beta/models/streamGenerateContent) "
    "(`PromptFeedback.BlockReason`).",
    protocols=("gemini",),
)
rule(
    "SC407",
    "abnormal-finish",
    Severity.WARNING,
    "An answer stopped for a reason other than a normal stop or the length limit.",
    finds="A Gemini candidate whose `finishReason` is a filter (SAFETY, RECITATION, BLOCKLIST, "
    "PROHIBITED_CONTENT, SPII, ...) or a failure (MALFORMED_FUNCTION_CALL, OTHER, ...); the "
    "message says how much text came before it.",
    why="The stream ends normally, so the partial or empty answer looks complete; a SAFETY stop "
    "mid-answer truncates text without any error.",
    example='`{"candidates": [{"content": {"parts": []}, "finishReason": "SAFETY"}]}`.',
    fix="Surface the finish reason to the user; for filters adjust the prompt or safety "
    "settings, for MALFORMED_FUNCTION_CALL tighten the tool schema.",
    refs="Gemini API reference, `models.streamGenerateContent` "
    "(https://ai.google.dev/api/rest/v1beta/models/streamGenerateContent) "
    "(`Candidate.FinishReason`).",
    protocols=("gemini",),
)


rule(
    "SC401",
    "error-body",
    Severity.ERROR,
    "The provider answered with a documented error body instead of a stream.",
    finds="A non-2xx status, or a JSON error object where stream frames were expected, in the "
    "provider's documented error shape. The finding names the class: invalid key, no access to "
    "the model, no quota or billing, rate limit, overloaded, server error, context length, "
    "content filter.",
    why="Apps that assume chunks read `choices[0].finish_reason` from an error object and crash "
    "with `KeyError`/`TypeError`, hiding the real cause (the motivating incident).",
    example='HTTP 404 `{"error": {"code": "model_not_found", "message": "The model `gpt-4` '
    'does not exist or you do not have access to it."}}`.',
    fix="The provider refused the request; the error's class (key, model access, billing, rate "
    "limit, outage) says what to change. Make the client check the status before iterating the "
    "stream.",
    refs="weaviate/Verba#194; OpenAI, API error codes "
    "(https://help.openai.com/en/articles/6891839-api-error-codes).",
)
rule(
    "SC402",
    "non-standard-error-body",
    Severity.ERROR,
    "The body is neither a stream nor the provider's documented error shape.",
    finds="A proxy's HTML page, plain text, an error object in an undocumented shape.",
    why="SDKs cannot parse it and report a generic error; apps crash parsing HTML as JSON.",
    example="HTTP 502 `<html><body>Bad Gateway</body></html>`.",
    fix="Something between you and the provider answered (a gateway, a load balancer, a captive "
    "proxy): check the base URL and proxy settings.",
    refs="OpenAI, API error codes (https://help.openai.com/en/articles/6891839-api-error-codes).",
)
rule(
    "SC403",
    "in-stream-error",
    Severity.ERROR,
    "An error arrived inside a 200 stream.",
    finds="An `error` event (Anthropic, Responses), or a data frame carrying an `error` object "
    "(OpenAI and compatible), after the HTTP status said success.",
    why="Retries and fallbacks keyed on the HTTP status never fire; many clients ignore the event "
    "and show a truncated answer as complete.",
    example='`event: error` / `data: {"type":"error","error":{"type":"overloaded_error"}}`.',
    fix="Treat in-stream errors like HTTP errors of the same class: retry overloaded and rate "
    "limit errors with backoff.",
    refs="anthropics/anthropic-sdk-python#688; BerriAI/litellm#4562; openai/openai-python#1160.",
)
rule(
    "SC404",
    "success-after-failure",
    Severity.ERROR,
    "A success terminator followed an error or an abort.",
    finds="`[DONE]` (or another normal terminator) after an in-stream error or an error-grade "
    "finish reason such as `abort` or `error`.",
    why="Clients treat the stream as complete and show a failed answer as final.",
    example='`data: {"error": {...}}` then `data: [DONE]`.',
    fix="Make the client check for errors before trusting the terminator; report the gateway.",
    refs="vllm-project/vllm#57082; openai/openai-python `src/openai/_streaming.py` (an `error` "
    "event raises `APIError`).",
)
rule(
    "SC405",
    "error-status-with-stream",
    Severity.WARNING,
    "An HTTP error status came with an event-stream body.",
    finds="A non-2xx status whose body is an event stream rather than an error object.",
    why="SDKs raise on the status and never read the events, so the error detail is lost.",
    example="HTTP 500 with `text/event-stream` frames.",
    fix="The server sent an event stream with an error status: SDKs raise on the status and never "
    "read it. Answer errors with a JSON error body.",
    refs="WHATWG HTML, server-sent events, 'Interpreting an event stream' "
    "(https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation) "
    "(a status other than 200 fails the connection); OpenAI, API error codes "
    "(https://help.openai.com/en/articles/6891839-api-error-codes).",
)

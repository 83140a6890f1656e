"""SC5xx: timing and how the transfer ended. Only recordings with arrival times or an end
record (tapes, live calls) can show these."""

from streamcheck.model import Severity
from streamcheck.rules import rule

rule(
    "SC501",
    "long-gap",
    Severity.WARNING,
    "The stream went silent for longer than `--max-gap` seconds between two chunks.",
    finds="A gap between consecutive body chunks longer than the limit (default 30 s).",
    why="Proxies and clients with idle timeouts cut the stream in such gaps; users see a stall.",
    example="Chunks at 0.4 s and 41.0 s.",
    fix="Send keep-alive comments during long waits (DeepSeek, OpenRouter do), or raise idle "
    "timeouts on every hop.",
    refs="DeepSeek API, Rate Limit (keep-alive comments while a request waits; closed after 30 "
    "minutes) (https://api-docs.deepseek.com/quick_start/rate_limit).",
)
rule(
    "SC502",
    "slow-first-token",
    Severity.INFO,
    "The first content frame arrived later than `--max-first-token` seconds.",
    finds="Time from the request to the first content frame over the limit (default 20 s).",
    why="Clients with a short read timeout give up before the answer starts.",
    example="`response.created` at 0.3 s, first delta at 24 s.",
    fix="Expected for reasoning models; raise the client's read timeout.",
    refs="DeepSeek API, Rate Limit (keep-alive comments while a request waits; closed after 30 "
    "minutes) (https://api-docs.deepseek.com/quick_start/rate_limit).",
)
rule(
    "SC503",
    "read-timeout",
    Severity.ERROR,
    "The client's read timed out: the server stopped sending before the body ended.",
    finds="A live call (or a tape of one) whose body ended because no bytes arrived within the "
    "read timeout: after the headers, or in the middle of the stream.",
    why="Official clients raise a timeout error (openai `APITimeoutError`, httpx `ReadTimeout`) "
    "after whatever text arrived: the user gets a partial answer or none.",
    example="`HTTP 200`, three chunks, then 60 s of silence; the tape ends with "
    '`{"end": "timeout"}`.',
    fix="A stalled upstream or a proxy buffering the stream: retry, check the proxy's "
    "buffering (`X-Accel-Buffering: no`), or raise `--read-timeout` for slow reasoning models.",
    refs="DeepSeek API, Rate Limit (keep-alive comments while a request waits; closed after 30 "
    "minutes) (https://api-docs.deepseek.com/quick_start/rate_limit); the tape's end record "
    "(README, 'Live streams: serve, record, smoke, conform').",
)
rule(
    "SC504",
    "connection-reset",
    Severity.ERROR,
    "The connection was reset or cut before the body ended.",
    finds="A live call (or a tape of one) whose transfer broke: a reset, or a chunked body "
    "that never got its last chunk.",
    why="Official clients raise a connection error (openai `APIConnectionError`, httpx "
    "`RemoteProtocolError`) after whatever text arrived: the answer is partial.",
    example='Half the stream, then the socket closes; the tape ends with `{"end": "reset"}`.',
    fix="A proxy or load balancer cutting long responses (idle or total timeouts), or the "
    "provider dropping the stream: retry, and raise the timeouts on every hop.",
    refs="RFC 9112 section 7.1 (chunked transfer coding); the tape's end record.",
)

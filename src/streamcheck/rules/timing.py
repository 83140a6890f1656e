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
rule(
    "SC505",
    "buffered-stream",
    Severity.WARNING,
    "The stream arrived all at once after a late first byte: something buffered it.",
    finds="A recording with arrival times (a tape, a live call) whose first byte came late "
    "(2 s or more) and whose whole body (10 frames or more) then arrived within 50 ms. "
    "`Content-Length` or `Content-Encoding` on the event stream, when present, are quoted as "
    "further evidence. Recordings without arrival times (raw bodies, HAR) are never judged.",
    why="The user sees nothing, then the whole answer at once: streaming is lost, and a proxy "
    "holding a long answer hits its own timeouts. A model that streams sends its frames over "
    "hundreds of milliseconds; a proxy, CDN or framework that holds the body until the "
    "upstream finishes delivers them in one burst.",
    example="First byte at 8.2 s, all 120 frames by 8.21 s; `content-encoding: gzip`. "
    "Where: nginx honours `X-Accel-Buffering: no` from the upstream (or `proxy_buffering "
    "off;`); `no-transform` keeps CDNs from compressing the stream; the app's flush is a "
    "generator response in Flask/Werkzeug, `res.flush()` after Express's `compression()`, a "
    "returned ReadableStream in Next.js.",
    fix="Turn buffering off on every hop: send `X-Accel-Buffering: no` and `Cache-Control: "
    "no-cache, no-transform`, leave text/event-stream out of gzip, and flush after each "
    "event in the app.",
    refs="nginx proxy_buffering and X-Accel-Buffering: "
    "https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_buffering; "
    "WHATWG HTML, server-sent events (authoring notes on proxies): "
    "https://html.spec.whatwg.org/multipage/server-sent-events.html#authoring-notes.",
)
rule(
    "SC506",
    "cut-at-hop-limit",
    Severity.INFO,
    "The stream ended at a documented timeout of a well-known hop.",
    finds="A cut stream (reset, cut frame, no terminator) whose silence before the end, or "
    "whose whole duration, matches a hop's documented limit within a second or two. When the "
    "response headers name hops (`server`, `via`, `cf-ray`, `x-amz-cf-id`, `x-vercel-id`, "
    "`x-kong-*`, ...), only their limits are considered. The text output shows it as the "
    "`cause:` line under the cut finding. Limits (idle: no byte for that long; total: the "
    "whole response): nginx 60 s idle (proxy_read_timeout default); AWS Application Load "
    "Balancer 60 s idle; Kong 60 s idle (read_timeout 60000 ms); Heroku's router 55 s idle "
    "after the first byte; Cloudflare 100 s idle (Proxy Read Timeout); Amazon CloudFront 30 s "
    "(origin response timeout); Amazon API Gateway REST 29 s total (integration timeout); "
    "Google Cloud Application Load Balancer 30 s total (backend service timeout); Azure Front "
    "Door 30 s (origin response timeout); Vercel Functions 300 s total (default maximum "
    "duration); Netlify Functions 60 s total (synchronous execution limit); AWS Lambda 900 s "
    "total (maximum timeout).",
    why="The same cut looks like a provider failure from the app; the limit says which hop "
    "cut it and which setting to change. It is evidence, not proof: another hop with the same "
    "figure, or the upstream itself, may have ended the stream at that moment.",
    example="Last byte at 12.3 s, reset at 72.3 s, `server: nginx`: consistent with nginx's "
    "default `proxy_read_timeout` of 60 s.",
    fix="Raise that hop's limit (`proxy_read_timeout 300s;`, the load balancer's idle timeout, "
    "the function's maxDuration), or keep bytes flowing: an SSE comment line (`: keep-alive`) "
    "every 15 s resets every idle timer on the way.",
    refs="nginx: https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_read_timeout; "
    "AWS ALB: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"
    "edit-load-balancer-attributes.html; Kong: https://github.com/Kong/kong/pull/2036; "
    "Heroku: https://devcenter.heroku.com/articles/request-timeout; Cloudflare: "
    "https://developers.cloudflare.com/support/troubleshooting/http-status-codes/"
    "cloudflare-5xx-errors/error-524/; CloudFront: https://docs.aws.amazon.com/sdk-for-kotlin/"
    "api/latest/cloudfront/aws.sdk.kotlin.services.cloudfront.model/-s3-origin-config/"
    "origin-read-timeout.html; API Gateway: https://aws.amazon.com/about-aws/whats-new/2024/06/"
    "amazon-api-gateway-integration-timeout-limit-29-seconds/; Google Cloud: "
    "https://cloud.google.com/load-balancing/docs/https#timeout-bes; Azure Front Door: "
    "https://learn.microsoft.com/azure/frontdoor/front-door-troubleshoot-routing; Vercel: "
    "https://vercel.com/docs/functions/limitations; Netlify: "
    "https://docs.netlify.com/build/functions/configuration; AWS Lambda: "
    "https://docs.aws.amazon.com/lambda/latest/dg/web-functions-revisions-timeout.html; "
    "comment lines as keep-alive: WHATWG HTML, server-sent events, authoring notes "
    "https://html.spec.whatwg.org/multipage/server-sent-events.html#authoring-notes.",
)

"""Hops that sit between an app and a provider: the response headers that name them, and the
documented limits at which they cut a response (check/cause.py matches a recording's times
against them).

Every figure here was read in the vendor's own documentation (the `ref` beside it; `streamcheck
explain SC506` lists them). A hop whose limit could not be verified there is named by its
headers only, with no limit: nothing is guessed.
"""

from __future__ import annotations

from typing import NamedTuple

IDLE = "idle"  # no byte for this long (between two reads) and the hop closes the response
TOTAL = "total"  # the whole response, from the request, may last this long


class Limit(NamedTuple):
    """One documented limit of one hop."""

    hop: str  # as said in a sentence: "nginx", "an AWS Application Load Balancer"
    seconds: float
    kind: str  # IDLE or TOTAL
    setting: str  # what the limit is called there
    fix: str  # what to change on that hop
    ref: str  # where the figure is documented


# Keeping bytes flowing resets every idle timer below: the one fix that works whatever the hop.
_KEEPALIVE = "or have the server send an SSE comment line (`: keep-alive`) every 15 s"

LIMITS: tuple[Limit, ...] = (
    Limit(
        "nginx",
        60,
        IDLE,
        "its default proxy_read_timeout",
        f"`proxy_read_timeout 300s;` in the location that proxies the stream, {_KEEPALIVE}",
        "https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_read_timeout",
    ),
    Limit(
        "an AWS Application Load Balancer",
        60,
        IDLE,
        "its default connection idle timeout",
        f"raise the load balancer's idle timeout (idle_timeout.timeout_seconds), {_KEEPALIVE}",
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"
        "edit-load-balancer-attributes.html",
    ),
    Limit(
        "Kong",
        60,
        IDLE,
        "its default service read_timeout",
        f"raise the service's read_timeout (milliseconds), {_KEEPALIVE}",
        "https://github.com/Kong/kong/pull/2036",
    ),
    Limit(
        "Heroku's router",
        55,
        IDLE,
        "its rolling window after the first byte",
        "send a byte at least every 55 s (an SSE comment line every 15 s)",
        "https://devcenter.heroku.com/articles/request-timeout",
    ),
    Limit(
        "Cloudflare",
        100,
        IDLE,
        "its default Proxy Read Timeout",
        "keep bytes flowing (an SSE comment line every 15-30 s); Enterprise zones can raise "
        "proxy_read_timeout",
        "https://developers.cloudflare.com/support/troubleshooting/http-status-codes/"
        "cloudflare-5xx-errors/error-524/",
    ),
    Limit(
        "Amazon CloudFront",
        30,
        IDLE,
        "its default origin response timeout",
        f"raise the origin's response timeout (OriginReadTimeout, up to 120 s), {_KEEPALIVE}",
        "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/cloudfront/"
        "aws.sdk.kotlin.services.cloudfront.model/-s3-origin-config/origin-read-timeout.html",
    ),
    Limit(
        "Amazon API Gateway (REST)",
        29,
        TOTAL,
        "its default integration timeout",
        "raise the integration timeout (Regional and private REST APIs, through a quota "
        "request), or stream from a Lambda function URL or an ALB instead",
        "https://aws.amazon.com/about-aws/whats-new/2024/06/"
        "amazon-api-gateway-integration-timeout-limit-29-seconds/",
    ),
    Limit(
        "a Google Cloud Application Load Balancer",
        30,
        TOTAL,
        "its default backend service timeout",
        "raise the backend service's timeout (timeoutSec), for example to 300 s",
        "https://cloud.google.com/load-balancing/docs/https#timeout-bes",
    ),
    Limit(
        "Azure Front Door",
        30,
        TOTAL,
        "its default origin response timeout",
        "raise the profile's Origin response timeout (16-240 s)",
        "https://learn.microsoft.com/azure/frontdoor/front-door-troubleshoot-routing",
    ),
    Limit(
        "a Vercel Function",
        300,
        TOTAL,
        "its default maximum duration",
        "raise the function's maxDuration (`export const maxDuration = 800`), or move the "
        "stream off the function",
        "https://vercel.com/docs/functions/limitations",
    ),
    Limit(
        "Netlify",
        60,
        TOTAL,
        "its synchronous function execution limit",
        "a synchronous Netlify Function cannot run longer (not configurable): end the answer "
        "sooner or stream it from elsewhere",
        "https://docs.netlify.com/build/functions/configuration",
    ),
    Limit(
        "an AWS Lambda function",
        900,
        TOTAL,
        "its maximum timeout (15 minutes)",
        "a Lambda function cannot run longer: end the answer sooner or stream from a service "
        "without that cap",
        "https://docs.aws.amazon.com/lambda/latest/dg/web-functions-revisions-timeout.html",
    ),
)

# Response headers that name a hop: (hop, header, substring of the value, "" for any value).
# The hop names match LIMITS where a limit is known.
SIGNS: tuple[tuple[str, str, str], ...] = (
    ("Cloudflare", "cf-ray", ""),
    ("Cloudflare", "server", "cloudflare"),
    ("Amazon CloudFront", "x-amz-cf-id", ""),
    ("Amazon CloudFront", "x-amz-cf-pop", ""),
    ("Amazon CloudFront", "via", "cloudfront"),
    ("Amazon API Gateway (REST)", "x-amz-apigw-id", ""),
    ("an AWS Application Load Balancer", "server", "awselb"),
    ("Heroku's router", "via", "vegur"),
    ("Heroku's router", "server", "heroku"),
    ("a Google Cloud Application Load Balancer", "via", "1.1 google"),
    ("Azure Front Door", "x-azure-ref", ""),
    ("a Vercel Function", "x-vercel-id", ""),
    ("a Vercel Function", "server", "vercel"),
    ("Kong", "via", "kong"),
    ("Kong", "x-kong-proxy-latency", ""),
    ("Kong", "x-kong-upstream-latency", ""),
    ("Kong", "server", "kong"),
    ("nginx", "server", "nginx"),
    ("nginx", "server", "openresty"),
    ("Envoy", "x-envoy-upstream-service-time", ""),
    ("Envoy", "server", "envoy"),
    ("Netlify", "x-nf-request-id", ""),
    ("Netlify", "server", "netlify"),
    ("Fly.io", "fly-request-id", ""),
    ("Azure API Management", "apim-request-id", ""),
)

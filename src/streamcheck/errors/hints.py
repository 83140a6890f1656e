"""What each error class means and how to fix it, and where a provider's wording is sharper."""

CLASSES: dict[str, str] = {
    "auth": "The API key is missing, invalid or revoked. Check which environment variable the app "
    "reads, create a new key, and for Azure send it in the `api-key` header.",
    "no-access": "The key works but may not use this model (access not granted, wrong "
    "organisation or project, retired model, region). Request access or pick a model the key "
    "lists (`GET /v1/models`).",
    "region": "The provider does not serve the country, region or territory the request comes "
    "from: the key and the model are fine, the place is not. Send it from a supported location "
    "(the server's region, not a VPN or a hosting range the provider blocks).",
    "billing": "No credit, quota or budget left. Add a payment method or credit, or raise the "
    "spend limit; the key itself is fine.",
    "rate-limit": "Too many requests or tokens per minute. Back off and retry after the "
    "`retry-after` header; smooth the load or ask for a higher limit.",
    "overloaded": "The provider is out of capacity right now. Retry with exponential backoff or "
    "fall back to another model or region.",
    "server-error": "The provider failed internally. Retry; if it persists, report the request "
    "id to the provider.",
    "context-length": "The request is longer than the model's context window. Trim the prompt or "
    "history, or lower max_tokens.",
    "content-filter": "The provider's content filter blocked the prompt or the answer. Rephrase, "
    "or review the filter configuration (Azure) for false positives.",
    "not-found": "The endpoint, deployment or model name does not exist at this base URL. Check "
    "the URL, the deployment name and the api-version.",
    "bad-request": "The provider rejected the request as malformed. Read the message: a "
    "parameter is wrong for this model or API version.",
    "proxy": "This body did not come from the provider: a proxy, gateway or load balancer "
    "answered. Check the base URL, proxy settings and gateway logs.",
    "unknown": "The body is an error, but not one streamcheck can classify. Read the message.",
}


# Where a provider's own wording of the fix is sharper than the class hint. Keyed by error shape
# and class; the class hint is used otherwise.
SHAPE_HINTS: dict[tuple[str, str], str] = {
    # The "openai" shape is also what OpenAI-compatible servers send: name OpenAI's specifics as
    # such.
    ("openai", "auth"): "The key was rejected (401). Check which environment variable the app "
    "reads (OPENAI_API_KEY for OpenAI), that the key was not revoked, and that it belongs to "
    "the organization and project the request names; create a new key if in doubt.",
    ("openai", "no-access"): "The key is valid but may not use this model: access was never "
    "granted, the project's model allowlist excludes it, or (on OpenAI) the account needs a "
    "first payment to reach usage tier 1, which GPT-4-class models require. `GET /v1/models` "
    "lists the models the key can use: pick one or get access. Make the client check the HTTP "
    "status before iterating the stream.",
    ("openai", "region"): "OpenAI refuses requests from this country, region or territory (403 "
    "unsupported_country_region_territory): the address the request leaves from is the cause, "
    "not the key or the model. Run the call from a supported location (check the server's "
    "region, its proxy or VPN, and OpenAI's list of supported countries); retrying does not help.",
    ("openai", "billing"): "No credit left or the monthly budget is reached (insufficient_quota "
    "is not a rate limit: retrying does not help). Add credit or raise the budget (OpenAI: "
    "Settings > Billing > Limits); the key itself is fine.",
    ("openai", "rate-limit"): "Requests or tokens per minute exceeded for this model and tier. "
    "Back off and retry after the retry-after / x-ratelimit-reset-* headers; lower concurrency "
    "or max_tokens, or move to a higher usage tier.",
    ("openai", "overloaded"): "The provider is short of capacity for this model right now (503, "
    "server_is_overloaded, slow_down). Retry with exponential backoff or fall back to another "
    "model.",
    ("openai", "server-error"): "The server failed internally (server_error). Retry with "
    "backoff; if it persists, report the x-request-id response header value to the provider.",
    ("openai", "context-length"): "Prompt plus max_tokens exceed the model's context window. "
    "Trim the history or retrieved context, or lower max_tokens / max_completion_tokens.",
    ("bedrock", "auth"): "AWS rejected the credentials (403 UnrecognizedClientException, "
    "InvalidSignatureException, ExpiredTokenException). Check which AWS profile or role the app "
    "uses, that its session token has not expired, and that the clock is right (SigV4).",
    ("bedrock", "no-access"): "The credentials work but may not invoke this model: enable model "
    "access in the Bedrock console for this region, allow bedrock:InvokeModelWithResponseStream "
    "in the IAM policy, or use an inference profile id (us.anthropic...) where on-demand "
    "throughput is not offered.",
    ("bedrock", "not-found"): "No such model here: check the model id (with its version suffix, "
    "e.g. ...-v1:0), the region, and whether the model needs an inference profile id.",
    ("bedrock", "rate-limit"): "Bedrock throttled the account (ThrottlingException): tokens or "
    "requests per minute for this model and region are used up. Back off and retry, spread "
    "load across regions with a cross-region inference profile, or request a quota increase.",
    ("cohere", "auth"): "Cohere rejected the API key (401 invalid api token). Check which "
    "environment variable the app reads (CO_API_KEY) and create a new key in the dashboard.",
    ("cohere", "rate-limit"): "Cohere rate-limited the key (429). Trial keys allow only a few "
    "calls per minute: use a production key or back off and retry.",
    ("openai", "content-filter"): "The provider's safety system flagged the prompt. Rephrase it, "
    "or moderate user input before sending it.",
}

"""SC5xx: timing. Only recordings with arrival times (tapes, live calls) can show these."""

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
    refs="PROVIDERS.md section 2.7 (DeepSeek keep-alives).",
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
    refs="PROVIDERS.md section 3.2.",
)

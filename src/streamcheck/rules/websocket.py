"""SC6xx: how a WebSocket closed (RFC 6455 section 7.4).

Judged by `wire.websocket` at the end of a WebSocket exchange, with the protocol's word on
whether its stream reached its end.
"""

from streamcheck.model import Severity
from streamcheck.rules import rule

RFC = "RFC 6455 section 7.4.1 (defined status codes)"
IANA = "IANA WebSocket Close Code Number Registry"
CUT = (
    "When the protocol's stream had not reached its end, the finding is an error whatever the "
    "code says: the answer is partial."
)

rule(
    "SC601",
    "websocket-no-close-frame",
    Severity.ERROR,
    "The WebSocket connection ended without a close frame (reported to clients as 1006).",
    finds="A WebSocket whose TCP connection ended (reset, EOF, timeout) before a close frame "
    "was exchanged. Browsers and `websockets` report this as code 1006, which is never sent on "
    "the wire. A warning when the protocol's stream had already reached its end.",
    why="The connection dropped: whatever was in flight is lost, and clients that wait for "
    "`onclose` with a clean code never see one (websockets raises `ConnectionClosedError`).",
    example="Three `response.output_text.delta` events, then the TCP connection resets.",
    fix="The socket dropped without a close frame: a proxy idle timeout, a crashed server or a "
    "network cut. Close with a close frame on every path and send pings in long waits.",
    refs=f"{RFC} (1006); RFC 6455 section 7.1.5.",
)
rule(
    "SC602",
    "websocket-server-error-close",
    Severity.ERROR,
    "The WebSocket was closed with 1011: the server hit an unexpected condition.",
    finds="A close frame with status 1011 (internal error).",
    why="The server gave up on the request; any answer in flight is partial.",
    example="`response.created`, two deltas, then a close frame `1011 internal error`.",
    fix="A server-side exception (the backend crashed while relaying, as in weaviate/Verba#194). "
    "Look at the server's log at the close time; retry with backoff.",
    refs=f"{RFC} (1011).",
)
rule(
    "SC603",
    "websocket-clean-close-open-response",
    Severity.ERROR,
    "The WebSocket closed cleanly (1000, or a close frame with no status: 1005) while the "
    "protocol's response was still open.",
    finds="A close frame with code 1000 or with no status code (reported as 1005) from the "
    "server before the stream reached the end its protocol defines (Realtime `response.done`, "
    "a relay's end frame). A client that closed first chose to stop; that is not reported here "
    "(the grammar's finding says the answer is partial).",
    why="Many clients treat 1000 and 1005 as a normal end and show the partial answer as if it "
    "were whole: a cut stream behind a clean-looking close.",
    example='Relay frames `{"message": "Hel"}`, then a close frame with no status, and no '
    "frame with `finish_reason`.",
    fix="The server closed cleanly on an error path without saying so (as in weaviate/Verba#194). "
    "Send an error frame and close with 1011; clients must check the end frame, not the close "
    "code.",
    refs=f"{RFC} (1000, 1005); weaviate/Verba#194.",
)
rule(
    "SC604",
    "websocket-going-away",
    Severity.WARNING,
    "The WebSocket was closed with 1001 (going away).",
    finds="A close frame with status 1001: the server is shutting down (or a browser navigated "
    f"away). {CUT}",
    why="The session ended from the server's side; a client that does not reconnect stays silent.",
    example="A deploy restarts the server during a session: close `1001 server shutting down`.",
    fix="Clients should reconnect (to another instance) and resend the request that was open; "
    "servers should drain sessions before shutting down.",
    refs=f"{RFC} (1001).",
)
rule(
    "SC605",
    "websocket-service-restart",
    Severity.WARNING,
    "The WebSocket was closed with 1012 (service restart).",
    finds=f"A close frame with status 1012. {CUT}",
    why="The service is restarting; the session is gone.",
    example="Close `1012 service restart` after `session.created`.",
    fix="Clients should reconnect after a short randomized delay (the service comes back) and "
    "redo the open request.",
    refs=f"{IANA} (1012).",
)
rule(
    "SC606",
    "websocket-try-again-later",
    Severity.WARNING,
    "The WebSocket was closed with 1013 (try again later).",
    finds=f"A close frame with status 1013: the server is overloaded. {CUT}",
    why="The request was refused for load; retrying at once makes it worse.",
    example="Close `1013 try again later` right after the first client message.",
    fix="Clients should back off (exponentially, with jitter) before reconnecting.",
    refs=f"{IANA} (1013).",
)
rule(
    "SC607",
    "websocket-error-close",
    Severity.ERROR,
    "The WebSocket was closed with a status that says an endpoint failed or refused something.",
    finds="A close frame with 1002 (protocol error), 1003 (unsupported data), 1007 (invalid "
    "payload), 1008 (policy violation), 1009 (message too big), 1010 (missing extension) or 1014 "
    "(bad gateway). (1015, a TLS failure, is never sent in a frame: such a frame is SC609.)",
    why="The exchange failed; whatever was in flight is lost.",
    example="Close `1009 message too big` after the client sent a large audio buffer.",
    fix="Read the code and reason: 1008 is usually authentication or a policy of the server, 1009 "
    "a message over the server's limit, 1007 text that is not UTF-8, 1014 an upstream behind a "
    "gateway that failed.",
    refs=f"{RFC}; {IANA}.",
)
rule(
    "SC608",
    "websocket-application-close",
    Severity.INFO,
    "The WebSocket was closed with an application-defined status (3000-4999).",
    finds=f"A close frame with a code from 3000 to 4999, whose meaning the application defines. "
    f"{CUT}",
    why="Only the server's documentation says what it means; the reason text usually does.",
    example="Close `4000 session expired`.",
    fix="Look up the code in the server's documentation; for a relay of your own, document its "
    "codes and send an error frame before closing.",
    refs=f"{RFC} section 7.4.2 (reserved ranges).",
)
rule(
    "SC609",
    "websocket-invalid-close-code",
    Severity.ERROR,
    "The WebSocket was closed with a status code that must not appear in a close frame.",
    finds="A close frame with a code below 1000, 1004, 1016-2999, or 5000 and above; or with one "
    "of the codes RFC 6455 reserves for an endpoint to report and forbids sending: 1005 (no "
    "status), 1006 (a dropped connection), 1015 (a failed TLS handshake).",
    why="RFC 6455 clients must fail the connection on such a frame; what the server meant is lost.",
    example="Close `1006` sent in a frame by a server that copied the code it received.",
    fix="Fix the server to send a defined code (1000 for a normal end, 1011 for an error) or an "
    "application code from 4000-4999.",
    refs=f"{RFC}; RFC 6455 section 7.4.2.",
)

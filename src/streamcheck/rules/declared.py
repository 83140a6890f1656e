"""SC380-SC389: streams of a user-defined protocol (a protocol file given with `--protocol` or
`protocols = [...]` in the config), judged by the grammar the file declares. Loaded with the SC3
family."""

from streamcheck.model import Severity
from streamcheck.rules import rule

REFS = 'README, "User-defined protocols"; the protocol file that declared the grammar.'

rule(
    "SC380",
    "declared-stream-unfinished",
    Severity.ERROR,
    "A stream of a user-defined protocol ended before a frame of an `end` kind.",
    finds="The frames of an exchange matched to a protocol file ran out (end of body, a closed "
    "or dropped WebSocket) before any frame whose kind the file lists under `end`.",
    why="The client of a relay cannot tell a cut answer from a short one unless it checks for "
    "the end frame: the incident this tool exists for (a WebSocket closed with 1005 before the "
    "frame carrying `finish_reason`) looked like a clean end to the browser.",
    example='`{"message": "Hel", "finish_reason": null}`, `{"message": "lo", "finish_reason": '
    "null}`, then the connection closes.",
    fix="The server stopped before its end frame: an exception in its generator (see its log at "
    "the time of the cut) or a proxy timeout. Send the end frame from a `finally`, with an error "
    "on failure.",
    refs=REFS,
)
rule(
    "SC381",
    "declared-field-missing",
    Severity.ERROR,
    "A field the protocol file requires by the end never held a value.",
    finds="A JSON pointer listed under `required-by-end` that no frame up to the end frame (or "
    "up to the end of the stream, when the file lists no `end` kinds) carried with a non-null "
    "value.",
    why="Clients read that field to know how the answer ended (`finish_reason`); when it never "
    "comes they crash on it (`KeyError: 'finish_reason'`) or treat the answer as complete.",
    example='Every frame has `"finish_reason": null`, including the last one.',
    fix="Make the server set the field on its last frame (forward the provider's "
    "`finish_reason`, or set your own on error).",
    refs=REFS,
)
rule(
    "SC382",
    "declared-bad-start",
    Severity.ERROR,
    "The first frame of a user-defined protocol's stream is not of a `start` kind.",
    finds="A first frame whose kind is not among the kinds the protocol file lists under `start`.",
    why="The file says the stream opens with one of those kinds; a client that sets up its state "
    "on it (an id, a message bubble) starts in the wrong state.",
    example="`start: [open]`, and the stream begins with a `delta` frame.",
    fix="The server skipped its opening frame, or the recording began mid-stream.",
    refs=REFS,
)
rule(
    "SC383",
    "declared-frame-after-end",
    Severity.ERROR,
    "A frame arrived after a user-defined protocol's stream had ended.",
    finds="A frame after the frame of an `end` kind (other than what `after-end` allows, such as "
    "`[DONE]`), or any frame after an `after-end` trailer.",
    why="Clients stop reading at the end frame: what follows is lost, or a second answer is "
    "mixed into the first.",
    example="The end frame, then another `delta` frame.",
    fix="The server writes after its end frame (two answers in one response, a missing "
    "`return`); stop writing at the end frame.",
    refs=REFS,
)
rule(
    "SC384",
    "declared-kind-unknown",
    Severity.ERROR,
    "A frame's kind cannot be told by the rules of its protocol file.",
    finds="A frame whose `kind` pointer is missing or names no declared kind, or that no kind's "
    "`when` schema accepts (when the file selects kinds with `when`).",
    why="The file declares every kind the stream may carry; an undeclared frame is one the client "
    "was not written for.",
    example='`kind: /type` and a frame `{"type": "status", ...}` with no `status` kind declared.',
    fix="Declare the kind in the file (with its schema), or fix the server that sent it.",
    refs=REFS,
)
rule(
    "SC385",
    "declared-framing-mismatch",
    Severity.WARNING,
    "An exchange matched to a user-defined protocol has another framing than the file declares.",
    finds="The protocol file says `framing: ndjson` (or sse, websocket) and the body was decoded "
    "as another framing.",
    why="The client of that protocol reads the declared framing: an NDJSON reader does not "
    "understand SSE `data:` lines.",
    example="`framing: ndjson` and a body of `data: {...}` events.",
    fix="Fix the server's framing, or the `framing` of the protocol file.",
    refs=REFS,
)

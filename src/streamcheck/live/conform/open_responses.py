"""The Open Responses compliance suite, and which conform case covers each of its checks.

Open Responses (openresponses/openresponses) is an open specification of the Responses API with
dated releases (public/openapi/<YYYY-MM-DD>/openapi.json) and a compliance suite
(src/lib/compliance-tests.ts, run by bin/compliance-test.ts and the site's /compliance page).
Each check sends one request and judges the final ResponseResource (parsed with the spec's zod
schema) and, when streaming, every event against the streaming-event union. `conform --api
responses` is a strict superset: every check below is a case (streamed: the final response is
the terminal event's `response`, as the suite's own SSE parser takes it), held to the same
checks plus streamcheck's grammar (SC3xx) and the case's own expectations.

The checks of each release, as compliance-tests.ts listed them: six in the suite published with
the first release (basic-response, streaming-response, system-prompt, tool-calling,
image-input, multi-turn); tool-calling-streaming joined them later (listed with 2026-04-24 here,
the release that followed). The members ResponseResource requires are those of the
release's published document (public/openapi/<release>/openapi.json, whose schemas streamcheck
generates: `required()`), not of the unfiltered component schema/components/schemas/
ResponseResource.json, which also requires `user`: the publishing step leaves `user` out, and the
suite's zod schema is generated from the published document.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

LATEST = "2026-04-24"


@dataclass(frozen=True, slots=True)
class SuiteCheck:
    id: str  # the suite's test id
    name: str  # the suite's test name
    checks: str  # what it asserts
    case: str  # the conform case (api responses) that covers it


SUITE: tuple[SuiteCheck, ...] = (
    SuiteCheck(
        "basic-response",
        "Basic Text Response",
        "the response has output items and status completed; ResponseResource parses",
        "text",
    ),
    SuiteCheck(
        "streaming-response",
        "Streaming Response",
        "events arrive, each a valid streaming event; the final response completed",
        "text",
    ),
    SuiteCheck(
        "system-prompt",
        "System Prompt",
        "a system message in the input: output items, status completed",
        "system-prompt",
    ),
    SuiteCheck(
        "tool-calling",
        "Tool Calling",
        "a function tool: the output has a function_call item",
        "tool-call",
    ),
    SuiteCheck(
        "tool-calling-streaming",
        "Tool Calling (Streaming)",
        "output_item.added and .done with a function_call item, arguments delta and done",
        "tool-call",
    ),
    SuiteCheck(
        "image-input",
        "Image Input",
        "an input_image in the user content: output items, status completed",
        "image-input",
    ),
    SuiteCheck(
        "multi-turn",
        "Multi-turn Conversation",
        "user, assistant, user messages as history: output items, status completed",
        "multi-turn",
    ),
)
_FIRST = ("basic-response", "streaming-response", "system-prompt", "tool-calling")
VERSIONS: dict[str, tuple[str, ...]] = {
    "2026-01-15": (*_FIRST, "image-input", "multi-turn"),
    "2026-04-24": (*_FIRST, "tool-calling-streaming", "image-input", "multi-turn"),
}


@cache
def required(version: str) -> tuple[str, ...]:
    """The members the release's ResponseResource requires, as its published document says
    (read from the schemas generated from it, schemas/open-responses/responses/<release>/;
    the compliance suite's zod schema is generated from the same document)."""
    from streamcheck.schemas import Catalog

    schemas = Catalog().get("open-responses", "responses", version)
    if schemas is None:
        raise LookupError(f"no Open Responses {version} schemas shipped")
    resource = schemas.schema("response.completed")["$defs"]["ResponseResource"]
    return tuple(resource["required"])


def checks_of(version: str) -> list[SuiteCheck]:
    wanted = VERSIONS[version]
    return [check for check in SUITE if check.id in wanted]


def covering(case: str, version: str) -> list[str]:
    """The suite check ids of `version` that conform case `case` covers."""
    return [check.id for check in checks_of(version) if check.case == case]

"""Open Responses (openresponses.org): an open, multi-provider specification of the Responses
API, released in dated versions (2026-01-15, 2026-04-24), each an OpenAPI 3.1 document.

Spec: the release's `POST /responses` `text/event-stream` union; schemas generated per event
type by tools/schemas/open_responses.py into schemas/open-responses/responses/<release>/.
Wire and grammar: those of OpenAI Responses (openai_responses.py), which the specification
follows: `response.created` first, `sequence_number` on every event, items and content parts
opened before their deltas, one terminal event. What differs is the schemas: a response object
carries every member of the specification's `ResponseResource` (OpenAI's streams send fewer),
and reasoning text streams as `response.reasoning.delta` / `.done`.

Never detected: its URL and frames are OpenAI's, so an OpenAI Responses stream stays OpenAI.
It judges a stream only when the user names it: `--api open-responses` or `--provider
open-responses`, or `api = "open-responses"` in the config (then every stream detected as OpenAI
Responses is judged by it: `stands_for`), by the newest release unless `--api-version` (or the
config's `api-version`) names another; the choice is said in one SC902 note.
"""

from __future__ import annotations

from typing import Any, ClassVar

from streamcheck.model import Exchange
from streamcheck.protocols.base import register
from streamcheck.protocols.openai_responses import OpenAIResponses


@register
class OpenResponses(OpenAIResponses):
    name = "open-responses"
    provider = "open-responses"
    api = "responses"
    aliases = ("openresponses",)
    stands_for = "openai-responses"  # under `api = "open-responses"` in the config
    version_reasons: ClassVar[dict[str, str]] = {}
    default_reason = (
        "the newest Open Responses release streamcheck ships; a stream's events do not tell the "
        "releases apart"
    )

    @classmethod
    def match_request(cls, exchange: Exchange) -> int:
        return 0  # the URL is OpenAI's: named by the user, never scored

    @classmethod
    def match_frame(cls, value: Any, event: str | None) -> bool:
        return False  # the frames are OpenAI's too

    @classmethod
    def frame_version(cls, value: Any, current: str | None) -> str | None:
        return None

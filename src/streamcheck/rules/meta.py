"""SC9xx: meta. What streamcheck could not decide about an input."""

from streamcheck.model import Severity
from streamcheck.rules import rule

rule(
    "SC901",
    "unknown-protocol",
    # Info by the severity policy (README "Severity"): nothing says an official client fails
    # on this stream or that it is undocumented; what is said is that it was not judged.
    Severity.INFO,
    "The provider and API of an exchange could not be detected; only framing was checked.",
    finds="An exchange whose URL, headers and frames match no known protocol.",
    why="Without a protocol no schema or grammar applies, so real defects may go unreported. "
    "It is info, not a warning: it says what streamcheck could not judge, not that an official "
    "client fails on the stream; it is always reported (never passed silently) and "
    "`--fail-on info` fails a run on it.",
    example="A raw SSE file whose events are plain text tokens.",
    fix="Pass `--provider` (and `--api`) or add a schema folder for this dialect with `--schemas`.",
    refs="`streamcheck schemas` lists what is known.",
)
rule(
    "SC902",
    "recording-note",
    Severity.INFO,
    "The recording itself had a quirk that streamcheck worked around.",
    finds="A cassette body stored re-encoded, a HAR entry without timing, a tape without end "
    "record, ...",
    why="What was replayed may not be byte-for-byte what the provider sent.",
    example="A cassette whose body was stored as a parsed string rather than bytes.",
    fix="Record with `streamcheck record` to keep bytes and timing exact.",
    refs="README, 'Recordings other tools made'.",
)
rule(
    "SC903",
    "not-a-stream-request",
    Severity.INFO,
    "The exchange is not a streaming call; it was checked as an error body only.",
    finds="A recorded request that did not ask for a stream and got a plain JSON answer.",
    why="Non-streaming exchanges in a cassette are context, not the subject of the check.",
    example="A `POST /v1/embeddings` interaction in a cassette.",
    fix="Nothing to fix.",
    refs="README, 'Bad input' and 'Severity'.",
)
rule(
    "SC910",
    "unknown-api-version",
    Severity.INFO,
    "The exchange names an API version with no schemas; the default version was used instead.",
    finds="An `anthropic-version` header, Azure `api-version` query or tape header naming a "
    "version that neither the shipped schemas nor `--schemas` folders define.",
    why="Fields that version added or removed may be reported wrongly (or not at all), because "
    "another version's schemas judged the frames.",
    example="`anthropic-version: 2023-01-01` (the legacy Text Completions era).",
    fix="Add a schema folder for that version with `--schemas`, or pin the version the app "
    "really uses with `--api-version`.",
    refs="`streamcheck schemas` lists the shipped versions.",
)
rule(
    "SC920",
    "baseline-entry-gone",
    Severity.INFO,
    "A baseline entry matches no finding any more; rewrite the baseline so it shrinks.",
    finds="An entry of the `--baseline` file (file, exchange, rule, frame kind, evidence "
    "fingerprint) for a file this run checked (or a file that no longer exists) that no "
    "current finding matches; one finding per entry, saying how many of its count are gone.",
    why="A baseline that keeps entries for fixed findings would let the same defect come back "
    "unnoticed: the next time it appears it matches the stale entry instead of failing.",
    example="`SC301 missing-terminator` was baselined for `fixtures/old.sse`; someone re-recorded "
    "the file and the stream now ends with `data: [DONE]`.",
    fix="Run `streamcheck check --write-baseline FILE` (the same paths): it rewrites the baseline "
    "without the entries no longer found and keeps those of files the run did not check.",
    refs='README, "Adopting it on old fixtures: baselines"; SARIF 2.1.0 section 3.27.24 '
    "(`baselineState` `absent`).",
)

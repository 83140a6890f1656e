"""Gemini Live API (BidiGenerateContent over WebSocket): detection by URL and by first
message, binary-framed JSON judged, the turn grammar, goAway, close codes with the Live API's
meaning, and the fixtures' verdicts, through `check_paths` and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from streamcheck import check_paths
from streamcheck.model import Close, CloseState, Direction, EndReason, Message, Request
from streamcheck.sources import tape_ws
from tests.conftest import FIXTURES, run_streamcheck

LIVE = FIXTURES / "gemini-live"
URL = (
    "wss://generativelanguage.googleapis.com/ws/"
    "google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
)
SETUP = {"setup": {"model": "models/gemini-live-2.5-flash-preview"}}


def tape(
    tmp_path: Path,
    received: list[dict[str, Any]],
    *,
    url: str | None = URL,
    binary: bool = True,
    close: Close | None = None,
) -> Path:
    messages = [Message(Direction.SENT, json.dumps(SETUP).encode(), time=0.0)] + [
        Message(Direction.RECEIVED, json.dumps(m).encode(), binary=binary, time=0.1 + i / 100)
        for i, m in enumerate(received)
    ]
    end = close or Close(CloseState.CLOSED, 1000, "", "client", 1.0)
    fields = {"request": Request(method="GET", url=url)}
    path = tmp_path / "session.tape"
    path.write_bytes(tape_ws.dumps([(fields, messages, end, EndReason.EOF)]))
    return path


def result(path: Path) -> Any:
    (one,) = check_paths([str(path)]).results
    return one


def codes(path: Path) -> list[str]:
    return [f.code for f in result(path).findings]


def text(words: str) -> dict[str, Any]:
    return {"serverContent": {"modelTurn": {"parts": [{"text": words}]}}}


TURN = [
    {"setupComplete": {}},
    text("Hel"),
    text("lo"),
    {"serverContent": {"generationComplete": True}},
    {"serverContent": {"turnComplete": True}, "usageMetadata": {"totalTokenCount": 9}},
]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("text-turn", []),
        ("tool-call", []),
        ("vertex-text-turn", []),
        ("go-away", ["SC392"]),
        ("cut-before-turn-complete", ["SC391", "SC602"]),
        ("invalid-argument-close", ["SC607"]),
    ],
)
def test_each_fixture_gets_its_verdict(name: str, expected: list[str]) -> None:
    found = result(LIVE / f"{name}.tape")
    assert (found.provider, found.api) == ("gemini", "live")
    assert [f.code for f in found.findings] == expected


def test_a_clean_session_passes_the_cli_and_a_cut_one_fails_it() -> None:
    assert run_streamcheck("check", str(LIVE / "text-turn.tape")).returncode == 0
    done = run_streamcheck("check", str(LIVE / "cut-before-turn-complete.tape"))
    assert done.returncode == 1
    assert "SC391" in done.stdout and "never got turnComplete" in done.stdout


def test_versions_from_the_url_and_vertex_is_judged_by_the_same_schemas(tmp_path: Path) -> None:
    alpha = URL.replace("v1beta", "v1alpha")
    vertex = (
        "wss://europe-west4-aiplatform.googleapis.com/ws/"
        "google.cloud.aiplatform.v1.LlmBidiService/BidiGenerateContent"
    )
    for url in (URL, alpha, vertex):
        found = result(tape(tmp_path, TURN, url=url))
        assert (found.api, found.api_version, found.findings) == ("live", "v1beta", [])


def test_binary_json_is_judged_by_its_schema_not_counted_as_binary(tmp_path: Path) -> None:
    """The Live API sends JSON in binary frames; a wrong type in one is a schema finding."""
    wrong = [*TURN[:3], {"serverContent": {"turnComplete": "yes"}}]
    found = codes(tape(tmp_path, wrong))
    assert "SC125" not in found
    assert "SC201" in found


def test_detected_from_the_first_messages_when_the_url_says_nothing(tmp_path: Path) -> None:
    for binary in (True, False):  # a relay may forward the messages as text
        found = result(tape(tmp_path, TURN, url="ws://127.0.0.1:9/relay", binary=binary))
        assert (found.provider, found.api) == ("gemini", "live"), binary
        assert found.findings == []


def test_a_cut_turn_judges_a_clean_close_as_hiding_it(tmp_path: Path) -> None:
    server_close = Close(CloseState.CLOSED, 1000, "", "server", 1.0)
    found = codes(tape(tmp_path, TURN[:3], close=server_close))
    assert found == ["SC391", "SC603"]


def test_a_turn_waiting_on_the_clients_tool_response_is_not_cut(tmp_path: Path) -> None:
    call = {"toolCall": {"functionCalls": [{"id": "fc_1", "name": "f", "args": {}}]}}
    assert codes(tape(tmp_path, [TURN[0], text("Let me look."), call])) == []


def test_a_transcription_trailing_the_turn_opens_no_new_turn(tmp_path: Path) -> None:
    late = {"serverContent": {"outputTranscription": {"text": "Hello"}}}
    server_close = Close(CloseState.CLOSED, 1000, "", "server", 1.0)
    assert codes(tape(tmp_path, [*TURN, late], close=server_close)) == []


def test_unknown_enum_values_and_members_pass_as_google_genai_takes_them(tmp_path: Path) -> None:
    """google-genai keeps an unknown enum value (with a warning) and drops unknown members."""
    odd = {
        "serverContent": {"turnComplete": True, "turnCompleteReason": "A_NEW_REASON"},
        "newTopLevelThing": {"x": 1},
    }
    found = codes(tape(tmp_path, [*TURN[:4], odd]))
    assert "SC201" not in found and "SC391" not in found


def test_interrupted_ends_the_turn(tmp_path: Path) -> None:
    barge = {"serverContent": {"interrupted": True}}
    assert codes(tape(tmp_path, [TURN[0], text("Hel"), barge])) == []


def test_go_away_says_how_to_resume_when_a_handle_was_given(tmp_path: Path) -> None:
    handle = {"sessionResumptionUpdate": {"newHandle": "h-2", "resumable": True}}
    away = {"goAway": {"timeLeft": "9s"}}
    (with_handle,) = result(tape(tmp_path, [*TURN, handle, away])).findings
    assert with_handle.code == "SC392" and with_handle.severity.label == "warning"
    assert "in 9s" in with_handle.message and "frame 5" in with_handle.message
    (without,) = result(tape(tmp_path, [*TURN, away])).findings
    assert "set sessionResumption in setup" in without.message


def test_an_error_object_is_an_in_band_error(tmp_path: Path) -> None:
    error = {
        "error": {
            "code": 429,
            "message": "Resource has been exhausted",
            "status": "RESOURCE_EXHAUSTED",
        }
    }
    found = result(tape(tmp_path, [TURN[0], text("Hel"), error]))
    assert [f.code for f in found.findings] == ["SC403"]
    assert found.error_class == "rate-limit"


def test_a_second_setup_complete_is_reported(tmp_path: Path) -> None:
    found = result(tape(tmp_path, [*TURN, {"setupComplete": {}}]))
    assert [f.code for f in found.findings] == ["SC390"]
    assert "a second setupComplete" in found.findings[0].message


def test_json_report_names_the_protocol_and_the_close_meaning() -> None:
    done = run_streamcheck("check", str(LIVE / "invalid-argument-close.tape"), "--format", "json")
    report = orjson.loads(done.stdout)
    (finding,) = report["results"][0]["findings"]
    assert "the Live API's invalid argument" in finding["message"]


def test_the_devtools_har_of_a_browser_session_is_judged() -> None:
    found = result(FIXTURES / "har" / "gemini-live-cut.har")
    assert (found.provider, found.api) == ("gemini", "live")
    assert [f.code for f in found.findings] == ["SC391"]

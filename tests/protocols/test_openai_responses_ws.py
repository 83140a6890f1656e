"""OpenAI Responses over WebSocket (`wss://.../v1/responses`): each response judged by the HTTP
stream's grammar, several turns on one socket, and the WebSocket error shape judged as its own
(openai-python's ResponseWsError), never as the HTTP stream's `error` event or "HTTP 200"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURES, run_in_process

WS = FIXTURES / "openai-responses-ws"


def check(name: str) -> tuple[int, dict[str, Any], str]:
    done = run_in_process("check", str(WS / name), "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    text = run_in_process("check", str(WS / name)).stdout
    [result] = json.loads(done.stdout)["results"]
    return done.returncode, result, text


def codes(result: dict[str, Any]) -> list[str]:
    return sorted(f["code"] for f in result["findings"])


def test_two_turns_on_one_socket_are_clean() -> None:
    """A second response.created after the first response.completed is the next turn, not an
    event after the terminal one (SC302) nor a sequence_number going back (SC315)."""
    code, result, _ = check("two-turns.tape")
    assert code == 0 and codes(result) == [], result["findings"]
    assert (result["provider"], result["api"], result["api_version"]) == (
        "openai",
        "responses",
        "2.3.0",
    )


def test_an_error_answering_response_create_is_one_finding_in_its_own_shape() -> None:
    """Regression: the WebSocket error (status + nested error, no sequence_number) was judged
    by the HTTP `error` event's schema (SC201), as a wrong first event (SC309) and as an error
    'inside a 200 stream' of a 101 session, with the 2025-03 launch schemas (SC902)."""
    code, result, text = check("error-on-create.tape")
    assert code == 1
    assert codes(result) == ["SC403"], result["findings"]
    [finding] = result["findings"]
    assert finding["message"].startswith("error event in the WebSocket session: [bad-request]")
    assert (
        "status 400" in finding["message"] and "previous_response_not_found" in finding["message"]
    )
    assert "HTTP 200" not in text and "200 stream" not in text
    assert result["error_class"] == "bad-request"
    assert result["api_version"] == "2.3.0"


def test_an_error_mid_response_ends_that_response() -> None:
    code, result, _ = check("error-mid-response.tape")
    assert code == 1 and codes(result) == ["SC403"], result["findings"]
    [finding] = result["findings"]
    assert "it ended the streaming response" in finding["message"]
    assert "status 500" in finding["message"]
    assert result["error_class"] == "server-error"


def test_a_socket_dropped_mid_response_is_a_cut_response() -> None:
    code, result, _ = check("cut.tape")
    assert code == 1
    assert codes(result) == ["SC301", "SC601"], result["findings"]


def test_events_without_sequence_numbers_are_judged_by_the_launch_shape_and_said(
    tmp_path: Path,
) -> None:
    """aimock's Responses WebSocket events carry no sequence_number: one SC902 note saying which
    version judged them, as over HTTP; it was one SC201 error per event (exit 1), although
    openai-python never reads the field."""
    lines = (WS / "two-turns.tape").read_text().splitlines()
    stripped = []
    for line in lines:
        record = json.loads(line)
        if record.get("dir") == "received":
            event = json.loads(record["text"])
            event.pop("sequence_number", None)
            record["text"] = json.dumps(event)
        stripped.append(json.dumps(record))
    tape = tmp_path / "no-numbers.tape"
    tape.write_text("\n".join(stripped) + "\n")
    done = run_in_process("check", str(tape), "--format", "json")
    [result] = json.loads(done.stdout)["results"]
    assert done.returncode == 0, result["findings"]
    assert codes(result) == ["SC902"] and result["api_version"] == "2025-03"
    assert "no sequence_number" in result["findings"][0]["message"]

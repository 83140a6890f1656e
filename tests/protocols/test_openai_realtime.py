"""OpenAI Realtime over WebSocket: GA and beta event names each validate against their own
version, the response grammar (response.created ... response.done and its status), error
events, and the close judged by whether a response was still open."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from streamcheck.model import Close, CloseState, Direction, EndReason, Message, Request
from streamcheck.sources.tape_ws import dumps
from tests.conftest import FIXTURES, run_streamcheck

GA = FIXTURES / "openai-realtime" / "ga-text.tape"
BETA = FIXTURES / "openai-realtime" / "beta-text.tape"
URL = "wss://api.openai.com/v1/realtime?model=gpt-realtime"


def check(*args: str) -> tuple[int, list[dict[str, Any]]]:
    done = run_streamcheck("check", *args, "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)["results"]


def codes(result: dict[str, Any]) -> set[str]:
    return {f["code"] for f in result["findings"]}


def test_ga_names_validate_against_ga_and_beta_names_against_beta() -> None:
    for path, version in ((GA, "ga"), (BETA, "beta")):
        rc, [result] = check(str(path))
        assert rc == 0, result["findings"]
        assert (result["provider"], result["api"], result["api_version"]) == (
            "openai",
            "realtime",
            version,
        )
        assert result["framing"] == "websocket" and result["findings"] == []


@pytest.mark.parametrize(("path", "other"), [(GA, "beta"), (BETA, "ga")])
def test_each_version_rejects_the_other_versions_names(path: Path, other: str) -> None:
    rc, [result] = check(str(path), "--api-version", other)
    assert rc == 1
    assert {"SC202", "SC355"} <= codes(result)
    renamed = next(f for f in result["findings"] if f["code"] == "SC355")
    assert "response.output_text.delta" in renamed["message"]


def session_created(ga: bool) -> dict[str, Any]:
    session: dict[str, Any] = {"id": "sess_1", "object": "realtime.session", "model": "m"}
    if ga:
        session["type"] = "realtime"
    return {"type": "session.created", "event_id": "event_1", "session": session}


def tape(
    tmp_path: Path,
    events: list[dict[str, Any]],
    close: Close,
    headers: dict[str, str] | None = None,
    url: str | None = URL,
) -> str:
    received = [
        Message(Direction.RECEIVED, json.dumps(e).encode(), time=0.1 * i)
        for i, e in enumerate(events)
    ]
    request = Request("GET", url, headers or {})
    end = EndReason.RESET if close.state is CloseState.NO_CLOSE_FRAME else EndReason.EOF
    path = tmp_path / "rt.tape"
    path.write_bytes(dumps([({"request": request}, received, close, end)]))
    return str(path)


def test_the_version_comes_from_the_header_or_the_session_shape(tmp_path: Path) -> None:
    close = Close(CloseState.CLOSED, 1000, "", "client")
    beta_by_header = tape(tmp_path, [session_created(True)], close, {"OpenAI-Beta": "realtime=v1"})
    # The session's shape wins over the header (a GA session object has a `type`).
    assert check(beta_by_header)[1][0]["api_version"] == "ga"
    beta_by_shape = tape(tmp_path, [session_created(False)], close, url=None)
    [result] = check(beta_by_shape)[1]
    assert (result["api"], result["api_version"]) == ("realtime", "beta")


def response(rid: str, status: str, **extra: Any) -> dict[str, Any]:
    return {"object": "realtime.response", "id": rid, "status": status, "output": [], **extra}


@pytest.mark.parametrize(
    ("status", "details", "severity"),
    [
        ("failed", {"type": "failed", "error": {"type": "server_error", "code": "x"}}, "error"),
        ("incomplete", {"type": "incomplete", "reason": "max_output_tokens"}, "warning"),
        ("cancelled", {"type": "cancelled", "reason": "turn_detected"}, "info"),
    ],
)
def test_response_done_status_is_judged(
    tmp_path: Path, status: str, details: dict[str, Any], severity: str
) -> None:
    events = [
        session_created(True),
        {"type": "response.created", "event_id": "e2", "response": response("r1", "in_progress")},
        {
            "type": "response.done",
            "event_id": "e3",
            "response": response("r1", status, status_details=details),
        },
    ]
    _, [result] = check(tape(tmp_path, events, Close(CloseState.CLOSED, 1000, "", "client")))
    [finding] = [f for f in result["findings"] if f["code"] == "SC351"]
    assert finding["severity"] == severity
    assert status in finding["message"]
    assert str(details.get("reason") or details["error"]["type"]) in finding["message"]


def test_an_open_response_behind_a_clean_close_is_cut(tmp_path: Path) -> None:
    events = [
        session_created(True),
        {"type": "response.created", "event_id": "e2", "response": response("r1", "in_progress")},
    ]
    rc, [result] = check(tape(tmp_path, events, Close(CloseState.CLOSED, None, "", "server")))
    assert rc == 1
    assert {"SC350", "SC603"} <= codes(result)
    sc603 = next(f for f in result["findings"] if f["code"] == "SC603")
    assert "1005" in sc603["message"]


def test_a_recoverable_error_is_a_warning_a_final_one_an_error(tmp_path: Path) -> None:
    error = {
        "type": "error",
        "event_id": "e2",
        "error": {"type": "invalid_request_error", "message": "bad"},
    }
    after = {"type": "rate_limits.updated", "event_id": "e3", "rate_limits": []}
    close = Close(CloseState.CLOSED, 1000, "", "client")
    _, [went_on] = check(tape(tmp_path, [session_created(True), error, after], close))
    _, [ended] = check(tape(tmp_path, [session_created(True), error], close))
    [one] = [f for f in went_on["findings"] if f["code"] == "SC352"]
    [two] = [f for f in ended["findings"] if f["code"] == "SC352"]
    assert (one["severity"], two["severity"]) == ("warning", "error")


def test_a_dropped_connection_is_sc601(tmp_path: Path) -> None:
    events = [session_created(True)]
    rc, [result] = check(tape(tmp_path, events, Close(CloseState.NO_CLOSE_FRAME)))
    # No response was open: the drop lost nothing, so a warning (exit 0 at --fail-on error).
    assert rc == 0 and "SC601" in codes(result)
    assert next(f for f in result["findings"] if f["code"] == "SC601")["severity"] == "warning"
    events.append(
        {"type": "response.created", "event_id": "e2", "response": response("r1", "in_progress")}
    )
    rc, [result] = check(tape(tmp_path, events, Close(CloseState.NO_CLOSE_FRAME)))
    assert rc == 1
    assert next(f for f in result["findings"] if f["code"] == "SC601")["severity"] == "error"

"""The per-exchange pipeline: sniffing, error bodies versus streams, detection."""

from __future__ import annotations

from streamcheck import CheckOptions, Severity, check_bytes, check_paths

CHUNK = (
    b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":%s,"finish_reason":%s}]}\n\n'
)
CLEAN = (
    CHUNK % (b'{"role":"assistant","content":""}', b"null")
    + CHUNK % (b'{"content":"Hi"}', b"null")
    + CHUNK % (b"{}", b'"stop"')
    + b"data: [DONE]\n\n"
)


def codes(body: bytes, **kwargs: object) -> list[str]:
    report = check_bytes(body, **kwargs)  # type: ignore[arg-type]
    return [f.code for f in report.findings()]


def test_clean_openai_stream_has_no_findings() -> None:
    report = check_bytes(CLEAN)
    assert [f.code for f in report.findings()] == []
    result = report.results[0]
    assert (result.provider, result.api, result.framing) == ("openai", "chat-completions", "sse")
    assert result.frames == 4


def test_error_body_where_stream_expected_is_classified() -> None:
    body = (
        b"HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n\r\n"
        b'{"error":{"message":"You exceeded your current quota, please check your plan and '
        b'billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}'
    )
    report = check_bytes(body)
    [finding] = list(report.findings())
    assert finding.code == "SC401"
    assert report.results[0].error_class == "billing"
    assert finding.hint is not None and "credit" in finding.hint


def test_html_page_is_a_non_standard_error_body() -> None:
    body = b"HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\n\r\n<html>Bad Gateway</html>"
    assert codes(body) == ["SC402"]


def test_empty_body_is_reported() -> None:
    assert codes(b"") == ["SC114"]


def test_select_and_ignore_filter_codes() -> None:
    cut = CLEAN.removesuffix(b"data: [DONE]\n\n")
    assert codes(cut) == ["SC301"]
    assert codes(cut, options=CheckOptions(ignore=("SC3",))) == []
    assert codes(cut, options=CheckOptions(select=("SC1",))) == []


def test_fail_on_threshold_decides_failure() -> None:
    body = CLEAN.replace(b'{"role":"assistant","content":""}', b'{"content":""}')
    assert codes(body) == ["SC306"]
    assert not check_bytes(body).failed
    assert check_bytes(body, CheckOptions(fail_on=Severity.WARNING)).failed


def test_unknown_requested_version_falls_back_and_says_so() -> None:
    from tests.conftest import FIXTURES

    report = check_paths([str(FIXTURES / "rules" / "SC910" / "bad.tape")])
    [finding] = list(report.findings())
    assert finding.code == "SC910" and "'2023-01-01'" in finding.message
    assert report.results[0].api_version == "2023-06-01"

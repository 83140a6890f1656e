"""What the official SDKs do with each fault `serve` injects, pinned.

Run `python -m tests.live.test_sdk_survival --write` to rewrite the README table from these
expectations (the SDK versions are the ones requirements/ci.lock pins); a test keeps README and
expectations the same, and another that the installed SDKs are the locked ones.
"""

from __future__ import annotations

import sys
from importlib.metadata import version

import anthropic
import openai
import pytest

from streamcheck.live.faults import FAULTS
from tests.conftest import ROOT
from tests.live.conftest import ANTHROPIC_CANARY, OPENAI_CANARY
from tests.lock import locked

TIMEOUT = 1.0  # client timeout; the stall fault outlasts it
FULL_TEXT = "Pong! How can I help?"

# fault -> (openai-python, anthropic-python). "returns" means the stream ended without an
# exception: the caller must notice by itself that text, finish_reason or stop_reason are missing.
EXPECTED: dict[str, tuple[str, str]] = {
    "none": ("returns: full text, finish stop", "returns: full text, stop end_turn"),
    "drop-finish-reason": ("returns: full text, no finish", "returns: full text, no stop"),
    "truncate-after:2": ("returns: partial text, no finish", "returns: no text, no stop"),
    "truncate-mid-frame": ("returns: partial text, no finish", "returns: partial text, no stop"),
    "drop-terminator": ("returns: full text, finish stop", "returns: full text, stop end_turn"),
    "http-401": ("raises openai.AuthenticationError", "raises anthropic.AuthenticationError"),
    "http-403": ("raises openai.PermissionDeniedError", "raises anthropic.PermissionDeniedError"),
    "http-404-model": ("raises openai.NotFoundError", "raises anthropic.NotFoundError"),
    "http-429-quota": (
        "raises openai.RateLimitError",
        "raises anthropic.EnforcedSpendLimitReachedError",
    ),
    "http-429-rate": ("raises openai.RateLimitError", "raises anthropic.RateLimitError"),
    "http-500": ("raises openai.InternalServerError", "raises anthropic.InternalServerError"),
    "http-502-html": ("raises openai.InternalServerError", "raises anthropic.InternalServerError"),
    "error-event": (
        "raises openai.APIError after partial text",
        "raises anthropic.APIStatusError after partial text",
    ),
    "stall:2": (
        "raises openai.APITimeoutError after partial text",
        "raises httpx2.ReadTimeout after partial text",
    ),
    "reset": (
        "raises openai.APIConnectionError after partial text",
        "raises httpx2.RemoteProtocolError after partial text",
    ),
}


def _describe(text: str, end: str | None, end_name: str, error: Exception | None) -> str:
    if error is not None:
        module = type(error).__module__.split(".")[0]
        after = " after partial text" if text else ""
        return f"raises {module}.{type(error).__name__}{after}"
    amount = "full text" if text == FULL_TEXT else "partial text" if text else "no text"
    return f"returns: {amount}, " + (f"{end_name} {end}" if end else f"no {end_name}")


def run_openai(url: str, fault: str) -> str:
    headers = {} if fault == "none" else {"x-streamcheck-fault": fault}
    text, finish, error = "", None, None
    # Clients and streams are closed whatever happens: a leaked socket fails a later test.
    with openai.OpenAI(
        api_key=OPENAI_CANARY, base_url=url + "/v1", max_retries=0, timeout=TIMEOUT
    ) as client:
        try:
            with client.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": "ping"}],
                stream=True,
                extra_headers=headers,
            ) as stream:
                for chunk in stream:
                    for choice in chunk.choices:
                        text += choice.delta.content or ""
                        finish = choice.finish_reason or finish
        except Exception as exc:
            error = exc
    return _describe(text, finish, "finish", error)


def run_anthropic(url: str, fault: str) -> str:
    headers = {} if fault == "none" else {"x-streamcheck-fault": fault}
    text, stop, error = "", None, None
    with anthropic.Anthropic(
        api_key=ANTHROPIC_CANARY, base_url=url, max_retries=0, timeout=TIMEOUT
    ) as client:
        try:
            with client.messages.create(
                model="claude-3-5-haiku-20241022",
                max_tokens=64,
                messages=[{"role": "user", "content": "ping"}],
                stream=True,
                extra_headers=headers,
            ) as stream:
                for event in stream:
                    if event.type == "content_block_delta" and event.delta.type == "text_delta":
                        text += event.delta.text
                    elif event.type == "message_delta":
                        stop = event.delta.stop_reason or stop
        except Exception as exc:
            error = exc
    return _describe(text, stop, "stop", error)


def test_every_fault_is_pinned() -> None:
    names = {key.split(":")[0] for key in EXPECTED} - {"none"}
    assert names == set(FAULTS)


@pytest.mark.parametrize("fault", list(EXPECTED))
def test_openai_sdk(served: str, fault: str) -> None:
    assert run_openai(served, fault) == EXPECTED[fault][0]


@pytest.mark.parametrize("fault", list(EXPECTED))
def test_anthropic_sdk(served: str, fault: str) -> None:
    assert run_anthropic(served, fault) == EXPECTED[fault][1]


def table() -> str:
    head = (
        f"| fault | openai-python {locked('openai')} | "
        f"anthropic-python {locked('anthropic')} |\n| --- | --- | --- |\n"
    )
    rows = []
    for fault, (oa, an) in EXPECTED.items():
        cells = [_cell(oa), _cell(an)]
        rows.append(f"| `{fault}` | {cells[0]} | {cells[1]} |")
    return head + "\n".join(rows) + "\n"


def _cell(outcome: str) -> str:
    if outcome.startswith("raises"):
        name, _, rest = outcome.removeprefix("raises ").partition(" ")
        return f"raises `{name}`{' ' + rest if rest else ''}"
    clean = outcome in ("returns: full text, finish stop", "returns: full text, stop end_turn")
    return ("ok" if clean else "**silent**") + outcome.removeprefix("returns")


def test_readme_table_matches() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert table() in readme, "regenerate with: python -m tests.live.test_sdk_survival --write"


@pytest.mark.parametrize("sdk", ["openai", "anthropic"])
def test_the_installed_sdk_is_the_locked_one(sdk: str) -> None:
    """The table describes what ran: the suite runs against the versions the lock pins."""
    assert version(sdk) == locked(sdk)


def write_readme() -> None:
    """Replace the table in README.md (from its header row to the first blank line)."""
    path = ROOT / "README.md"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("| fault | openai-python"))
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("|"))
    path.write_text("".join(lines[:start]) + table() + "".join(lines[end:]), encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write_readme()
    else:
        print(table(), end="")

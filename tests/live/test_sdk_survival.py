"""What the official SDKs do with each fault `serve` injects, pinned, and the README table.

The table is made by the same path users get: each fault is recorded from `serve` with
`streamcheck record` (fixtures/faults/<dialect>/<fault>.tape), then replayed through the real
SDK by `streamcheck check --client openai-python` / `--client anthropic-python`. Run
`python -m tests.live.test_sdk_survival --write` to record the fixtures again and rewrite the
README table (the SDK versions are the ones requirements/ci.lock pins).

Tests: the fault fixtures through `--client` give EXPECTED for every fault; fresh recordings
from `serve` do too (the fixtures are what `serve` sends today); the SDKs called over a real
socket against `serve` give EXPECTED as well (the replay is faithful to the network path); the
README holds the table the `--client` path makes; the installed SDKs are the locked ones.
"""

from __future__ import annotations

import shutil
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import anthropic
import openai
import orjson
import pytest

from streamcheck.live.serve.faults import FAULTS
from tests.conftest import FIXTURES, ROOT, run_streamcheck
from tests.live.conftest import ANTHROPIC_CANARY, CANARY_ENV, OPENAI_CANARY, assert_no_canary
from tests.lock import locked

TIMEOUT = 1.0  # client timeout; the stall fault outlasts it


def socket_timeout(fault: str) -> float:
    """The SDKs' timeout over a socket: short only where the stall must outlast it; elsewhere
    long, so a loaded machine (a load average of 10 took an answer past 1 s) changes nothing."""
    return TIMEOUT if fault.startswith("stall") else 10.0


FULL_TEXT = "Pong! How can I help?"
FAULT_FIXTURES = FIXTURES / "faults"
DIALECTS = {
    # dialect: (client, record flags)
    "openai": ("openai-python", ("--provider", "openai", "--model", "gpt-4o-mini")),
    "anthropic": (
        "anthropic-python",
        ("--provider", "anthropic", "--model", "claude-3-5-haiku-20241022"),
    ),
}

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


def _describe(text: str, end: str | None, end_name: str, error: str | None) -> str:
    """One cell's outcome: `error` is the exception as `module.Class`."""
    if error is not None:
        after = " after partial text" if text else ""
        return f"raises {error}{after}"
    amount = "full text" if text == FULL_TEXT else "partial text" if text else "no text"
    return f"returns: {amount}, " + (f"{end_name} {end}" if end else f"no {end_name}")


def fixture_name(fault: str) -> str:
    return fault.replace(":", "-")  # no colon in a file name (Windows checkouts)


# -- the --client path: record from serve, replay through the SDK --------------------------------


def record_faults(url: str, folder: Path, dialect: str) -> None:
    """One tape per fault in folder/<dialect>/, recorded from `serve` with `streamcheck record`."""
    target = folder / dialect
    target.mkdir(parents=True, exist_ok=True)
    flags = DIALECTS[dialect][1]
    base = url + "/v1" if dialect == "openai" else url
    for fault in EXPECTED:
        headers = () if fault == "none" else ("-H", f"x-streamcheck-fault: {fault}")
        tape = target / f"{fixture_name(fault)}.tape"
        done = run_streamcheck(
            "record", *flags, "--base-url", base, *headers, "-o", str(tape), env=CANARY_ENV
        )
        assert tape.is_file(), f"{fault}: {done.stdout}{done.stderr}"
        assert_no_canary(tape.read_bytes(), done.stdout, done.stderr)


def client_outcomes(folder: Path, dialect: str) -> dict[str, str]:
    """fault -> outcome, from `check --client` over folder/<dialect>/ (one tape per fault)."""
    client = DIALECTS[dialect][0]
    done = run_streamcheck(
        "check",
        str(folder / dialect),
        "--client",
        client,
        "--client-timeout",
        str(TIMEOUT),
        "--format",
        "json",
    )
    assert done.returncode in (0, 1), done.stderr
    assert_no_canary(done.stdout)
    names = {fixture_name(fault): fault for fault in EXPECTED}
    found: dict[str, str] = {}
    for result in orjson.loads(done.stdout)["results"]:
        seen: dict[str, Any] = result["client"]
        end_name = "finish" if dialect == "openai" else "stop"
        found[names[Path(result["source"]).stem]] = _describe(
            seen["text"], seen["finish"], end_name, seen["error"]
        )
    return found


def expected(dialect: str) -> dict[str, str]:
    column = list(DIALECTS).index(dialect)
    return {fault: cells[column] for fault, cells in EXPECTED.items()}


def test_every_fault_is_pinned() -> None:
    names = {key.split(":")[0] for key in EXPECTED}
    assert names == set(FAULTS)


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_the_fault_fixtures_through_the_client_give_the_table(dialect: str) -> None:
    tapes = sorted(p.stem for p in (FAULT_FIXTURES / dialect).glob("*.tape"))
    assert tapes == sorted(fixture_name(f) for f in EXPECTED)
    assert client_outcomes(FAULT_FIXTURES, dialect) == expected(dialect)


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_recorded_afresh_from_serve_they_still_give_the_table(
    served: str, dialect: str, tmp_path: Path
) -> None:
    record_faults(served, tmp_path, dialect)
    assert client_outcomes(tmp_path, dialect) == expected(dialect)


# -- the SDKs over a real socket: the replay tells what the network path tells -----------------


def run_openai(url: str, fault: str) -> str:
    headers = {} if fault == "none" else {"x-streamcheck-fault": fault}
    text, finish, error = "", None, None
    # Clients and streams are closed whatever happens: a leaked socket fails a later test.
    with openai.OpenAI(
        api_key=OPENAI_CANARY,
        base_url=url + "/v1",
        max_retries=0,
        timeout=socket_timeout(fault),
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
    return _describe(text, finish, "finish", _name(error))


def run_anthropic(url: str, fault: str) -> str:
    headers = {} if fault == "none" else {"x-streamcheck-fault": fault}
    text, stop, error = "", None, None
    with anthropic.Anthropic(
        api_key=ANTHROPIC_CANARY, base_url=url, max_retries=0, timeout=socket_timeout(fault)
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
    return _describe(text, stop, "stop", _name(error))


def _name(error: Exception | None) -> str | None:
    if error is None:
        return None
    return f"{type(error).__module__.split('.')[0]}.{type(error).__name__}"


@pytest.mark.parametrize("fault", list(EXPECTED))
def test_openai_sdk_over_a_socket(served: str, fault: str) -> None:
    assert run_openai(served, fault) == EXPECTED[fault][0]


@pytest.mark.parametrize("fault", list(EXPECTED))
def test_anthropic_sdk_over_a_socket(served: str, fault: str) -> None:
    assert run_anthropic(served, fault) == EXPECTED[fault][1]


# -- the README table ---------------------------------------------------------------------------


def table(outcomes: dict[str, dict[str, str]]) -> str:
    """The README table from each dialect's outcomes (fault -> outcome)."""
    head = (
        f"| fault | openai-python {locked('openai')} | "
        f"anthropic-python {locked('anthropic')} |\n| --- | --- | --- |\n"
    )
    rows = []
    for fault in EXPECTED:
        cells = [_cell(outcomes[dialect][fault]) for dialect in DIALECTS]
        rows.append(f"| `{fault}` | {cells[0]} | {cells[1]} |")
    return head + "\n".join(rows) + "\n"


def _cell(outcome: str) -> str:
    if outcome.startswith("raises"):
        name, _, rest = outcome.removeprefix("raises ").partition(" ")
        return f"raises `{name}`{' ' + rest if rest else ''}"
    clean = outcome in ("returns: full text, finish stop", "returns: full text, stop end_turn")
    return ("ok" if clean else "**silent**") + outcome.removeprefix("returns")


def test_readme_table_is_the_one_the_client_path_makes() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    made = table({dialect: client_outcomes(FAULT_FIXTURES, dialect) for dialect in DIALECTS})
    assert made == table({dialect: expected(dialect) for dialect in DIALECTS})
    assert made in readme, "regenerate with: python -m tests.live.test_sdk_survival --write"


@pytest.mark.parametrize("sdk", ["openai", "anthropic"])
def test_the_installed_sdk_is_the_locked_one(sdk: str) -> None:
    """The table describes what ran: the suite runs against the versions the lock pins."""
    assert version(sdk) == locked(sdk)


def write() -> None:
    """Record every fault from `serve` into fixtures/faults, replay them through `--client`,
    and replace the README table (from its header row to the first non-table line)."""
    from streamcheck.live.serve.server import ServeOptions, running

    outcomes = {}
    with running([str(FIXTURES / "live")], ServeOptions(speed=0)) as url:
        for dialect in DIALECTS:
            shutil.rmtree(FAULT_FIXTURES / dialect, ignore_errors=True)
            record_faults(url, FAULT_FIXTURES, dialect)
            outcomes[dialect] = client_outcomes(FAULT_FIXTURES, dialect)
    path = ROOT / "README.md"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("| fault | openai-python"))
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("|"))
    path.write_text("".join(lines[:start]) + table(outcomes) + "".join(lines[end:]), "utf-8")
    for dialect, found in outcomes.items():
        for fault, outcome in found.items():
            said = expected(dialect)[fault]
            if outcome != said:
                print(f"{dialect} {fault}: EXPECTED says {said!r}, --client gives {outcome!r}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write()
    else:
        print(table({d: client_outcomes(FAULT_FIXTURES, d) for d in DIALECTS}), end="")

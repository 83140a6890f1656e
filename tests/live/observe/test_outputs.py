"""The per-exchange outputs (log line, tapes, metrics, spans), fed exchanges checked from the
fixtures as a driver feeds them."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

from streamcheck.exceptions import MissingExtra
from streamcheck.live.observe import Observed, OutputOptions, Outputs
from streamcheck.live.observe.labels import BoundedLabel
from tests.conftest import FIXTURES, run_streamcheck
from tests.live.observe.helpers import observed_tape

FAULTS = FIXTURES / "faults" / "openai"


def _log(outputs_options: OutputOptions, *observed: Observed) -> list[dict[str, Any]]:
    stream = io.BytesIO()
    outputs = Outputs(outputs_options, "proxy", log_stream=stream)
    for item in observed:
        outputs.emit(item)
    outputs.close()
    return [orjson.loads(line) for line in stream.getvalue().splitlines()]


def test_a_clean_stream_logs_one_line_with_what_happened() -> None:
    [line] = _log(OutputOptions(), observed_tape(FAULTS / "none.tape"))
    assert line["via"] == "proxy"
    assert (line["provider"], line["api"], line["model"]) == (
        "openai",
        "chat-completions",
        "gpt-4o-mini",
    )
    assert line["response_model"] == "gpt-4o-mini-2024-07-18"
    assert line["status"] == 200 and line["verdict"] == "ok" and line["codes"] == []
    assert line["finish_reasons"] == ["stop"]
    assert line["end"] == "eof" and line["tape"] is None
    assert line["ttfb_s"] is not None and line["duration_s"] is not None
    assert line["bytes_in"] == 120 and isinstance(line["bytes_out"], int) and line["bytes_out"]
    assert line["ts"] == "2025-12-06T05:46:40.250Z"


def test_a_cut_stream_logs_its_codes_and_verdict() -> None:
    [line] = _log(OutputOptions(), observed_tape(FAULTS / "truncate-after-2.tape"))
    assert line["verdict"] == "defects"
    assert "SC301" in line["codes"] and line["worst"] == "error"
    # The checker's cause of the cut (check/cause.py), as it found it.
    assert line["cause"]["kind"] == "clean-close" and line["cause"]["summary"]


def test_an_error_body_logs_its_class() -> None:
    [line] = _log(OutputOptions(), observed_tape(FAULTS / "http-401.tape"))
    assert (line["status"], line["verdict"], line["error_class"]) == (401, "auth", "auth")


def test_failing_exchanges_are_saved_as_tapes_and_the_oldest_dropped(tmp_path: Path) -> None:
    folder = tmp_path / "tapes"
    options = OutputOptions(log=None, tapes=folder, tapes_max_count=2)
    outputs = Outputs(options, "proxy")
    assert outputs.emit(observed_tape(FAULTS / "none.tape")) == "ok"
    assert not list(folder.iterdir())  # a clean exchange leaves no tape
    for n, name in enumerate(["truncate-after-2", "http-401", "reset"]):
        outputs.emit(observed_tape(FAULTS / f"{name}.tape", started=1_765_000_000.0 + n))
    outputs.close()
    saved = sorted(p.name for p in folder.iterdir())
    assert len(saved) == 2
    assert saved[0].endswith("-auth.tape") and saved[1].endswith("-unreachable.tape")
    # A saved tape checks as the fixture it came from does.
    for tape_file, fixture in zip(sorted(folder.iterdir()), ["http-401", "reset"], strict=True):
        ours = run_streamcheck("check", "--format", "json", str(tape_file))
        theirs = run_streamcheck("check", "--format", "json", str(FAULTS / f"{fixture}.tape"))
        assert _codes(ours.stdout) == _codes(theirs.stdout) != []


def test_a_tape_over_the_size_cap_is_skipped_and_the_log_says_so(tmp_path: Path) -> None:
    options = OutputOptions(tapes=tmp_path, tapes_max_bytes=100)
    [line] = _log(options, observed_tape(FAULTS / "truncate-after-2.tape"))
    assert line["verdict"] == "defects" and line["tape"] is None
    assert not list(tmp_path.iterdir())


def test_a_folder_from_an_earlier_run_is_counted_in_the_cap(tmp_path: Path) -> None:
    first = Outputs(OutputOptions(log=None, tapes=tmp_path, tapes_max_count=1), "proxy")
    first.emit(observed_tape(FAULTS / "reset.tape", started=1_765_000_000.0))
    second = Outputs(OutputOptions(log=None, tapes=tmp_path, tapes_max_count=1), "proxy")
    second.emit(observed_tape(FAULTS / "http-401.tape", started=1_765_000_001.0))
    [only] = list(tmp_path.iterdir())
    assert only.name.endswith("-auth.tape")


def _codes(report: str) -> list[str]:
    value = orjson.loads(report)
    return sorted({f["code"] for r in value["results"] for f in r["findings"]})


def test_metrics_are_served_on_their_own_port() -> None:
    registry = CollectorRegistry()
    options = OutputOptions(log=None, metrics_port=0)
    outputs = Outputs(options, "ext-proc", registry=registry)
    try:
        for name in ["none", "truncate-after-2", "http-401", "reset"]:
            outputs.emit(observed_tape(FAULTS / f"{name}.tape"))
        assert outputs.metrics_port
        text = httpx.get(f"http://127.0.0.1:{outputs.metrics_port}/metrics").text
    finally:
        outputs.close()
    assert (
        'streamcheck_streams_total{api="chat-completions",error_class="unknown",'
        'model="gpt-4o-mini",provider="openai",verdict="ok",via="ext-proc"} 1.0'
    ) in text
    assert 'verdict="auth"' in text and 'verdict="defects"' in text
    assert 'streamcheck_findings_total{code="SC301",severity="error"}' in text
    assert (
        'streamcheck_cuts_total{cause="clean-close",hop="unknown",model="gpt-4o-mini",'
        'provider="openai"}'
    ) in text
    assert "streamcheck_time_to_first_token_seconds_bucket" in text
    assert "streamcheck_stream_duration_seconds_count" in text


def test_model_labels_are_bounded_against_a_hostile_client() -> None:
    label = BoundedLabel(limit=3)
    values = [label(f"model-{n}") for n in range(10)]
    assert values[:3] == ["model-0", "model-1", "model-2"]
    assert set(values[3:]) == {"other"}
    assert label("model-1") == "model-1"  # a known value stays itself
    assert BoundedLabel()('GPT-4o\n{evil="1"}' + "x" * 200) == "gpt-4oevil1" + "x" * 53
    assert BoundedLabel()("sk-proj-abcdefghijklmnopqrstuvwxyz0123") == "redacted"


def test_a_span_per_exchange_with_the_genai_attributes() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    outputs = Outputs(OutputOptions(log=None), "proxy", tracer_provider=provider)
    outputs.emit(observed_tape(FAULTS / "none.tape"))
    outputs.emit(observed_tape(FAULTS / "truncate-after-2.tape"))
    clean, cut = exporter.get_finished_spans()
    assert clean.name == "chat gpt-4o-mini"
    attributes: dict[str, Any] = dict(clean.attributes or {})
    assert attributes["gen_ai.provider.name"] == "openai"
    assert attributes["gen_ai.system"] == "openai"
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.request.model"] == "gpt-4o-mini"
    assert attributes["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18"
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert attributes["gen_ai.usage.input_tokens"] == 8
    assert attributes["gen_ai.usage.output_tokens"] == 5
    assert attributes["gen_ai.response.time_to_first_chunk"] > 0
    assert attributes["streamcheck.verdict"] == "ok"
    assert clean.start_time == 1_765_000_000_250_000_000
    assert (clean.end_time or 0) > clean.start_time
    cut_attributes: dict[str, Any] = dict(cut.attributes or {})
    assert cut_attributes["streamcheck.verdict"] == "defects"
    assert "SC301" in cut_attributes["streamcheck.codes"]
    assert cut_attributes["error.type"] == "defects"
    assert cut.status.status_code.name == "ERROR"


def test_a_missing_extra_is_one_line_naming_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "prometheus_client", None)
    with pytest.raises(MissingExtra) as raised:
        Outputs(OutputOptions(metrics_port=0), "proxy")
    message = str(raised.value)
    assert "pip install 'prometheus-client>=" in message and "[metrics] extra" in message
    assert "\n" not in message
    monkeypatch.setitem(sys.modules, "opentelemetry.sdk", None)
    with pytest.raises(MissingExtra, match=r"pip install 'opentelemetry-sdk>="):
        Outputs(OutputOptions(otel=True), "proxy")


def test_a_failing_output_never_stops_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocked = tmp_path / "not-a-folder"
    stream = io.BytesIO()
    outputs = Outputs(OutputOptions(tapes=tmp_path / "t"), "proxy", log_stream=stream)
    (tmp_path / "t").rmdir()
    blocked.write_text("")
    (tmp_path / "t").symlink_to(blocked)  # writing a tape now fails
    for _ in range(2):
        outputs.emit(observed_tape(FAULTS / "reset.tape"))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and orjson.loads(lines[0])["tape"] is None
    assert capsys.readouterr().err.count("the tape output failed") == 1


def _long_stream(chunks: int) -> list[bytes]:
    def frame(delta: dict[str, Any], finish: str | None = None, **more: Any) -> bytes:
        value = {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **more,
        }
        return b"data: " + orjson.dumps(value) + b"\n\n"

    body = [frame({"role": "assistant", "content": ""})]
    body += [frame({"content": "word " * 20}) for _ in range(chunks)]
    body.append(frame({}, "length"))
    usage = {"prompt_tokens": 31, "completion_tokens": 4096, "total_tokens": 4127}
    body.append(frame({}, None, usage=usage).replace(b'"choices":[{', b'"choices":[],"x":[{'))
    return [*body, b"data: [DONE]\n\n"]


@pytest.mark.parametrize("cap", [8 * 1024 * 1024, 10_000])
def test_facts_come_from_both_ends_of_a_long_stream(cap: int) -> None:
    """The model at the start, the finish and usage at the end: found past the tape cap too,
    and no more than the two ends is read."""
    from streamcheck.live.observe import BodyKeeper

    keeper = BodyKeeper(max_bytes=cap)
    for n, piece in enumerate(_long_stream(2000)):
        keeper.add(piece, n * 0.01)
    assert keeper.truncated is (cap == 10_000)
    facts = keeper.facts
    assert facts.response_model == "gpt-4o-mini-2024-07-18"
    assert facts.finish_reasons == ["length"]
    assert (facts.input_tokens, facts.output_tokens) == (31, 4096)
    assert sum(len(p) for p in keeper.tail) < 64 * 1024  # past the cap: a bounded tail only

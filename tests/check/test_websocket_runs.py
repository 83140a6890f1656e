"""A recorded WebSocket session is checked in runs of messages (check/exchange.py feeds
`StreamChecker.feed_messages`, one frame loop per run; Realtime content deltas repeat through
check/repeat.py): every finding, its order and its position are what one message at a time
on the reference path gives (protocols/shortcuts.reference_only). Each case puts a defect where
a wrong run boundary would lose, move or reorder it."""

from __future__ import annotations

import json
import shutil
import tracemalloc
from pathlib import Path
from typing import Any

import orjson
import pytest

from streamcheck.check import StreamChecker
from streamcheck.check.exchange import BYTES_PER_RUN, MESSAGES_PER_RUN
from streamcheck.check.options import CheckOptions
from streamcheck.exceptions import InputError
from streamcheck.model import (
    Close,
    CloseState,
    Direction,
    EndReason,
    Exchange,
    ExchangeResult,
    Finding,
    Message,
    Request,
    Texts,
)
from streamcheck.protocols.shortcuts import reference_only
from streamcheck.run import check_paths
from streamcheck.schemas import Catalog, shipped_root
from streamcheck.sources import read_path
from streamcheck.sources.tape_ws import dumps
from tests.reference import checked_both_ways

URL = "wss://api.openai.com/v1/realtime?model=gpt-realtime"
AT = {"response_id": "resp_1", "item_id": "item_1", "output_index": 0, "content_index": 0}


def _event(n: int, etype: str, **fields: Any) -> bytes:
    return orjson.dumps({"type": etype, "event_id": f"event_{n:05d}", **fields})


def _delta(n: int, text: str = " word", **changes: Any) -> bytes:
    return _event(n, "response.output_text.delta", **{**AT, "delta": text, **changes})


def _session(middle: list[bytes | Message], *, done: bool = True) -> list[Message]:
    """A GA Realtime session: session.created, response.created, `middle` (event bytes are
    received text messages, one every 10 ms; a Message goes in as it is), response.done."""
    head = [
        _event(
            0,
            "session.created",
            session={"type": "realtime", "object": "realtime.session", "id": "sess_1"},
        ),
        _event(1, "response.created", response={"object": "realtime.response", "id": "resp_1"}),
    ]
    tail = [_event(99999, "response.done", response={"id": "resp_1", "status": "completed"})]
    out: list[Message] = [Message(Direction.SENT, b'{"type": "response.create"}', time=0.0)]
    clock = 0.0
    for item in [*head, *middle, *(tail if done else [])]:
        clock += 0.01
        if isinstance(item, Message):
            out.append(item)
            clock = item.time if item.time is not None else clock
        else:
            out.append(Message(Direction.RECEIVED, item, time=round(clock, 3)))
    return out


CLEAN = Close(CloseState.CLOSED, 1000, "", "client", None)


def _tape(
    path: Path, *sessions: list[Message], closes: tuple[Close, ...] = (), url: str = URL
) -> Path:
    """The sessions in one tape file, each closed by its own of `closes` (else cleanly)."""
    fields = {"request": Request("GET", url)}
    ends = [*closes, *[CLEAN] * len(sessions)]
    path.write_bytes(
        dumps([(fields, s, end, EndReason.EOF) for s, end in zip(sessions, ends, strict=False)])
    )
    return path


def _found(results: list[ExchangeResult]) -> list[tuple[str, int | None]]:
    return [(f.code, f.location.frame) for r in results for f in r.findings]


def _at_boundaries() -> list[int]:
    """Frame positions on each side of the first two run boundaries (frames 0-1 are the
    session and the response; the sent message is the first message of the first run)."""
    run = MESSAGES_PER_RUN
    return [run - 2, run - 1, run, 2 * run - 2, 2 * run - 1, 2 * run]


@pytest.mark.parametrize("defect", ["not-a-string", "closed-response", "not-json"])
def test_a_defect_on_either_side_of_a_run_boundary_and_in_the_last_message(
    tmp_path: Path, defect: str
) -> None:
    bad_frames = _at_boundaries()
    count = 2 * MESSAGES_PER_RUN + 40
    middle: list[bytes | Message] = []
    for n in range(2, count):
        if n in bad_frames or n == count - 1:
            if defect == "not-a-string":
                middle.append(_delta(n, delta=5))  # type: ignore[arg-type]
            elif defect == "closed-response":
                middle.append(_delta(n, response_id="resp_0"))
            else:
                middle.append(_delta(n)[:-9])  # the JSON cut short
        else:
            middle.append(_delta(n, f" w{n}"))
    verdicts = checked_both_ways(_tape(tmp_path / "s.tape", _session(middle)))
    code = {"not-a-string": "SC201", "closed-response": "SC353", "not-json": "SC101"}[defect]
    assert [f for c, f in _found(verdicts) if c == code] == [*bad_frames, count - 1]


def test_a_silence_mid_run_is_reported_between_the_frames_around_it(tmp_path: Path) -> None:
    # SC501 comes from the timing of a message, the schema finding from its frame: the run's
    # frames before the silence are judged before it is reported, as one by one.
    middle: list[bytes | Message] = [_delta(n, f" w{n}") for n in range(2, 40)]
    middle[20] = _delta(22, delta=5)  # type: ignore[arg-type]
    middle[21] = Message(Direction.RECEIVED, _delta(23, delta=6), time=100.0)  # type: ignore[arg-type]
    middle[22] = _delta(24, delta=7)  # type: ignore[arg-type]
    verdicts = checked_both_ways(_tape(tmp_path / "gap.tape", _session(middle)))
    assert _found(verdicts)[:4] == [("SC201", 22), ("SC501", None), ("SC201", 23), ("SC201", 24)]


@pytest.mark.parametrize("first", [None, 0.5], ids=["untimed-first", "timed-first"])
def test_timing_of_a_run_with_untimed_messages_and_growing_gaps(
    tmp_path: Path, first: float | None
) -> None:
    # A run is accounted in one pass (timing.ticks): first byte, the largest silence (rounded
    # as `tick` rounds it, growing twice), the total, with messages that carry no time.
    times = [first, None, 0.6, 0.61, None, 2.0123456789, 2.1, 9.5, None, 9.6, 29.0]
    middle: list[bytes | Message] = [
        Message(Direction.RECEIVED, _delta(n, f" w{n}"), time=t)
        for n, t in enumerate(times, start=2)
    ]
    path = tmp_path / "times.tape"
    fields = {"request": Request("GET", URL)}
    session = [m for m in _session(middle) if m.direction is Direction.RECEIVED]
    session = [Message(Direction.RECEIVED, m.data, time=None) for m in session[:2]] + session[2:]
    session[-1] = Message(Direction.RECEIVED, session[-1].data, time=29.5)
    path.write_bytes(dumps([(fields, session, CLEAN, EndReason.EOF)]))
    timing = checked_both_ways(path)[0].timing
    assert timing["max_gap"] == round(29.0 - 9.6, 6)
    assert timing["total"] == 29.5
    assert timing["first_byte"] == (0.5 if first else 0.6)


def test_binary_and_sent_messages_mid_run(tmp_path: Path) -> None:
    # Binary messages are counted (SC125 at the first one's offset) and make no frame; the
    # client's own messages are skipped: neither may shift a frame's index or offset.
    # The first one opens like JSON while the session's first frames wait in the run: once
    # they name the protocol (Realtime sends no JSON in binary) it is no frame. (The URL does
    # not name the API: its first frame does.)
    middle: list[bytes | Message] = [Message(Direction.RECEIVED, b'{"pcm": 1}', True, 0.02)]
    clock = 0.02
    for n in range(2, MESSAGES_PER_RUN + 60):
        clock += 0.01
        if n % 97 == 0:
            middle.append(Message(Direction.RECEIVED, b"\x00\x01pcm", True, round(clock, 3)))
        elif n % 89 == 0:
            middle.append(Message(Direction.SENT, b'{"type": "response.cancel"}', time=clock))
        elif n % 101 == 0:
            middle.append(Message(Direction.RECEIVED, _delta(n, delta=5), time=round(clock, 3)))  # type: ignore[arg-type]
        else:
            middle.append(Message(Direction.RECEIVED, _delta(n, f" w{n}"), time=round(clock, 3)))
    path = _tape(tmp_path / "binary.tape", _session(middle), url="ws://127.0.0.1:9/ws")
    verdicts = checked_both_ways(path)
    found = _found(verdicts)
    assert ("SC125", None) in found
    assert [f for c, f in found if c == "SC201"] != []
    received = [m for m in _session(middle) if m.direction is Direction.RECEIVED]
    assert verdicts[0].frames == sum(1 for m in received if not m.binary)


@pytest.mark.parametrize("gap", [0.01, 100.0], ids=["steady", "silence"])
def test_feed_messages_returns_what_feed_message_on_each_returns(
    tmp_path: Path, gap: float
) -> None:
    # The push API itself: a run fed at once gives the findings, in order, that feeding its
    # messages one by one gives (the report sorts them by position; this list is not sorted).
    middle: list[bytes | Message] = [_delta(n, f" w{n}") for n in range(2, 30)]
    middle[10] = _delta(12, delta=5)  # type: ignore[arg-type]
    middle[11] = Message(Direction.RECEIVED, _delta(13, delta=6), time=gap + 0.13)  # type: ignore[arg-type]
    middle[12] = Message(Direction.RECEIVED, b'{"pcm": 1}', True, gap + 0.14)
    path = _tape(tmp_path / "push.tape", _session(middle), url="ws://127.0.0.1:9/ws")
    options, catalog = CheckOptions(), Catalog(())

    def checked(one_by_one: bool) -> tuple[list[Finding], ExchangeResult]:
        for exchange in read_path(str(path)):  # the file is open while the loop runs
            messages = list(exchange.messages or ())
            break
        checker = StreamChecker(exchange, options, catalog)
        if one_by_one:
            found = [f for m in messages for f in checker.feed_message(m)]
        else:
            found = checker.feed_messages(messages)
        return found, checker.close()

    together, one_by_one = checked(False), checked(True)
    assert together == one_by_one
    codes = [f.code for f in together[0]]
    assert codes == (["SC201", "SC501", "SC201"] if gap > 30 else ["SC201", "SC201"])


def test_gemini_live_json_in_binary_messages_past_a_run(tmp_path: Path) -> None:
    # The Gemini Live server sends its JSON in binary messages: whether a binary message is
    # JSON depends on the protocol the run's first frames name.
    exchange = next(iter(read_path("fixtures/gemini-live/text-turn.tape")))
    recorded = list(exchange.messages or ())
    setup, chunk = recorded[1], recorded[3]
    assert setup.binary and chunk.binary
    many = [Message(Direction.RECEIVED, chunk.data, True, 0.3)] * (MESSAGES_PER_RUN + 5)
    bad = Message(Direction.RECEIVED, b'{"serverContent": {"modelTurn": 5}}', True, 0.3)
    text = Message(Direction.RECEIVED, chunk.data, False, 0.3)  # JSON as a text message
    messages = [recorded[0], setup, *many[:-3], bad, text, *many[-3:], bad]
    path = tmp_path / "live.tape"
    fields = {"request": exchange.request}
    close = Close(CloseState.CLOSED, 1000, "", "client", 1.0)
    path.write_bytes(dumps([(fields, messages, close, EndReason.EOF)]))
    verdicts = checked_both_ways(path)
    frames = verdicts[0].frames
    assert frames == len(messages) - 1  # every received message a frame, text or binary
    assert len([c for c, _ in _found(verdicts) if c == "SC201"]) == 2


@pytest.mark.parametrize(
    "close",
    [
        Close(CloseState.CLOSED, 1011, "boom", "server", 9.0),
        Close(CloseState.NO_CLOSE_FRAME, time=9.0),
    ],
)
def test_a_session_that_closes_mid_run_and_the_next_one_in_the_file(
    tmp_path: Path, close: Close
) -> None:
    # The first session ends (its close in the end record) a few messages into a run, with a
    # response still open and a defect in its last message; the second session of the file
    # must not be read into the first one's run.
    first = [_delta(n, f" w{n}") for n in range(2, 30)] + [_delta(30, delta=5)]  # type: ignore[arg-type]
    second = [_delta(n, f" w{n}") for n in range(2, 10)]
    path = _tape(
        tmp_path / "two.tape",
        _session(list(first), done=False),
        _session(list(second)),
        closes=(close,),
    )
    verdicts = checked_both_ways(path)
    assert [r.frames for r in verdicts] == [31, 11]
    first_codes = [f.code for f in verdicts[0].findings]
    assert ("SC201", 30) in _found(verdicts[:1])
    assert "SC350" in first_codes  # the response never got its response.done
    assert ("SC602" if close.code == 1011 else "SC601") in first_codes
    assert verdicts[1].findings == []


def test_realtime_deltas_with_odd_text_are_judged_as_the_reference_does(tmp_path: Path) -> None:
    # The deltas repeat but for their event_id and text: every way a text could differ from
    # a plain one, and other members that change (a new item, an index), amid repeats.
    plain = [_delta(n, f" w{n}") for n in range(2, 12)]
    odd = [
        _delta(12, 'a "quoted" line\n'),
        _delta(13, "caf\u00e9 \u2713"),
        _delta(14, " nul X").replace(b"X", rb"\u0000 \ud83d\ude00"),  # escapes as sent
        _delta(15, " \x01tab").replace(b"\\u0001", b"\x01"),  # a raw control character
        _delta(16, " slash").replace(b' slash"', b' slash\\"'),  # the quote escaped: cut
        _delta(17, ""),
        _delta(18, " new item", item_id="item_2"),
        _delta(19, " again", item_id="item_2"),
        _delta(20, " index", content_index=1),
        _event(21, "response.output_audio_transcript.delta", **AT, delta=" heard"),
        _event(22, "response.output_audio_transcript.delta", **AT, delta=" said"),
        _event(23, "error", error={"type": "invalid_request_error", "message": "x"}),
        _delta(24, " after the error"),
        _delta(25, " and on"),
    ]
    middle = [*plain, *odd, *[_delta(n, f" w{n}") for n in range(26, 40)]]
    done = _event(40, "response.done", response={"id": "resp_1", "status": "completed"})
    after = [_delta(n, f" late{n}") for n in range(41, 46)]  # after response.done: SC353
    verdicts = checked_both_ways(
        _tape(tmp_path / "odd.tape", _session([*middle, done, *after], done=False))
    )
    codes = [c for c, _ in _found(verdicts)]
    for code in ("SC101", "SC103", "SC352", "SC353"):
        assert code in codes, codes
    assert sum(1 for c in codes if c == "SC353") == 5


def test_a_user_schema_that_limits_the_delta_keeps_every_event_on_the_full_path(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "schemas" / "openai" / "realtime"
    shutil.copytree(shipped_root() / "openai" / "realtime", folder)
    delta = folder / "ga" / "response.output_text.delta.json"
    schema = json.loads(delta.read_text())
    schema["properties"]["delta"] = {"type": "string", "maxLength": 8}
    delta.write_text(json.dumps(schema))
    middle: list[bytes | Message] = [_delta(n, " short") for n in range(2, 8)]
    middle.append(_delta(8, " far too long a text"))
    path = _tape(tmp_path / "long.tape", _session(middle))
    options = CheckOptions(schema_dirs=(tmp_path / "schemas",))
    assert ("SC201", 8) in _found(checked_both_ways(path, options))
    shipped = checked_both_ways(path)
    assert "SC201" not in [c for c, _ in _found(shipped)]  # the shipped schema takes any


def test_tape_lines_read_the_same_whatever_order_their_keys_come_in(tmp_path: Path) -> None:
    # The reader takes a line as the writer writes it (`{"t": ...` first) without the long way;
    # the same tape with every line's keys in another order takes the long way: same messages,
    # same notes (a time going backwards, an integer time, binary, text and b64 both).
    lines = [
        {"streamcheck_tape": 2, "transport": "websocket", "request": {"url": URL}},
        {"t": 0.5, "dir": "received", "text": '{"a": "h\u00e9"}'},
        {"t": 1, "dir": "received", "text": "x"},
        {"t": 0.25, "dir": "sent", "text": "y"},  # backwards: dropped, with a note
        {"t": 2.0, "dir": "received", "text": "z"},
        {"t": 3.0, "dir": "received", "b64": "AAE="},
        {"t": 4.0, "dir": "received", "text": "t", "b64": "AAE="},
        {"end": "eof", "t": 5.0, "close": "no-close-frame"},
    ]
    written = tmp_path / "written.tape"
    written.write_bytes(b"\n".join(orjson.dumps(line) for line in lines) + b"\n")
    shuffled = tmp_path / "shuffled.tape"
    shuffled.write_bytes(  # the header as it was: a header line must open with its version
        b"\n".join(orjson.dumps(dict(reversed(line.items()))) for line in lines[1:])
    )
    shuffled.write_bytes(orjson.dumps(lines[0]) + b"\n" + shuffled.read_bytes() + b"\n")
    assert written.read_bytes().count(b'{"t":') == 6
    assert shuffled.read_bytes().count(b'{"t":') == 0

    def read(path: Path) -> Any:
        exchange = next(iter(read_path(str(path))))
        messages = list(exchange.messages or ())
        return messages, exchange.notes, exchange.close, exchange.end

    assert read(written) == read(shuffled)
    messages = read(written)[0]
    assert [m.time for m in messages] == [0.5, 1.0, None, None, None, None]


def test_a_run_of_big_messages_holds_about_one_at_a_time(tmp_path: Path) -> None:
    # A run ends at BYTES_PER_RUN too: 24 events of 1 MiB are not held together (about one at
    # a time, as when fed one by one), whatever MESSAGES_PER_RUN allows. Peaks by tracemalloc.
    big = "x" * BYTES_PER_RUN
    item = {"type": "message", "role": "assistant", "status": "completed"}
    middle: list[bytes | Message] = [
        _event(
            n,
            "conversation.item.created",
            previous_item_id=None,
            item={**item, "id": f"item_{n}", "content": [{"type": "output_text", "text": big}]},
        )
        for n in range(2, 26)
    ]
    path = _tape(tmp_path / "big.tape", _session(middle))
    del middle

    def peak() -> int:
        tracemalloc.start()
        try:
            report = check_paths([str(path)])
            _, most = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert report.results[0].frames == 27
        return most

    in_runs = peak()
    with reference_only():
        one_by_one = peak()
    assert in_runs < one_by_one + 4 * BYTES_PER_RUN, (in_runs, one_by_one)


@pytest.mark.parametrize("gap", [0.01, 100.0], ids=["steady", "silence"])
def test_feed_texts_returns_what_feed_message_on_each_returns(gap: float) -> None:
    # The columns a tape's reader gives (model.Texts): the findings, in order, and the verdict
    # of feeding a Message of each one by one; a silence takes the way round by messages.
    events = [_event(0, "session.created", session={"type": "realtime", "id": "sess_1"})]
    events.append(_event(1, "response.created", response={"id": "resp_1"}))
    events += [_delta(n, f" w{n}") for n in range(2, 30)]
    events[10] = _delta(10, delta=5)  # type: ignore[arg-type]
    events[11] = _delta(11, delta=6)  # type: ignore[arg-type]
    times = [round(0.5 + n / 100, 3) for n in range(len(events))]
    times[11:] = [t + gap for t in times[11:]]
    options, catalog = CheckOptions(), Catalog(())

    def checked(one_by_one: bool) -> tuple[list[Finding], ExchangeResult]:
        request = Request("GET", URL)
        exchange = Exchange("s.tape", 0, request, 101, {}, chunks=(), messages=())
        checker = StreamChecker(exchange, options, catalog)
        if one_by_one:
            pairs = zip(events, times, strict=True)
            messages = [Message(Direction.RECEIVED, e, time=t) for e, t in pairs]
            found = [f for m in messages for f in checker.feed_message(m)]
        else:
            found = checker.feed_texts(Texts(events[:5], times[:5]))
            found += checker.feed_texts(Texts(events[5:], times[5:]))
        return found, checker.close()

    together, one_by_one = checked(False), checked(True)
    assert together == one_by_one
    codes = [f.code for f in together[0]]
    assert codes == (["SC201", "SC501", "SC201"] if gap > 30 else ["SC201", "SC201"])
    assert list(together[1].timing)[:3] == ["first_byte", "total", "max_gap"]


@pytest.mark.parametrize("gap", [20.0, 100.0], ids=["widest", "silence"])
def test_the_gap_between_two_runs_of_a_tape_is_timed(tmp_path: Path, gap: float) -> None:
    # The reader ends a run at MESSAGES_PER_RUN received messages; the first message of the
    # next one comes `gap` seconds after the last of the first: the largest silence, or SC501.
    middle: list[bytes | Message] = [_delta(n, f" w{n}") for n in range(2, MESSAGES_PER_RUN)]
    clock = round(0.01 * MESSAGES_PER_RUN, 3) + gap
    middle.append(Message(Direction.RECEIVED, _delta(MESSAGES_PER_RUN, delta=5), time=clock))  # type: ignore[arg-type]
    middle += [
        Message(Direction.RECEIVED, _delta(n, f" w{n}"), time=round(clock + n / 1000, 3))
        for n in range(MESSAGES_PER_RUN + 1, MESSAGES_PER_RUN + 20)
    ]
    verdicts = checked_both_ways(_tape(tmp_path / "boundary.tape", _session(middle)))
    found = _found(verdicts)
    if gap > 30:
        assert found[:2] == [("SC501", None), ("SC201", MESSAGES_PER_RUN)]
    else:
        assert found[:1] == [("SC201", MESSAGES_PER_RUN)]
        assert verdicts[0].timing["max_gap"] == gap


def test_a_sent_message_times_the_received_ones_after_it(tmp_path: Path) -> None:
    # The client's own messages make no frame, but their times are read: a received message
    # timed before the sent one that came before it is a clock going backwards (a note, its
    # time and every later one dropped), whichever way the tape is read.
    middle: list[bytes | Message] = [_delta(n, f" w{n}") for n in range(2, 12)]
    middle.append(Message(Direction.SENT, b'{"type": "response.cancel"}', time=50.0))
    middle += [Message(Direction.RECEIVED, _delta(n, f" w{n}"), time=0.12) for n in range(12, 20)]
    verdicts = checked_both_ways(_tape(tmp_path / "sent.tape", _session(middle)))
    assert "arrival times go backwards" in " ".join(f.message for f in verdicts[0].findings)
    assert verdicts[0].timing["total"] == 0.12


def test_a_tape_read_in_runs_keeps_its_clock_and_its_line_numbers(tmp_path: Path) -> None:
    # Lines the reader's runs take the long way amid short-way ones: an integer time (the
    # clock read back from the long way), then a time going backwards from it (a note, the
    # clock broken) and a later time that must stay dropped; then, in another tape, a bad
    # line after short-way ones must be named by its own line number, whichever way is read.
    def line(time: float, text: bytes, **more: Any) -> bytes:
        return orjson.dumps({"t": time, "dir": "received", "text": text.decode(), **more})

    events = [_event(n, "response.output_text.delta", **AT, delta=f" w{n}") for n in range(6)]
    header = orjson.dumps({"streamcheck_tape": 2, "transport": "websocket", "request": {}})
    end = orjson.dumps({"end": "eof", "t": 4.0, "close": "no-close-frame"})
    clock = [line(0.2, events[0]), line(1, events[1]), line(0.5, events[2])]
    clock += [line(3.0, events[3]), line(3.5, events[4])]
    path = tmp_path / "clock.tape"
    path.write_bytes(b"\n".join([header, *clock, end]) + b"\n")
    verdict = checked_both_ways(path)[0]
    notes = [f.message for f in verdict.findings if "arrival times go backwards" in f.message]
    assert len(notes) == 1 and "line 4" in notes[0]
    assert verdict.timing["total"] == 1.0

    # The bad line opening as the writer writes one (the short way tries it) or not.
    for bad in (b'{"t":0.9,"dir":"received","text":5}', b'{"dir":"received","t":0.9,"text":5}'):
        broken = tmp_path / "bad.tape"
        good = [line(n / 10, events[n]) for n in range(4)]
        broken.write_bytes(b"\n".join([header, *good, bad]))
        with pytest.raises(InputError) as fast:
            check_paths([str(broken)])
        with reference_only(), pytest.raises(InputError) as reference:
            check_paths([str(broken)])
        assert str(fast.value) == str(reference.value)
        assert "line 6: text must be a string" in str(fast.value)

"""Frames that repeat the last one but for their text (check/repeat.py) are judged exactly as the
reference path judges them: every edge a template could get wrong, checked both ways through
the library (`check_paths`) and with the hot paths off (protocols/shortcuts.reference_only)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pytest

from streamcheck.check import StreamChecker, frames, repeat
from streamcheck.check.options import CheckOptions
from streamcheck.model import ExchangeResult
from streamcheck.run import check_paths
from streamcheck.schemas import Catalog, shipped_root
from streamcheck.sources import read_path
from tests.reference import checked_both_ways, verdict


def _chunk(content: str, obfuscation: str | None = "ab12") -> bytes:
    value: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}],
    }
    if obfuscation is not None:
        value["obfuscation"] = obfuscation
    return b"data: " + orjson.dumps(value) + b"\n\n"


def _chat(middle: list[bytes]) -> bytes:
    head = _chunk("").replace(b'"delta":{', b'"delta":{"role":"assistant",')
    tail = _chunk("").replace(b'"finish_reason":null', b'"finish_reason":"stop"')
    return head + b"".join(middle) + tail + b"data: [DONE]\n\n"


def _codes(results: list[ExchangeResult]) -> list[str]:
    return [f.code for r in results for f in r.findings]


@pytest.mark.parametrize("pad", ["ab12", None], ids=["text-then-padding", "text-last"])
def test_text_with_escapes_non_ascii_and_bad_bytes_is_judged_as_the_reference_does(
    tmp_path: Path, pad: str | None
) -> None:
    # With `obfuscation` after the text, the text is an inner body (scanned); without, the
    # text is the last body (found by the tail): both ways of reading a body are exercised.
    plain = [_chunk(f" word{n}", pad and f"pad{n}") for n in range(6)]
    odd = [
        _chunk('a "quoted" line\n', pad),  # escapes: the escaped-body path
        _chunk("caf\u00e9 \u2713", pad),  # past ASCII: orjson checks the body
        _chunk(" fine", pad),
        # Invalid UTF-8 inside the text of a frame that is otherwise a repeat: SC102.
        _chunk(" broken", pad).replace(b" broken", b" bro\xffken"),
        _chunk(" more", pad),
        # A raw control character in the text: not JSON (SC103/SC101 as the full path says).
        _chunk(" tab", pad).replace(b" tab", b" \x01tab"),
        _chunk(" after", pad),
        # A lone backslash before the closing quote: the quote is escaped, the JSON is cut.
        _chunk(" slash", pad).replace(b" slash", b" slash\\"),
        _chunk(" end", pad),
    ]
    path = tmp_path / "odd.sse"
    path.write_bytes(_chat(plain + odd + plain))
    verdicts = checked_both_ways(path)
    codes = _codes(verdicts)
    assert "SC102" in codes, codes
    assert verdicts[0].frames == 2 + len(plain) * 2 + len(odd) + 1


def test_a_user_schema_that_limits_the_text_keeps_every_frame_on_the_full_path(
    tmp_path: Path,
) -> None:
    # A --schemas folder whose chunk schema caps content at 8 characters: a template would
    # carry the first short text's verdict over to a long one; `free` refuses to make one.
    folder = tmp_path / "schemas" / "openai" / "chat-completions"
    shutil.copytree(shipped_root() / "openai" / "chat-completions", folder)
    chunk = folder / "2.3.0" / "chunk.json"
    schema = json.loads(chunk.read_text())
    delta = schema["$defs"]["delta"]["properties"]
    delta["content"] = {"type": ["string", "null"], "maxLength": 8}
    chunk.write_text(json.dumps(schema))
    path = tmp_path / "long.sse"
    texts = [" short", " fine", " ok", " far too long a text"]  # a template would come at " ok"
    path.write_bytes(_chat([_chunk(text) for text in texts]))
    options = CheckOptions(schema_dirs=(tmp_path / "schemas",))
    codes = _codes(checked_both_ways(path, options))
    assert "SC201" in codes, codes
    assert "SC201" not in _codes(checked_both_ways(path))  # the shipped schema takes any text


def test_tool_arguments_and_anthropic_deltas_repeat_as_the_reference_path(tmp_path: Path) -> None:
    # Two tool calls' fragments (the second call's slot is 1), and Anthropic text and tool
    # input whose last fragment cuts the JSON: SC308 must come from what the repeats kept.
    calls = []
    # Runs long enough for a template (made on the third fragment in a row).
    for slot, pieces in (
        (0, ['{"a"', ": 1", ",", ' "c"', ": 2", "}"]),
        (1, ['{"b"', ": [1,", " 2", ",", " 3"]),
    ):
        start = {"index": slot, "id": f"call_{slot}", "type": "function"}
        start["function"] = {"name": "f", "arguments": ""}
        calls.append(_tool_chunk([start]))
        calls += [_tool_chunk([{"index": slot, "function": {"arguments": p}}]) for p in pieces]
    path = tmp_path / "calls.sse"
    path.write_bytes(_chat(calls))
    assert "SC308" in _codes(checked_both_ways(path))

    events = [
        ("message_start", {"type": "message_start", "message": _message()}),
        ("content_block_start", _block_start(0, {"type": "text", "text": ""})),
        *[
            ("content_block_delta", _delta(0, "text_delta", "text", t))
            for t in ("a", "b\n", "c", "d\t", "\u00e9", "f")
        ],
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("content_block_start", _block_start(1, _tool())),
        *[
            ("content_block_delta", _delta(1, "input_json_delta", "partial_json", p))
            for p in ('{"q"', ': "x', 'y"', ", 2")
        ],
        ("content_block_stop", {"type": "content_block_stop", "index": 1}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "tool_use"}}),
        ("message_stop", {"type": "message_stop"}),
    ]
    body = b"".join(
        b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"
        for name, data in events
    )
    anthropic = tmp_path / "anthropic.sse"
    anthropic.write_bytes(body)
    assert "SC308" in _codes(checked_both_ways(anthropic))


def _tool_chunk(calls: list[dict[str, Any]]) -> bytes:
    return _chunk("").replace(b'"content":""', b'"tool_calls":' + orjson.dumps(calls))


def _message() -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }


def _block_start(index: int, block: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": block}


def _tool() -> dict[str, Any]:
    return {"type": "tool_use", "id": "toolu_1", "name": "get", "input": {}}


def _delta(index: int, kind: str, member: str, text: str) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": {"type": kind, member: text}}


@pytest.mark.parametrize(
    ("schema", "free"),
    [
        ({"type": "object", "properties": {"t": {"type": "string"}}}, True),
        ({"properties": {"t": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/s"}]}}}, True),
        ({"properties": {"t": {"type": "string", "maxLength": 3}}}, False),
        ({"properties": {"t": {"enum": ["a", "b"]}}}, False),
        ({"properties": {"t": {"pattern": "^a"}}}, False),
        ({"properties": {"t": {"$ref": "other.json#/s"}}}, False),
        ({"properties": {"u": {"const": 1}}, "additionalProperties": {"const": "x"}}, False),
        ({"properties": {"u": {"const": 1}}}, True),  # constrains another member only
        ({"const": {"t": "a"}}, False),
        ({"if": {"properties": {"t": {"const": "a"}}}, "then": False}, False),
    ],
)
def test_free_says_whether_a_schema_can_tell_one_text_from_another(
    schema: dict[str, Any], free: bool
) -> None:
    schema = {**schema, "$defs": {"s": {"type": "string", "description": "text"}}}
    assert repeat.free(schema, schema, ("t",)) is free


def test_free_follows_arrays_and_refuses_unique_items_on_them() -> None:
    items = {"type": "array", "items": {"properties": {"t": {"type": "string"}}}}
    assert repeat.free(items, items, (0, "t")) is True
    unique = {**items, "uniqueItems": True}
    assert repeat.free(unique, unique, (0, "t")) is False


@pytest.mark.parametrize(
    ("shape", "templates"),
    [
        ("canonical", True),  # orjson's own bytes: no probe parse needed
        ("escaped", True),  # another writer's escapes elsewhere: the probe parse proves it
        ("echoed", False),  # the text's `"content":"..."` also stands elsewhere: no template
    ],
)
def test_templates_from_canonical_and_other_bytes_judge_as_the_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shape: str, templates: bool
) -> None:
    made = _made(monkeypatch)

    def shaped(text: str) -> bytes:
        chunk = _chunk(text, None)
        if shape == "escaped":
            return chunk.replace(b'"gpt-4o"', b'"gpt-4\\u006f"')
        if shape == "echoed":
            # A member elsewhere written with the same bytes as the text's member.
            echo = b'"model":"gpt-4o","x":{"content":' + orjson.dumps(text) + b"}"
            return chunk.replace(b'"model":"gpt-4o"', echo)
        return chunk

    # Runs of the same text, a changed id now and then (the template is dropped and made
    # again), and a text that holds the member itself as escaped text.
    chunks = [shaped(" same") for _ in range(8)]
    chunks[3] = chunks[3].replace(b'"chatcmpl-1"', b'"chatcmpl-2"')
    chunks += [shaped('"content":" same"')] + [shaped(" same") for _ in range(3)]
    path = tmp_path / f"{shape}.sse"
    path.write_bytes(_chat(chunks))
    verdicts = checked_both_ways(path)
    assert verdicts[0].frames == len(chunks) + 3
    assert bool(made) is templates


def test_a_template_is_made_only_where_the_member_at_the_path_is_written() -> None:
    # The text's member written with an escape, and another member written as orjson would
    # write the text's: the one `"content":" same"` in the bytes is not the one at the path.
    # Only the probe parse can tell (the bytes are not orjson's own): no template.
    from streamcheck.model import Frame

    def made(data: bytes) -> repeat.Template | None:
        frame = Frame(index=1, offset=0, line=1, data=data)
        hint = ((("d", "content"),), lambda frame, bodies: None)
        return repeat.make(frame, orjson.loads(data), hint, {"type": "object"})

    assert made(b'{"x":{"content":" same"},"d":{"content":" s\\u0061me"}}') is None
    assert made(b'{"x":{"content":" other"},"d":{"content":" same"}}') is not None
    assert made(b'{"x": {"content":" other"},"d":{"content":" same"}}') is not None  # probed
    assert made(b'{"d":{"content":" same"},"d":{"content":" same"}}') is None  # twice


def test_a_template_of_several_strings_has_them_in_the_order_of_its_paths() -> None:
    # `again` takes the bodies in the order of the hint's paths: a frame writing them in
    # another order (or where one path's member is written at an index) makes no template;
    # one that writes them in order has the bytes around them as its pieces.
    from streamcheck.model import Frame

    def made(data: bytes, *paths: tuple[str | int, ...]) -> repeat.Template | None:
        frame = Frame(index=1, offset=0, line=1, data=data)
        hint = (paths, lambda frame, bodies: None)
        return repeat.make(frame, orjson.loads(data), hint, {"type": "object"})

    data = b'{"a":"one","b":"two","c":3}'
    template = made(data, ("a",), ("b",))
    assert template is not None
    assert template.match(b'{"a":"uno","b":"dos","c":3}') == [b"uno", b"dos"]
    assert template.match(b'{"a":"uno","b":"dos","c":4}') is None
    assert template.head == b'{"a":"'
    assert made(data, ("b",), ("a",)) is None
    assert made(b'{"a":["one"]}', ("a", 0)) is None


# -- frames that fail their schema the same way, past the cap: templates that only count ------


def _broken(content: str, defect: str) -> bytes:
    """A content chunk with one schema defect: a required member gone (SC201) or a role the
    schema does not list (SC205)."""
    chunk = _chunk(content)
    if defect == "no finish_reason":
        return chunk.replace(b',"finish_reason":null', b"")
    return chunk.replace(b'"delta":{', b'"delta":{"role":"bot",')


def _counts(verdicts: list[ExchangeResult]) -> dict[str, str]:
    return {f.code: f.message for r in verdicts for f in r.findings}


@pytest.mark.parametrize(
    ("defect", "code"), [("no finish_reason", "SC201"), ("role", "SC205")], ids=["SC201", "SC205"]
)
@pytest.mark.parametrize("cap", [0, 2, 50])
def test_a_defect_in_every_chunk_is_counted_as_the_reference_counts_it(
    tmp_path: Path, defect: str, code: str, cap: int
) -> None:
    # Every chunk of a broken compatible server has the same defect: past the cap the repeats
    # ride a template that only counts them. Clean chunks, an escaped text and a cut chunk in
    # between drop it; the counts, and the findings shown under the cap, must be the
    # reference's.
    middle = [_broken(f" word{n}", defect) for n in range(80)]
    middle[30:30] = [_chunk(" clean"), _chunk(" clean too")]
    middle[60:60] = [_broken('a "quoted" text', defect), _broken(" cut", defect)[:40] + b"\n\n"]
    path = tmp_path / "broken.sse"
    path.write_bytes(_chat(middle))
    verdicts = checked_both_ways(path, CheckOptions(max_per_code=cap))
    counts = _counts(verdicts)
    shown = sum(1 for r in verdicts for f in r.findings if f.code == code)
    assert shown == min(cap, 81) + (1 if cap < 81 else 0), verdicts
    assert f"{81 - cap} more {code} findings" in counts[code], counts


def test_a_template_from_a_failing_frame_keeps_a_judged_text_on_the_full_path(
    tmp_path: Path,
) -> None:
    # A --schemas folder that lists the content values it allows: the text is judged, so no
    # template may carry one frame's verdict to the next of the same shape (a listed text would
    # be counted as failing, another unlisted one named by the last one's message).
    folder = tmp_path / "schemas" / "openai" / "chat-completions"
    shutil.copytree(shipped_root() / "openai" / "chat-completions", folder)
    chunk = folder / "2.3.0" / "chunk.json"
    schema = json.loads(chunk.read_text())
    schema["$defs"]["delta"]["properties"]["content"] = {"enum": ["", "yes", "no"]}
    chunk.write_text(json.dumps(schema))
    texts = [" maybe", " perhaps", "yes", " later", "no", " never", "yes", "yes", " x", " y"]
    path = tmp_path / "judged.sse"
    path.write_bytes(_chat([_chunk(text) for text in texts * 8]))
    options = CheckOptions(schema_dirs=(tmp_path / "schemas",), max_per_code=1)
    counts = _counts(checked_both_ways(path, options))
    assert "47 more SC205 findings" in counts["SC205"], counts  # 6 texts in 10 are not listed
    # Under the cap, each frame's message names its own value.
    options = CheckOptions(schema_dirs=(tmp_path / "schemas",), max_per_code=4)
    verdicts = checked_both_ways(path, options)
    messages = [f.message for r in verdicts for f in r.findings if f.code == "SC205"][:4]
    for message, text in zip(messages, [" maybe", " perhaps", " later", " never"], strict=True):
        assert repr(text) in message, messages


@pytest.mark.parametrize("cap", [0, 50])
def test_anthropic_deltas_that_name_no_block_repeat_as_the_reference_counts_them(
    tmp_path: Path, cap: int
) -> None:
    # A compatible server that leaves `index` out of every delta (SC201 each): the reference
    # path only counts such an event, and so do the hot path and its repeats. Some name no
    # block in other ways (a string, true, null), some are thinking deltas or carry no text,
    # and a clean delta sits between: the findings, the counts and the events must be the
    # reference's.
    def unplaced(text: str, index: Any = "absent", kind: str = "text_delta") -> dict[str, Any]:
        delta = _delta(0, kind, "thinking" if kind == "thinking_delta" else "text", text)
        if index == "absent":
            del delta["index"]
        else:
            delta["index"] = index
        return delta

    deltas = [unplaced(f" w{n}") for n in range(70)]
    deltas[20:20] = [unplaced(" s", "0"), unplaced(" t", True), unplaced(" n", None)]
    deltas[40:40] = [_delta(0, "text_delta", "text", " clean"), unplaced(" x", kind="txt")]
    deltas[50:50] = [unplaced(" think", kind="thinking_delta") for _ in range(3)]
    deltas[60:60] = [{"type": "content_block_delta", "delta": "odd"}]
    events = [
        ("message_start", {"type": "message_start", "message": _message()}),
        ("content_block_start", _block_start(0, {"type": "text", "text": ""})),
        *[("content_block_delta", d) for d in deltas],
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        # An error event ends it: its SC403 says how many content events came, which the
        # events that name no block are not.
        ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}),
    ]
    path = tmp_path / "unplaced.sse"
    path.write_bytes(
        b"".join(
            b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"
            for name, data in events
        )
    )
    verdicts = checked_both_ways(path, CheckOptions(max_per_code=cap))
    counts = _counts(verdicts)
    assert "SC201" in counts, counts
    if cap == 0:
        assert " more SC201 findings" in counts["SC201"], counts
    else:
        assert "(after 1 content event)" in counts["SC403"], counts  # the clean one only


# -- several shapes in turn: a template kept for each (check/frames.py, KEPT) ------------------


def _made(monkeypatch: pytest.MonkeyPatch, anywhere: bool = True) -> list[repeat.Template]:
    """The templates the next checks make: by default those of checked_both_ways' run with
    templates anywhere (the reference path makes none, and the run as shipped makes a subset
    of them, which would double the counts); every one with `anywhere` False."""
    made: list[repeat.Template] = []

    class Counted(repeat.Template):
        def __init__(self, *args: Any) -> None:
            if frames.PAYS_AFTER == 0 or not anywhere:
                made.append(self)
            super().__init__(*args)

    monkeypatch.setattr(repeat, "Template", Counted)
    return made


def _cut(chunk: bytes) -> bytes:
    data = chunk[len(b"data: ") : -2]
    return b"data: " + data[: len(data) // 2] + b"\n\n"


@pytest.mark.parametrize("cap", [0, 2, 50])
def test_defects_in_turn_ride_a_template_each_as_the_reference_counts_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cap: int
) -> None:
    # A broken server whose chunks fail in turn: a required member missing (the text varies),
    # a text that is a number (the same bytes each time), a role the schema does not list, and
    # JSON cut in half; then a tool call's fragments, a clean chunk and the finish. No two
    # failing chunks in a row are alike, so each shape needs its own template.
    made = _made(monkeypatch)
    middle = []
    for n in range(40):
        number = _chunk(" x").replace(b'"content":" x"', b'"content":42')
        cut = _cut(_chunk(f" cut{n % 3}"))
        middle += [_broken(f" w{n}", "no finish_reason"), number, _broken(" x", "role"), cut]
    middle.insert(70, _chunk(" clean"))  # a clean chunk among them
    start = {"index": 0, "id": "call_0", "type": "function"}
    start["function"] = {"name": "f", "arguments": ""}
    middle.append(_tool_chunk([start]))
    middle += [_tool_chunk([{"index": 0, "function": {"arguments": p}}]) for p in '{"a": 12}']
    path = tmp_path / "turns.sse"
    path.write_bytes(_chat(middle))
    verdicts = checked_both_ways(path, CheckOptions(max_per_code=cap))
    counts = _counts(verdicts)
    assert {"SC101", "SC201", "SC205"} <= counts.keys(), counts
    if cap == 0:
        assert "80 more SC201 findings" in counts["SC201"], counts
        assert "40 more SC205 findings" in counts["SC205"], counts
    # Each failing shape rode its own template (the reference path makes none).
    assert sum(1 for t in made if t.code is not None and t.used) >= (3 if cap < 40 else 0), made
    assert any(t.code is None and t.used for t in made), made  # the tool call's fragments


def _anthropic(events: list[tuple[str, Any]]) -> bytes:
    return b"".join(
        b"event: "
        + name.encode()
        + b"\ndata: "
        + (d if type(d) is bytes else orjson.dumps(d))
        + b"\n\n"
        for name, d in events
    )


@pytest.mark.parametrize("cap", [0, 50])
def test_anthropic_defects_in_turn_are_dropped_at_a_block_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cap: int
) -> None:
    # Deltas that fail in turn (no index, a text that is a number, a delta type no version
    # has, cut JSON) ride a template each; the block's stop drops them, so the same deltas
    # after it are judged late (SC305) as the reference judges them; an error event ends the
    # stream and its SC403 counts the content events, which the repeats must have counted.
    made = _made(monkeypatch)

    def no_index(text: str) -> dict[str, Any]:
        delta = _delta(0, "text_delta", "text", text)
        del delta["index"]
        return delta

    def turn(n: int) -> list[tuple[str, Any]]:
        number = {**_delta(0, "text_delta", "text", ""), "delta": {"type": "text_delta", "text": 4}}
        cut = orjson.dumps(_delta(0, "text_delta", "text", f" c{n}"))
        return [
            ("content_block_delta", no_index(f" w{n}")),
            ("content_block_delta", number),
            ("content_block_delta", _delta(0, "txt_delta", "text", f" t{n}")),
            ("content_block_delta", cut[: len(cut) // 2]),
        ]

    events = [
        ("message_start", {"type": "message_start", "message": _message()}),
        ("content_block_start", _block_start(0, {"type": "text", "text": ""})),
        *[event for n in range(30) for event in turn(n)],
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        *[event for n in range(5) for event in turn(n)],
        ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}),
    ]
    path = tmp_path / "turns.sse"
    path.write_bytes(_anthropic(events))
    verdicts = checked_both_ways(path, CheckOptions(max_per_code=cap))
    counts = _counts(verdicts)
    assert "SC305" in counts and "SC403" in counts, counts
    if cap:  # the text, the number and the type placed in block 0: two content events a turn
        assert "(after 60 content events)" in counts["SC403"], counts
    # A template for each failing shape whose code is no longer reported (SC205 is at 50).
    assert sum(1 for t in made if t.used) >= (2 if cap else 3), made


def test_a_delta_type_no_version_has_repeats_as_the_reference_counts_it(tmp_path: Path) -> None:
    # A new delta type streams its text in a member of its own: the reference counts each as
    # content and judges nothing else of it; so do the hot path and its repeats. Its type as
    # a list or an object (not a name) goes the reference's way too.
    events = [
        ("message_start", {"type": "message_start", "message": _message()}),
        ("content_block_start", _block_start(0, {"type": "text", "text": ""})),
        *[
            ("content_block_delta", _delta(0, "poem_delta", "verse", f" line {n}"))
            for n in range(6)
        ],
        ("content_block_delta", _delta(0, "text_delta", "text", " plain")),
        ("content_block_delta", {**_delta(0, "", "text", " a"), "delta": {"type": ["x"]}}),
        ("content_block_delta", {**_delta(0, "", "text", " b"), "delta": {"type": {"x": 1}}}),
        *[("content_block_delta", _delta(0, "poem_delta", "verse", f" {n}")) for n in range(4)],
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}),
    ]
    path = tmp_path / "poem.sse"
    path.write_bytes(_anthropic(events))
    counts = _counts(checked_both_ways(path))
    assert "(after 13 content events)" in counts["SC403"], counts
    # With the schema's SC205 not selected, the new type's deltas ride a template.
    counts = _counts(checked_both_ways(path, CheckOptions(ignore=("SC205",))))
    assert "SC205" not in counts and "(after 13 content events)" in counts["SC403"], counts


def test_a_repeat_keeps_the_camel_case_finish_of_the_chunk_it_repeats(tmp_path: Path) -> None:
    # Two shapes in turn, one with Gemini's camelCase `finishReason`: SC303 at the end names
    # it only when the last chunk has it. A repeat does not set the last choice, so a chunk
    # with one never makes a template.
    def camel(text: str) -> bytes:
        return _chunk(text).replace(b'"finish_reason":null', b'"finishReason":"STOP"')

    for last in ("camel", "plain"):
        middle = [camel(f" a{n}") for n in range(4)] + [_chunk(f" b{n}") for n in range(4)]
        middle += [camel(" again"), _chunk(" again")] * 3
        if last == "camel":
            middle.pop()
        head = _chunk("").replace(b'"delta":{', b'"delta":{"role":"assistant",')
        path = tmp_path / f"{last}.sse"
        path.write_bytes(head + b"".join(middle))
        counts = _counts(checked_both_ways(path))
        assert ("finishReason 'STOP'" in counts["SC303"]) is (last == "camel"), counts


def test_lines_of_one_event_judged_as_frames_drop_the_templates(tmp_path: Path) -> None:
    # A recording without blank lines between two of its events: their data arrive as one
    # event of two JSON lines, judged one by one (check/recorders.py). Here the second is the
    # finish: the same chunks after it come after the finish (SC305), as the reference says,
    # not as repeats of the chunks before (the templates kept through other shapes).
    chunks = [_chunk(" same") for _ in range(6)]
    finish = _chunk("").replace(b'"finish_reason":null', b'"finish_reason":"stop"')
    joined = chunks[0][:-2] + b"\n" + finish
    head = _chunk("").replace(b'"delta":{', b'"delta":{"role":"assistant",')
    path = tmp_path / "joined.sse"
    path.write_bytes(head + b"".join(chunks) + joined + b"".join(chunks) + b"data: [DONE]\n\n")
    codes = _codes(checked_both_ways(path))
    assert "SC902" in codes and codes.count("SC305") == 6, codes


@pytest.mark.parametrize("cap", [0, 50])
def test_a_chunk_cut_short_anywhere_is_judged_as_the_reference_judges_it(
    tmp_path: Path, cap: int
) -> None:
    # A content chunk cut at every byte, each between repeats of its shape (a template kept):
    # a cut in its fixed bytes or its text is told from the template without orjson's
    # exception; the rest (a cut text past ASCII, bytes after the text, another shape's
    # start) go through orjson. SC101, SC102 or SC103, each message: the reference's.
    text = " caf\u00e9 \u2713\u2713 ok"  # cut inside a character: SC102
    whole = _chunk(text)[len(b"data: ") : -2]
    number = _chunk(" x").replace(b'"content":" x"', b'"content":42')
    odd = [
        whole.replace(f'{text}"'.encode(), b' ok"xy'),  # a quote ends the text too soon
        whole.replace(f'{text}"'.encode(), b" ok\\"),  # an escape cut in half
        b'{"id": oops',  # not this shape at all
        b"[1, 2",
    ]
    middle = []
    for at in range(1, len(whole)):
        middle += [_chunk(f" w{at}"), _chunk(f" v{at}"), number, number]
        middle.append(b"data: " + whole[:at] + b"\n\n")
    for at in range(1, len(number) - 8):  # the bytes of its data, cut
        middle += [number, number, number, b"data: " + number[6:-2][:at] + b"\n\n"]
    middle += [frame for data in odd for frame in (_chunk(" w"), b"data: " + data + b"\n\n")]
    path = tmp_path / "cut.sse"
    path.write_bytes(_chat(middle))
    counts = _counts(checked_both_ways(path, CheckOptions(max_per_code=cap)))
    assert {"SC101", "SC102", "SC103"} <= counts.keys(), counts
    assert "SC109" not in counts, counts


def test_a_body_held_whole_makes_a_template_only_where_enough_frames_follow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A short answer read whole from its file: a template among its last frames could not pay
    # for itself (frames.PAYS_AFTER), so none is made and its repeats take the full path. The
    # same bytes fed as a live stream, whose end is not known, make one; so does a long answer
    # read whole, early in it. The verdicts are the reference's either way.
    made = _made(monkeypatch, anywhere=False)
    path = tmp_path / "short.sse"
    path.write_bytes(_chat([_chunk(f" w{n}") for n in range(12)]))
    held = check_paths([str(path)]).results
    assert made == []
    exchange = next(read_path(str(path)))
    checker = StreamChecker(replace(exchange, chunks=()), CheckOptions(), Catalog())
    checker.feed(path.read_bytes())
    live = checker.close(exchange.end)
    assert [t.used for t in made] == [True]
    assert [verdict(r) for r in held] == [verdict(live)]
    assert [verdict(r) for r in held] == [verdict(r) for r in checked_both_ways(path)]
    made.clear()
    path.write_bytes(_chat([_chunk(f" w{n}") for n in range(60)]))
    long = check_paths([str(path)]).results
    assert [t.used for t in made] == [True]
    assert long[0].frames == 63 and not _codes(long)

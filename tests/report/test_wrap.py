"""report/wrap.py splits styled text into words with str.split (a report of many findings
wraps every message, hint and fix): the words must be the ones a character-by-character scan
finds, whatever the spaces, tabs, line breaks and piece boundaries."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from streamcheck.report import wrap

_SPACES = " \t\n\r"


def _reference(pieces: list[tuple[str, str | None]]) -> list[list[tuple[str, str | None]]]:
    """Words as runs of characters that are no space, each keeping its pieces' styles."""
    words: list[list[tuple[str, str | None]]] = []
    current: list[tuple[str, str | None]] = []
    for text, style in pieces:
        run = ""
        for char in text:
            if char in _SPACES:
                if run:
                    current.append((run, style))
                    run = ""
                if current:
                    words.append(current)
                    current = []
            else:
                run += char
        if run:
            current.append((run, style))
    if current:
        words.append(current)
    return words


pieces = st.lists(
    st.tuples(
        st.text(alphabet=st.sampled_from(["a", "b", "é", " ", "\t", "\n", "\r", "…"]), max_size=12),
        st.sampled_from([None, "bold", "red"]),
    ),
    max_size=5,
)


@settings(max_examples=500, deadline=None)
@given(pieces)
def test_words_are_the_character_scans_words(given_pieces: list[tuple[str, str | None]]) -> None:
    assert wrap._words(given_pieces) == _reference(given_pieces)


@settings(max_examples=300, deadline=None)
@given(pieces, st.integers(min_value=1, max_value=30), st.integers(min_value=0, max_value=8))
def test_filled_lines_fit_and_keep_every_word(
    given_pieces: list[tuple[str, str | None]], width: int, hanging: int
) -> None:
    lines = wrap.fill([("  ", None)], given_pieces, width, hanging)
    text = wrap.plain(lines)
    words = ["".join(t for t, _ in word) for word in _reference(given_pieces)]
    for line in text.split("\n")[1:]:
        assert len(line) <= max(width, hanging + 1)
    elided = [w for w in words if wrap.ELLIPSIS in w]
    if not elided and all(len(w) <= max(width - hanging - 1, 1) for w in words):
        assert text.split() == words


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(["a", "b", " ", "\t", "\n", "…"]), max_size=40),
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=1, max_value=60),
    st.integers(min_value=0, max_value=8),
)
def test_one_piece_that_fits_is_filled_as_the_words_would_be(
    text: str, cut: int, width: int, hanging: int
) -> None:
    # One unstyled piece that fits is taken whole (wrap.fill's shortcut); the same text in
    # two pieces goes word by word: both must print the same lines.
    lead = [("    ", None), ("x", "bold"), (" ", None)]
    whole = wrap.plain(wrap.fill(lead, [(text, None)], width, hanging))
    split = wrap.plain(wrap.fill(lead, [(text[:cut], None), (text[cut:], None)], width, hanging))
    assert whole == split


def test_a_message_that_fits_is_one_line_with_single_blanks() -> None:
    lines = wrap.fill([("  ", None)], [("frame 3: JSON is cut off", None)], 80, 4)
    assert wrap.plain(lines) == "  frame 3: JSON is cut off"
    assert wrap.plain(wrap.fill([], [(" two  blanks ", None)], 80, 2)) == "two blanks"

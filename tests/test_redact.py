"""Masking in free text (a finding's message and evidence): the substring tests that let text
with no credential-like word skip the two pattern searches mask what the searches mask."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from streamcheck import redact

# Pieces of text: the shapes _KEY_PATTERNS masks, JSON members _JSON_SECRET masks (in other
# cases, and with the letters that (?i) takes for ASCII ones: the Kelvin sign, long s,
# dotless and dotted i), and what frames hold around them.
PIECES = [
    "sk-ant-api03-abcdefgh",
    "sk-proj-abcdefghijklmnop1234",
    "AIzaSyA1234567890abcdefghijklmnopqrstu",
    "gsk_abcdefghijklmnopqrstuv",
    "xai-abcdefghijklmnopqrstuv",
    "hf_abcdefghijklmnopqrstuv",
    "r8_abcdefghijklmnopqrstuv",
    "AKIAABCDEFGHIJKLMNOP",
    "ASIAABCDEFGHIJKLMNOP",
    "eyJhbGciOiJI.eyJzdWIiOiIx.sig",
    "Signature=" + "ab" * 16,
    "Bearer abcdefgh12",
    "bearer abcdefgh12",
    "Basic dXNlcjpwYXNz",
    '"api_key": "v1"',
    '"X-Api-Key":"v2"',
    '"AUTHORIZATION" : "v3"',
    '"access-token":"v4"',
    '"client_secret":"v5"',
    '"Password":"v6"',
    '"subscription_key":"v7"',
    '"client_\u017fecret":"v8"',  # long s
    '"api_\u212aey":"v9"',  # Kelvin sign
    '"\u0131d_token":"v10"',  # dotless i
    '"\u0130D_TOKEN":"v11"',  # dotted capital I
    '"token":"logprob"',
    '"content":" a key, a token"',
    '{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[]}',
    "sk-",
    "eyJ",
    "earer ",
    "é",
    " ",
    '"',
    ":",
]


def searched(text: str) -> str:
    """What the two searches alone make of `text` (no secret in scope)."""
    text = re.sub(redact._KEY_PATTERNS, redact.MASK, text)
    return re.sub(redact._JSON_SECRET, lambda m: m.group(1) + redact.MASK + m.group(3), text)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=8))
def test_masked_text_is_what_the_searches_make_of_it(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert redact.text(text) == searched(text)


def test_every_shape_and_named_member_is_masked() -> None:
    for piece in PIECES[:25]:
        assert redact.MASK in redact.text(f"before {piece} after"), piece
    assert redact.text(PIECES[-10]) == PIECES[-10]  # a bare "token" member is content

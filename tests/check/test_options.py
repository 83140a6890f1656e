"""CheckOptions.protocols: which protocols detection offers, in which order, for the flags and
config defaults a run has (asked once per exchange)."""

from __future__ import annotations

from streamcheck.check import CheckOptions
from streamcheck.protocols import every, find


def test_no_flag_and_no_default_offers_every_protocol_in_detection_order() -> None:
    for _ in range(2):  # the same answer every exchange
        assert [p.name for p in CheckOptions().protocols()] == list(every())


def test_the_configs_default_provider_comes_first_then_the_others_once() -> None:
    ollama = find("ollama")
    assert ollama
    for _ in range(2):
        offered = list(CheckOptions(default_provider="ollama").protocols())
        assert offered[: len(ollama)] == ollama
        assert sorted(p.name for p in offered) == sorted(every())
    assert CheckOptions(provider="ollama").protocols() == ollama

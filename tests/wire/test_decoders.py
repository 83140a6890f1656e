"""wire.decoder_class / decoder_for: each framing's decoder, its module imported on first use
and the class kept for the next exchange (a folder run asks once per file)."""

from __future__ import annotations

import importlib

from streamcheck.model import Location
from streamcheck.wire import DECODERS, decoder_class, decoder_for


def test_each_framing_gets_its_own_decoder_every_time() -> None:
    for _ in range(2):  # the second round takes the kept classes
        for framing, (module, name) in DECODERS.items():
            cls = decoder_class(framing)
            assert cls is getattr(importlib.import_module(module), name)
            decoder = decoder_for(framing, Location(source="t"))
            assert type(decoder) is cls and decoder.framing == framing

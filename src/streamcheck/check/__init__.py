"""The pipeline for one exchange: sniff, decode, parse, validate, run the grammar, collect.

`exchange.py` drives one exchange, `frames.py` is the per-frame hot path, `body.py` judges
answers that are not streams, `sink.py` collects findings; `CheckOptions` says what to check.
Messages are built only for frames that fail.
"""

from streamcheck.check.exchange import ExchangeChecker, check_exchange
from streamcheck.check.options import CheckOptions

__all__ = ["CheckOptions", "ExchangeChecker", "check_exchange"]

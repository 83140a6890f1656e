"""What comes out of every checked live exchange, for `proxy` and `ext-proc` alike.

A driver checks an exchange with the push checker, keeps its body beside it (`BodyKeeper`),
and hands plain data (`Observed`) to `Outputs.emit`, which writes one JSON log line
(`logline.py`), a redacted tape of a failing exchange into a capped folder (`tapes.py`),
Prometheus metrics with bounded labels (`metrics.py`, `labels.py`) and an OpenTelemetry span
with the GenAI semantic conventions' attributes (`spans.py`). `verdict.py` says which class an
exchange falls in (smoke's classes); `facts.py` reads the response model, finish reasons and
usage from the bytes. The optional packages load only when their output is switched on.
"""

from streamcheck.live.observe.facts import BodyKeeper, StreamFacts
from streamcheck.live.observe.observed import Observed
from streamcheck.live.observe.outputs import OutputOptions, Outputs
from streamcheck.live.observe.verdict import verdict

__all__ = ["BodyKeeper", "Observed", "OutputOptions", "Outputs", "StreamFacts", "verdict"]

"""`streamcheck ext-proc`: an Envoy external processor that checks every stream it is shown.

Envoy's ext_proc filter (`observability_mode: true`, response body `STREAMED`) sends one gRPC
stream per HTTP exchange: the request headers, the request body, the response headers and the
response body chunks as they pass. `messages.py` turns each `ProcessingRequest` into plain
data, `session.py` (no I/O) builds the exchange from them and feeds the checker, `servicer.py`
is the gRPC loop (sampling, the cap on checked streams, an empty CONTINUE answer when Envoy
is not in observability mode), and `server.py` serves it. The outputs are live/observe's.
"""

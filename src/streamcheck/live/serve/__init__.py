"""`streamcheck serve`: replay recordings as a local provider endpoint, with injected faults.
Empty on purpose: `serve --help` reads fault_names.py without loading the server."""

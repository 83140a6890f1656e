"""`streamcheck proxy`: a reverse proxy that forwards every byte unchanged and tees each
exchange into the push checker (streamcheck.check)."""

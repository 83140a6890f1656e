"""`streamcheck ext-proc`: an Envoy external processor that feeds the push checker."""

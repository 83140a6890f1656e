"""The network half, one room per job: `serve/` (the replay server), `call/` (record, smoke),
`conform/`, `observe/` (what proxy and ext-proc write), `proxy/` and `extproc/`. The modules
here (`targets.py`, `exitcodes.py`) are shared by the rooms; a room imports them and the
pipeline, never another room (ARCHITECTURE.md lists the exceptions)."""

"""The network half: live calls (record, smoke) and the replay server (serve)."""

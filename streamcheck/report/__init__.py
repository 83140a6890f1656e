"""Reporters turn a Report into text. They compute nothing and never see raw bytes."""

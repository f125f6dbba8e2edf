"""Guided self-help before filing (docs/features/self-help.md)."""

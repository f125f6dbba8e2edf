"""Consented call recordings, uploaded in resumable chunks (docs/features/calls.md)."""

"""Consented call recordings, uploaded in resumable chunks (docs/fragments/recording.md)."""

"""The minutes (调解笔录) of mediation sessions (docs/features/minutes.md)."""
